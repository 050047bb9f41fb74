// Package hw validates TCP descriptors at memory speed and measures how
// fast: table-driven and SIMD validation backends that agree bit for bit
// with engine/tcp.Valid, validation straight from a memory-mapped
// descriptor database, and a benchmark that sets them against the machine's
// read bandwidth and the reference Python implementation.
//
// Every backend writes a result bitmap — bit i%64 of word i/64 is set when
// descriptor i is valid — and returns the number of valid descriptors. The
// bitmap is what a hardware validator reports per descriptor (the FPGA link
// answers one result per descriptor), so the two can be compared record by
// record; the count is what a benchmark checks, which keeps the work from
// being optimised away.
package hw

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/bits"
	"runtime"
	"sync"

	"github.com/tcpreport/tcpreport/engine/tcp"
)

// magicLE is the v2 magic "TCP\x02" read as a little-endian uint32.
const magicLE = 0x02504354

// BitmapLen returns the number of uint64 words a bitmap for n descriptors
// needs.
func BitmapLen(n int) int { return (n + 63) / 64 }

// check panics when recs or bits cannot hold what a backend writes: a
// programming error, like an index out of range.
func check(bits []uint64, recs []byte) int {
	if len(recs)%tcp.Size != 0 {
		panic(fmt.Sprintf("hw: %d bytes is not a whole number of %d-byte descriptors", len(recs), tcp.Size))
	}
	n := len(recs) / tcp.Size
	if len(bits) < BitmapLen(n) {
		panic(fmt.Sprintf("hw: bitmap of %d words for %d descriptors, need %d", len(bits), n, BitmapLen(n)))
	}
	return n
}

// crcTable is the byte-at-a-time (Sarwate) table of CRC-32 (IEEE).
var crcTable = crc32.MakeTable(crc32.IEEE)

// ValidateScalar is the scalar backend: a byte-at-a-time table CRC-32 over
// bytes 0–21 of each descriptor, as a textbook implementation computes it.
// It writes the result bitmap of the descriptors packed in recs to bits
// (BitmapLen words at least; whole words are overwritten) and returns the
// number of valid descriptors. len(recs) must be a multiple of tcp.Size;
// like an index out of range, a partial descriptor or a short bitmap is a
// programming error and panics.
func ValidateScalar(bits []uint64, recs []byte) int {
	n := check(bits, recs)
	count := 0
	for w := 0; w*64 < n; w++ {
		var word uint64
		for i := w * 64; i < min(n, w*64+64); i++ {
			r := recs[i*tcp.Size : (i+1)*tcp.Size]
			c := ^uint32(0)
			for _, b := range r[:22] {
				c = crcTable[byte(c)^b] ^ c>>8
			}
			if string(r[0:4]) == tcp.Magic && uint16(^c) == binary.BigEndian.Uint16(r[22:24]) {
				word |= 1 << (i & 63)
			}
		}
		bits[w] = word
		count += popcount(word)
	}
	return count
}

// popcount is bits.OnesCount64 for functions whose bitmap parameter
// shadows the package name.
func popcount(w uint64) int { return bits.OnesCount64(w) }

// The slicing kernel is slicing-by-N with N = 22, the descriptor's whole
// checksummed length. A CRC over a fixed number of bytes is affine in its
// input bits, so crc(b) = crc(0…0) ^ T0[b0] ^ T1[b1] ^ … ^ T21[b21], where
// Ti[v] is the CRC's change when byte i is v instead of 0. Only the low 16
// bits are checked, so the tables hold uint16s (22 × 512 B, L1-resident),
// stored byte-swapped so they compare with the big-endian checksum field as
// it sits in memory. The magic's contribution is folded into the constant:
// a descriptor whose magic differs is invalid whatever its CRC.
var (
	sliceTab   [22][256]uint16
	sliceConst uint16
)

func init() {
	var z [22]byte
	c0 := crc32.ChecksumIEEE(z[:])
	for i := range z {
		for v := range 256 {
			z[i] = byte(v)
			sliceTab[i][v] = bits.ReverseBytes16(uint16(crc32.ChecksumIEEE(z[:]) ^ c0))
		}
		z[i] = 0
	}
	sliceConst = bits.ReverseBytes16(uint16(c0))
	for i := range 4 {
		sliceConst ^= sliceTab[i][tcp.Magic[i]]
	}
}

