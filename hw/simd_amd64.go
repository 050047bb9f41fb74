package hw

import (
	"hash/crc32"
	"math/bits"
	"unsafe"

	"golang.org/x/sys/cpu"
)

// haveSIMD: the CPU and OS run the AVX-512 kernel. It needs AVX-512 F/BW
// (byte shuffles), DQ (KMOVB), VL and VPCLMULQDQ (carry-less multiplies on
// 512-bit registers).
var haveSIMD = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512DQ &&
	cpu.X86.HasAVX512VL && cpu.X86.HasAVX512VPCLMULQDQ && cpu.X86.HasPOPCNT

const simdKernel = "vpclmulqdq (AVX-512, 8 descriptors per step)"

// simdConsts is read by validateAVX512; the field offsets are fixed in
// simd_amd64.s.
//
// The kernel validates 8 descriptors (192 bytes, three 512-bit loads) per
// step. Each descriptor is three 64-bit words q0 q1 q2; six VPERMT2Q gather
// them into three registers of one word per descriptor. The CRC over bytes
// 0–21 is computed in the bit-reflected domain of CRC-32 (IEEE):
//
//	crc_lin(M) = q0·x^144 + q1·x^80 + q2[bytes 0–5]·x^32   (mod P)
//
// q0 and q1 are multiplied by x^143 mod P and x^79 mod P (the extra x
// is the shift a reflected carry-less multiply adds); the six data bytes
// of q2 are placed by a byte shuffle, which also drops the stored checksum,
// byte-swapped, into the bits where the CRC's low 16 bits will land. The
// 96-bit sum is reduced mod P by Barrett reduction (two more multiplies by
// μ = ⌊x^96/P⌋ and P). The constants are kept 32 bits lower than the
// textbook ones so every operand the reduction needs is a whole 64-bit word
// and no cross-word shift is needed. A descriptor is valid when the result's
// 16 bits equal the CRC of 22 zero bytes (the affine part) and its first
// word carries the magic; one compare-into-mask gives 8 result bits.
type simdConsts struct {
	perm          [6][8]uint64
	shufE, shufO  [64]byte
	k0, k1, mu, p uint64
	qqMask, magic uint64
	mask32, crc0  uint64
	mask16        uint64
}

var simd simdConsts

// xPowMod returns x^e mod P, P the CRC-32 polynomial, bit d the
// coefficient of x^d.
func xPowMod(e int) uint32 {
	r := uint64(1)
	for range e {
		r <<= 1
		if r>>32 != 0 {
			r ^= 0x104C11DB7
		}
	}
	return uint32(r)
}

// barrettMu returns ⌊x^96/P⌋ without its leading x^64 term.
func barrettMu() uint64 {
	// Long division over GF(2) of x^96 by P, bit d = coefficient of x^d.
	var rem [97]bool
	rem[96] = true
	var q uint64
	for d := 96; d >= 32; d-- {
		if !rem[d] {
			continue
		}
		if d-32 < 64 {
			q |= 1 << (d - 32)
		}
		for j := 0; j <= 32; j++ {
			if 0x104C11DB7>>j&1 == 1 {
				rem[d-32+j] = !rem[d-32+j]
			}
		}
	}
	return q
}

func init() {
	// Gather indices for VPERMT2Q: descriptor d's words are 3d, 3d+1, 3d+2
	// of the 24 words in three registers. Step A takes what it can from
	// registers 0 and 1 (words 0–15), step B keeps A's first entries and
	// takes the rest from register 2 (index 8+ picks the second table).
	for k := range 3 {
		a, b := &simd.perm[2*k], &simd.perm[2*k+1]
		for d := range 8 {
			w := uint64(3*d + k)
			if w < 16 {
				a[d], b[d] = w, uint64(d)
			} else {
				b[d] = 8 + w - 16
			}
		}
	}
	// Shuffles placing q2's six data bytes at bytes 2–7 and the checksum
	// bytes 23, 22 at bytes 8, 9 of each 128-bit lane: E for the descriptor
	// in the lane's low word, O for the one in its high word.
	for lane := range 4 {
		for i := range 16 {
			e, o := byte(0x80), byte(0x80) // 0x80 zeroes the byte
			switch {
			case i >= 2 && i < 8:
				e, o = byte(i-2), byte(i-2+8)
			case i == 8:
				e, o = 7, 15
			case i == 9:
				e, o = 6, 14
			}
			simd.shufE[16*lane+i], simd.shufO[16*lane+i] = e, o
		}
	}
	refl := func(p uint32) uint64 { return bits.Reverse64(uint64(p)) >> 32 }
	simd.k0 = refl(xPowMod(143))
	simd.k1 = refl(xPowMod(79))
	simd.mu = bits.Reverse64(barrettMu())
	simd.p = bits.Reverse64(0x04C11DB7) // P without x^32
	simd.qqMask = 0x1_ffff_fffe
	simd.magic = magicLE
	simd.mask32 = 0xffff_ffff
	var z [22]byte
	simd.crc0 = uint64(uint16(crc32.ChecksumIEEE(z[:])))
	simd.mask16 = 0xffff
}

//go:noescape
func validateAVX512(bits *uint64, recs *byte, groups int, c *simdConsts) int

//go:noescape
func readAVX512(p *byte, n int) uint64

// validateSIMD validates the first n descriptors of recs, n a multiple of 8,
// writing n/8 bitmap bytes.
func validateSIMD(bits []uint64, recs []byte, n int) int {
	if n == 0 {
		return 0
	}
	return validateAVX512(&bits[0], unsafe.SliceData(recs), n/8, &simd)
}

// readSIMD XORs every 64-bit word of p with 512-bit loads; len(p) must be a
// multiple of 256.
func readSIMD(p []byte) uint64 {
	if len(p) == 0 {
		return 0
	}
	return readAVX512(unsafe.SliceData(p), len(p))
}
