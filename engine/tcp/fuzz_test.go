package tcp

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// FuzzDecodeDescriptor: Decode never panics; what decodes re-encodes to
// the same bytes; Valid agrees with Decode (they differ only on the version
// field, which Valid does not read); Encode output always decodes back.
func FuzzDecodeDescriptor(f *testing.F) {
	rm := Encode("rm", 0x22f, 5000, 500, 50)
	f.Add(rm[:], "rm", uint32(0x22f), 5000, 500, 50)
	f.Add([]byte{}, "", uint32(0), -1, 70000, 1<<40)
	f.Add([]byte("TCP\x02\x00\x03"), "mkfs.ext4", uint32(0xffffffff), 0, 0, 0)
	f.Fuzz(func(t *testing.T, b []byte, name string, flags uint32, ms, mb, kb int) {
		d, err := Decode(b)
		switch {
		case err == nil:
			if !Valid(b) {
				t.Fatalf("Decode accepts % x but Valid rejects it", b)
			}
			if again := d.Bytes(); !bytes.Equal(again[:], b) {
				t.Fatalf("re-encoding % x gives % x", b, again)
			}
		case Valid(b) && !errors.Is(err, ErrVersion):
			t.Fatalf("Valid accepts % x but Decode says %v", b, err)
		}
		enc := Encode(name, Flags(flags), ms, mb, kb)
		back, err := Decode(enc[:])
		if err != nil || back != NewDescriptor(name, Flags(flags), ms, mb, kb) || !Valid(enc[:]) {
			t.Fatalf("Encode(%q, …) does not round trip: %+v, %v", name, back, err)
		}
	})
}

// FuzzDecodeFamily: DecodeFamily never panics and what it accepts
// re-encodes to the bytes it consumed.
func FuzzDecodeFamily(f *testing.F) {
	fam, _ := gitFamily(f)
	b, _ := fam.Encode()
	f.Add(b)
	f.Add(b[:16])
	f.Add([]byte("TCP\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fam, n, err := DecodeFamily(b)
		if err != nil {
			return
		}
		again, err := fam.Encode()
		if err != nil || !bytes.Equal(again, b[:n]) {
			t.Fatalf("re-encoding differs (%v):\n% x\n% x", err, b[:n], again)
		}
	})
}

// FuzzOpenDB: OpenDB never panics on any bytes; an opened database only
// holds valid records that its index finds.
func FuzzOpenDB(f *testing.F) {
	f.Add(writeDB(f, dbEntries()[:20]), "ls")
	f.Add(writeDB(f, nil), "")
	f.Add([]byte(DBMagic+"\x00\x01\x00\x18\x00\x00\x00\x01"), "rm")
	f.Fuzz(func(t *testing.T, b []byte, name string) {
		db, err := OpenDB(b)
		if err != nil {
			if db != nil {
				t.Fatal("error with a database")
			}
			return
		}
		recs := db.Records()
		if len(recs) != db.Len()*Size {
			t.Fatalf("%d record bytes for %d records", len(recs), db.Len())
		}
		for i := 0; i < db.Len(); i++ {
			if !Valid(recs[i*Size : (i+1)*Size]) {
				t.Fatalf("record %d invalid", i)
			}
		}
		if d, ok := db.Lookup(name); ok && !d.Matches(name) {
			t.Fatalf("Lookup(%q) returned a descriptor for another name", name)
		}
	})
}

// FuzzDecide: Decide never panics, decisions are consistent, errors carry
// a position inside the line and fail closed, and the fast path agrees
// with the full lexer.
func FuzzDecide(f *testing.F) {
	for _, tt := range decideTests {
		f.Add(tt.line)
	}
	for _, s := range []string{"", "'", "\"$(", "a\x00b", "ls | ", ":(){ :|:& };:", "echo ${x", "a 2>&1 >f <<<x", strings.Repeat("(", 50)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		d, err := Decide(nil, line)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %T: %v", err, err)
			}
			if se.Offset < 0 || se.Offset > len(line) {
				t.Fatalf("offset %d outside a %d-byte line: %v", se.Offset, len(line), err)
			}
			if d.Verdict != Reject {
				t.Fatalf("error without a fail-closed decision: %+v", d)
			}
			return
		}
		checkInvariants(t, d)
		checkFastPath(t, nil, line)
	})
}
