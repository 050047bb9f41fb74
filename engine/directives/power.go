package directives

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/stats"
)

// Power is the {power} directive: it plans the sample size of a two-arm
// timing comparison with the power of the two-sided two-sample t-test
// (statsmodels' TTestIndPower semantics). An {experiment} reads its
// n_per_arm through :from:.
type Power struct{}

// NewPower returns the {power} directive.
func NewPower() *Power { return &Power{} }

// Kind returns "power".
func (*Power) Kind() string { return "power" }

// Version returns the implementation version.
func (*Power) Version() int { return 1 }

// Options declares the quantities of the plan.
func (*Power) Options() []engine.OptionSpec {
	return []engine.OptionSpec{
		{Name: "effect-size", Type: engine.Float, Default: "0.5",
			Help: "the smallest standardised difference (Cohen's d) the experiment must detect"},
		{Name: "alpha", Type: engine.Float, Default: "0.05", Help: "significance level, two-sided"},
		{Name: "power", Type: engine.Float, Default: "0.8", Help: "probability of detecting an effect of that size"},
		{Name: "ratio", Type: engine.Float, Default: "1", Help: "size of the second arm per observation of the first"},
	}
}

// planEffects are the effect sizes of the plan table: Cohen's small,
// medium and large.
var planEffects = []float64{0.2, 0.5, 0.8}

// Run solves for the sample size per arm and tabulates the plan.
func (*Power) Run(_ context.Context, req *engine.Request) (*engine.Result, error) {
	o := req.Opts
	plan := stats.PowerAnalysis{EffectSize: o.Float("effect-size"), Alpha: o.Float("alpha"), Power: o.Float("power"), Ratio: o.Float("ratio")}
	solved, err := plan.Solve(stats.Nobs1Param)
	if err != nil {
		return nil, fmt.Errorf("%w; check :effect-size: (> 0), :alpha: and :power: (between 0 and 1)", err)
	}
	n := int(math.Ceil(solved.Nobs1))
	achieved, err := stats.TTestPower(plan.EffectSize, float64(n), plan.Alpha, plan.Ratio)
	if err != nil {
		return nil, err
	}
	res := &engine.Result{Values: map[string]engine.Value{
		"n_per_arm":   engine.Num(float64(n), ""),
		"nobs1_exact": engine.Num(solved.Nobs1, ""),
		"effect_size": engine.Num(plan.EffectSize, ""),
		"alpha":       engine.Num(plan.Alpha, ""),
		"power":       engine.Num(plan.Power, ""),
		"power_at_n":  engine.Num(achieved, ""),
		"ratio":       engine.Num(plan.Ratio, ""),
	}}
	t := engine.Table{Name: "plan", Caption: "Sample size per arm for the two-sided two-sample t-test.",
		Columns: []string{"effect size d", "alpha", "power", "n per arm (exact)", "n per arm"}}
	effects := slices.Clone(planEffects)
	if !slices.Contains(effects, plan.EffectSize) {
		effects = append(effects, plan.EffectSize)
	}
	for _, d := range effects {
		p := plan
		p.EffectSize = d
		s, err := p.Solve(stats.Nobs1Param)
		if err != nil {
			return nil, err
		}
		t.Rows = append(t.Rows, []string{strconv.FormatFloat(d, 'g', -1, 64), strconv.FormatFloat(plan.Alpha, 'g', -1, 64),
			strconv.FormatFloat(plan.Power, 'g', -1, 64), fmt.Sprintf("%.2f", s.Nobs1), strconv.Itoa(int(math.Ceil(s.Nobs1)))})
	}
	res.Tables = []engine.Table{t}
	curve := engine.FigureData{Name: fmt.Sprintf("d = %g", plan.EffectSize)}
	for m := 2; m <= 2*n+2; m++ {
		p, err := stats.TTestPower(plan.EffectSize, float64(m), plan.Alpha, plan.Ratio)
		if err != nil {
			return nil, err
		}
		curve.X = append(curve.X, float64(m))
		curve.Y = append(curve.Y, p)
	}
	res.Figures = []engine.Figure{{Name: "power", Kind: engine.Line, XLabel: "observations per arm", YLabel: "power",
		Caption: fmt.Sprintf("Power of the two-sided t-test at alpha %g against the observations per arm, for d = %g.", plan.Alpha, plan.EffectSize),
		Series:  []engine.FigureData{curve}}}
	return res, nil
}
