package tcp

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"reflect"
	"strings"
	"testing"
)

// gitFamily is a v3 family with the flags the decision rules give git's
// subcommands and made-up performance figures (the codec does not care).
func gitFamily(t testing.TB) (Family, []Subcommand) {
	t.Helper()
	subs := []Subcommand{
		{"status", FlagSafe, 12, 8, 2},
		{"log", FlagSafe, 30, 16, 64},
		{"diff", FlagSafe, 20, 12, 32},
		{"add", FlagLowRisk | FlagFileModification, 15, 8, 0},
		{"commit", FlagLowRisk | FlagFileModification, 40, 10, 1},
		{"fetch", FlagLowRisk | FlagNetworkAccess | FlagFileModification, 900, 30, 4},
		{"push", FlagMediumRisk | FlagNetworkAccess, 1200, 30, 2},
		{"rebase", FlagMediumRisk | FlagFileModification, 300, 20, 4},
		{"reset", FlagHighRisk | FlagDestructive | FlagFileModification, 25, 8, 1},
		{"clean", FlagHighRisk | FlagDestructive | FlagFileModification, 18, 6, 1},
		{"filter-repo", FlagHighRisk | FlagDestructive | 0x00420000, 60000, 2048, 100000},
	}
	f, err := NewFamily("git", PropGlobalOptions|PropRemote, subs)
	if err != nil {
		t.Fatal(err)
	}
	return f, subs
}

func TestFamilyRoundTrip(t *testing.T) {
	f, subs := gitFamily(t)
	if f.Floor != Safe || f.Common != 0 || f.Hash != NameHash("git") {
		t.Errorf("floor %v, common %v, hash %08x", f.Floor, f.Common, f.Hash)
	}
	b, err := f.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if want := 16 + 6*len(subs) + 2; len(b) != want || f.Size() != want {
		t.Fatalf("encoded %d bytes, Size %d, want %d (one delta carries vendor flags)", len(b), f.Size(), want)
	}
	if string(b[:4]) != FamilyMagic || binary.BigEndian.Uint16(b[10:12]) != uint16(len(subs)) {
		t.Errorf("parent % x", b[:16])
	}
	got, n, err := DecodeFamily(append(b, "next block"...))
	if err != nil {
		t.Fatal(err)
	}
	if n != len(b) {
		t.Errorf("consumed %d bytes, want %d", n, len(b))
	}
	if !reflect.DeepEqual(got, f) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, f)
	}
	again, err := got.Encode()
	if err != nil || string(again) != string(b) {
		t.Errorf("re-encoding differs: %v", err)
	}
	for _, s := range subs {
		d, ok := got.Lookup(s.Name)
		if !ok {
			t.Errorf("Lookup(%q) failed", s.Name)
			continue
		}
		if full := got.Flags(d); full != s.Flags {
			t.Errorf("%s: flags %v, want %v", s.Name, full, s.Flags)
		}
		if d.Risk != s.Flags.Risk() {
			t.Errorf("%s: risk %v, want %v", s.Name, d.Risk, s.Flags.Risk())
		}
	}
	if _, ok := got.Lookup("bisect"); ok {
		t.Error("Lookup(bisect) found a subcommand that is not there")
	}
	fr, _ := got.Lookup("filter-repo")
	if fr.ExecMS() != 16384 || fr.MemMB() != 2048 || fr.OutKB() != 16384 || fr.Size() != 8 {
		t.Errorf("filter-repo: %d ms %d MB %d KB, size %d", fr.ExecMS(), fr.MemMB(), fr.OutKB(), fr.Size())
	}
}

