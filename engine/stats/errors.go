package stats

import (
	"errors"
	"fmt"
	"math"
)

// The kinds of input a statistic cannot be computed from. An *Error wraps
// one of them; test with errors.Is.
var (
	// ErrNonFinite is a NaN or ±Inf value.
	ErrNonFinite = errors.New("value is NaN or infinite")
	// ErrTooFew is a sample (or samples) smaller than the statistic needs.
	ErrTooFew = errors.New("too few values")
	// ErrTooMany is a sample larger than an approximation is valid for.
	ErrTooMany = errors.New("too many values")
	// ErrZeroVariance is a sample, or samples, without spread where the
	// statistic divides by it.
	ErrZeroVariance = errors.New("zero variance")
	// ErrParam is a parameter (level, alpha, probability, ...) out of range.
	ErrParam = errors.New("parameter out of range")
	// ErrDegenerate is a distribution (of bootstrap or jackknife values, of
	// a denominator) without the spread or the sign a formula needs.
	ErrDegenerate = errors.New("degenerate distribution")
	// ErrNoSolution is an equation (a power analysis) without a root in the
	// parameter's valid range.
	ErrNoSolution = errors.New("no solution")
)

// Error is a statistic that cannot be computed from its input.
type Error struct {
	Func string // the statistic, e.g. "ShapiroWilk"
	Kind error  // one of the Err* sentinels
	Msg  string // what is wrong and, where there is one, the fix
}

func (e *Error) Error() string { return "stats: " + e.Func + ": " + e.Msg }

// Unwrap returns the sentinel, so errors.Is(err, ErrTooFew) works.
func (e *Error) Unwrap() error { return e.Kind }

func errorf(fn string, kind error, format string, args ...any) *Error {
	return &Error{Func: fn, Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// sampleName names the i-th sample of a multi-sample statistic in errors.
func sampleName(i, of int) string {
	if of == 1 {
		return "sample"
	}
	return fmt.Sprintf("sample %d", i+1)
}

// check validates one sample: at least min values, all finite.
func check(fn string, x []float64, min int) error {
	return checkNamed(fn, "sample", x, min)
}

func checkNamed(fn, name string, x []float64, min int) error {
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return errorf(fn, ErrNonFinite, "%s value %d is %v; remove or fix it", name, i+1, v)
		}
	}
	if len(x) < min {
		if len(x) == 0 {
			return errorf(fn, ErrTooFew, "%s is empty; it needs at least %d values", name, min)
		}
		return errorf(fn, ErrTooFew, "%s has %d value(s); it needs at least %d", name, len(x), min)
	}
	return nil
}

// checkAll validates several samples with check.
func checkAll(fn string, samples [][]float64, min int) error {
	for i, s := range samples {
		if err := checkNamed(fn, sampleName(i, len(samples)), s, min); err != nil {
			return err
		}
	}
	return nil
}

// checkLevel validates a confidence level.
func checkLevel(fn string, level float64) error {
	if !(level > 0 && level < 1) {
		return errorf(fn, ErrParam, "confidence level %v is not in (0, 1); use e.g. 0.95", level)
	}
	return nil
}

// checkAlpha validates a significance level.
func checkAlpha(fn string, alpha float64) error {
	if !(alpha > 0 && alpha < 1) {
		return errorf(fn, ErrParam, "alpha %v is not in (0, 1); use e.g. 0.05", alpha)
	}
	return nil
}
