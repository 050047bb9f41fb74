package stats

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/stat/distuv"
)

// Statistic computes a statistic from one value per sample, such as the
// mean of one sample or the ratio of the medians of two. The slices it is
// given are scratch copies that it may reorder; it must be safe to call
// from several goroutines at once.
type Statistic func(samples [][]float64) float64

// BootstrapMethod is how a bootstrap interval is read from the bootstrap
// distribution.
type BootstrapMethod int

const (
	// BCa is the bias-corrected and accelerated percentile interval
	// (Efron 1987), SciPy's default.
	BCa BootstrapMethod = iota
	// Percentile is the plain percentile interval.
	Percentile
)

func (m BootstrapMethod) String() string {
	if m == Percentile {
		return "percentile"
	}
	return "BCa"
}

// DefaultResamples is the number of bootstrap resamples when none is given,
// SciPy's default.
const DefaultResamples = 9999

// BootstrapOptions configure BootstrapCI. The zero value asks for a 95% BCa
// interval from 9999 resamples with seed 0.
type BootstrapOptions struct {
	Resamples int     // 0 means DefaultResamples
	Level     float64 // 0 means 0.95
	Method    BootstrapMethod
	Seed      uint64
}

// BootstrapResult is a bootstrap confidence interval and what it was
// computed from.
type BootstrapResult struct {
	Estimate     float64   // the statistic on the data
	Interval     Interval  // Level is the level asked for
	Distribution []float64 // the statistic on each resample, in resample order
	SE           float64   // standard deviation of Distribution (n−1)
	// Z0 and Accel are the BCa bias correction and acceleration; both are 0
	// for the percentile method.
	Z0, Accel float64
	Seed      uint64
}

// BootstrapCI resamples each sample independently with replacement,
// computes stat on every resample and returns the interval opt.Method reads
// from that distribution, as scipy.stats.bootstrap(samples, stat,
// paired=False) does (its random numbers differ: resamples come from
// math/rand/v2's PCG, seeded by opt.Seed).
//
// The result depends only on the data, stat and opt, not on GOMAXPROCS:
// resamples are drawn in fixed blocks, each from its own generator seeded
// in order from opt.Seed, and workers only decide which block runs where.
func BootstrapCI(samples [][]float64, stat Statistic, opt BootstrapOptions) (*BootstrapResult, error) {
	const fn = "BootstrapCI"
	if opt.Resamples == 0 {
		opt.Resamples = DefaultResamples
	}
	if opt.Level == 0 {
		opt.Level = 0.95
	}
	if err := checkLevel(fn, opt.Level); err != nil {
		return nil, err
	}
	dist, err := BootstrapDistribution(samples, stat, opt.Resamples, opt.Seed)
	if err != nil {
		return nil, err
	}
	r := &BootstrapResult{Estimate: stat(copySamples(samples)), Distribution: dist, Seed: opt.Seed}
	r.SE = math.Sqrt(variance(dist, mean(dist)))
	switch opt.Method {
	case Percentile:
		r.Interval, err = PercentileInterval(dist, opt.Level)
	default:
		var bca BCaParams
		r.Interval, bca, err = BCaInterval(samples, stat, dist, opt.Level)
		r.Z0, r.Accel = bca.Z0, bca.Accel
	}
	if err != nil {
		return nil, err
	}
	r.Interval.Method = fmt.Sprintf("bootstrap %s, %d resamples, seed %d", opt.Method, opt.Resamples, opt.Seed)
	return r, nil
}

// bootBlock is the number of resamples drawn from one generator.
const bootBlock = 64

// BootstrapDistribution returns stat on each of resamples bootstrap
// resamples of samples, seeded by seed. See BootstrapCI for how the result
// is kept independent of GOMAXPROCS.
func BootstrapDistribution(samples [][]float64, stat Statistic, resamples int, seed uint64) ([]float64, error) {
	const fn = "BootstrapDistribution"
	if len(samples) == 0 {
		return nil, errorf(fn, ErrTooFew, "no samples given")
	}
	if err := checkAll(fn, samples, 1); err != nil {
		return nil, err
	}
	if resamples < 1 {
		return nil, errorf(fn, ErrParam, "%d resamples; use at least 1 (9999 is usual)", resamples)
	}
	blocks := (resamples + bootBlock - 1) / bootBlock
	seeds := blockSeeds(seed, blocks)
	out := make([]float64, resamples)
	parallel(blocks, func() func(int) {
		scratch := make([][]float64, len(samples))
		for j, s := range samples {
			scratch[j] = make([]float64, len(s))
		}
		return func(b int) {
			rng := rand.NewPCG(seeds[2*b], seeds[2*b+1])
			for r := b * bootBlock; r < min(resamples, (b+1)*bootBlock); r++ {
				for j, s := range samples {
					n := uint64(len(s))
					buf := scratch[j]
					for i := range buf {
						buf[i] = s[uintN(rng, n)]
					}
				}
				out[r] = stat(scratch)
			}
		}
	})
	for i, v := range out {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, errorf(fn, ErrNonFinite, "the statistic is %v on resample %d; it must be finite on every resample", v, i+1)
		}
	}
	return out, nil
}

