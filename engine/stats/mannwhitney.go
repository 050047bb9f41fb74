package stats

import (
	"math"
	"math/big"
	"math/bits"
)

// mwuExactMax is SciPy's size limit for the exact Mann–Whitney
// distribution: exact when either sample has at most 8 values and no value
// is tied, asymptotic otherwise.
const mwuExactMax = 8

// MannWhitneyU is the Mann–Whitney U test (Wilcoxon rank-sum test) of the
// null hypothesis that a value drawn from a's population is as likely to be
// larger as smaller than one drawn from b's. Statistic is U of a (the number
// of pairs in which a's value is larger, ties counting one half); P is
// two-sided; Method says how P was computed, with SciPy's "auto" rule
// (scipy.stats.mannwhitneyu(a, b, alternative="two-sided",
// use_continuity=True, method="auto")):
//
//   - "exact": the exact null distribution, when either sample has at most
//     8 values and there are no ties;
//   - "asymptotic": the normal approximation with tie correction and
//     continuity correction otherwise.
//
// Samples whose values are all equal give U = n1·n2/2 and p = 1, as in
// SciPy.
func MannWhitneyU(a, b []float64) (Test, error) {
	const fn = "MannWhitneyU"
	if err := checkAll(fn, [][]float64{a, b}, 1); err != nil {
		return Test{}, err
	}
	return mannWhitneySorted(sortedCopy(a), sortedCopy(b)), nil
}

// mannWhitneySorted is MannWhitneyU on sorted, finite, non-empty samples.
func mannWhitneySorted(a, b []float64) Test {
	n1, n2 := len(a), len(b)
	// Merge the sorted samples, giving each group of equal values the
	// average of the ranks it spans.
	var r1, tieTerm float64
	ties := false
	i, j, before := 0, 0, 0
	for i < n1 || j < n2 {
		var v float64
		switch {
		case i == n1:
			v = b[j]
		case j == n2:
			v = a[i]
		default:
			v = min(a[i], b[j])
		}
		ca, cb := 0, 0
		for i < n1 && a[i] == v {
			i++
			ca++
		}
		for j < n2 && b[j] == v {
			j++
			cb++
		}
		t := ca + cb
		r1 += float64(ca) * (float64(before) + float64(t+1)/2)
		if t > 1 {
			ties = true
			ft := float64(t)
			tieTerm += ft*ft*ft - ft
		}
		before += t
	}
	f1, f2 := float64(n1), float64(n2)
	u1 := r1 - f1*(f1+1)/2
	u2 := f1*f2 - u1
	u := max(u1, u2)
	res := Test{Name: "Mann-Whitney U", Statistic: u1}
	if (n1 <= mwuExactMax || n2 <= mwuExactMax) && !ties {
		res.Method = "exact"
		res.P = min(1, 2*mwuExactCDF(int(f1*f2-u), n1, n2))
		return res
	}
	res.Method = "asymptotic"
	n := f1 + f2
	v := f1 * f2 / 12 * ((n + 1) - tieTerm/(n*(n-1)))
	if v <= 0 || before == 0 {
		res.P = 1 // every value tied: no evidence either way
		return res
	}
	z := (u - f1*f2/2 - 0.5) / math.Sqrt(v)
	res.P = min(1, 2*normSF(z))
	return res
}

// mwuExactCDF returns P(U ≤ k) under the null hypothesis for samples of m
// and n distinct values. The number of arrangements with U = j is the
// coefficient of q^j in the Gaussian binomial coefficient
// [m+n choose m]_q = Π_{i=1..m} (1 − q^(n+i)) / (1 − q^i); the
// coefficients are built by exact multi-word integer arithmetic (modulo
// 2^(64·words), exact because every coefficient and their sum fit), so the
// p-value is exact up to its final rounding to float64.
func mwuExactCDF(k, m, n int) float64 {
	if m > n {
		m, n = n, m
	}
	if k < 0 {
		return 0
	}
	if k >= m*n {
		return 1
	}
	lc, _ := math.Lgamma(float64(m + n + 1))
	la, _ := math.Lgamma(float64(m + 1))
	lb, _ := math.Lgamma(float64(n + 1))
	bits := (lc-la-lb)/math.Ln2 + 2
	w := int(bits)/64 + 1 // words per coefficient
	c := make([]uint64, (k+1)*w)
	c[0] = 1
	for i := 1; i <= m; i++ {
		for j := i; j <= k; j++ { // divide by 1 − q^i
			addWords(c[j*w:(j+1)*w], c[(j-i)*w:(j-i+1)*w])
		}
		for j := k; j >= n+i; j-- { // multiply by 1 − q^(n+i)
			subWords(c[j*w:(j+1)*w], c[(j-n-i)*w:(j-n-i+1)*w])
		}
	}
	s := make([]uint64, w)
	for j := 0; j <= k; j++ {
		addWords(s, c[j*w:(j+1)*w])
	}
	total := new(big.Int).Binomial(int64(m+n), int64(m))
	p, _ := new(big.Rat).SetFrac(wordsToInt(s), total).Float64()
	return p
}

// addWords sets x += y (little-endian words, modulo 2^(64·len)).
func addWords(x, y []uint64) {
	var carry uint64
	for i := range x {
		x[i], carry = bits.Add64(x[i], y[i], carry)
	}
}

// subWords sets x −= y (little-endian words, modulo 2^(64·len)).
func subWords(x, y []uint64) {
	var borrow uint64
	for i := range x {
		x[i], borrow = bits.Sub64(x[i], y[i], borrow)
	}
}

func wordsToInt(x []uint64) *big.Int {
	r := new(big.Int)
	for i := len(x) - 1; i >= 0; i-- {
		r.Lsh(r, 64)
		r.Or(r, new(big.Int).SetUint64(x[i]))
	}
	return r
}
