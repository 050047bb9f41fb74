package hw

import (
	"math"
	"slices"
)

// Stat summarises repeated samples of one quantity: the median and a
// distribution-free confidence interval for it from order statistics.
type Stat struct {
	// Samples are the raw values, in the order measured.
	Samples []float64 `json:"samples"`
	Median  float64   `json:"median"`
	// Lo and Hi are the order statistics X(k) and X(n+1-k) with the largest
	// k whose interval still covers the median with probability ≥ 95%
	// (binomial(n, ½)); with fewer than 6 samples that is impossible, and
	// the interval is [min, max] with its lower coverage.
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
	// Confidence is the interval's exact coverage, e.g. 0.979 for n = 10.
	Confidence float64 `json:"confidence"`
}

// NewStat summarises samples (not modified; at least one).
func NewStat(samples []float64) Stat {
	s := slices.Clone(samples)
	slices.Sort(s)
	n := len(s)
	st := Stat{Samples: slices.Clone(samples)}
	if n == 0 {
		st.Median, st.Lo, st.Hi = math.NaN(), math.NaN(), math.NaN()
		return st
	}
	if n%2 == 1 {
		st.Median = s[n/2]
	} else {
		st.Median = (s[n/2-1] + s[n/2]) / 2
	}
	// cdf[j] = P(B ≤ j), B ~ binomial(n, ½).
	k := 1
	for j := 2; j <= n/2; j++ {
		if binomCDF(n, j-1) > 0.025 {
			break
		}
		k = j
	}
	st.Lo, st.Hi = s[k-1], s[n-k]
	st.Confidence = 1 - 2*binomCDF(n, k-1)
	return st
}

// binomCDF returns P(B ≤ j) for B ~ binomial(n, ½).
func binomCDF(n, j int) float64 {
	p, c := 0.0, 1.0 // c = C(n, i)
	for i := 0; i <= j; i++ {
		if i > 0 {
			c = c * float64(n-i+1) / float64(i)
		}
		p += c
	}
	return p / math.Pow(2, float64(n))
}
