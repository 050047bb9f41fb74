package stats

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// TestCompareFixtures checks that Compare reports, for every pair of
// twosample.json, the values the individual statistics are checked to
// give, and a reason for every statistic it leaves out.
func TestCompareFixtures(t *testing.T) {
	f := readTwoSample(t)
	for _, p := range f.Pairs {
		a, b := dataset(t, p.A), dataset(t, p.B)
		if len(a) < 2 || len(b) < 2 {
			continue
		}
		t.Run(p.A+"-"+p.B, func(t *testing.T) {
			c, err := Compare(a, b, 0.05, 1)
			if err != nil {
				t.Fatal(err)
			}
			if c.A.N != len(a) || c.B.N != len(b) {
				t.Errorf("n = %d, %d", c.A.N, c.B.N)
			}
			checkOpt := func(what string, got *Test, want *float64, wantP *float64) {
				t.Helper()
				switch {
				case want == nil && got != nil:
					t.Errorf("%s = %v; SciPy gives NaN, want nil", what, got)
				case want != nil && got == nil:
					t.Errorf("%s missing; SciPy gives %g", what, *want)
				case want != nil:
					wantNear(t, what, got.Statistic, *want, relClosed)
					wantNear(t, what+" p", got.P, *wantP, relClosed)
				}
			}
			checkOpt("Levene", c.Levene, p.LeveneMean.W, p.LeveneMean.P)
			checkOpt("BrownForsythe", c.BrownForsythe, p.LeveneMedian.W, p.LeveneMedian.P)
			checkOpt("Student", c.Student, p.Student.T, p.Student.P)
			checkOpt("Welch", c.Welch, p.Welch.T, p.Welch.P)
			wantNear(t, "MannWhitney U", c.MannWhitney.Statistic, p.MWU.U, relClosed)
			wantNear(t, "MannWhitney p", c.MannWhitney.P, p.MWU.P, relClosed)
			if (c.CohenD == nil) != (p.CohenD == nil) {
				t.Errorf("CohenD %v, SciPy %v", c.CohenD, p.CohenD)
			} else if c.CohenD != nil {
				wantNear(t, "CohenD", *c.CohenD, *p.CohenD, relClosed)
				wantNear(t, "HedgesG", *c.HedgesG, *p.HedgesG, relClosed)
				wantNear(t, "AchievedPower", *c.AchievedPower, *p.AchievedPower, relIterative)
			}
			if (c.MeanDiffCI == nil) != (p.MeanDiffCI95 == nil) {
				t.Errorf("MeanDiffCI %v, SciPy %v", c.MeanDiffCI, p.MeanDiffCI95)
			} else if c.MeanDiffCI != nil {
				wantNear(t, "MeanDiffCI.Low", c.MeanDiffCI.Low, *p.MeanDiffCI95.Low, relClosed)
			}
			// Every nil statistic has its reason.
			missing := map[string]bool{}
			for _, m := range c.Missing {
				if m.Err == nil {
					t.Errorf("Missing %s without a reason", m.What)
				}
				missing[m.What] = true
			}
			for what, isNil := range map[string]bool{
				"ShapiroA": c.ShapiroA == nil, "ShapiroB": c.ShapiroB == nil, "Levene": c.Levene == nil,
				"BrownForsythe": c.BrownForsythe == nil, "Student": c.Student == nil, "Welch": c.Welch == nil,
				"CohenD": c.CohenD == nil, "MeanDiffCI": c.MeanDiffCI == nil, "MedianRatio": c.MedianRatio == nil,
				"AchievedPower": c.AchievedPower == nil, "A.MedianCI": c.A.MedianCI == nil, "B.MADFences": c.B.MADFences == nil,
			} {
				if isNil != missing[what] {
					t.Errorf("%s: nil %v but listed in Missing %v", what, isNil, missing[what])
				}
			}
			// The selected test's p is the one reported.
			if c.Selected.Result.P != map[string]float64{
				SelectedStudent:     pOf(c.Student),
				SelectedWelch:       pOf(c.Welch),
				SelectedMannWhitney: c.MannWhitney.P,
			}[c.Selected.Test] {
				t.Errorf("selected %s with p %g", c.Selected.Test, c.Selected.Result.P)
			}
		})
	}
}

