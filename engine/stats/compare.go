package stats

import (
	"fmt"
	"math"
)

// The settings Compare uses.
const (
	CompareResamples = 10000 // bootstrap resamples for the ratio of medians
	IQRFenceK        = 1.5   // Tukey's k for IQR fences
	MADFenceK        = 3.5   // Iglewicz and Hoaglin's modified z-score cut-off
)

// The tests Compare can select.
const (
	SelectedStudent     = "student"
	SelectedWelch       = "welch"
	SelectedMannWhitney = "mann-whitney"
)

// Summary describes one sample.
type Summary struct {
	N              int
	Mean, SD, SE   float64
	Median, Q1, Q3 float64 // quartiles of QuantileType
	Min, Max       float64
	QuantileType   QuantileType
	MeanCI         *Interval // t interval; nil when the sample has no spread
	MedianCI       *Interval // order statistics; nil when the sample is too small
	IQRFences      *Fences   // k = 1.5; flagged values are kept
	MADFences      *Fences   // k = 3.5; nil when the MAD is 0; flagged values are kept
	Sorted         []float64 // the sample, sorted (for plots and further statistics)
}

// Check is one assumption check of the test selection.
type Check struct {
	Name   string // what was checked, e.g. "normality of A"
	Test   *Test  // the test made; nil when it could not be computed
	Err    error  // why it could not be computed
	Passed bool   // p > alpha: the assumption is not rejected
}

// Selection is the test Compare chose and why.
type Selection struct {
	Test   string  // SelectedStudent, SelectedWelch or SelectedMannWhitney
	Result Test    // the chosen test's outcome; Result.P is the p-value to report
	Reason string  // one sentence
	Checks []Check // every assumption check, in the order made
}

// Missing is a statistic Compare could not compute, and why.
type Missing struct {
	What string // the field, e.g. "ShapiroA"
	Err  error
}

// Comparison is everything tcpreport reports about two independent samples
// A and B (typically the timings of a baseline and of a new method).
// Differences are A minus B, ratios A over B. Pointer fields are nil when
// the statistic cannot be computed from these data; Missing says why.
type Comparison struct {
	Alpha     float64 // significance level; intervals are at level 1 − Alpha
	Seed      uint64  // seed of the bootstrap
	Resamples int     // bootstrap resamples

	A, B Summary

	ShapiroA, ShapiroB    *Test // normality of each sample
	Levene, BrownForsythe *Test // equal variances, mean- and median-centred
	Student, Welch        *Test
	MannWhitney           *Test

	CohenD, HedgesG *float64
	MeanDiffCI      *Interval        // Welch interval for mean(A) − mean(B)
	MedianRatio     *BootstrapResult // median(A)/median(B), percentile bootstrap interval
	AchievedPower   *float64         // of the two-sided t-test, for an effect of |CohenD|

	Selected Selection
	Missing  []Missing
}

// Compare computes a Comparison of samples a and b at significance level
// alpha (intervals at 1 − alpha), seeding the bootstrap of the ratio of
// medians with seed. Each sample needs at least 2 finite values.
//
// The test is selected as the research design prescribes, and every check
// is kept in Selected.Checks: if Shapiro–Wilk does not reject normality of
// either sample (p > alpha for both), Levene's test decides between
// Student's t (equal variances not rejected) and Welch's t; otherwise —
// normality rejected, or not checkable (n < 3, n > 5000, no spread) — the
// Mann–Whitney U test. Brown–Forsythe is reported beside Levene but does
// not take part in the choice.
func Compare(a, b []float64, alpha float64, seed uint64) (*Comparison, error) {
	const fn = "Compare"
	if err := checkAlpha(fn, alpha); err != nil {
		return nil, err
	}
	if err := checkNamed(fn, "sample A", a, 2); err != nil {
		return nil, err
	}
	if err := checkNamed(fn, "sample B", b, 2); err != nil {
		return nil, err
	}
	level := 1 - alpha
	c := &Comparison{Alpha: alpha, Seed: seed, Resamples: CompareResamples}
	miss := func(what string, err error) { c.Missing = append(c.Missing, Missing{what, err}) }
	c.A = summarize(a, level, func(what string, err error) { miss("A."+what, err) })
	c.B = summarize(b, level, func(what string, err error) { miss("B."+what, err) })
	sa, sb := c.A.Sorted, c.B.Sorted
	m1, m2 := c.A.Mean, c.B.Mean
	v1, v2 := c.A.SD*c.A.SD, c.B.SD*c.B.SD
	n1, n2 := len(a), len(b)

	shapiro := func(s []float64) (*Test, error) {
		if len(s) > shapiroMaxN {
			return nil, errorf("ShapiroWilk", ErrTooMany, "n = %d: Royston's p-value approximation is valid for 3 ≤ n ≤ %d; normality cannot be checked this way", len(s), shapiroMaxN)
		}
		if len(s) < 3 {
			return nil, errorf("ShapiroWilk", ErrTooFew, "n = %d: the test needs at least 3 values", len(s))
		}
		t, err := shapiroSorted("ShapiroWilk", s)
		if err != nil {
			return nil, err
		}
		return &t, nil
	}
	var errSA, errSB error
	c.ShapiroA, errSA = shapiro(sa)
	c.ShapiroB, errSB = shapiro(sb)

	lev, errLev := leveneCentered("Levene", "Levene", [][]float64{a, b}, []float64{m1, m2})
	bf, errBF := leveneCentered("BrownForsythe", "Brown-Forsythe", [][]float64{a, b}, []float64{c.A.Median, c.B.Median})
	st, errSt := studentT("StudentT", n1, n2, m1, m2, v1, v2)
	we, errWe := welchT("WelchT", n1, n2, m1, m2, v1, v2)
	mw := mannWhitneySorted(sa, sb)
	c.MannWhitney = &mw
	for _, r := range []struct {
		dst  **Test
		t    Test
		err  error
		what string
	}{
		{&c.Levene, lev, errLev, "Levene"},
		{&c.BrownForsythe, bf, errBF, "BrownForsythe"},
		{&c.Student, st, errSt, "Student"},
		{&c.Welch, we, errWe, "Welch"},
	} {
		if r.err != nil {
			miss(r.what, r.err)
			continue
		}
		t := r.t
		*r.dst = &t
	}
	if errSA != nil {
		miss("ShapiroA", errSA)
	}
	if errSB != nil {
		miss("ShapiroB", errSB)
	}

	if d, err := cohenD("CohenD", n1, n2, m1, m2, v1, v2); err != nil {
		miss("CohenD", err)
		miss("HedgesG", err)
		miss("AchievedPower", err)
	} else {
		g := d * hedgesJ(float64(n1+n2-2))
		c.CohenD, c.HedgesG = &d, &g
		if pw, err := AchievedPower(d, n1, n2, alpha); err != nil {
			miss("AchievedPower", err)
		} else {
			c.AchievedPower = &pw
		}
	}
	if iv, err := meanDiffCI("MeanDiffCI", n1, n2, m1, m2, v1, v2, level); err != nil {
		miss("MeanDiffCI", err)
	} else {
		c.MeanDiffCI = &iv
	}
	if r, err := medianRatioSorted("MedianRatioCI", sa, sb, level, CompareResamples, seed); err != nil {
		miss("MedianRatio", err)
	} else {
		c.MedianRatio = r
	}
	c.Selected = selectTest(c, errSA, errSB, errLev)
	return c, nil
}

