package tcp

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
)

// WriteRecords writes a database whose records are the packed 24-byte
// descriptors recs, in the order given, with the index OpenDB expects.
// Unlike WriteDB it needs no command names: it is for descriptors that
// already exist, such as a capture to validate or a benchmark's working
// set, and it scales to millions of records. Every record must be Valid
// (OpenDB rejects a database with a bad record); the error names the first
// that is not.
func WriteRecords(w io.Writer, recs []byte) error {
	if len(recs)%Size != 0 {
		return fmt.Errorf("tcp: descriptor database: %d bytes of records is not a whole number of %d-byte descriptors", len(recs), Size)
	}
	n := len(recs) / Size
	if uint64(n) > (1<<32-1-DBHeaderSize)/(dbIndexEntry+Size) {
		return fmt.Errorf("tcp: descriptor database: %d records is more than a database can index", n)
	}
	// One word per index entry: hash above, record number below, so the
	// word order is the index order. Records written in hash order (as a
	// benchmark generator does) make the sort a linear scan.
	index := make([]uint64, n)
	for i := range n {
		rec := recs[i*Size : (i+1)*Size]
		if !Valid(rec) {
			_, err := Decode(rec)
			return fmt.Errorf("tcp: descriptor database: record %d: %w", i, err)
		}
		index[i] = uint64(binary.BigEndian.Uint32(rec[6:10]))<<32 | uint64(i)
	}
	slices.Sort(index)
	bw := bufio.NewWriterSize(w, 1<<20)
	var hdr [DBHeaderSize]byte
	copy(hdr[0:8], DBMagic)
	binary.BigEndian.PutUint16(hdr[8:10], DBVersion)
	binary.BigEndian.PutUint16(hdr[10:12], Size)
	binary.BigEndian.PutUint32(hdr[12:16], uint32(n))
	binary.BigEndian.PutUint64(hdr[16:24], uint64(DBHeaderSize+dbIndexEntry*n))
	bw.Write(hdr[:])
	var e [dbIndexEntry]byte
	for _, k := range index {
		binary.BigEndian.PutUint64(e[:], k)
		bw.Write(e[:])
	}
	bw.Write(recs)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("tcp: writing descriptor database: %w", err)
	}
	return nil
}
