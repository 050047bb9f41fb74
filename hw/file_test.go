package hw

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpreport/tcpreport/engine/tcp"
)

func dbBytes(t testing.TB, n int) []byte {
	t.Helper()
	recs := make([]byte, n*tcp.Size)
	fillDescriptors(recs, 5)
	var buf bytes.Buffer
	if err := tcp.WriteRecords(&buf, recs); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFileValidate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.tcpdb")
	os.WriteFile(path, dbBytes(t, 1000), 0o644)
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	bits := make([]uint64, BitmapLen(f.Len()))
	for _, th := range []int{1, 2, 0} {
		if got := f.Validate(bits, th); got != 1000 || f.Len() != 1000 {
			t.Errorf("threads %d: %d of %d valid, want 1000", th, got, f.Len())
		}
	}
	want, _ := reference(f.Records())
	if !slicesEqual(bits, want) {
		t.Error("bitmap differs from tcp.Valid")
	}
}

func slicesEqual(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestOpenFileBad: damaged database files give an error naming the file,
// the byte and what is wrong (engine/tcp.OpenDB's checks, not a copy).
func TestOpenFileBad(t *testing.T) {
	good := dbBytes(t, 100)
	recStart := len(good) - 100*tcp.Size
	tests := []struct {
		name string
		data func() []byte
		is   error
		want string
	}{
		{"empty", func() []byte { return nil }, tcp.ErrLength, "0 bytes is shorter than the 24-byte header (truncated file?)"},
		{"truncated header", func() []byte { return good[:10] }, tcp.ErrLength, "truncated file?"},
		{"truncated records", func() []byte { return good[:len(good)-7] }, tcp.ErrDBLayout, "count 100 needs 2400 record bytes"},
		{"wrong magic", func() []byte {
			b := bytes.Clone(good)
			copy(b, "SQLite f")
			return b
		}, tcp.ErrMagic, "not a descriptor database"},
		{"count too large", func() []byte {
			b := bytes.Clone(good)
			binary.BigEndian.PutUint32(b[12:], 101)
			return b
		}, tcp.ErrDBLayout, "byte 16: inconsistent layout"},
		{"count too small", func() []byte {
			b := bytes.Clone(good)
			binary.BigEndian.PutUint32(b[12:], 99)
			return b
		}, tcp.ErrDBLayout, "count 99 needs 2376 record bytes"},
		{"extra bytes", func() []byte { return append(bytes.Clone(good), 0) }, tcp.ErrDBLayout, "truncated or count wrong"},
		{"corrupt record", func() []byte {
			b := bytes.Clone(good)
			b[recStart+5*tcp.Size+23] ^= 0x10
			return b
		}, tcp.ErrChecksum, "record 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.tcpdb")
			os.WriteFile(path, tt.data(), 0o644)
			f, err := OpenFile(path)
			if err == nil {
				f.Close()
				t.Fatal("no error")
			}
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("err = %v\nwant %v, %q and the path", err, tt.is, tt.want)
			}
		})
	}
	if _, err := OpenFile(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// FuzzOpenFile: any file content opens cleanly or fails with an error; an
// opened file's records all validate.
func FuzzOpenFile(f *testing.F) {
	f.Add(dbBytes(f, 3))
	f.Add([]byte(tcp.DBMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "f.tcpdb")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		file, err := OpenFile(path)
		if err != nil {
			if file != nil {
				t.Fatal("file with error")
			}
			return
		}
		defer file.Close()
		bits := make([]uint64, BitmapLen(file.Len()))
		if got := file.Validate(bits, 2); got != file.Len() {
			t.Fatalf("%d of %d records valid in an opened file", got, file.Len())
		}
	})
}
