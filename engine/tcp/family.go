package tcp

import (
	"crypto/md5"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math/bits"
)

// The v3 hierarchical encoding stores a tool family (git, docker, apt, ip,
// systemctl, …) as one 16-byte parent followed by one delta per subcommand.
// All integers are big-endian.
//
// Parent, 16 bytes:
//
//	0–3    magic "TCP\x03"
//	4–7    family hash: first 4 bytes of MD5(family name)
//	8–9    common flags: flag bits 0–15 every subcommand has; bits 0–5 are
//	       zero (the risk class lives in the floor and the deltas)
//	10–11  subcommand count n
//	12     risk floor, 0 (SAFE) … 4 (CRITICAL)
//	13     family properties (FamilyProps; bits 4–7 zero)
//	14–15  low 16 bits of CRC-32 (IEEE) over bytes 0–13 followed by the n
//	       deltas, so the checksum covers the whole block
//
// Delta, 6 bytes, or 8 when the V bit is set. Bytes 0–5 are one 48-bit
// word, bit 47 first:
//
//	47–32  subcommand hash: first 2 bytes of MD5(subcommand name)
//	31–29  risk delta d: subcommand risk = floor + d, at most CRITICAL
//	28     V: a 2-byte vendor word follows
//	27–18  specific flags: flag bits 6–15 the subcommand has beyond the
//	       common flags, shifted down by 6
//	17–14  execution-time code  } log codes: 0 means 0, c means 2^(c-1)
//	13–10  memory code          } (ms, MB, KB), so 1 … 16384; values are
//	 9–6   output-size code     } rounded to the nearest power of two
//	 5–0   name length in bytes, saturating at 63
//	6–7    (V only) flag bits 16–31 (vendor), never zero when present
//
// Encoding is canonical: DecodeFamily rejects anything Encode would not
// write, so decoding and re-encoding gives the same bytes.
const (
	// FamilyMagic is the first four bytes of a v3 family block.
	FamilyMagic = "TCP\x03"
	// ParentSize is the size of the v3 parent record.
	ParentSize = 16
	// MaxSubcommands is the most subcommands one family block can hold.
	MaxSubcommands = 0xffff
)

// FamilyProps are family-wide properties, byte 13 of the v3 parent.
type FamilyProps uint8

// The family properties.
const (
	PropNested        FamilyProps = 1 << iota // subcommands have their own subcommands (docker container rm)
	PropDaemon                                // the tool drives a daemon or service (docker, systemctl)
	PropRemote                                // some subcommands reach the network (git push, apt update)
	PropGlobalOptions                         // options may precede the subcommand (git -C dir status)

	propMask FamilyProps = 0x0f
)

// Subcommand is the input of NewFamily: one subcommand with its flags (risk
// bits included: its risk is Flags.Risk()) and measured performance.
type Subcommand struct {
	Name                 string
	Flags                Flags
	ExecMS, MemMB, OutKB int
}

// Family is a decoded (or ready to encode) v3 family block.
type Family struct {
	Hash   uint32      // first 4 bytes of MD5(family name)
	Common Flags       // property and reserved bits (6–15) every subcommand has
	Floor  Risk        // lowest risk of the family
	Props  FamilyProps // family-wide properties
	Subs   []Sub
}

// Sub is one subcommand delta of a Family.
type Sub struct {
	Hash     uint16 // first 2 bytes of MD5(subcommand name)
	Risk     Risk   // at least the family's Floor
	Specific Flags  // bits 6–31 beyond the family's Common flags
	Exec     uint8  // log code of the execution time, ms
	Mem      uint8  // log code of the memory, MB
	Out      uint8  // log code of the output size, KB
	NameLen  uint8  // name length in bytes, saturating at 63
}

// Size returns the encoded size of s: 6 bytes, or 8 with vendor flags.
func (s Sub) Size() int {
	if s.Specific&VendorMask != 0 {
		return 8
	}
	return 6
}

