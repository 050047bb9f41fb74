package stats

import (
	"errors"
	"fmt"
	"testing"
)

type wpFixture struct {
	W, P     *float64
	Warnings []string
}

type tFixture struct {
	T, P, DF *float64
	Warnings []string
}

type twoSampleFixture struct {
	Pairs []struct {
		A, B, Why      string
		LeveneMean     wpFixture `json:"levene_mean"`
		LeveneMedian   wpFixture `json:"levene_median"`
		Student, Welch tFixture
		MWU            struct {
			U, P     float64
			Method   string
			Warnings []string
		}
		CohenD        *float64   `json:"cohen_d"`
		HedgesG       *float64   `json:"hedges_g"`
		MeanDiffCI95  *ciFixture `json:"mean_diff_ci_0.95"`
		MeanDiffCI90  *ciFixture `json:"mean_diff_ci_0.9"`
		AchievedPower *float64   `json:"achieved_power"`
	}
}

func readTwoSample(t *testing.T) twoSampleFixture {
	var f twoSampleFixture
	readFixture(t, "twosample.json", &f)
	if len(f.Pairs) == 0 {
		t.Fatal("no pairs in twosample.json")
	}
	return f
}

// wantUndefined checks that where SciPy returns NaN (or ±Inf) the Go
// function returns an error of the given kind instead.
func wantUndefined(t *testing.T, what string, got any, err error, kind error, scipyWarnings []string) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Errorf("%s = %v, %v; SciPy gives NaN/Inf (warnings %q), want an error wrapping %v", what, got, err, scipyWarnings, kind)
	}
}

func TestTwoSampleFixtures(t *testing.T) {
	f := readTwoSample(t)
	for _, p := range f.Pairs {
		t.Run(p.A+"-"+p.B, func(t *testing.T) {
			a, b := dataset(t, p.A), dataset(t, p.B)

			for _, c := range []struct {
				name string
				f    func(...[]float64) (Test, error)
				want wpFixture
			}{{"Levene", Levene, p.LeveneMean}, {"BrownForsythe", BrownForsythe, p.LeveneMedian}} {
				got, err := c.f(a, b)
				if c.want.W == nil {
					wantUndefined(t, c.name, got, err, ErrZeroVariance, c.want.Warnings)
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				wantNear(t, c.name+" W", got.Statistic, *c.want.W, relClosed)
				wantNear(t, c.name+" p", got.P, *c.want.P, relClosed)
			}

			for _, c := range []struct {
				name string
				f    func(a, b []float64) (Test, error)
				want tFixture
			}{{"StudentT", StudentT, p.Student}, {"WelchT", WelchT, p.Welch}} {
				got, err := c.f(a, b)
				if c.want.T == nil || c.want.P == nil {
					wantUndefined(t, c.name, got, err, ErrZeroVariance, c.want.Warnings)
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				wantNear(t, c.name+" t", got.Statistic, *c.want.T, relClosed)
				wantNear(t, c.name+" df", got.DF, *c.want.DF, relClosed)
				wantNear(t, c.name+" p", got.P, *c.want.P, relClosed)
			}

			mw, err := MannWhitneyU(a, b)
			if err != nil {
				t.Fatal(err)
			}
			if mw.Statistic != p.MWU.U || mw.Method != p.MWU.Method {
				t.Errorf("MannWhitneyU: U %g (%s), SciPy %g (%s)", mw.Statistic, mw.Method, p.MWU.U, p.MWU.Method)
			}
			wantNear(t, "MannWhitneyU p", mw.P, p.MWU.P, relClosed)

			d, errD := CohenD(a, b)
			g, errG := HedgesG(a, b)
			if p.CohenD == nil {
				wantUndefined(t, "CohenD", d, errD, ErrZeroVariance, nil)
				wantUndefined(t, "HedgesG", g, errG, ErrZeroVariance, nil)
			} else {
				wantNear(t, "CohenD", d, *p.CohenD, relClosed)
				wantNear(t, "HedgesG", g, *p.HedgesG, relClosed)
			}

			for level, ci := range map[float64]*ciFixture{0.95: p.MeanDiffCI95, 0.9: p.MeanDiffCI90} {
				got, err := MeanDiffCI(a, b, level)
				if ci == nil {
					wantUndefined(t, "MeanDiffCI", got, err, ErrZeroVariance, nil)
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				wantNear(t, fmt.Sprintf("MeanDiffCI(%g).Low", level), got.Low, *ci.Low, relClosed)
				wantNear(t, fmt.Sprintf("MeanDiffCI(%g).High", level), got.High, *ci.High, relClosed)
				wantNear(t, fmt.Sprintf("MeanDiffCI(%g).High vs t.ppf", level), got.High, *ci.ScipyHigh, 1e-7)
			}

			if p.AchievedPower != nil {
				got, err := AchievedPower(*p.CohenD, len(a), len(b), 0.05)
				if err != nil {
					t.Fatal(err)
				}
				wantNear(t, "AchievedPower", got, *p.AchievedPower, relIterative)
			}
		})
	}
}

type mwuExactFixture struct {
	Cases []struct {
		M, N, K int
		CDF     float64
		Source  string
	}
}

func TestMannWhitneyExactFixtures(t *testing.T) {
	var f mwuExactFixture
	readFixture(t, "mwu_exact.json", &f)
	for _, c := range f.Cases {
		got := mwuExactCDF(c.K, c.M, c.N)
		if !near(got, c.CDF, 1e-12) {
			t.Errorf("P(U ≤ %d | %d, %d) = %.17g, %s %.17g", c.K, c.M, c.N, got, c.Source, c.CDF)
		}
		if got2 := mwuExactCDF(c.K, c.N, c.M); got2 != got {
			t.Errorf("P(U ≤ %d | %d, %d) = %g but swapped sizes give %g", c.K, c.M, c.N, got, got2)
		}
	}
}

func TestTwoSampleErrors(t *testing.T) {
	one, two := []float64{1}, []float64{1, 2}
	tests := []struct {
		name string
		err  error
		kind error
		msg  string
	}{
		{"student one value", second(StudentT(one, two)), ErrTooFew, "stats: StudentT: sample 1 has 1 value(s); it needs at least 2"},
		{"welch empty", second(WelchT(two, nil)), ErrTooFew, "stats: WelchT: sample 2 is empty"},
		{"levene one sample", second(Levene(two)), ErrTooFew, "1 sample(s) given; the test compares at least 2"},
		{"levene too few", second(Levene(one, one)), ErrTooFew, "2 values in 2 samples"},
		{"mwu empty", second(MannWhitneyU(nil, two)), ErrTooFew, "sample 1 is empty"},
		{"cohen constant", second(CohenD([]float64{1, 1}, []float64{2, 2})), ErrZeroVariance, "both samples have zero variance"},
		{"mean diff level", second(MeanDiffCI(two, two, 0)), ErrParam, "confidence level 0 is not in (0, 1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !errors.Is(tt.err, tt.kind) || !contains(fmt.Sprint(tt.err), tt.msg) {
				t.Errorf("error %v; want %v containing %q", tt.err, tt.kind, tt.msg)
			}
		})
	}
}

func second[T any](_ T, err error) error { return err }
