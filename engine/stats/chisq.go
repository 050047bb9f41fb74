package stats

import (
	"math"

	"gonum.org/v1/gonum/mathext"
)

// ChiSquareIndependence is Pearson's chi-square test of independence of
// the rows and columns of a contingency table of counts, without a
// continuity correction (scipy.stats.chi2_contingency(table,
// correction=False)). Rows or columns whose total is zero are dropped
// first: they have no expected counts. The statistic is Σ (O − E)²/E with
// E = row total · column total / grand total, on (r − 1)(c − 1) degrees of
// freedom. Method notes when an expected count is below 5, where the
// chi-square approximation is rough.
func ChiSquareIndependence(table [][]float64) (Test, error) {
	const fn = "ChiSquareIndependence"
	if len(table) == 0 {
		return Test{}, errorf(fn, ErrTooFew, "the table is empty")
	}
	cols := len(table[0])
	for i, row := range table {
		if len(row) != cols {
			return Test{}, errorf(fn, ErrParam, "row %d has %d cells, row 1 has %d; a contingency table is rectangular", i+1, len(row), cols)
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				return Test{}, errorf(fn, ErrParam, "cell (%d, %d) is %v; counts are finite and non-negative", i+1, j+1, v)
			}
		}
	}
	rowSum := make([]float64, len(table))
	colSum := make([]float64, cols)
	total := 0.0
	for i, row := range table {
		for j, v := range row {
			rowSum[i] += v
			colSum[j] += v
			total += v
		}
	}
	var rs, cs []int
	for i, s := range rowSum {
		if s > 0 {
			rs = append(rs, i)
		}
	}
	for j, s := range colSum {
		if s > 0 {
			cs = append(cs, j)
		}
	}
	if len(rs) < 2 || len(cs) < 2 {
		return Test{}, errorf(fn, ErrTooFew, "%d non-empty rows and %d non-empty columns; the test needs at least 2 of each", len(rs), len(cs))
	}
	stat, small := 0.0, false
	for _, i := range rs {
		for _, j := range cs {
			e := rowSum[i] * colSum[j] / total
			small = small || e < 5
			d := table[i][j] - e
			stat += d * d / e
		}
	}
	df := float64((len(rs) - 1) * (len(cs) - 1))
	t := Test{Name: "chi-square", Statistic: stat, DF: df, P: chiSquareSF(stat, df), Method: "asymptotic"}
	if small {
		t.Method = "asymptotic; some expected counts below 5"
	}
	return t, nil
}

// chiSquareSF is P(X > x) for X ~ χ²(df): the regularised upper incomplete
// gamma function Q(df/2, x/2).
func chiSquareSF(x, df float64) float64 {
	if x <= 0 {
		return 1
	}
	return mathext.GammaIncRegComp(df/2, x/2)
}
