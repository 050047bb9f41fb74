package hdl

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"math/rand/v2"

	"github.com/tcpreport/tcpreport/engine/tcp"
)

// Vector is one simulation test vector: a 24-byte descriptor and the
// verdict of the Go validator, tcp.Valid.
type Vector struct {
	Bytes [tcp.Size]byte
	Valid bool   // tcp.Valid(Bytes)
	Kind  string // how it was made: valid, random, bit-flip, ...
}

// Vector kinds, in the order Vectors makes them.
const (
	KindEdge        = "edge"         // all zeros, all ones, magic with zeros
	KindValid       = "valid"        // tcp.Encode of generated commands
	KindRandom      = "random"       // 24 random bytes
	KindRandomMagic = "random-magic" // the magic, then 20 random bytes
	KindRandomValid = "random-valid" // the magic, 18 random bytes, their checksum
	KindBitFlip     = "bit-flip"     // a valid descriptor with one bit flipped
	KindWrongMagic  = "wrong-magic"  // a wrong magic under a matching checksum
)

// VectorSet says how many vectors of each kind Vectors makes.
type VectorSet struct {
	Seed        uint64 // seeds the generator: the same set gives the same vectors
	Valid       int    // encoded descriptors of generated commands
	Random      int    // random bytes
	RandomMagic int    // magic then random bytes
	RandomValid int    // magic, random bytes, matching checksum
	Flipped     int    // valid descriptors each flipped at every one of 192 bits
	WrongMagic  int    // wrong magic, matching checksum
}

// DefaultVectors is the set the tests and the hdl directive use: 14,647
// vectors, more than half of them single-bit flips.
var DefaultVectors = VectorSet{Seed: 20261126, Valid: 2000, Random: 4000, RandomMagic: 1000,
	RandomValid: 500, Flipped: 32, WrongMagic: 1000}

// Total returns how many vectors Vectors makes for s.
func (s VectorSet) Total() int {
	return 3 + s.Valid + s.Random + s.RandomMagic + s.RandomValid + s.Flipped*8*tcp.Size + s.WrongMagic
}

// Vectors makes the vectors of s, deterministically, each with Go's verdict.
func Vectors(s VectorSet) []Vector {
	r := rand.New(rand.NewPCG(s.Seed, 0x7463702d68646c)) // "tcp-hdl"
	out := make([]Vector, 0, s.Total())
	add := func(kind string, b [tcp.Size]byte) {
		out = append(out, Vector{Bytes: b, Valid: tcp.Valid(b[:]), Kind: kind})
	}
	randomBytes := func() (b [tcp.Size]byte) {
		for i := range b {
			b[i] = byte(r.UintN(256))
		}
		return b
	}
	encoded := func() [tcp.Size]byte {
		name := fmt.Sprintf("cmd%08x", r.Uint32())[:3+r.IntN(9)]
		return tcp.Encode(name, tcp.Flags(r.Uint32()), r.IntN(70000), r.IntN(70000), r.IntN(70000))
	}

	var zeros, ones, magic [tcp.Size]byte
	for i := range ones {
		ones[i] = 0xff
	}
	copy(magic[:], tcp.Magic)
	seal(&magic)
	add(KindEdge, zeros)
	add(KindEdge, ones)
	add(KindEdge, magic)
	for range s.Valid {
		add(KindValid, encoded())
	}
	for range s.Random {
		add(KindRandom, randomBytes())
	}
	for range s.RandomMagic {
		b := randomBytes()
		copy(b[:], tcp.Magic)
		add(KindRandomMagic, b)
	}
	for range s.RandomValid {
		b := randomBytes()
		copy(b[:], tcp.Magic)
		seal(&b)
		add(KindRandomValid, b)
	}
	for range s.Flipped {
		b := encoded()
		for bit := range 8 * tcp.Size {
			f := b
			f[bit/8] ^= 1 << (bit % 8)
			add(KindBitFlip, f)
		}
	}
	for i := range s.WrongMagic {
		b := encoded()
		switch i % 4 {
		case 0:
			b[3] = 0x03 // a v3 magic on a v2 layout
		case 1:
			b[0] ^= 0x20 // "tCP\x02"
		case 2:
			b[r.IntN(4)] ^= byte(1 << r.IntN(8)) // one flipped magic bit
		default:
			binary.BigEndian.PutUint32(b[:4], r.Uint32()|1) // random (never the magic: odd)
		}
		seal(&b)
		add(KindWrongMagic, b)
	}
	return out
}

// seal writes the checksum of bytes 0–21 into bytes 22–23.
func seal(b *[tcp.Size]byte) {
	binary.BigEndian.PutUint16(b[22:], uint16(crc32.ChecksumIEEE(b[:22])))
}

// HexFile returns the vectors as the testbench's vectors.hex: per line the
// 48 hex digits of the descriptor, then 1 or 0 for Go's verdict.
func HexFile(vs []Vector) []byte {
	var b bytes.Buffer
	b.Grow(len(vs) * 50)
	for _, v := range vs {
		b.WriteString(hex.EncodeToString(v.Bytes[:]))
		if v.Valid {
			b.WriteString("1\n")
		} else {
			b.WriteString("0\n")
		}
	}
	return b.Bytes()
}
