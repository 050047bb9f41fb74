package stats

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
)

// Mean returns the arithmetic mean of x (compensated summation).
func Mean(x []float64) (float64, error) {
	if err := check("Mean", x, 1); err != nil {
		return 0, err
	}
	return mean(x), nil
}

// Variance returns the sample variance of x, with n−1 in the denominator
// (numpy.var(x, ddof=1)).
func Variance(x []float64) (float64, error) {
	if err := check("Variance", x, 2); err != nil {
		return 0, err
	}
	return variance(x, mean(x)), nil
}

// SD returns the sample standard deviation of x, with n−1 in the
// denominator (numpy.std(x, ddof=1)).
func SD(x []float64) (float64, error) {
	if err := check("SD", x, 2); err != nil {
		return 0, err
	}
	return math.Sqrt(variance(x, mean(x))), nil
}

// SE returns the standard error of the mean, SD/√n (scipy.stats.sem).
func SE(x []float64) (float64, error) {
	if err := check("SE", x, 2); err != nil {
		return 0, err
	}
	return math.Sqrt(variance(x, mean(x)) / float64(len(x))), nil
}

// Median returns the median of x: the middle value, or the mean of the two
// middle values when len(x) is even (numpy.median).
func Median(x []float64) (float64, error) {
	if err := check("Median", x, 1); err != nil {
		return 0, err
	}
	return median(slices.Clone(x)), nil
}

// QuantileType is one of the nine sample quantile definitions of Hyndman and
// Fan (1996), numbered as R's quantile(type = ...) numbers them: 1–3 are
// discontinuous (1 inverse of the empirical CDF, 2 the same averaged at
// discontinuities, 3 nearest even order statistic), 4–9 interpolate
// (4 linear in the empirical CDF, 5 piecewise linear with knots halfway, 6
// p = k/(n+1) as in Minitab and SPSS, 7 p = (k−1)/(n−1), R's and numpy's
// default, 8 median-unbiased, 9 normal-unbiased).
type QuantileType int

// DefaultQuantileType is type 7, the default of R, numpy and SciPy.
const DefaultQuantileType QuantileType = 7

func (t QuantileType) String() string { return fmt.Sprintf("type %d", int(t)) }

// Quantile returns the p-quantile of x, 0 ≤ p ≤ 1, by the definition typ.
func Quantile(x []float64, p float64, typ QuantileType) (float64, error) {
	q, err := Quantiles(x, []float64{p}, typ)
	if err != nil {
		return 0, err
	}
	return q[0], nil
}

// Quantiles returns the quantiles of x at each of ps by the definition typ,
// sorting x (a copy) once.
func Quantiles(x []float64, ps []float64, typ QuantileType) ([]float64, error) {
	const fn = "Quantile"
	if err := check(fn, x, 1); err != nil {
		return nil, err
	}
	if typ < 1 || typ > 9 {
		return nil, errorf(fn, ErrParam, "quantile type %d does not exist; use 1 to 9 (7 is the usual)", int(typ))
	}
	for _, p := range ps {
		if !(p >= 0 && p <= 1) {
			return nil, errorf(fn, ErrParam, "probability %v is not in [0, 1]", p)
		}
	}
	s := sortedCopy(x)
	q := make([]float64, len(ps))
	for i, p := range ps {
		q[i] = quantileSorted(s, p, typ)
	}
	return q, nil
}

// quantileSorted is Quantile on sorted, finite, non-empty s. It follows
// R's quantile.default; the interpolation is numpy's (_lerp), which is
// exact at both ends.
func quantileSorted(s []float64, p float64, typ QuantileType) float64 {
	n := len(s)
	at := func(j int) float64 { // 1-based, clamped like R's padded x
		return s[min(max(j, 1), n)-1]
	}
	nf := float64(n)
	switch typ {
	case 1, 2, 3:
		nppm := nf * p
		if typ == 3 {
			nppm -= 0.5
		}
		j := math.Floor(nppm)
		var h float64
		switch typ {
		case 1:
			if nppm > j {
				h = 1
			}
		case 2:
			h = 0.5
			if nppm > j {
				h = 1
			}
		case 3:
			if nppm != j || math.Mod(math.Abs(j), 2) == 1 {
				h = 1
			}
		}
		lo, hi := at(int(j)), at(int(j)+1)
		switch h {
		case 0:
			return lo
		case 1:
			return hi
		}
		return lerp(lo, hi, h)
	case 7:
		index := (nf - 1) * p
		lo := math.Floor(index)
		i := int(lo)
		return lerp(s[i], s[min(i+1, n-1)], index-lo)
	}
	var a, b float64
	switch typ {
	case 4:
		a, b = 0, 1
	case 5:
		a, b = 0.5, 0.5
	case 6:
		a, b = 0, 0
	case 8:
		a, b = 1.0/3, 1.0/3
	case 9:
		a, b = 3.0/8, 3.0/8
	}
	const fuzz = 4 * 0x1p-52
	nppm := a + p*(nf+1-a-b)
	j := math.Floor(nppm + fuzz)
	h := nppm - j
	if math.Abs(h) < fuzz {
		h = 0
	}
	return lerp(at(int(j)), at(int(j)+1), h)
}

