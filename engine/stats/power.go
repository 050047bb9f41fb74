package stats

import (
	"fmt"
	"math"
)

// PowerParam names the quantity a power analysis solves for.
type PowerParam int

// The quantities of a power analysis.
const (
	EffectSizeParam PowerParam = iota + 1
	Nobs1Param
	AlphaParam
	PowerValueParam
	RatioParam
)

func (p PowerParam) String() string {
	switch p {
	case EffectSizeParam:
		return "effect_size"
	case Nobs1Param:
		return "nobs1"
	case AlphaParam:
		return "alpha"
	case PowerValueParam:
		return "power"
	case RatioParam:
		return "ratio"
	}
	return fmt.Sprintf("PowerParam(%d)", int(p))
}

// PowerAnalysis are the quantities of a power analysis of the two-sided
// two-sample t-test, as statsmodels' TTestIndPower.solve_power takes them.
type PowerAnalysis struct {
	EffectSize float64 // Cohen's d of the difference to detect
	Nobs1      float64 // observations in the first sample
	Alpha      float64 // significance level
	Power      float64 // probability of rejecting the null hypothesis when the effect is EffectSize
	Ratio      float64 // observations in the second sample per observation in the first; 0 means 1
}

// TTestPower returns the power of the two-sided two-sample t-test to detect
// a standardised difference effectSize at level alpha with nobs1 and
// nobs1·ratio observations, from the noncentral t distribution
// (statsmodels TTestIndPower().power(effectSize, nobs1, alpha, ratio)):
// with df = nobs1 + nobs2 − 2, c = t(1−alpha/2, df) and noncentrality
// δ = d·√(nobs1·nobs2/(nobs1+nobs2)), power = P(T > c) + P(T < −c).
func TTestPower(effectSize, nobs1, alpha, ratio float64) (float64, error) {
	const fn = "TTestPower"
	if err := checkPowerArgs(fn, effectSize, nobs1, alpha, ratio); err != nil {
		return 0, err
	}
	return ttestPower(effectSize, nobs1, alpha, ratio), nil
}

func checkPowerArgs(fn string, d, nobs1, alpha, ratio float64) error {
	switch {
	case math.IsNaN(d) || math.IsInf(d, 0):
		return errorf(fn, ErrNonFinite, "effect size %v must be a finite number", d)
	case !(nobs1 > 0) || math.IsInf(nobs1, 0):
		return errorf(fn, ErrParam, "nobs1 = %v must be a positive number", nobs1)
	case !(ratio > 0) || math.IsInf(ratio, 0):
		return errorf(fn, ErrParam, "ratio = %v must be a positive number", ratio)
	case nobs1*(1+ratio) <= 2:
		return errorf(fn, ErrTooFew, "nobs1 = %v and nobs2 = %v leave no degrees of freedom; use more observations", nobs1, nobs1*ratio)
	}
	return checkAlpha(fn, alpha)
}

// ttestPower is TTestPower on valid arguments.
func ttestPower(d, nobs1, alpha, ratio float64) float64 {
	nobs2 := nobs1 * ratio
	df := nobs1 + nobs2 - 2
	nobs := 1 / (1/nobs1 + 1/nobs2)
	crit := -tQuantile(alpha/2, df)
	nc := d * math.Sqrt(nobs)
	return nctSF(crit, df, nc) + nctCDF(-crit, df, nc)
}

