package stats

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

type powerFixture struct {
	Grid []struct {
		EffectSize float64 `json:"effect_size"`
		Nobs1      float64
		Alpha      float64
		Ratio      float64
		Power      *float64
		Warnings   []string
	}
	Solve []struct {
		Unknown     string
		EffectSize  float64 `json:"effect_size"`
		Nobs1       float64
		Alpha       float64
		Power       float64
		Ratio       float64
		Statsmodels float64
		Root        float64
	}
}

// TestPowerFixtures checks TTestPower against statsmodels'
// TTestIndPower.power (SciPy's noncentral t, from Boost) and Solve against
// solve_power. statsmodels stops its root search at an x tolerance of
// 1e-5, so Solve is checked to 1e-6 against statsmodels' root polished on
// its own power function, and to solve_power's answer within its x
// tolerance of 1e-5.
func TestPowerFixtures(t *testing.T) {
	var f powerFixture
	readFixture(t, "power.json", &f)
	if len(f.Grid) == 0 || len(f.Solve) == 0 {
		t.Fatal("power.json is empty")
	}
	for _, g := range f.Grid {
		got, err := TTestPower(g.EffectSize, g.Nobs1, g.Alpha, g.Ratio)
		what := fmt.Sprintf("TTestPower(d %g, nobs1 %g, alpha %g, ratio %g)", g.EffectSize, g.Nobs1, g.Alpha, g.Ratio)
		if err != nil {
			t.Errorf("%s: %v", what, err)
			continue
		}
		wantNear(t, what, got, *g.Power, relIterative)
	}
	params := map[string]PowerParam{"effect_size": EffectSizeParam, "nobs1": Nobs1Param, "alpha": AlphaParam, "ratio": RatioParam}
	for _, s := range f.Solve {
		p := PowerAnalysis{EffectSize: s.EffectSize, Nobs1: s.Nobs1, Alpha: s.Alpha, Power: s.Power, Ratio: s.Ratio}
		got, err := p.Solve(params[s.Unknown])
		what := fmt.Sprintf("solve %s for %+v", s.Unknown, p)
		if err != nil {
			t.Errorf("%s: %v", what, err)
			continue
		}
		x := map[string]float64{"effect_size": got.EffectSize, "nobs1": got.Nobs1, "alpha": got.Alpha, "ratio": got.Ratio}[s.Unknown]
		wantNear(t, what, x, s.Root, relIterative)
		if math.Abs(x-s.Statsmodels) > 1e-5 {
			t.Errorf("%s = %.10g, solve_power %.10g: more than its xtol 1e-5 apart", what, x, s.Statsmodels)
		}
		back, _ := TTestPower(got.EffectSize, got.Nobs1, got.Alpha, got.Ratio)
		wantNear(t, what+" power at the solution", back, s.Power, 1e-10)
	}
}

func TestPowerSolve(t *testing.T) {
	base := PowerAnalysis{EffectSize: 0.5, Nobs1: 64, Alpha: 0.05, Power: 0.8}
	tests := []struct {
		name    string
		p       PowerAnalysis
		unknown PowerParam
		kind    error
		msg     string
	}{
		{"zero effect", PowerAnalysis{Alpha: 0.05, Power: 0.8}, Nobs1Param, ErrNoSolution, "an effect size of 0 cannot be detected"},
		{"power below alpha", PowerAnalysis{Nobs1: 20, Alpha: 0.05, Power: 0.04}, EffectSizeParam, ErrNoSolution, "not above alpha"},
		{"already exceeded", PowerAnalysis{EffectSize: 5, Alpha: 0.05, Power: 0.5}, Nobs1Param, ErrNoSolution, "already exceeded"},
		{"ratio out of reach", PowerAnalysis{EffectSize: 0.2, Nobs1: 10, Alpha: 0.05, Power: 0.9}, RatioParam, ErrNoSolution, "out of reach"},
		{"bad alpha", PowerAnalysis{EffectSize: 0.5, Nobs1: 10, Power: 0.8, Alpha: 1.5}, Nobs1Param, ErrParam, "alpha 1.5"},
		{"bad power", PowerAnalysis{EffectSize: 0.5, Nobs1: 10, Alpha: 0.05, Power: 1}, EffectSizeParam, ErrParam, "power 1 is not in (0, 1)"},
		{"bad unknown", base, 0, ErrParam, "solve for effect_size"},
		{"NaN effect", PowerAnalysis{EffectSize: math.NaN(), Nobs1: 10, Alpha: 0.05}, PowerValueParam, ErrNonFinite, "effect size NaN"},
		{"no df", PowerAnalysis{EffectSize: 0.5, Nobs1: 1, Alpha: 0.05, Power: 0.8}, PowerValueParam, ErrTooFew, "no degrees of freedom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.p.Solve(tt.unknown)
			if !errors.Is(err, tt.kind) || !contains(fmt.Sprint(err), tt.msg) {
				t.Errorf("error %v; want %v containing %q", err, tt.kind, tt.msg)
			}
		})
	}
	// Zero effect: power is alpha, and alpha is the power (statsmodels).
	if got, _ := (PowerAnalysis{Nobs1: 30, Alpha: 0.05}).Solve(PowerValueParam); !near(got.Power, 0.05, 1e-12) {
		t.Errorf("power at d = 0 is %g, want alpha", got.Power)
	}
	if got, _ := (PowerAnalysis{Nobs1: 30, Power: 0.1}).Solve(AlphaParam); got.Alpha != 0.1 {
		t.Errorf("alpha at d = 0 is %g, want the power", got.Alpha)
	}
	// The sign of d does not matter; Ratio 0 means 1.
	p1, _ := TTestPower(-0.5, 64, 0.05, 1)
	p2, _ := PowerAnalysis{EffectSize: 0.5, Nobs1: 64, Alpha: 0.05}.Solve(PowerValueParam)
	if !near(p1, p2.Power, 1e-14) || !near(p1, 0.8014596, 1e-6) {
		t.Errorf("power(-0.5) = %g, power(0.5) = %g, want 0.80146", p1, p2.Power)
	}
	// Large noncentrality: power is 1, not NaN.
	if p, err := AchievedPower(0.5, 1000000, 1000000, 0.05); err != nil || p != 1 {
		t.Errorf("AchievedPower with a million per group = %g, %v; want 1", p, err)
	}
}
