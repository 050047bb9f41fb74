package hw

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/tcpreport/tcpreport/engine/tcp"
)

// clmul is a carry-less 64×64 → 128-bit multiply in software.
func clmul(a, b uint64) (lo, hi uint64) {
	for i := range 64 {
		if b>>i&1 == 1 {
			lo ^= a << i
			if i > 0 {
				hi ^= a >> (64 - i)
			}
		}
	}
	return lo, hi
}

// modelValid is the SIMD kernel's arithmetic for one descriptor, step by
// step in plain Go with the kernel's constants: a readable statement of
// what simd_amd64.s computes, checked against tcp.Valid.
func modelValid(d []byte) bool {
	q0 := binary.LittleEndian.Uint64(d[0:])
	q1 := binary.LittleEndian.Uint64(d[8:])
	// The shuffle: q2's data bytes 0-5 to bytes 2-7, checksum bytes 23,
	// 22 to bytes 8, 9 of the 128-bit value.
	shufLo := uint64(binary.LittleEndian.Uint32(d[16:]))<<16 | uint64(binary.LittleEndian.Uint16(d[20:]))<<48
	shufHi := uint64(d[23]) | uint64(d[22])<<8
	lo0, hi0 := clmul(q0, simd.k0)
	lo1, hi1 := clmul(q1, simd.k1)
	sLo, sHi := lo0^lo1^shufLo, hi0^hi1^shufHi
	u, _ := clmul(sLo, simd.mu)          // U = h·μ, h = the low word
	q := (sLo>>31 ^ u>>30) & simd.qqMask // the quotient's low 32 bits, shifted
	_, vHi := clmul(q, simd.p)           // V = q·P
	crc16 := (sHi ^ vHi) & simd.mask16   // CRC's low 16 bits ^ the stored checksum
	return uint32(q0) == uint32(simd.magic) && crc16 == simd.crc0
}

func TestSIMDModel(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for i := range 20000 {
		d := validDescriptor(r)
		if i%2 == 1 {
			d[r.IntN(tcp.Size)] ^= 1 << r.IntN(8)
		}
		if got, want := modelValid(d), tcp.Valid(d); got != want {
			t.Fatalf("model says %v, tcp.Valid %v for % x", got, want, d)
		}
	}
}
