package hw

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"testing"

	"github.com/tcpreport/tcpreport/engine/tcp"
)

// backend is one validation backend under test.
type backend struct {
	name string
	fn   func(bits []uint64, recs []byte) int
}

func testBackends() []backend {
	bs := []backend{
		{"scalar", ValidateScalar},
		{"slicing", ValidateSlicing},
		{"optimised", Validate},
	}
	for _, th := range []int{1, 2, 3, 7} {
		bs = append(bs, backend{fmt.Sprintf("parallel/%d", th), func(bits []uint64, recs []byte) int {
			return ValidateParallel(bits, recs, th)
		}})
	}
	return bs
}

// reference is engine/tcp.Valid for each descriptor: the bitmap and count
// every backend must reproduce.
func reference(recs []byte) ([]uint64, int) {
	n := len(recs) / tcp.Size
	bits := make([]uint64, BitmapLen(n))
	count := 0
	for i := range n {
		if tcp.Valid(recs[i*tcp.Size : (i+1)*tcp.Size]) {
			bits[i/64] |= 1 << (i % 64)
			count++
		}
	}
	return bits, count
}

// agree runs every backend over recs and fails on the first descriptor
// where one disagrees with tcp.Valid. The bitmap starts full of ones so a
// backend that leaves a bit unwritten is caught.
func agree(t *testing.T, recs []byte) {
	t.Helper()
	want, wantN := reference(recs)
	for _, b := range testBackends() {
		bits := make([]uint64, len(want)+1)
		for i := range bits {
			bits[i] = ^uint64(0)
		}
		got := b.fn(bits, recs)
		for i := range len(recs) / tcp.Size {
			if g, w := bits[i/64]>>(i%64)&1, want[i/64]>>(i%64)&1; g != w {
				t.Fatalf("%s: descriptor %d (% x): valid bit %d, tcp.Valid says %d", b.name, i, recs[i*tcp.Size:(i+1)*tcp.Size], g, w)
			}
		}
		if n := len(recs) / tcp.Size; n%64 != 0 && bits[n/64]>>(n%64) != 0 {
			t.Fatalf("%s: bits past descriptor %d are set: %#x", b.name, n, bits[n/64])
		}
		if bits[len(want)] != ^uint64(0) {
			t.Fatalf("%s: wrote past the bitmap", b.name)
		}
		if got != wantN {
			t.Fatalf("%s: count %d, want %d", b.name, got, wantN)
		}
	}
}

// validDescriptor returns a valid descriptor with fields from r.
func validDescriptor(r *rand.Rand) []byte {
	d := make([]byte, tcp.Size)
	copy(d, tcp.Magic)
	for i := 4; i < 22; i++ {
		d[i] = byte(r.Uint32())
	}
	if r.IntN(2) == 0 {
		binary.BigEndian.PutUint16(d[4:6], tcp.Version)
	}
	binary.BigEndian.PutUint16(d[22:24], uint16(crc32.ChecksumIEEE(d[:22])))
	return d
}

// TestBackendsAgree is the property test: on random bytes, valid
// descriptors, corrupted ones, descriptors whose checksum matches a wrong
// magic, and every single-bit flip of a sample of valid descriptors, every
// backend gives exactly tcp.Valid's answer, at every length (tails of 1…7
// and 1…63 descriptors) and alignment.
func TestBackendsAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var recs []byte
	add := func(d []byte) { recs = append(recs, d...) }
	for range 500 { // random bytes: almost all invalid
		d := make([]byte, tcp.Size)
		for i := range d {
			d[i] = byte(r.Uint32())
		}
		add(d)
	}
	for range 2000 {
		add(validDescriptor(r))
	}
	for range 1000 { // corrupted: 1-4 random bit flips
		d := validDescriptor(r)
		for range 1 + r.IntN(4) {
			d[r.IntN(tcp.Size)] ^= 1 << r.IntN(8)
		}
		add(d)
	}
	for range 300 { // checksum right for bytes 0-21, magic wrong
		d := validDescriptor(r)
		d[r.IntN(4)] ^= byte(1 + r.IntN(255))
		binary.BigEndian.PutUint16(d[22:24], uint16(crc32.ChecksumIEEE(d[:22])))
		add(d)
	}
	for range 300 { // the checksum's two bytes swapped
		d := validDescriptor(r)
		if d[22] != d[23] {
			d[22], d[23] = d[23], d[22]
			add(d)
		}
	}
	for range 64 { // every single-bit flip of a valid descriptor, and it
		d := validDescriptor(r)
		add(d)
		for bit := range tcp.Size * 8 {
			f := append([]byte(nil), d...)
			f[bit/8] ^= 1 << (bit % 8)
			add(f)
		}
	}
	// Shuffle descriptors so valid and invalid ones mix within SIMD steps.
	n := len(recs) / tcp.Size
	for i := n - 1; i > 0; i-- {
		j := r.IntN(i + 1)
		var tmp [tcp.Size]byte
		copy(tmp[:], recs[i*tcp.Size:])
		copy(recs[i*tcp.Size:(i+1)*tcp.Size], recs[j*tcp.Size:(j+1)*tcp.Size])
		copy(recs[j*tcp.Size:], tmp[:])
	}
	_, valid := reference(recs)
	t.Logf("%d descriptors, %d valid", n, valid)
	agree(t, recs)

	// Every length up to 200 descriptors, at a misaligned address.
	buf := make([]byte, 1+200*tcp.Size)
	for l := 0; l <= 200; l++ {
		copy(buf[1:], recs[(l*37)%1000*tcp.Size:][:l*tcp.Size])
		agree(t, buf[1:1+l*tcp.Size])
	}
}

// TestBackendsAgreeLarge checks the chunking of the parallel backend on a
// buffer that is not a multiple of its chunk granule.
func TestBackendsAgreeLarge(t *testing.T) {
	n := 3*chunkAlign*7 + 13
	recs := make([]byte, n*tcp.Size)
	fillDescriptors(recs, 7)
	corrupt(recs, 97, 7)
	agree(t, recs)
}

// FuzzBackends: on any input every backend agrees with tcp.Valid.
func FuzzBackends(f *testing.F) {
	r := rand.New(rand.NewPCG(3, 4))
	f.Add(validDescriptor(r))
	f.Add(append(validDescriptor(r), make([]byte, 9*tcp.Size)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		agree(t, b[:len(b)/tcp.Size*tcp.Size])
	})
}

func TestKernelConstants(t *testing.T) {
	// The layout vector of DESIGN.md §6 is valid, its one-bit flip is not.
	d := tcp.Encode("rm", 0x22f, 5000, 500, 50)
	for _, b := range testBackends() {
		bits := make([]uint64, 1)
		if b.fn(bits, d[:]) != 1 || bits[0] != 1 {
			t.Errorf("%s: the DESIGN §6 vector is invalid", b.name)
		}
	}
	t.Logf("optimised kernel: %s", Kernel())
}
