package stats

import "fmt"

// Test is the outcome of a hypothesis test. P is two-sided where the test
// has sides.
type Test struct {
	Name      string  // "Shapiro-Wilk", "Levene", "Brown-Forsythe", "Student t", "Welch t", "Mann-Whitney U"
	Statistic float64 // W (Shapiro–Wilk, Levene, Brown–Forsythe), t, or U of the first sample
	DF        float64 // degrees of freedom of t; numerator degrees of freedom of F; 0 when none
	DF2       float64 // denominator degrees of freedom of F; 0 when none
	P         float64 // the p-value
	Method    string  // how P was computed, where there is a choice ("exact", "asymptotic")
}

func (t Test) String() string {
	s := fmt.Sprintf("%s: statistic %.6g", t.Name, t.Statistic)
	switch {
	case t.DF2 != 0:
		s += fmt.Sprintf(", df %g and %g", t.DF, t.DF2)
	case t.DF != 0:
		s += fmt.Sprintf(", df %.6g", t.DF)
	}
	s += fmt.Sprintf(", p %.4g", t.P)
	if t.Method != "" {
		s += " (" + t.Method + ")"
	}
	return s
}

// Interval is a confidence interval.
type Interval struct {
	Low, High float64
	// Level is the confidence level: the one asked for, or for intervals
	// from order statistics the coverage actually achieved, which is at
	// least the one asked for.
	Level  float64
	Method string // how it was computed, for reports
}

func (iv Interval) String() string {
	return fmt.Sprintf("[%.6g, %.6g] (%.4g%%, %s)", iv.Low, iv.High, 100*iv.Level, iv.Method)
}