// blockSeeds returns two PCG seeds for each of n blocks, drawn in order
// from a PCG seeded by seed.
func blockSeeds(seed uint64, n int) []uint64 {
	master := rand.NewPCG(seed, 0x9e3779b97f4a7c15)
	s := make([]uint64, 2*n)
	for i := range s {
		s[i] = master.Uint64()
	}
	return s
}

// uintN returns a uniform integer in [0, n) (Lemire's multiply-shift with
// rejection), calling the generator directly rather than through an
// interface: the bootstrap draws a hundred million of these.
func uintN(rng *rand.PCG, n uint64) uint64 {
	hi, lo := bits.Mul64(rng.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(rng.Uint64(), n)
		}
	}
	return hi
}

// parallel runs job(i) for i in [0, n) on up to GOMAXPROCS goroutines.
// newWorker is called once per goroutine to set up its scratch space and
// returns that goroutine's job.
func parallel(n int, newWorker func() func(int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			job := newWorker()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				job(i)
			}
		}()
	}
	wg.Wait()
}

func copySamples(samples [][]float64) [][]float64 {
	c := make([][]float64, len(samples))
	for i, s := range samples {
		c[i] = slices.Clone(s)
	}
	return c
}

// PercentileInterval returns the percentile interval at level from a
// bootstrap distribution: its (1−level)/2 and (1+level)/2 quantiles, type 7
// (numpy.percentile, as scipy.stats.bootstrap(method="percentile") reads
// them).
func PercentileInterval(dist []float64, level float64) (Interval, error) {
	const fn = "PercentileInterval"
	if err := checkNamed(fn, "bootstrap distribution", dist, 1); err != nil {
		return Interval{}, err
	}
	if err := checkLevel(fn, level); err != nil {
		return Interval{}, err
	}
	alpha := (1 - level) / 2
	s := sortedCopy(dist)
	return Interval{Low: percentile(s, alpha), High: percentile(s, 1-alpha), Level: level, Method: "bootstrap percentile"}, nil
}

// percentile is numpy.percentile(s, 100·p) on sorted s, going through
// the same ×100 ÷100 round trip so that it matches to the last bit.
func percentile(s []float64, p float64) float64 {
	return quantileSorted(s, (p*100)/100, 7)
}

// BCaParams are the two constants of a BCa interval.
type BCaParams struct {
	Z0    float64 // bias correction: Φ⁻¹ of the share of resamples below the estimate
	Accel float64 // acceleration, from the jackknife
}

// BCaInterval returns the bias-corrected and accelerated interval at level
// from a bootstrap distribution dist of stat on samples, as
// scipy.stats.bootstrap(method="BCa") computes it (Efron and Tibshirani
// 1993, §14.3 and eq. 15.36): z0 from the share of dist below the estimate
// (ties counting one half), the acceleration from the jackknife — leaving
// out each value of each sample in turn — and the interval from dist's
// quantiles at the adjusted levels.
//
// It is deterministic given dist, so it can be checked against SciPy with
// a bootstrap distribution made there. When dist lies entirely on one side
// of the estimate, or the jackknife values are all equal, the interval is
// undefined (SciPy warns and returns NaN): the error wraps ErrDegenerate.
func BCaInterval(samples [][]float64, stat Statistic, dist []float64, level float64) (Interval, BCaParams, error) {
	const fn = "BCaInterval"
	if len(samples) == 0 {
		return Interval{}, BCaParams{}, errorf(fn, ErrTooFew, "no samples given")
	}
	if err := checkAll(fn, samples, 2); err != nil {
		return Interval{}, BCaParams{}, err
	}
	if err := checkNamed(fn, "bootstrap distribution", dist, 1); err != nil {
		return Interval{}, BCaParams{}, err
	}
	if err := checkLevel(fn, level); err != nil {
		return Interval{}, BCaParams{}, err
	}
	theta := stat(copySamples(samples))
	var below, atOrBelow int
	for _, v := range dist {
		if v < theta {
			below++
		}
		if v <= theta {
			atOrBelow++
		}
	}
	z0 := normQuantile(float64(below+atOrBelow) / float64(2*len(dist)))
	a, err := jackknifeAccel(samples, stat)
	if err != nil {
		return Interval{}, BCaParams{}, err
	}
	bca := BCaParams{Z0: z0, Accel: a}
	alpha := (1 - level) / 2
	za := normQuantile(alpha)
	adjust := func(z float64) float64 {
		num := z0 + z
		return normCDF(z0 + num/(1-a*num))
	}
	a1, a2 := adjust(za), adjust(-za)
	if math.IsNaN(a1) || math.IsNaN(a2) || math.IsInf(z0, 0) {
		return Interval{}, bca, errorf(fn, ErrDegenerate, "the bootstrap distribution lies on one side of the estimate %g; BCa is undefined (use the percentile interval)", theta)
	}
	s := sortedCopy(dist)
	return Interval{Low: percentile(s, a1), High: percentile(s, a2), Level: level, Method: "bootstrap BCa"}, bca, nil
}

