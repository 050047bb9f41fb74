package tcp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dbEntries is a database of the built-in table's names plus numbered
// ones: enough records for the binary search to matter.
func dbEntries() []Entry {
	var es []Entry
	for i, n := range strings.Fields("ls cat rm git docker sudo curl dd mkfs.ext4 systemctl kubectl") {
		es = append(es, Entry{Name: n, Flags: Risk(i % NumRisks).Flag(), ExecMS: i * 10, MemMB: i, OutKB: i * 3})
	}
	for i := range 300 {
		es = append(es, Entry{Name: fmt.Sprintf("tool-%03d", i), Flags: FlagLowRisk | Flags(i)<<16, ExecMS: i})
	}
	return es
}

func writeDB(t testing.TB, es []Entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteDB(&buf, es); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func checkLookups(t *testing.T, db *DB, es []Entry) {
	t.Helper()
	if db.Len() != len(es) {
		t.Fatalf("Len = %d, want %d", db.Len(), len(es))
	}
	for i, e := range es {
		want := NewDescriptor(e.Name, e.Flags, e.ExecMS, e.MemMB, e.OutKB)
		for range 2 { // the second time from the memo
			d, ok := db.Lookup(e.Name)
			if !ok || d != want {
				t.Fatalf("Lookup(%q) = %+v, %v; want %+v", e.Name, d, ok, want)
			}
		}
		if db.Record(i) != want {
			t.Errorf("Record(%d) = %+v, want %+v", i, db.Record(i), want)
		}
	}
	for _, n := range []string{"", "lss", "tool-300", "Ls", strings.Repeat("x", 1000)} {
		if d, ok := db.Lookup(n); ok {
			t.Errorf("Lookup(%q) found %+v", n, d)
		}
	}
}

func TestDBRoundTrip(t *testing.T) {
	es := dbEntries()
	data := writeDB(t, es)
	n := len(es)
	if want := DBHeaderSize + 8*n + Size*n; len(data) != want {
		t.Fatalf("file is %d bytes, want %d", len(data), want)
	}
	if string(data[:8]) != DBMagic {
		t.Errorf("magic %q", data[:8])
	}
	off := binary.BigEndian.Uint64(data[16:24])
	if off%8 != 0 || off != uint64(DBHeaderSize+8*n) {
		t.Errorf("records at %d, want 8-aligned %d", off, DBHeaderSize+8*n)
	}
	db, err := OpenDB(data)
	if err != nil {
		t.Fatal(err)
	}
	checkLookups(t, db, es)
	recs := db.Records()
	if len(recs) != Size*n || &recs[0] != &data[off] {
		t.Fatalf("Records: %d bytes, not the file's record region", len(recs))
	}
	for i := 0; i < n; i++ {
		if !Valid(recs[i*Size : (i+1)*Size]) {
			t.Fatalf("record %d invalid", i)
		}
	}
	empty, err := OpenDB(writeDB(t, nil))
	if err != nil || empty.Len() != 0 || len(empty.Records()) != 0 {
		t.Errorf("empty database: %v, Len %d", err, empty.Len())
	}
	if _, ok := empty.Lookup("ls"); ok {
		t.Error("empty database found ls")
	}
}

func TestMapFile(t *testing.T) {
	es := dbEntries()
	path := filepath.Join(t.TempDir(), "tools.tcpdb")
	if err := os.WriteFile(path, writeDB(t, es), 0o644); err != nil {
		t.Fatal(err)
	}
	db, closeDB, err := MapFile(path)
	if err != nil {
		t.Fatal(err)
	}
	checkLookups(t, db, es)
	if err := closeDB(); err != nil {
		t.Errorf("unmap: %v", err)
	}

	empty := filepath.Join(t.TempDir(), "empty.tcpdb")
	os.WriteFile(empty, nil, 0o644)
	if _, _, err := MapFile(empty); !errors.Is(err, ErrLength) || !strings.Contains(err.Error(), "empty.tcpdb") {
		t.Errorf("empty file: %v, want ErrLength naming the file", err)
	}
	if _, _, err := MapFile(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.tcpdb")
	os.WriteFile(bad, []byte("TCPDB\x00\x01\x00\x00\x01\x00\x18 but not really a database"), 0o644)
	if _, _, err := MapFile(bad); !errors.Is(err, ErrDBLayout) {
		t.Errorf("bad file: %v, want ErrDBLayout", err)
	}
}

func TestOpenDBErrors(t *testing.T) {
	es := dbEntries()[:5]
	good := writeDB(t, es)
	n := len(es)
	recs := DBHeaderSize + 8*n
	edit := func(fn func(b []byte) []byte) []byte { return fn(append([]byte(nil), good...)) }
	put32 := func(b []byte, off int, v uint32) []byte { binary.BigEndian.PutUint32(b[off:], v); return b }
	tests := []struct {
		name string
		in   []byte
		want error
		text string
	}{
		{"empty", nil, ErrLength, "tcp: descriptor database: byte 0: wrong length: 0 bytes is shorter than the 24-byte header (truncated file?)"},
		{"header only half", good[:12], ErrLength, "byte 12: wrong length"},
		{"wrong magic", edit(func(b []byte) []byte { copy(b, "SQLite f"); return b }), ErrMagic, `byte 0: bad magic: got "SQLite f", want "TCPDB\x00\x01\x00" (not a descriptor database)`},
		{"version", edit(func(b []byte) []byte { b[9] = 2; return b }), ErrVersion, "byte 8: unsupported version: format version 2"},
		{"record size", edit(func(b []byte) []byte { b[11] = 32; return b }), ErrDBLayout, "byte 10: inconsistent layout: record size 32"},
		{"truncated", good[:len(good)-1], ErrDBLayout, fmt.Sprintf("byte 12: inconsistent layout: count 5 needs 120 record bytes at offset %d, the file has %d bytes (truncated or count wrong)", recs, len(good)-1)},
		{"count too high", edit(func(b []byte) []byte { return put32(b, 12, 6) }), ErrDBLayout, "overlaps the index of 6 entries"},
		{"count too low", edit(func(b []byte) []byte { return put32(b, 12, 4) }), ErrDBLayout, "count 4 needs 96 record bytes"},
		{"huge count", edit(func(b []byte) []byte { return put32(b, 12, 0xffffffff) }), ErrDBLayout, "overlaps the index"},
		{"misaligned offset", edit(func(b []byte) []byte { b[23]++; return b }), ErrDBLayout, "is not 8-byte aligned"},
		{"offset past the end", edit(func(b []byte) []byte { binary.BigEndian.PutUint64(b[16:], 1<<62); return b }), ErrDBLayout, "count 5 needs 120 record bytes"},
		{"index out of range", edit(func(b []byte) []byte { return put32(b, DBHeaderSize+4, 5) }), ErrDBIndex, "byte 28: bad index: entry 0 points at record 5, there are 5"},
		{"index unsorted", edit(func(b []byte) []byte {
			e0 := append([]byte(nil), b[DBHeaderSize:DBHeaderSize+8]...)
			copy(b[DBHeaderSize:], b[DBHeaderSize+8:DBHeaderSize+16])
			copy(b[DBHeaderSize+8:], e0)
			return b
		}), ErrDBIndex, "entry 1 (hash"},
		{"index hash differs", edit(func(b []byte) []byte { b[DBHeaderSize+3] ^= 1; return b }), ErrDBIndex, "entry 0 has hash"},
		{"record checksum", edit(func(b []byte) []byte { b[recs+Size+12] ^= 4; return b }), ErrChecksum, fmt.Sprintf("byte %d: checksum mismatch: record 1: stored", recs+Size+22)},
		{"record magic", edit(func(b []byte) []byte { b[recs+2*Size] = 'X'; return b }), ErrMagic, "record 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := OpenDB(tt.in)
			if db != nil || !errors.Is(err, tt.want) {
				t.Fatalf("OpenDB = %v, %v; want error %v", db, err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("err = %q\nwant it to contain %q", err, tt.text)
			}
		})
	}
}

func TestWriteDBErrors(t *testing.T) {
	tests := []struct {
		name string
		es   []Entry
		text string
	}{
		{"no name", []Entry{{Name: "ls"}, {Name: ""}}, "entry 1 has no name"},
		{"twice", []Entry{{Name: "ls"}, {Name: "cat"}, {Name: "ls"}}, `"ls" is listed twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := WriteDB(&bytes.Buffer{}, tt.es)
			if err == nil || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("err = %v, want %q", err, tt.text)
			}
		})
	}
	if err := WriteDB(failWriter{}, dbEntries()); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("write failure: %v", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestNilDB(t *testing.T) {
	var db *DB
	if _, ok := db.Lookup("ls"); ok || db.Len() != 0 || db.Records() != nil {
		t.Error("nil *DB is not empty")
	}
	d, err := Decide(db, "ls -la") // a typed nil in the interface
	if err != nil || d.Risk != Safe {
		t.Errorf("Decide with nil *DB: %+v, %v", d, err)
	}
}
