package tcp

import (
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/tcpreport/tcpreport/engine/golden"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestLayoutVector checks the DESIGN §6 vector byte for byte: bytes 0–21
// as printed there and the CRC-32 (IEEE) low half fd61 over them.
func TestLayoutVector(t *testing.T) {
	b := Encode("rm", 0x0000022f, 5000, 500, 50)
	if got, want := hex.EncodeToString(b[:22]), "544350020002d67f249b0000022f138801f400320002"; got != want {
		t.Errorf("bytes 0–21 = %s, want %s", got, want)
	}
	if got, want := hex.EncodeToString(b[22:]), "fd61"; got != want {
		t.Errorf("bytes 22–23 = %s, want %s", got, want)
	}
	d, err := Decode(b[:])
	if err != nil {
		t.Fatal(err)
	}
	want := Descriptor{NameHash: 0xd67f249b, Flags: 0x22f, ExecMS: 5000, MemMB: 500, OutKB: 50, NameLen: 2}
	if d != want {
		t.Errorf("Decode = %+v, want %+v", d, want)
	}
	if d.Risk() != HighRisk || !d.Matches("rm") || d.Matches("rn") {
		t.Errorf("Risk %v, Matches(rm) %v, Matches(rn) %v", d.Risk(), d.Matches("rm"), d.Matches("rn"))
	}
}

// TestGoldenVectors encodes each row of testdata/v2_vectors.txt and
// compares the hex; every golden descriptor must decode back to its row.
func TestGoldenVectors(t *testing.T) {
	path := "testdata/v2_vectors.txt"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if strings.HasPrefix(line, "#") {
			out.WriteString(line + "\n")
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 6 {
			t.Fatalf("%s:%d: %d fields, want 6", path, i+1, len(f))
		}
		flags, err1 := strconv.ParseUint(f[1], 0, 32)
		ms, err2 := strconv.Atoi(f[2])
		mb, err3 := strconv.Atoi(f[3])
		kb, err4 := strconv.Atoi(f[4])
		if err := errors.Join(err1, err2, err3, err4); err != nil {
			t.Fatalf("%s:%d: %v", path, i+1, err)
		}
		b := Encode(f[0], Flags(flags), ms, mb, kb)
		fmt.Fprintf(&out, "%s\t%s\t%s\t%s\t%s\t%x\n", f[0], f[1], f[2], f[3], f[4], b)
		d, err := Decode(b[:])
		if err != nil {
			t.Errorf("%s: %v", f[0], err)
			continue
		}
		if d != NewDescriptor(f[0], Flags(flags), ms, mb, kb) || !d.Matches(f[0]) {
			t.Errorf("%s: decoded %+v", f[0], d)
		}
	}
	golden.Check(t, path, []byte(out.String()))
}

func TestSaturation(t *testing.T) {
	tests := []struct {
		name                string
		ms, mb, kb          int
		wantMS, wantMB, wKB uint16
	}{
		{"in range", 1, 2, 3, 1, 2, 3},
		{"max", 65535, 65535, 65535, 65535, 65535, 65535},
		{"over", 65536, 1 << 30, 1 << 62, 65535, 65535, 65535},
		{"negative", -1, -65536, -1 << 62, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDescriptor("x", 0, tt.ms, tt.mb, tt.kb)
			if d.ExecMS != tt.wantMS || d.MemMB != tt.wantMB || d.OutKB != tt.wKB {
				t.Errorf("got %d/%d/%d, want %d/%d/%d", d.ExecMS, d.MemMB, d.OutKB, tt.wantMS, tt.wantMB, tt.wKB)
			}
		})
	}
	long := strings.Repeat("n", 70000)
	if d := NewDescriptor(long, 0, 0, 0, 0); d.NameLen != 65535 || !d.Matches(long) {
		t.Errorf("NameLen of a 70000-byte name = %d, want 65535", d.NameLen)
	}
}

