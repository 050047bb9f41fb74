package hw

import (
	"encoding/binary"
	"hash/crc32"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/tcpreport/tcpreport/engine/tcp"
)

// fillDescriptors fills recs (a whole number of descriptors) with valid v2
// descriptors with pseudo-random fields drawn from seed: the working set of
// a benchmark. Name hashes ascend with the record number, so the database
// index built over them is already sorted. Large buffers are filled by all
// cores; the result depends only on seed and len(recs).
func fillDescriptors(recs []byte, seed uint64) {
	n := len(recs) / tcp.Size
	const chunk = 1 << 16
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for lo := 0; lo < n; lo += chunk {
		hi := min(n, lo+chunk)
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			r := rand.New(rand.NewPCG(seed, uint64(lo)))
			for i := lo; i < hi; i++ {
				d := recs[i*tcp.Size : (i+1)*tcp.Size]
				copy(d[0:4], tcp.Magic)
				binary.BigEndian.PutUint16(d[4:6], tcp.Version)
				binary.BigEndian.PutUint32(d[6:10], uint32(uint64(i)<<32/uint64(n)))
				binary.BigEndian.PutUint64(d[10:18], r.Uint64())
				binary.BigEndian.PutUint32(d[18:22], r.Uint32())
				binary.BigEndian.PutUint16(d[22:24], uint16(crc32.ChecksumIEEE(d[:22])))
			}
		})
	}
	wg.Wait()
}

// corrupt flips one pseudo-random bit in every k-th descriptor of recs,
// starting with descriptor k/2, and returns how many descriptors it left
// alone. The flips are deterministic in seed. (Every single-bit flip of a
// valid descriptor makes it invalid — the property test checks all 192 —
// so that is also the number of valid descriptors if recs was all valid.)
func corrupt(recs []byte, k int, seed uint64) int {
	n := len(recs) / tcp.Size
	r := rand.New(rand.NewPCG(seed, 0xc0))
	bad := 0
	for i := k / 2; i < n; i += k {
		recs[i*tcp.Size+r.IntN(tcp.Size)] ^= 1 << r.IntN(8)
		bad++
	}
	return n - bad
}