// summarize describes x at the given confidence level.
func summarize(x []float64, level float64, miss func(string, error)) Summary {
	s := sortedCopy(x)
	m := mean(x)
	v := variance(x, m)
	sum := Summary{
		N:            len(x),
		Mean:         m,
		SD:           math.Sqrt(v),
		SE:           math.Sqrt(v / float64(len(x))),
		Median:       medianSorted(s),
		Q1:           quantileSorted(s, 0.25, DefaultQuantileType),
		Q3:           quantileSorted(s, 0.75, DefaultQuantileType),
		Min:          s[0],
		Max:          s[len(s)-1],
		Sorted:       s,
		QuantileType: DefaultQuantileType,
	}
	if iv, err := meanCI("MeanCI", len(x), m, v, level); err != nil {
		miss("MeanCI", err)
	} else {
		sum.MeanCI = &iv
	}
	if iv, err := medianCISorted("MedianCI", s, level); err != nil {
		miss("MedianCI", err)
	} else {
		sum.MedianCI = &iv
	}
	sum.IQRFences = iqrFences(x, s, IQRFenceK)
	if f, err := madFences(x, s, MADFenceK); err != nil {
		miss("MADFences", err)
	} else {
		sum.MADFences = f
	}
	return sum
}

// selectTest applies the selection rule to a computed comparison.
func selectTest(c *Comparison, errSA, errSB, errLev error) Selection {
	var sel Selection
	normal := true
	var why string
	for i, t := range []*Test{c.ShapiroA, c.ShapiroB} {
		name := [2]string{"A", "B"}[i]
		ch := Check{Name: "normality of " + name + " (Shapiro-Wilk)", Test: t}
		switch {
		case t == nil:
			ch.Err = [2]error{errSA, errSB}[i]
			normal = false
			if why == "" {
				why = fmt.Sprintf("normality of %s could not be checked (%v)", name, ch.Err)
			}
		case t.P > c.Alpha:
			ch.Passed = true
		default:
			normal = false
			if why == "" {
				why = fmt.Sprintf("Shapiro-Wilk rejects normality of %s (W = %.4g, p = %.3g ≤ %g)", name, t.Statistic, t.P, c.Alpha)
			}
		}
		sel.Checks = append(sel.Checks, ch)
	}
	if !normal {
		sel.Test = SelectedMannWhitney
		sel.Result = *c.MannWhitney
		sel.Reason = why + "; the Mann-Whitney U test does not assume normality"
		return sel
	}
	ch := Check{Name: "equal variances (Levene)", Test: c.Levene, Err: errLev}
	both := fmt.Sprintf("both samples pass Shapiro-Wilk (p = %.3g and %.3g > %g)", c.ShapiroA.P, c.ShapiroB.P, c.Alpha)
	switch {
	case c.Levene == nil:
		sel.Reason = both + fmt.Sprintf("; equal variances could not be checked (%v), so Welch's t-test, which does not assume them", errLev)
	case c.Levene.P > c.Alpha:
		ch.Passed = true
		sel.Reason = both + fmt.Sprintf(" and Levene does not reject equal variances (p = %.3g > %g)", c.Levene.P, c.Alpha)
	default:
		sel.Reason = both + fmt.Sprintf(" but Levene rejects equal variances (p = %.3g ≤ %g)", c.Levene.P, c.Alpha)
	}
	sel.Checks = append(sel.Checks, ch)
	// Both samples pass Shapiro–Wilk, so both have spread and the t-tests
	// are defined.
	if ch.Passed {
		sel.Test, sel.Result = SelectedStudent, *c.Student
	} else {
		sel.Test, sel.Result = SelectedWelch, *c.Welch
	}
	return sel
}