func TestDecodeErrors(t *testing.T) {
	good := Encode("rm", 0x22f, 5000, 500, 50)
	mut := func(f func(b []byte)) []byte {
		b := good
		f(b[:])
		return b[:]
	}
	tests := []struct {
		name string
		in   []byte
		want error
		text string
	}{
		{"nil", nil, ErrLength, "tcp: descriptor: byte 0: wrong length: got 0 bytes, a v2 descriptor is exactly 24"},
		{"short", good[:23], ErrLength, "tcp: descriptor: byte 23: wrong length: got 23 bytes, a v2 descriptor is exactly 24"},
		{"long", append(good[:], 0), ErrLength, "tcp: descriptor: byte 24: wrong length: got 25 bytes, a v2 descriptor is exactly 24"},
		{"magic", mut(func(b []byte) { b[0] = 'X' }), ErrMagic, `tcp: descriptor: byte 0: bad magic: got "XCP\x02", want "TCP\x02"`},
		{"v3 magic", mut(func(b []byte) { b[3] = 3 }), ErrMagic, `tcp: descriptor: byte 0: bad magic: got "TCP\x03", want "TCP\x02"`},
		{"version", mut(func(b []byte) { b[5] = 3; reseal(b) }), ErrVersion, "tcp: descriptor: byte 4: unsupported version: version field is 3, this decoder reads version 2"},
		{"checksum", mut(func(b []byte) { b[23] ^= 1 }), ErrChecksum, "tcp: descriptor: byte 22: checksum mismatch: stored 0xfd60, CRC-32 of bytes 0–21 gives 0xfd61 (the descriptor is corrupt or was edited)"},
		{"flipped flag bit", mut(func(b []byte) { b[13] ^= 0x10 }), ErrChecksum, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err is %T, want *DecodeError", err)
			}
			if tt.text != "" && err.Error() != tt.text {
				t.Errorf("text\n got %s\nwant %s", err, tt.text)
			}
			if Valid(tt.in) != (tt.want == ErrVersion) {
				t.Errorf("Valid = %v; Valid ignores only the version field", Valid(tt.in))
			}
		})
	}
}

// reseal recomputes the checksum of a v2 descriptor after an edit.
func reseal(b []byte) {
	c := checksum(b[:22])
	b[22], b[23] = byte(c>>8), byte(c)
}

func TestFlagNames(t *testing.T) {
	for i := range 32 {
		f := Flags(1) << i
		names := f.Names()
		if len(names) != 1 {
			t.Fatalf("bit %d: names %v", i, names)
		}
		back, err := ParseFlagName(strings.ToLower(names[0]))
		if err != nil || back != f {
			t.Errorf("bit %d: ParseFlagName(%q) = %v, %v", i, names[0], back, err)
		}
	}
	if got, want := Flags(0x22f).String(), "SAFE|LOW_RISK|MEDIUM_RISK|HIGH_RISK|BIT_5|FILE_MODIFICATION"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	if got := Flags(0).Names(); len(got) != 0 {
		t.Errorf("Names of 0 = %v", got)
	}
	for _, bad := range []string{"", "RISKY", "VENDOR_15", "RESERVED_16", "BIT_6", "VENDOR_016", "VENDOR_32"} {
		if _, err := ParseFlagName(bad); err == nil {
			t.Errorf("ParseFlagName(%q) succeeded", bad)
		}
	}
}

func TestRiskAndVerdict(t *testing.T) {
	tests := []struct {
		flags   Flags
		risk    Risk
		verdict Verdict
	}{
		{0, Safe, Approve},
		{FlagSafe, Safe, Approve},
		{FlagLowRisk | FlagNetworkAccess, LowRisk, Approve},
		{FlagMediumRisk | FlagSafe, MediumRisk, Caution},
		{FlagHighRisk | FlagLowRisk, HighRisk, RequireApproval},
		{FlagCritical | FlagSafe | VendorMask, Critical, Reject},
		{PropertyMask | ReservedMask | VendorMask, Safe, Approve},
	}
	for _, tt := range tests {
		t.Run(tt.flags.String(), func(t *testing.T) {
			if r := tt.flags.Risk(); r != tt.risk || r.Verdict() != tt.verdict {
				t.Errorf("Risk = %v (%v), want %v (%v)", r, r.Verdict(), tt.risk, tt.verdict)
			}
			if tt.risk.Flag().Risk() != tt.risk {
				t.Errorf("Flag of %v does not map back", tt.risk)
			}
		})
	}
	for r := range Risk(NumRisks) {
		b, err := r.MarshalText()
		var back Risk
		if err != nil || back.UnmarshalText(b) != nil || back != r {
			t.Errorf("%v: text round trip %q %v -> %v", r, b, err, back)
		}
		v := r.Verdict()
		vb, err := v.MarshalText()
		var vback Verdict
		if err != nil || vback.UnmarshalText(vb) != nil || vback != v {
			t.Errorf("%v: text round trip %q %v -> %v", v, vb, err, vback)
		}
	}
	if _, err := ParseRisk("HIGH"); err == nil || !strings.Contains(err.Error(), "use SAFE, LOW_RISK") {
		t.Errorf("ParseRisk(HIGH) = %v, want an error listing the classes", err)
	}
	if _, err := Risk(7).MarshalText(); err == nil {
		t.Error("MarshalText of Risk(7) succeeded")
	}
}

func TestTextCompression(t *testing.T) {
	if got := TextCompression(strings.Repeat("x", 4800)); got != 200 {
		t.Errorf("TextCompression(4800 bytes) = %v, want 200", got)
	}
	if got := TextCompression(""); got != 0 {
		t.Errorf("TextCompression(\"\") = %v", got)
	}
}