func TestCompressionRatio(t *testing.T) {
	var subs []Subcommand
	for _, n := range strings.Fields("status log diff show add commit fetch pull push merge rebase reset clean checkout switch branch tag stash remote config") {
		subs = append(subs, Subcommand{Name: n, Flags: FlagLowRisk | FlagFileModification})
	}
	tests := []struct {
		name string
		subs []Subcommand
		want float64
	}{
		{"no subcommands", nil, 24.0 / 16},
		{"one", subs[:1], 48.0 / 22},
		{"git, 20 subcommands", subs, 24.0 * 21 / (16 + 6*20)},
		{"vendor flags widen a delta", append(append([]Subcommand{}, subs[:3]...), Subcommand{Name: "lfs", Flags: 0x10000}), 24.0 * 5 / (16 + 6*3 + 8)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := NewFamily("git", 0, tt.subs)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.CompressionRatio(); got != tt.want {
				t.Errorf("CompressionRatio = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLogCode(t *testing.T) {
	tests := []struct {
		v    int
		code uint8
	}{
		{-3, 0}, {0, 0}, {1, 1}, {2, 2}, {3, 3}, {5, 3}, {6, 4}, {11, 4}, {12, 5},
		{500, 10}, {5000, 13}, {16383, 15}, {16384, 15}, {1 << 40, 15},
	}
	for _, tt := range tests {
		if got := LogCode(tt.v); got != tt.code {
			t.Errorf("LogCode(%d) = %d, want %d", tt.v, got, tt.code)
		}
	}
	for c := uint8(1); c <= 15; c++ {
		if LogCode(LogValue(c)) != c {
			t.Errorf("LogCode(LogValue(%d)) = %d", c, LogCode(LogValue(c)))
		}
	}
}

// resealFamily recomputes the checksum of a v3 block after an edit.
func resealFamily(b []byte) []byte {
	crc := crc32.Update(crc32.ChecksumIEEE(b[:14]), crc32.IEEETable, b[ParentSize:])
	binary.BigEndian.PutUint16(b[14:16], uint16(crc))
	return b
}

func TestDecodeFamilyErrors(t *testing.T) {
	f, _ := gitFamily(t)
	good, err := f.Encode()
	if err != nil {
		t.Fatal(err)
	}
	edit := func(fn func(b []byte) []byte) []byte {
		return fn(append([]byte(nil), good...))
	}
	tests := []struct {
		name string
		in   []byte
		want error
		text string
	}{
		{"empty", nil, ErrLength, "tcp: v3 family: byte 0: wrong length: got 0 bytes, a v3 parent is 16"},
		{"v2 descriptor", func() []byte { b := Encode("git", 0, 0, 0, 0); return b[:] }(), ErrMagic, `tcp: v3 family: byte 0: bad magic: got "TCP\x02", want "TCP\x03"`},
		{"truncated deltas", good[:40], ErrLength, "tcp: v3 family: byte 40: wrong length: 11 subcommands need at least 66 bytes of deltas, 24 left"},
		{"truncated vendor word", edit(func(b []byte) []byte { return b[:len(b)-1] }), ErrLength, "subcommand 10: vendor word truncated"},
		{"checksum", edit(func(b []byte) []byte { b[20] ^= 0x80; return b }), ErrChecksum, "tcp: v3 family: byte 14: checksum mismatch"},
		{"risk bits in common flags", edit(func(b []byte) []byte { b[9] |= 1; return resealFamily(b) }), ErrFamily, "common flags 0x0001 set bits 0–5"},
		{"floor past CRITICAL", edit(func(b []byte) []byte { b[12] = 5; return resealFamily(b) }), ErrFamily, "risk floor 5 is not a risk class"},
		{"reserved property bits", edit(func(b []byte) []byte { b[13] |= 0x80; return resealFamily(b) }), ErrFamily, "unknown property bits"},
		{"risk delta past CRITICAL", edit(func(b []byte) []byte { b[18] |= 0xe0; return resealFamily(b) }), ErrFamily, "subcommand 0: risk delta 7 above floor SAFE passes CRITICAL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := DecodeFamily(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("err = %q, want it to contain %q", err, tt.text)
			}
		})
	}
}

func TestFamilyEncodeErrors(t *testing.T) {
	if _, err := NewFamily("git", 0, []Subcommand{{Name: "push"}, {Name: "push"}}); err == nil || !strings.Contains(err.Error(), `"push" listed twice`) {
		t.Errorf("duplicate subcommand: %v", err)
	}
	if _, err := NewFamily("git", 0x10, nil); err == nil {
		t.Error("unknown property bit accepted")
	}
	bad := []struct {
		name string
		f    Family
	}{
		{"sub below floor", Family{Floor: HighRisk, Subs: []Sub{{Risk: Safe}}}},
		{"risk bit as specific flag", Family{Subs: []Sub{{Specific: FlagCritical}}}},
		{"specific repeats common", Family{Common: FlagDestructive, Subs: []Sub{{Specific: FlagDestructive}}}},
		{"vendor bits in common", Family{Common: 0x10000}},
		{"code past 15", Family{Subs: []Sub{{Exec: 16}}}},
		{"long name", Family{Subs: []Sub{{NameLen: 64}}}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.f.Encode(); !errors.Is(err, ErrFamily) {
				t.Errorf("Encode err = %v, want ErrFamily", err)
			}
		})
	}
}