// lerp interpolates between a and b as numpy's _lerp does: from the nearer
// end, so that t = 0 gives a and t = 1 gives b exactly.
func lerp(a, b, t float64) float64 {
	d := b - a
	if t >= 0.5 {
		return b - d*(1-t)
	}
	return a + d*t
}

// sum returns the sum of x with Neumaier's compensation.
func sum(x []float64) float64 {
	var s, c float64
	for _, v := range x {
		t := s + v
		if math.Abs(s) >= math.Abs(v) {
			c += (s - t) + v
		} else {
			c += (v - t) + s
		}
		s = t
	}
	return s + c
}

func mean(x []float64) float64 {
	m := sum(x) / float64(len(x))
	if math.IsInf(m, 0) { // the sum overflowed; values are finite
		m = 0
		for _, v := range x {
			m += v / float64(len(x))
		}
	}
	return m
}

// variance is the sample variance of x around its mean m (two passes).
func variance(x []float64, m float64) float64 {
	var s, c float64
	for _, v := range x {
		d := v - m
		d2 := d * d
		t := s + d2
		if s >= d2 {
			c += (s - t) + d2
		} else {
			c += (d2 - t) + s
		}
		s = t
	}
	return (s + c) / float64(len(x)-1)
}

// sortedCopy returns x sorted ascending, leaving x alone.
func sortedCopy(x []float64) []float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	return s
}

// medianSorted is the median of sorted, non-empty s.
func medianSorted(s []float64) float64 {
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return mid(s[n/2-1], s[n/2])
}

// mid is (a+b)/2 without overflow.
func mid(a, b float64) float64 {
	m := (a + b) / 2
	if math.IsInf(m, 0) {
		m = a/2 + b/2
	}
	return m
}

// median is the median of non-empty buf, which it reorders.
func median(buf []float64) float64 {
	n := len(buf)
	k := n / 2
	selectK(buf, k)
	if n%2 == 1 {
		return buf[k]
	}
	lo := buf[0]
	for _, v := range buf[1:k] {
		lo = max(lo, v)
	}
	return mid(lo, buf[k])
}

// selectK reorders buf so that buf[k] is the value a sort would put there,
// with nothing greater before it and nothing smaller after it
// (introselect: quickselect with a median-of-three pivot that falls back to
// sorting when the partitions stop shrinking).
func selectK(buf []float64, k int) {
	lo, hi := 0, len(buf)-1
	budget := 2 * bits.Len(uint(len(buf)))
	for hi-lo > 16 {
		if budget == 0 {
			slices.Sort(buf[lo : hi+1])
			return
		}
		budget--
		m := lo + (hi-lo)/2
		// Median of three into buf[m].
		if buf[m] < buf[lo] {
			buf[m], buf[lo] = buf[lo], buf[m]
		}
		if buf[hi] < buf[lo] {
			buf[hi], buf[lo] = buf[lo], buf[hi]
		}
		if buf[hi] < buf[m] {
			buf[hi], buf[m] = buf[m], buf[hi]
		}
		pivot := buf[m]
		i, j := lo, hi
		for i <= j {
			for buf[i] < pivot {
				i++
			}
			for buf[j] > pivot {
				j--
			}
			if i <= j {
				buf[i], buf[j] = buf[j], buf[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return // buf[j+1:i] all equal the pivot
		}
	}
	// Insertion sort of the small remainder.
	for i := lo + 1; i <= hi; i++ {
		for j := i; j > lo && buf[j] < buf[j-1]; j-- {
			buf[j], buf[j-1] = buf[j-1], buf[j]
		}
	}
}
