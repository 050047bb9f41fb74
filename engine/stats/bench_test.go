package stats

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// lognormalSample returns n seeded lognormal values, timing-like.
func lognormalSample(n int, mu float64, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	x := make([]float64, n)
	for i := range x {
		x[i] = math.Exp(mu + 0.3*r.NormFloat64())
	}
	return x
}

// BenchmarkCompare is 'tcpreport analyze' on two samples of a million
// values each (goal: under 1 s).
func BenchmarkCompare(b *testing.B) {
	a, c := lognormalSample(1_000_000, 0, 1), lognormalSample(1_000_000, 0.1, 2)
	b.ResetTimer()
	for range b.N {
		if _, err := Compare(a, c, 0.05, 1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(a)+len(c))*float64(b.N)/b.Elapsed().Seconds(), "values/s")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/compare")
}

// BenchmarkBootstrap draws 10,000 resamples of 10,000 values (goal: under
// 2 s on 2 cores).
func BenchmarkBootstrap(b *testing.B) {
	x := lognormalSample(10_000, 0, 3)
	for _, bb := range []struct {
		name string
		stat Statistic
	}{
		{"mean", func(s [][]float64) float64 { return mean(s[0]) }},
		{"median", func(s [][]float64) float64 { return median(s[0]) }},
	} {
		b.Run(bb.name, func(b *testing.B) {
			const resamples = 10_000
			for range b.N {
				if _, err := BootstrapDistribution([][]float64{x}, bb.stat, resamples, 1); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(resamples*float64(b.N)/b.Elapsed().Seconds(), "resamples/s")
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/10k-resamples")
		})
	}
}

// BenchmarkMedianRatioCI is Compare's ratio-of-medians interval, whose cost
// does not grow with n.
func BenchmarkMedianRatioCI(b *testing.B) {
	x, y := lognormalSample(100_000, 0, 4), lognormalSample(100_000, 0.2, 5)
	sx, sy := sortedCopy(x), sortedCopy(y)
	b.ResetTimer()
	for range b.N {
		if _, err := medianRatioSorted("", sx, sy, 0.95, CompareResamples, 1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(CompareResamples*float64(b.N)/b.Elapsed().Seconds(), "resamples/s")
}

// BenchmarkShapiroWilk is the test at its largest n.
func BenchmarkShapiroWilk(b *testing.B) {
	x := lognormalSample(5000, 0, 6)
	for range b.N {
		if _, err := ShapiroWilk(x); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tests/s")
}

// BenchmarkParseSamples reads a million-line sample file.
func BenchmarkParseSamples(b *testing.B) {
	x := lognormalSample(1_000_000, 0, 7)
	var buf []byte
	for _, v := range x {
		buf = strconvAppend(buf, v)
	}
	b.SetBytes(int64(len(buf)))
	b.ResetTimer()
	for range b.N {
		if _, err := ParseSamples(bytesReader(buf), "bench"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(x))*float64(b.N)/b.Elapsed().Seconds(), "values/s")
}

func strconvAppend(buf []byte, v float64) []byte {
	return append(strconv.AppendFloat(buf, v, 'g', -1, 64), '\n')
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
