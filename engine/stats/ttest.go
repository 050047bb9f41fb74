package stats

import "math"

// StudentT is Student's two-sample t-test of equal means, assuming equal
// variances (scipy.stats.ttest_ind(a, b, equal_var=True)): t is positive
// when a's mean is larger; df = n1 + n2 − 2; P is two-sided.
//
// When both samples have zero variance t is undefined (SciPy returns NaN,
// or ±Inf with p = 0 when the means differ): the error wraps
// ErrZeroVariance.
func StudentT(a, b []float64) (Test, error) {
	const fn = "StudentT"
	if err := checkAll(fn, [][]float64{a, b}, 2); err != nil {
		return Test{}, err
	}
	m1, m2 := mean(a), mean(b)
	return studentT(fn, len(a), len(b), m1, m2, variance(a, m1), variance(b, m2))
}

// WelchT is Welch's two-sample t-test of equal means without assuming
// equal variances (scipy.stats.ttest_ind(a, b, equal_var=False)), with the
// Welch–Satterthwaite degrees of freedom; P is two-sided.
//
// When both samples have zero variance t is undefined: the error wraps
// ErrZeroVariance.
func WelchT(a, b []float64) (Test, error) {
	const fn = "WelchT"
	if err := checkAll(fn, [][]float64{a, b}, 2); err != nil {
		return Test{}, err
	}
	m1, m2 := mean(a), mean(b)
	return welchT(fn, len(a), len(b), m1, m2, variance(a, m1), variance(b, m2))
}

func studentT(fn string, n1, n2 int, m1, m2, v1, v2 float64) (Test, error) {
	f1, f2 := float64(n1), float64(n2)
	df := f1 + f2 - 2
	pooled := ((f1-1)*v1 + (f2-1)*v2) / df
	se := math.Sqrt(pooled * (1/f1 + 1/f2))
	if se == 0 {
		return Test{}, errorf(fn, ErrZeroVariance, "both samples have zero variance; t is undefined")
	}
	t := (m1 - m2) / se
	return Test{Name: "Student t", Statistic: t, DF: df, P: tTwoSided(t, df)}, nil
}

func welchT(fn string, n1, n2 int, m1, m2, v1, v2 float64) (Test, error) {
	df, se := welchDF(n1, n2, v1, v2)
	if se == 0 {
		return Test{}, errorf(fn, ErrZeroVariance, "both samples have zero variance; t is undefined")
	}
	t := (m1 - m2) / se
	return Test{Name: "Welch t", Statistic: t, DF: df, P: tTwoSided(t, df)}, nil
}

// welchDF returns the Welch–Satterthwaite degrees of freedom and the
// standard error of the difference of means.
func welchDF(n1, n2 int, v1, v2 float64) (df, se float64) {
	f1, f2 := float64(n1), float64(n2)
	vn1, vn2 := v1/f1, v2/f2
	df = (vn1 + vn2) * (vn1 + vn2) / (vn1*vn1/(f1-1) + vn2*vn2/(f2-1))
	return df, math.Sqrt(vn1 + vn2)
}
