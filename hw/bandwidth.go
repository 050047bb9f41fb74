package hw

import (
	"encoding/binary"
	"runtime"
	"sync"
)

// readGo is the portable read kernel: eight independent accumulators of
// 64-bit words, so no load waits on another's sum.
func readGo(p []byte) uint64 {
	var a0, a1, a2, a3, a4, a5, a6, a7 uint64
	for ; len(p) >= 64; p = p[64:] {
		q := p[:64:64]
		a0 ^= binary.LittleEndian.Uint64(q[0:])
		a1 ^= binary.LittleEndian.Uint64(q[8:])
		a2 ^= binary.LittleEndian.Uint64(q[16:])
		a3 ^= binary.LittleEndian.Uint64(q[24:])
		a4 ^= binary.LittleEndian.Uint64(q[32:])
		a5 ^= binary.LittleEndian.Uint64(q[40:])
		a6 ^= binary.LittleEndian.Uint64(q[48:])
		a7 ^= binary.LittleEndian.Uint64(q[56:])
	}
	for ; len(p) >= 8; p = p[8:] {
		a0 ^= binary.LittleEndian.Uint64(p)
	}
	for _, b := range p {
		a1 ^= uint64(b)
	}
	return a0 ^ a1 ^ a2 ^ a3 ^ a4 ^ a5 ^ a6 ^ a7
}

// readKernel is the read-bandwidth reference: it loads every byte of p,
// with 512-bit loads into independent accumulators where the CPU has
// AVX-512, and returns the XOR of p's 64-bit words (so the loads cannot be
// dropped). It does no other work: its bytes/s is the most any validator
// reading p can reach.
func readKernel(p []byte) uint64 {
	if !haveSIMD {
		return readGo(p)
	}
	body := len(p) &^ 255
	return readSIMD(p[:body]) ^ readGo(p[body:])
}

// readParallel runs readKernel over threads chunks of p concurrently, the
// way ValidateParallel splits its work (4 KiB-aligned chunks).
func readParallel(p []byte, threads int) uint64 {
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	per := (len(p)/threads + 4095) &^ 4095
	if threads == 1 || per >= len(p) {
		return readKernel(p)
	}
	sums := make([]struct {
		v uint64
		_ [56]byte
	}, threads)
	var wg sync.WaitGroup
	for t := range threads {
		lo, hi := t*per, min(len(p), (t+1)*per)
		if lo >= hi {
			break
		}
		wg.Go(func() { sums[t].v = readKernel(p[lo:hi]) })
	}
	wg.Wait()
	var x uint64
	for _, s := range sums {
		x ^= s.v
	}
	return x
}
