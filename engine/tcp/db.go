package tcp

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"
)

// The descriptor database file, all integers big-endian:
//
//	0–7    magic "TCPDB\x00\x01\x00"
//	8–9    format version (1)
//	10–11  record size (24)
//	12–15  record count n
//	16–23  offset R of the first record: a multiple of 8, at least 24 + 8n
//	24…    index: n entries of (name hash uint32, record number uint32),
//	       sorted by hash, then record number
//	R…     n packed 24-byte v2 descriptors; the file ends with the last one
//
// WriteDB writes R = 24 + 8n, so the records start 8-byte aligned and, being
// 24 bytes each, every record is 8-byte aligned in a mapping.
const (
	// DBMagic is the first eight bytes of a descriptor database file.
	DBMagic = "TCPDB\x00\x01\x00"
	// DBVersion is the format version WriteDB writes and OpenDB reads.
	DBVersion = 1
	// DBHeaderSize is the size of the fixed header before the index.
	DBHeaderSize = 24
	dbIndexEntry = 8
)

// Errors of OpenDB besides ErrLength, ErrMagic, ErrVersion and ErrChecksum.
var (
	ErrDBLayout = errors.New("inconsistent layout")
	ErrDBIndex  = errors.New("bad index")
)

// Entry is one command for WriteDB.
type Entry struct {
	Name                 string
	Flags                Flags
	ExecMS, MemMB, OutKB int
}

// WriteDB writes a database of entries to w: records in the order given,
// index sorted by name hash. Empty or repeated names, and two names with the
// same hash and length (which Lookup could not tell apart), are errors.
func WriteDB(w io.Writer, entries []Entry) error {
	if uint64(len(entries)) > (1<<32-1-DBHeaderSize)/(dbIndexEntry+Size) {
		return fmt.Errorf("tcp: descriptor database: %d entries is more than a database can index", len(entries))
	}
	type key struct {
		hash uint32
		idx  uint32
	}
	index := make([]key, len(entries))
	byKey := make(map[[2]uint32]string, len(entries))
	for i, e := range entries {
		if e.Name == "" {
			return fmt.Errorf("tcp: descriptor database: entry %d has no name", i)
		}
		h := NameHash(e.Name)
		k := [2]uint32{h, uint32(sat16(len(e.Name)))}
		if prev, dup := byKey[k]; dup {
			if prev == e.Name {
				return fmt.Errorf("tcp: descriptor database: %q is listed twice", e.Name)
			}
			return fmt.Errorf("tcp: descriptor database: %q and %q have the same name hash %08x and length", prev, e.Name, h)
		}
		byKey[k] = e.Name
		index[i] = key{h, uint32(i)}
	}
	slices.SortFunc(index, func(a, b key) int {
		if a.hash != b.hash {
			if a.hash < b.hash {
				return -1
			}
			return 1
		}
		return int(a.idx) - int(b.idx)
	})
	bw := bufio.NewWriter(w)
	var hdr [DBHeaderSize]byte
	copy(hdr[0:8], DBMagic)
	binary.BigEndian.PutUint16(hdr[8:10], DBVersion)
	binary.BigEndian.PutUint16(hdr[10:12], Size)
	binary.BigEndian.PutUint32(hdr[12:16], uint32(len(entries)))
	binary.BigEndian.PutUint64(hdr[16:24], uint64(DBHeaderSize+dbIndexEntry*len(entries)))
	bw.Write(hdr[:])
	for _, k := range index {
		var b [dbIndexEntry]byte
		binary.BigEndian.PutUint32(b[0:4], k.hash)
		binary.BigEndian.PutUint32(b[4:8], k.idx)
		bw.Write(b[:])
	}
	for _, e := range entries {
		rec := Encode(e.Name, e.Flags, e.ExecMS, e.MemMB, e.OutKB)
		bw.Write(rec[:])
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("tcp: writing descriptor database: %w", err)
	}
	return nil
}

// DB is an opened descriptor database over a byte slice, typically a
// read-only mapping of the file (MapFile). It is safe for concurrent use.
type DB struct {
	index []byte // n × 8
	recs  []byte // n × 24
	n     int
	memo  [memoSlots]atomic.Pointer[memo]
}

func dbErr(off int, err error, format string, args ...any) error {
	return &DecodeError{"descriptor database", off, err, fmt.Sprintf(format, args...)}
}