// ExecMS returns the execution time s's code stands for.
func (s Sub) ExecMS() int { return LogValue(s.Exec) }

// MemMB returns the memory s's code stands for.
func (s Sub) MemMB() int { return LogValue(s.Mem) }

// OutKB returns the output size s's code stands for.
func (s Sub) OutKB() int { return LogValue(s.Out) }

// LogCode returns the 4-bit code of v: 0 for v ≤ 0, otherwise 1 + the
// exponent of the power of two nearest to v in log scale, at most 15.
func LogCode(v int) uint8 {
	switch {
	case v <= 0:
		return 0
	case v >= 1<<14:
		return 15
	}
	u := uint64(v)
	k := bits.Len64(u) - 1 // 2^k ≤ v < 2^(k+1)
	if u*u >= 1<<(2*k+1) {
		k++ // v ≥ 2^k·√2: the upper power is nearer in log scale
	}
	return uint8(min(k+1, 15))
}

// LogValue returns the value a LogCode stands for: 0, or 2^(c-1).
func LogValue(c uint8) int {
	if c == 0 {
		return 0
	}
	return 1 << (min(c, 15) - 1)
}

func subHash(name string) uint16 {
	s := md5.Sum([]byte(name))
	return binary.BigEndian.Uint16(s[:2])
}

// NewFamily builds the v3 family called name from its subcommands, in the
// order given. The common flags are the property bits every subcommand
// shares and the floor is the lowest subcommand risk. Two subcommands with
// the same 16-bit hash and name length cannot be told apart by Lookup; the
// first wins.
func NewFamily(name string, props FamilyProps, subs []Subcommand) (Family, error) {
	if len(subs) > MaxSubcommands {
		return Family{}, fmt.Errorf("tcp: family %s: %d subcommands, a v3 block holds at most %d", name, len(subs), MaxSubcommands)
	}
	if props&^propMask != 0 {
		return Family{}, fmt.Errorf("tcp: family %s: unknown property bits %#02x", name, uint8(props&^propMask))
	}
	f := Family{Hash: NameHash(name), Props: props, Subs: make([]Sub, len(subs))}
	seen := make(map[string]bool, len(subs))
	common, floor := PropertyMask|ReservedMask, Critical
	for _, s := range subs {
		if seen[s.Name] {
			return Family{}, fmt.Errorf("tcp: family %s: subcommand %q listed twice", name, s.Name)
		}
		seen[s.Name] = true
		common &= s.Flags
		floor = min(floor, s.Flags.Risk())
	}
	if len(subs) == 0 {
		common, floor = 0, Safe
	}
	f.Common, f.Floor = common, floor
	for i, s := range subs {
		f.Subs[i] = Sub{
			Hash:     subHash(s.Name),
			Risk:     s.Flags.Risk(),
			Specific: s.Flags &^ RiskMask &^ (1 << 5) &^ common,
			Exec:     LogCode(s.ExecMS),
			Mem:      LogCode(s.MemMB),
			Out:      LogCode(s.OutKB),
			NameLen:  uint8(min(len(s.Name), 63)),
		}
	}
	return f, nil
}

// Lookup returns the delta of the subcommand called name.
func (f Family) Lookup(name string) (Sub, bool) {
	h, n := subHash(name), uint8(min(len(name), 63))
	for _, s := range f.Subs {
		if s.Hash == h && s.NameLen == n {
			return s, true
		}
	}
	return Sub{}, false
}

// Flags returns the full flag word of subcommand s of f: the common flags,
// its specific flags and its risk bit.
func (f Family) Flags(s Sub) Flags { return f.Common | s.Specific | s.Risk.Flag() }

// Size returns the encoded size of f: 16 + the sum of the delta sizes.
func (f Family) Size() int {
	n := ParentSize
	for _, s := range f.Subs {
		n += s.Size()
	}
	return n
}

// CompressionRatio compares f with flat v2 descriptors for the family and
// each subcommand: 24 × (1 + n) / (16 + Σ delta sizes).
func (f Family) CompressionRatio() float64 {
	return float64(Size*(1+len(f.Subs))) / float64(f.Size())
}