// Solve returns the analysis with the unknown quantity computed from the
// others, as statsmodels' TTestIndPower().solve_power does with that
// keyword set to None (alternative "two-sided"): the effect size (the
// positive root; power is symmetric in d), the first sample's size, alpha,
// the power, or the ratio of sample sizes. The roots are found to about
// 1e-12 relative, where statsmodels stops at an x tolerance of 1e-5.
//
// A zero effect size cannot be detected: solving for anything but the
// power or alpha gives ErrNoSolution, as statsmodels raises. Targets out of
// reach (power ≤ alpha, a sample size below 2, a ratio beyond which power
// no longer grows) give ErrNoSolution too.
func (p PowerAnalysis) Solve(unknown PowerParam) (PowerAnalysis, error) {
	const fn = "PowerAnalysis.Solve"
	if p.Ratio == 0 {
		p.Ratio = 1
	}
	// Validate the known quantities with placeholders for the unknown.
	q := p
	switch unknown {
	case EffectSizeParam:
		q.EffectSize = 0
	case Nobs1Param:
		q.Nobs1 = 10
	case AlphaParam:
		q.Alpha = 0.05
	case PowerValueParam:
		q.Power = 0.5
	case RatioParam:
		q.Ratio = 1
	default:
		return p, errorf(fn, ErrParam, "unknown %v; solve for effect_size, nobs1, alpha, power or ratio", unknown)
	}
	if err := checkPowerArgs(fn, q.EffectSize, q.Nobs1, q.Alpha, q.Ratio); err != nil {
		return p, err
	}
	if !(q.Power > 0 && q.Power < 1) {
		return p, errorf(fn, ErrParam, "power %v is not in (0, 1); use e.g. 0.8", q.Power)
	}
	if unknown == PowerValueParam {
		p.Power = ttestPower(p.EffectSize, p.Nobs1, p.Alpha, p.Ratio)
		return p, nil
	}
	if p.EffectSize == 0 && unknown != EffectSizeParam {
		if unknown == AlphaParam {
			p.Alpha = p.Power // power(0) = alpha
			return p, nil
		}
		return p, errorf(fn, ErrNoSolution, "an effect size of 0 cannot be detected; give a non-zero effect size")
	}
	var (
		f      func(float64) float64
		lo, hi float64
		grow   bool // expand hi until f changes sign
	)
	switch unknown {
	case EffectSizeParam:
		if p.Power <= p.Alpha {
			return p, errorf(fn, ErrNoSolution, "power %v is not above alpha %v; every effect size has at least power alpha", p.Power, p.Alpha)
		}
		f = func(d float64) float64 { return ttestPower(d, p.Nobs1, p.Alpha, p.Ratio) - p.Power }
		lo, hi, grow = 0, 1, true
	case Nobs1Param:
		f = func(n float64) float64 { return ttestPower(p.EffectSize, n, p.Alpha, p.Ratio) - p.Power }
		lo, hi, grow = math.Max(2, 2/(1+p.Ratio)*(1+1e-9)), 50, true
	case AlphaParam:
		f = func(a float64) float64 { return ttestPower(p.EffectSize, p.Nobs1, a, p.Ratio) - p.Power }
		lo, hi = 1e-12, 1-1e-12
	case RatioParam:
		f = func(r float64) float64 { return ttestPower(p.EffectSize, p.Nobs1, p.Alpha, r) - p.Power }
		lo, hi, grow = math.Max(1e-8, (2/p.Nobs1-1)*(1+1e-9)+1e-12), 2, true
	}
	if f(lo) > 0 {
		return p, errorf(fn, ErrNoSolution, "power %v is already exceeded at the smallest %v (%g)", p.Power, unknown, lo)
	}
	for grow && f(hi) < 0 {
		if hi > 1e15 {
			return p, errorf(fn, ErrNoSolution, "power %v is out of reach for any %v", p.Power, unknown)
		}
		lo, hi = hi, hi*2
	}
	if !grow && f(hi) < 0 {
		return p, errorf(fn, ErrNoSolution, "power %v is out of reach for any alpha below 1", p.Power)
	}
	x, ok := brent(f, lo, hi, 0)
	if !ok {
		return p, errorf(fn, ErrNoSolution, "no %v between %g and %g gives power %v", unknown, lo, hi, p.Power)
	}
	switch unknown {
	case EffectSizeParam:
		p.EffectSize = x
	case Nobs1Param:
		p.Nobs1 = x
	case AlphaParam:
		p.Alpha = x
	case RatioParam:
		p.Ratio = x
	}
	return p, nil
}

// AchievedPower returns the power the two-sided two-sample t-test had, at
// level alpha, to detect an effect of size |d| with samples of n1 and n2
// values — the post-hoc power of an experiment, which says how likely the
// experiment was to detect an effect as large as the one observed.
func AchievedPower(d float64, n1, n2 int, alpha float64) (float64, error) {
	return TTestPower(math.Abs(d), float64(n1), alpha, float64(n2)/float64(n1))
}
