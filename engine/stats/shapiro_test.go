package stats

import (
	"errors"
	"math"
	"slices"
	"testing"
)

type shapiroFixture struct {
	Samples map[string]struct {
		W, P     float64
		Warnings []string
	}
}

// TestShapiroLegacyFixtures checks the AS R94 port against SciPy 1.10
// itself: run in single precision with SciPy 1.10's Fortran constants, it
// must give SciPy's W and p (SciPy computes in float32, so equality is
// the expectation; the tolerance is the iterative 1e-6).
func TestShapiroLegacyFixtures(t *testing.T) {
	var f shapiroFixture
	readFixture(t, "shapiro.json", &f)
	for name, want := range f.Samples {
		t.Run(name, func(t *testing.T) {
			w, p := shapiroLegacy(dataset(t, name))
			wantNear(t, "W (float32)", w, want.W, relIterative)
			wantNear(t, "p (float32)", p, want.P, relIterative)
		})
	}
}

// shapiroLegacy is scipy.stats.shapiro as SciPy 1.10 computes it: x minus
// its median, sorted, rounded to float32, through swilk.f.
func shapiroLegacy(x []float64) (w, p float64) {
	s := sortedCopy(x)
	med := medianSorted(s)
	y := make([]float32, len(s))
	for i, v := range s {
		y[i] = float32(v - med)
	}
	return swilk(y, true)
}

// TestShapiroFixtures checks ShapiroWilk, which computes in double
// precision like SciPy ≥ 1.11, against SciPy 1.10's single-precision
// values. The differences are SciPy 1.10's rounding: W to float32 (a few
// 1e-7 relative, up to 2e-5 at n = 5000 where 1 − W is tiny), and p
// through log(1 − W) in float32, up to 3% near W = 1; SciPy 1.10's p
// underflows to 0 below about 1e-38. The exact check of the algorithm is
// TestShapiroLegacyFixtures.
func TestShapiroFixtures(t *testing.T) {
	var f shapiroFixture
	readFixture(t, "shapiro.json", &f)
	for name, want := range f.Samples {
		t.Run(name, func(t *testing.T) {
			got, err := ShapiroWilk(dataset(t, name))
			if len(want.Warnings) > 0 { // range zero: SciPy warns, returns W = p = 1
				if !errors.Is(err, ErrZeroVariance) {
					t.Errorf("ShapiroWilk = %v, %v; want ErrZeroVariance where SciPy warns %q", got, err, want.Warnings)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !near(got.Statistic, want.W, 2e-5) {
				t.Errorf("W = %.9g, SciPy 1.10 %.9g", got.Statistic, want.W)
			}
			switch {
			case want.P < 1e-37:
				if got.P > 1e-30 {
					t.Errorf("p = %g, SciPy 1.10 %g (float32 underflow)", got.P, want.P)
				}
			case !near(got.P, want.P, 0.03):
				t.Errorf("p = %.9g, SciPy 1.10 %.9g", got.P, want.P)
			}
		})
	}
}

func TestShapiroWilk(t *testing.T) {
	big := make([]float64, 5001)
	for i := range big {
		big[i] = math.Sin(float64(i))
	}
	tests := []struct {
		name string
		x    []float64
		kind error
	}{
		{"too few", []float64{1, 2}, ErrTooFew},
		{"too many", big, ErrTooMany},
		{"constant", []float64{2, 2, 2, 2}, ErrZeroVariance},
		{"NaN", []float64{1, 2, math.NaN()}, ErrNonFinite},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ShapiroWilk(tt.x); !errors.Is(err, tt.kind) {
				t.Errorf("error %v, want %v", err, tt.kind)
			}
		})
	}

	// n = 3: the exact distribution, with p ≥ 0 where SciPy 1.10's
	// formula went negative (gh-18322) and W ≥ 3/4.
	got, err := ShapiroWilk([]float64{1, 2, 2.0000001})
	if err != nil || got.P < 0 || got.Statistic < 0.75 {
		t.Errorf("n = 3 near the boundary: %v, %v", got, err)
	}
	// Invariance under location and scale, and under order.
	x := dataset(t, "norm20")
	base, _ := ShapiroWilk(x)
	y := make([]float64, len(x))
	for i, v := range x {
		y[len(x)-1-i] = 1e6 + 1e-3*v
	}
	moved, _ := ShapiroWilk(y)
	if !near(moved.Statistic, base.Statistic, 1e-9) || !near(moved.P, base.P, 1e-7) {
		t.Errorf("shifted and scaled: %v, want %v", moved, base)
	}
	// Tiny ranges are rescaled, not refused.
	tiny := slices.Clone(x)
	for i := range tiny {
		tiny[i] *= 1e-25
	}
	if got, err := ShapiroWilk(tiny); err != nil || !near(got.Statistic, base.Statistic, 1e-9) {
		t.Errorf("range 1e-24: %v, %v; want %v", got, err, base)
	}
}