// ErrFamily is wrapped by the errors of Family.Encode and DecodeFamily for
// a field outside the v3 layout.
var ErrFamily = errors.New("invalid v3 field")

func famErr(off int, err error, format string, args ...any) error {
	return &DecodeError{"v3 family", off, err, fmt.Sprintf(format, args...)}
}

// check returns an error for a field of f that v3 cannot hold.
func (f Family) check() error {
	switch {
	case len(f.Subs) > MaxSubcommands:
		return famErr(10, ErrFamily, "%d subcommands, at most %d", len(f.Subs), MaxSubcommands)
	case f.Common&^(PropertyMask|ReservedMask) != 0:
		return famErr(8, ErrFamily, "common flags %s: only bits 6–15 are common flags", f.Common&^(PropertyMask|ReservedMask))
	case !f.Floor.Valid():
		return famErr(12, ErrFamily, "risk floor %d is not a risk class (0–4)", uint8(f.Floor))
	case f.Props&^propMask != 0:
		return famErr(13, ErrFamily, "unknown property bits %#02x", uint8(f.Props&^propMask))
	}
	off := ParentSize
	for i, s := range f.Subs {
		switch {
		case !s.Risk.Valid() || s.Risk < f.Floor:
			return famErr(off+2, ErrFamily, "subcommand %d: risk %v is below the floor %v or not a class", i, s.Risk, f.Floor)
		case s.Specific&(RiskMask|1<<5) != 0:
			return famErr(off+2, ErrFamily, "subcommand %d: specific flags %s: bits 0–5 cannot be specific", i, s.Specific&(RiskMask|1<<5))
		case s.Specific&f.Common != 0:
			return famErr(off+2, ErrFamily, "subcommand %d: specific flags %s repeat common flags", i, s.Specific&f.Common)
		case s.Exec > 15 || s.Mem > 15 || s.Out > 15:
			return famErr(off+3, ErrFamily, "subcommand %d: performance codes %d/%d/%d, each is 0–15", i, s.Exec, s.Mem, s.Out)
		case s.NameLen > 63:
			return famErr(off+5, ErrFamily, "subcommand %d: name length %d, at most 63", i, s.NameLen)
		}
		off += s.Size()
	}
	return nil
}

// Encode returns the v3 block of f: parent then deltas.
func (f Family) Encode() ([]byte, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	b := make([]byte, ParentSize, f.Size())
	copy(b[0:4], FamilyMagic)
	binary.BigEndian.PutUint32(b[4:8], f.Hash)
	binary.BigEndian.PutUint16(b[8:10], uint16(f.Common))
	binary.BigEndian.PutUint16(b[10:12], uint16(len(f.Subs)))
	b[12] = byte(f.Floor)
	b[13] = byte(f.Props)
	for _, s := range f.Subs {
		w := uint64(s.Hash)<<32 |
			uint64(s.Risk-f.Floor)<<29 |
			uint64((s.Specific&(PropertyMask|ReservedMask))>>6)<<18 |
			uint64(s.Exec)<<14 | uint64(s.Mem)<<10 | uint64(s.Out)<<6 |
			uint64(s.NameLen)
		if s.Specific&VendorMask != 0 {
			w |= 1 << 28
		}
		b = append(b, byte(w>>40), byte(w>>32), byte(w>>24), byte(w>>16), byte(w>>8), byte(w))
		if s.Specific&VendorMask != 0 {
			b = binary.BigEndian.AppendUint16(b, uint16(s.Specific>>16))
		}
	}
	crc := crc32.Update(crc32.ChecksumIEEE(b[:14]), crc32.IEEETable, b[ParentSize:])
	binary.BigEndian.PutUint16(b[14:16], uint16(crc))
	return b, nil
}

