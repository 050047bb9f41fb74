package stats

import (
	"fmt"
	"math"
)

// MeanCI returns the t confidence interval for the mean of x at the given
// level (scipy.stats.t.interval(level, n−1, loc=mean, scale=sem)).
// A sample without spread has no interval: the error wraps ErrZeroVariance.
func MeanCI(x []float64, level float64) (Interval, error) {
	const fn = "MeanCI"
	if err := check(fn, x, 2); err != nil {
		return Interval{}, err
	}
	if err := checkLevel(fn, level); err != nil {
		return Interval{}, err
	}
	m := mean(x)
	return meanCI(fn, len(x), m, variance(x, m), level)
}

func meanCI(fn string, n int, m, v, level float64) (Interval, error) {
	se := math.Sqrt(v / float64(n))
	if se == 0 {
		return Interval{}, errorf(fn, ErrZeroVariance, "all %d values are equal; the t interval is undefined", n)
	}
	h := tQuantile((1+level)/2, float64(n-1)) * se
	return Interval{Low: m - h, High: m + h, Level: level, Method: "t"}, nil
}

// MedianCI returns the distribution-free confidence interval for the median
// of x from order statistics: [x(l), x(n+1−l)] for the largest l with
// P(B ≤ l−1) ≤ (1−level)/2, B ~ Binomial(n, 1/2). Its coverage,
// 1 − 2·P(B ≤ l−1), is at least level and is returned as the interval's
// Level. Samples too small for any such l (n = 5 at 95%) give ErrTooFew.
func MedianCI(x []float64, level float64) (Interval, error) {
	const fn = "MedianCI"
	if err := check(fn, x, 1); err != nil {
		return Interval{}, err
	}
	if err := checkLevel(fn, level); err != nil {
		return Interval{}, err
	}
	return medianCISorted(fn, sortedCopy(x), level)
}

func medianCISorted(fn string, s []float64, level float64) (Interval, error) {
	n := len(s)
	l, cover, ok := medianOrderStat(n, level)
	if !ok {
		need := int(math.Ceil(-math.Log2((1 - level) / 2)))
		return Interval{}, errorf(fn, ErrTooFew, "n = %d is too few for a %g%% order-statistic interval for the median; it needs n ≥ %d", n, 100*level, need)
	}
	return Interval{Low: s[l-1], High: s[n-l], Level: cover, Method: "order statistics (binomial)"}, nil
}

// medianOrderStat returns the 1-based rank l of the lower bound of the
// median's order-statistic interval at level and the coverage achieved.
func medianOrderStat(n int, level float64) (l int, coverage float64, ok bool) {
	alpha := (1 - level) / 2
	cdf := func(k int) float64 { return binomCDF(k, n, 0.5) }
	if cdf(0) > alpha {
		return 0, 0, false
	}
	// Start near the normal approximation, then walk to the largest l
	// with cdf(l−1) ≤ alpha.
	nf := float64(n)
	l = int(math.Floor(nf/2 + 0.5 + normQuantile(alpha)*math.Sqrt(nf)/2))
	l = min(max(l, 1), (n+1)/2)
	for l > 1 && cdf(l-1) > alpha {
		l--
	}
	for l < (n+1)/2 && cdf(l) <= alpha {
		l++
	}
	return l, 1 - 2*cdf(l-1), true
}

// MeanDiffCI returns Welch's confidence interval for the difference of
// means, a's minus b's: (m1 − m2) ± t(df)·√(s1²/n1 + s2²/n2) with the
// Welch–Satterthwaite df.
func MeanDiffCI(a, b []float64, level float64) (Interval, error) {
	const fn = "MeanDiffCI"
	if err := checkAll(fn, [][]float64{a, b}, 2); err != nil {
		return Interval{}, err
	}
	if err := checkLevel(fn, level); err != nil {
		return Interval{}, err
	}
	m1, m2 := mean(a), mean(b)
	return meanDiffCI(fn, len(a), len(b), m1, m2, variance(a, m1), variance(b, m2), level)
}

func meanDiffCI(fn string, n1, n2 int, m1, m2, v1, v2, level float64) (Interval, error) {
	df, se := welchDF(n1, n2, v1, v2)
	if se == 0 {
		return Interval{}, errorf(fn, ErrZeroVariance, "both samples have zero variance; the interval is undefined")
	}
	h := tQuantile((1+level)/2, df) * se
	d := m1 - m2
	return Interval{Low: d - h, High: d + h, Level: level, Method: fmt.Sprintf("Welch t, df %.4g", df)}, nil
}
