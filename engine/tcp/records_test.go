package tcp

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestWriteRecords(t *testing.T) {
	es := dbEntries()
	var recs []byte
	for _, e := range es {
		d := Encode(e.Name, e.Flags, e.ExecMS, e.MemMB, e.OutKB)
		recs = append(recs, d[:]...)
	}
	var buf bytes.Buffer
	if err := WriteRecords(&buf, recs); err != nil {
		t.Fatal(err)
	}
	// The same records through WriteDB give the same file: one format.
	if want := writeDB(t, es); !bytes.Equal(buf.Bytes(), want) {
		t.Fatal("WriteRecords and WriteDB disagree on the same records")
	}
	db, err := OpenDB(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	checkLookups(t, db, es)

	bad := bytes.Clone(recs)
	bad[5*Size+23] ^= 1
	tests := []struct {
		name string
		recs []byte
		want string
		is   error
	}{
		{"partial record", recs[:Size+3], "27 bytes of records is not a whole number of 24-byte descriptors", nil},
		{"bad checksum", bad, "record 5: tcp: descriptor: byte 22: checksum mismatch", ErrChecksum},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := WriteRecords(&bytes.Buffer{}, tt.recs)
			if err == nil || !strings.Contains(err.Error(), tt.want) || tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