// jackknifeAccel returns the BCa acceleration from the jackknife values of
// stat, leaving out one value of one sample at a time (SciPy's
// multi-sample form: the sums of each sample's cubed and squared
// influence values, over n³ and n², added across samples).
func jackknifeAccel(samples [][]float64, stat Statistic) (float64, error) {
	var num, den float64
	for j, s := range samples {
		n := len(s)
		theta := make([]float64, n)
		parallel(n, func() func(int) {
			scratch := make([][]float64, len(samples))
			return func(i int) {
				for k, o := range samples {
					scratch[k] = append(scratch[k][:0], o...)
				}
				scratch[j] = append(append(scratch[j][:0], s[:i]...), s[i+1:]...)
				theta[i] = stat(scratch)
			}
		})
		dot := mean(theta)
		fn := float64(n)
		var s3, s2 float64
		for _, t := range theta {
			u := (fn - 1) * (dot - t)
			s3 += u * u * u
			s2 += u * u
		}
		num += s3 / (fn * fn * fn)
		den += s2 / (fn * fn)
	}
	if den == 0 || math.IsNaN(den) {
		return 0, errorf("BCaInterval", ErrDegenerate, "the jackknife values of the statistic are all equal; the acceleration is undefined (use the percentile interval)")
	}
	return num / 6 / math.Pow(den, 1.5), nil
}

// MedianRatioCI returns a percentile bootstrap interval for the ratio of
// medians, median(a)/median(b) — the speedup when a holds a baseline's
// timings and b the new method's — from resamples resamples seeded by seed.
//
// The median of a resample is an order statistic of the sorted sample, so
// it is drawn directly instead of resampling all n values: the k-th
// smallest of n uniform indices is ⌊n·U(k)⌋ with U(k) ~ Beta(k, n+1−k),
// and for even n the next one is U(k) + (1 − U(k))·Beta(1, n−k). This is
// exactly the distribution of the nonparametric bootstrap of the median, at
// a cost independent of n (tests check it against resampling).
func MedianRatioCI(a, b []float64, level float64, resamples int, seed uint64) (*BootstrapResult, error) {
	const fn = "MedianRatioCI"
	if err := checkAll(fn, [][]float64{a, b}, 1); err != nil {
		return nil, err
	}
	if err := checkLevel(fn, level); err != nil {
		return nil, err
	}
	return medianRatioSorted(fn, sortedCopy(a), sortedCopy(b), level, resamples, seed)
}

func medianRatioSorted(fn string, a, b []float64, level float64, resamples int, seed uint64) (*BootstrapResult, error) {
	if resamples < 1 {
		return nil, errorf(fn, ErrParam, "%d resamples; use at least 1 (10000 is usual)", resamples)
	}
	mb := medianSorted(b)
	if mb == 0 {
		return nil, errorf(fn, ErrDegenerate, "the median of the second sample is 0; the ratio is undefined")
	}
	est := medianSorted(a) / mb
	blocks := (resamples + bootBlock - 1) / bootBlock
	seeds := blockSeeds(seed, blocks)
	dist := make([]float64, resamples)
	parallel(blocks, func() func(int) {
		return func(blk int) {
			rng := rand.NewPCG(seeds[2*blk], seeds[2*blk+1])
			for r := blk * bootBlock; r < min(resamples, (blk+1)*bootBlock); r++ {
				dist[r] = bootMedian(a, rng) / bootMedian(b, rng)
			}
		}
	})
	for i, v := range dist {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, errorf(fn, ErrDegenerate, "the median of the second sample is 0 in resample %d; the ratio's bootstrap distribution is unbounded", i+1)
		}
	}
	iv, err := PercentileInterval(dist, level)
	if err != nil {
		return nil, err
	}
	iv.Method = fmt.Sprintf("bootstrap percentile, %d resamples, seed %d", resamples, seed)
	return &BootstrapResult{
		Estimate:     est,
		Interval:     iv,
		Distribution: dist,
		SE:           math.Sqrt(variance(dist, mean(dist))),
		Seed:         seed,
	}, nil
}

// bootMedian draws the median of one bootstrap resample of sorted s.
func bootMedian(s []float64, rng *rand.PCG) float64 {
	n := len(s)
	nf := float64(n)
	index := func(u float64) int { return min(int(nf*u), n-1) }
	k := (n + 1) / 2 // the lower median's rank, 1-based
	u := distuv.Beta{Alpha: float64(k), Beta: float64(n + 1 - k), Src: rng}.Rand()
	lo := s[index(u)]
	if n%2 == 1 {
		return lo
	}
	// The next order statistic: the least of the n−k uniforms above u.
	v := float64(rng.Uint64()>>11) * 0x1p-53
	u2 := u + (1-u)*(1-math.Pow(1-v, 1/float64(n-k)))
	return mid(lo, s[index(u2)])
}