// OpenDB checks data and returns the database over it; data is not copied
// and must not change while the DB is used. It checks the header, that the
// count agrees with the size, that the index is sorted and points at
// records with the same name hash, and every record's magic, version and
// checksum, so Lookup never meets a bad record. Errors are *DecodeError
// values with the byte offset of the problem.
func OpenDB(data []byte) (*DB, error) {
	if len(data) < DBHeaderSize {
		return nil, dbErr(len(data), ErrLength, "%d bytes is shorter than the %d-byte header (truncated file?)", len(data), DBHeaderSize)
	}
	if string(data[0:8]) != DBMagic {
		return nil, dbErr(0, ErrMagic, "got %q, want %q (not a descriptor database)", data[0:8], DBMagic)
	}
	if v := binary.BigEndian.Uint16(data[8:10]); v != DBVersion {
		return nil, dbErr(8, ErrVersion, "format version %d, this reader reads version %d", v, DBVersion)
	}
	if rs := binary.BigEndian.Uint16(data[10:12]); rs != Size {
		return nil, dbErr(10, ErrDBLayout, "record size %d, v2 records are %d bytes", rs, Size)
	}
	n := uint64(binary.BigEndian.Uint32(data[12:16]))
	r := binary.BigEndian.Uint64(data[16:24])
	idxEnd := DBHeaderSize + dbIndexEntry*n
	switch {
	case r%8 != 0:
		return nil, dbErr(16, ErrDBLayout, "records offset %d is not 8-byte aligned", r)
	case r < idxEnd:
		return nil, dbErr(16, ErrDBLayout, "records offset %d overlaps the index of %d entries, which ends at %d", r, n, idxEnd)
	case r > uint64(len(data)) || uint64(len(data))-r != n*Size:
		return nil, dbErr(12, ErrDBLayout, "count %d needs %d record bytes at offset %d, the file has %d bytes (truncated or count wrong)", n, n*Size, r, len(data))
	}
	db := &DB{index: data[DBHeaderSize:idxEnd], recs: data[r:], n: int(n)}
	for i := 0; i < db.n; i++ {
		rec := db.recs[i*Size : (i+1)*Size]
		if _, err := Decode(rec); err != nil {
			var de *DecodeError
			errors.As(err, &de)
			return nil, dbErr(int(r)+i*Size+de.Offset, de.Err, "record %d: %s", i, de.Detail)
		}
	}
	var prevHash, prevIdx uint32
	for i := 0; i < db.n; i++ {
		h, idx := db.indexAt(i)
		off := DBHeaderSize + i*dbIndexEntry
		switch {
		case uint64(idx) >= n:
			return nil, dbErr(off+4, ErrDBIndex, "entry %d points at record %d, there are %d", i, idx, n)
		case i > 0 && (h < prevHash || h == prevHash && idx <= prevIdx):
			return nil, dbErr(off, ErrDBIndex, "entry %d (hash %08x, record %d) is out of order", i, h, idx)
		case binary.BigEndian.Uint32(db.recs[int(idx)*Size+6:]) != h:
			return nil, dbErr(off, ErrDBIndex, "entry %d has hash %08x, record %d has %08x", i, h, idx, binary.BigEndian.Uint32(db.recs[int(idx)*Size+6:]))
		}
		prevHash, prevIdx = h, idx
	}
	return db, nil
}

func (db *DB) indexAt(i int) (hash, idx uint32) {
	e := db.index[i*dbIndexEntry:]
	return binary.BigEndian.Uint32(e[0:4]), binary.BigEndian.Uint32(e[4:8])
}

// Len returns the number of records.
func (db *DB) Len() int {
	if db == nil {
		return 0
	}
	return db.n
}

// Records returns the packed 24-byte records, in file order. The slice
// aliases the database's memory; do not modify it.
func (db *DB) Records() []byte {
	if db == nil {
		return nil
	}
	return db.recs
}

// Record returns record i, 0 ≤ i < Len().
func (db *DB) Record(i int) Descriptor {
	d, _ := Decode(db.recs[i*Size : (i+1)*Size]) // checked by OpenDB
	return d
}

// memo caches recent Lookup answers: the MD5 behind a name hash costs more
// than a whole decision, and the same few tools are asked about again and
// again. Answers are deterministic, so the cache never changes a result.
type memo struct {
	name string
	d    Descriptor
	ok   bool
}

const memoSlots = 256

// Lookup returns the descriptor of the command called name: a binary search
// of the index for its name hash, then the record whose name length agrees.
// A nil *DB finds nothing.
func (db *DB) Lookup(name string) (Descriptor, bool) {
	if db == nil {
		return Descriptor{}, false
	}
	h := uint32(2166136261) // FNV-1a, only to pick a memo slot
	for i := 0; i < len(name); i++ {
		h = (h ^ uint32(name[i])) * 16777619
	}
	slot := &db.memo[h%memoSlots]
	if m := slot.Load(); m != nil && m.name == name {
		return m.d, m.ok
	}
	d, ok := db.lookup(name)
	slot.Store(&memo{name: strings.Clone(name), d: d, ok: ok}) // name may alias a long command line
	return d, ok
}

func (db *DB) lookup(name string) (Descriptor, bool) {
	h, l := NameHash(name), sat16(len(name))
	lo, hi := 0, db.n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if mh, _ := db.indexAt(m); mh < h {
			lo = m + 1
		} else {
			hi = m
		}
	}
	for i := lo; i < db.n; i++ {
		mh, idx := db.indexAt(i)
		if mh != h {
			break
		}
		if d := db.Record(int(idx)); d.NameLen == l {
			return d, true
		}
	}
	return Descriptor{}, false
}
