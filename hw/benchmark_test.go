package hw

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/tcpreport/tcpreport/engine/tcp"
)

// benchSizes are the default working sets of this machine: one per cache
// level and DRAM.
func benchSizes(b *testing.B) []int64 {
	c, err := ReadCaches(SysfsCPU0)
	if err != nil {
		b.Logf("cache sizes: %v; using defaults", err)
	}
	return c.DefaultSizes(MemAvailable())
}

var benchData = map[int64][]byte{}

func benchRecs(size int64) []byte {
	if r, ok := benchData[size]; ok {
		return r
	}
	clear(benchData) // hold one large working set at a time
	recs := make([]byte, size/tcp.Size*tcp.Size)
	fillDescriptors(recs, 1)
	corrupt(recs, 256, 1)
	benchData[size] = recs
	return recs
}

// BenchmarkValidate measures every backend at every default size; the
// threaded backends on all cores. Metrics: descriptors/s, and for the
// parallel backend on the DRAM working set, the fraction of the 0.5 G
// descriptors/s goal.
func BenchmarkValidate(b *testing.B) {
	c, _ := ReadCaches(SysfsCPU0)
	for _, size := range benchSizes(b) {
		level := c.Level(size)
		for _, be := range []struct {
			name string
			fn   func(bits []uint64, recs []byte) int
		}{
			{Scalar, ValidateScalar},
			{Slicing, ValidateSlicing},
			{Optimised, Validate},
			{Parallel, func(bits []uint64, recs []byte) int { return ValidateParallel(bits, recs, 0) }},
		} {
			b.Run(fmt.Sprintf("%s/%s-%s", be.name, FormatSize(size), level), func(b *testing.B) {
				recs := benchRecs(size)
				n := len(recs) / tcp.Size
				bits := make([]uint64, BitmapLen(n))
				want := be.fn(bits, recs)
				b.SetBytes(int64(len(recs)))
				for b.Loop() {
					if be.fn(bits, recs) != want {
						b.Fatal("count changed")
					}
				}
				rate := float64(b.N) * float64(n) / b.Elapsed().Seconds()
				b.ReportMetric(rate, "desc/s")
				if be.name == Parallel && level == LevelDRAM {
					b.ReportMetric(rate/Goal, "of-goal")
				}
			})
		}
	}
}

// BenchmarkReadBandwidth is the read-bandwidth reference over the same
// working sets, on one thread and on all.
func BenchmarkReadBandwidth(b *testing.B) {
	c, _ := ReadCaches(SysfsCPU0)
	for _, size := range benchSizes(b) {
		for _, th := range []int{1, runtime.GOMAXPROCS(0)} {
			b.Run(fmt.Sprintf("%s-%s/threads=%d", FormatSize(size), c.Level(size), th), func(b *testing.B) {
				recs := benchRecs(size)
				b.SetBytes(int64(len(recs)))
				for b.Loop() {
					sink.Add(readParallel(recs, th))
				}
			})
		}
	}
}