// ValidateSlicing is the portable optimised backend: three 64-bit loads
// per descriptor, a 32-bit magic compare and 18 lookups in position tables
// (slicing-by-22, see above), branch-free. Arguments and result are as for
// ValidateScalar.
func ValidateSlicing(bits []uint64, recs []byte) int {
	check(bits, recs)
	return slicing(bits, recs, 0)
}

// slicing validates descriptors from…n-1 of recs. Words that start at or
// after from are overwritten; the word holding from, when from is not a
// multiple of 64, is ORed into (its bits for from… must be clear).
func slicing(bits []uint64, recs []byte, from int) int {
	n := len(recs) / tcp.Size
	t := &sliceTab
	count := 0
	for i := from; i < n; {
		start, end := i, min(n, i&^63+64)
		var word uint64
		for ; i < end; i++ {
			r := recs[i*tcp.Size : (i+1)*tcp.Size : (i+1)*tcp.Size]
			w0 := binary.LittleEndian.Uint64(r[0:8])
			w1 := binary.LittleEndian.Uint64(r[8:16])
			w2 := binary.LittleEndian.Uint64(r[16:24])
			c := sliceConst ^ t[4][byte(w0>>32)] ^ t[5][byte(w0>>40)] ^ t[6][byte(w0>>48)] ^ t[7][byte(w0>>56)] ^
				t[8][byte(w1)] ^ t[9][byte(w1>>8)] ^ t[10][byte(w1>>16)] ^ t[11][byte(w1>>24)] ^
				t[12][byte(w1>>32)] ^ t[13][byte(w1>>40)] ^ t[14][byte(w1>>48)] ^ t[15][byte(w1>>56)] ^
				t[16][byte(w2)] ^ t[17][byte(w2>>8)] ^ t[18][byte(w2>>16)] ^ t[19][byte(w2>>24)] ^
				t[20][byte(w2>>32)] ^ t[21][byte(w2>>40)] ^ uint16(w2>>48)
			// x is zero exactly when the CRC and the magic match; x < 2^48,
			// so x-1 has its top bit set exactly when x is zero.
			x := uint64(c) | uint64(uint32(w0)^magicLE)<<16
			word |= (x - 1) >> 63 << (i & 63)
		}
		if start&63 == 0 {
			bits[start>>6] = word
		} else {
			bits[start>>6] |= word
		}
		count += popcount(word)
	}
	return count
}

// Validate is the optimised backend: the fastest kernel this CPU runs
// (Kernel names it) — AVX-512 carry-less multiplication on amd64 CPUs with
// VPCLMULQDQ, else the slicing kernel. Arguments and result are as for
// ValidateScalar.
func Validate(bits []uint64, recs []byte) int {
	n := check(bits, recs)
	if !haveSIMD || n < 8 {
		return slicing(bits, recs, 0)
	}
	n8 := n &^ 7
	if n%64 != 0 {
		bits[n/64] = 0 // the SIMD kernel writes bytes; clear the partial word's rest
	}
	count := validateSIMD(bits, recs, n8)
	if n8 < n {
		count += slicing(bits, recs, n8)
	}
	return count
}

// Kernel names the kernel Validate uses on this CPU.
func Kernel() string {
	if haveSIMD {
		return simdKernel
	}
	return "slicing-by-22 (portable Go)"
}

// chunkAlign is the granule the parallel backend splits work at: 512
// descriptors own 8 whole bitmap words, one 64-byte cache line, so two
// threads never write the same line.
const chunkAlign = 512

// ValidateParallel is the parallel backend: it splits recs into one chunk
// per thread (threads ≤ 0 means GOMAXPROCS), validates the chunks with
// Validate concurrently and returns the total. Arguments and result are
// otherwise as for ValidateScalar.
func ValidateParallel(bits []uint64, recs []byte, threads int) int {
	n := check(bits, recs)
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	per := (n + threads - 1) / threads
	per = (per + chunkAlign - 1) / chunkAlign * chunkAlign
	if threads == 1 || per >= n {
		return Validate(bits, recs)
	}
	// One padded slot per thread: the counts do not share a cache line.
	counts := make([]struct {
		n int
		_ [56]byte
	}, threads)
	var wg sync.WaitGroup
	for t := range threads {
		lo, hi := t*per, min(n, (t+1)*per)
		if lo >= hi {
			break
		}
		wg.Go(func() {
			counts[t].n = Validate(bits[lo/64:BitmapLen(hi)], recs[lo*tcp.Size:hi*tcp.Size])
		})
	}
	wg.Wait()
	total := 0
	for _, c := range counts {
		total += c.n
	}
	return total
}