// DecodeFamily parses one v3 block at the start of b and returns it with
// the number of bytes it took, so blocks can be concatenated. Errors are
// *DecodeError values wrapping ErrLength, ErrMagic, ErrChecksum or
// ErrFamily, with the byte offset of the offending field.
func DecodeFamily(b []byte) (Family, int, error) {
	if len(b) < ParentSize {
		return Family{}, 0, famErr(len(b), ErrLength, "got %d bytes, a v3 parent is %d", len(b), ParentSize)
	}
	if string(b[0:4]) != FamilyMagic {
		return Family{}, 0, famErr(0, ErrMagic, "got %q, want %q", b[0:4], FamilyMagic)
	}
	f := Family{
		Hash:   binary.BigEndian.Uint32(b[4:8]),
		Common: Flags(binary.BigEndian.Uint16(b[8:10])),
		Floor:  Risk(b[12]),
		Props:  FamilyProps(b[13]),
	}
	n := int(binary.BigEndian.Uint16(b[10:12]))
	switch {
	case f.Common&^(PropertyMask|ReservedMask) != 0:
		return Family{}, 0, famErr(8, ErrFamily, "common flags %#04x set bits 0–5, which v3 keeps in the floor", uint16(f.Common))
	case !f.Floor.Valid():
		return Family{}, 0, famErr(12, ErrFamily, "risk floor %d is not a risk class (0–4)", b[12])
	case f.Props&^propMask != 0:
		return Family{}, 0, famErr(13, ErrFamily, "unknown property bits %#02x", b[13]&^byte(propMask))
	}
	if rest := len(b) - ParentSize; rest < 6*n {
		return Family{}, 0, famErr(len(b), ErrLength, "%d subcommands need at least %d bytes of deltas, %d left", n, 6*n, rest)
	}
	f.Subs = make([]Sub, n)
	off := ParentSize
	for i := range f.Subs {
		if len(b)-off < 6 {
			return Family{}, 0, famErr(len(b), ErrLength, "subcommand %d of %d: truncated delta", i, n)
		}
		d := b[off : off+6]
		w := uint64(d[0])<<40 | uint64(d[1])<<32 | uint64(d[2])<<24 | uint64(d[3])<<16 | uint64(d[4])<<8 | uint64(d[5])
		s := Sub{
			Hash:     uint16(w >> 32),
			Risk:     f.Floor + Risk(w>>29&7),
			Specific: Flags(w>>18&0x3ff) << 6,
			Exec:     uint8(w >> 14 & 15),
			Mem:      uint8(w >> 10 & 15),
			Out:      uint8(w >> 6 & 15),
			NameLen:  uint8(w & 63),
		}
		if w>>29&7 > uint64(Critical-f.Floor) {
			return Family{}, 0, famErr(off+2, ErrFamily, "subcommand %d: risk delta %d above floor %v passes CRITICAL", i, w>>29&7, f.Floor)
		}
		if s.Specific&f.Common != 0 {
			return Family{}, 0, famErr(off+2, ErrFamily, "subcommand %d: specific flags %s repeat common flags", i, s.Specific&f.Common)
		}
		off += 6
		if w>>28&1 == 1 {
			if len(b)-off < 2 {
				return Family{}, 0, famErr(len(b), ErrLength, "subcommand %d: vendor word truncated", i)
			}
			v := binary.BigEndian.Uint16(b[off : off+2])
			if v == 0 {
				return Family{}, 0, famErr(off, ErrFamily, "subcommand %d: vendor word present but zero", i)
			}
			s.Specific |= Flags(v) << 16
			off += 2
		}
		f.Subs[i] = s
	}
	crc := crc32.Update(crc32.ChecksumIEEE(b[:14]), crc32.IEEETable, b[ParentSize:off])
	if got := binary.BigEndian.Uint16(b[14:16]); got != uint16(crc) {
		return Family{}, 0, famErr(14, ErrChecksum, "stored %#04x, CRC-32 of the parent and %d deltas gives %#04x", got, n, uint16(crc))
	}
	return f, off, nil
}