func pOf(t *Test) float64 {
	if t == nil {
		return math.NaN()
	}
	return t.P
}

// quantileSample is an exactly "normal" sample of n values: the normal
// quantiles at (i − 1/2)/n, scaled; with lognormal it is exponentiated.
func quantileSample(n int, mean, sd float64, lognormal bool) []float64 {
	x := make([]float64, n)
	for i := range x {
		v := mean + sd*normQuantile((float64(i)+0.5)/float64(n))
		if lognormal {
			v = math.Exp(v)
		}
		x[(i*7)%n] = v // not sorted
	}
	return x
}

func TestCompareSelection(t *testing.T) {
	big := quantileSample(5001, 10, 1, false)
	tests := []struct {
		name   string
		a, b   []float64
		want   string
		reason string
		checks int
	}{
		{"normal, equal variances", quantileSample(40, 10, 1, false), quantileSample(30, 11, 1.1, false), SelectedStudent, "Levene does not reject equal variances", 3},
		{"normal, unequal variances", quantileSample(40, 10, 1, false), quantileSample(41, 11, 4, false), SelectedWelch, "but Levene rejects equal variances", 3},
		{"lognormal", quantileSample(40, 0, 1, true), quantileSample(40, 0.5, 1, true), SelectedMannWhitney, "Shapiro-Wilk rejects normality of A", 2},
		{"B not normal", quantileSample(40, 10, 1, false), quantileSample(40, 0.5, 1, true), SelectedMannWhitney, "Shapiro-Wilk rejects normality of B", 2},
		{"too large for Shapiro-Wilk", big, quantileSample(50, 10, 1, false), SelectedMannWhitney, "normality of A could not be checked (stats: ShapiroWilk: n = 5001", 2},
		{"constant", []float64{5, 5, 5, 5}, quantileSample(10, 4, 1, false), SelectedMannWhitney, "normality of A could not be checked (stats: ShapiroWilk: all 4 values are equal", 2},
		{"two values", []float64{1, 2}, quantileSample(10, 4, 1, false), SelectedMannWhitney, "n = 2: the test needs at least 3 values", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Compare(tt.a, tt.b, 0.05, 1)
			if err != nil {
				t.Fatal(err)
			}
			s := c.Selected
			if s.Test != tt.want || !strings.Contains(s.Reason, tt.reason) || len(s.Checks) != tt.checks {
				t.Errorf("selected %s (%d checks): %s\nwant %s, %d checks, reason containing %q", s.Test, len(s.Checks), s.Reason, tt.want, tt.checks, tt.reason)
			}
			for _, ch := range s.Checks {
				if (ch.Test == nil) == (ch.Err == nil) {
					t.Errorf("check %s: test %v, error %v; want exactly one", ch.Name, ch.Test, ch.Err)
				}
				if ch.Test != nil && ch.Passed != (ch.Test.P > c.Alpha) {
					t.Errorf("check %s: passed %v with p %g", ch.Name, ch.Passed, ch.Test.P)
				}
			}
		})
	}
}

func TestCompareErrors(t *testing.T) {
	ok := []float64{1, 2, 3}
	tests := []struct {
		name  string
		a, b  []float64
		alpha float64
		kind  error
		msg   string
	}{
		{"empty", nil, ok, 0.05, ErrTooFew, "stats: Compare: sample A is empty"},
		{"one value", ok, []float64{4}, 0.05, ErrTooFew, "sample B has 1 value(s); it needs at least 2"},
		{"NaN", []float64{1, math.NaN()}, ok, 0.05, ErrNonFinite, "sample A value 2 is NaN"},
		{"Inf", ok, []float64{math.Inf(-1), 1}, 0.05, ErrNonFinite, "sample B value 1 is -Inf"},
		{"alpha", ok, ok, 0, ErrParam, "alpha 0 is not in (0, 1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compare(tt.a, tt.b, tt.alpha, 1)
			if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %v; want %v containing %q", err, tt.kind, tt.msg)
			}
		})
	}
}
