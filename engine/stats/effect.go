package stats

import "math"

// CohenD returns Cohen's d for two independent samples: the difference of
// means, a's minus b's, over the pooled standard deviation
// √(((n1−1)s1² + (n2−1)s2²)/(n1+n2−2)).
func CohenD(a, b []float64) (float64, error) {
	const fn = "CohenD"
	if err := checkAll(fn, [][]float64{a, b}, 2); err != nil {
		return 0, err
	}
	m1, m2 := mean(a), mean(b)
	return cohenD(fn, len(a), len(b), m1, m2, variance(a, m1), variance(b, m2))
}

// HedgesG returns Hedges' g: Cohen's d times the exact small-sample bias
// correction J(df) = Γ(df/2) / (√(df/2) · Γ((df−1)/2)), df = n1+n2−2
// (Hedges 1981; J ≈ 1 − 3/(4·df − 1)).
func HedgesG(a, b []float64) (float64, error) {
	const fn = "HedgesG"
	if err := checkAll(fn, [][]float64{a, b}, 2); err != nil {
		return 0, err
	}
	m1, m2 := mean(a), mean(b)
	d, err := cohenD(fn, len(a), len(b), m1, m2, variance(a, m1), variance(b, m2))
	if err != nil {
		return 0, err
	}
	return d * hedgesJ(float64(len(a)+len(b)-2)), nil
}

func cohenD(fn string, n1, n2 int, m1, m2, v1, v2 float64) (float64, error) {
	f1, f2 := float64(n1), float64(n2)
	sp := math.Sqrt(((f1-1)*v1 + (f2-1)*v2) / (f1 + f2 - 2))
	if sp == 0 {
		return 0, errorf(fn, ErrZeroVariance, "both samples have zero variance; the standardised difference is undefined")
	}
	return (m1 - m2) / sp, nil
}

// hedgesJ is Hedges' exact bias correction for df ≥ 2 degrees of freedom.
func hedgesJ(df float64) float64 {
	l1, _ := math.Lgamma(df / 2)
	l2, _ := math.Lgamma((df - 1) / 2)
	return math.Exp(l1-l2) / math.Sqrt(df/2)
}

// CohenLabel returns Cohen's (1988) conventional label for the size of a
// standardised difference: "negligible" below 0.2 in absolute value,
// "small" below 0.5, "medium" below 0.8, "large" otherwise. The labels were
// proposed for behavioural science; for timings, where d can be in the tens,
// they say little beyond "large".
func CohenLabel(d float64) string {
	switch d = math.Abs(d); {
	case d < 0.2:
		return "negligible"
	case d < 0.5:
		return "small"
	case d < 0.8:
		return "medium"
	}
	return "large"
}
