package stats

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
)

type describeFixture struct {
	Probs   []float64
	Samples map[string]struct {
		N            int
		Mean, Median float64
		SD, SE       *float64
		IQR, MAD     float64
		MeanCI95     *ciFixture `json:"mean_ci_0.95"`
		MeanCI99     *ciFixture `json:"mean_ci_0.99"`
		Quantiles    map[string][]*float64
		MedianCI     map[string]*struct {
			L                   int
			Low, High, Coverage float64
		} `json:"median_ci"`
	}
}

// ciFixture is a t interval: Low and High from a t quantile found by
// inverting scipy.special.stdtr, ScipyLow and ScipyHigh from SciPy 1.10's
// t.ppf, which is accurate to about 1e-8 only.
type ciFixture struct {
	Low, High *float64
	ScipyLow  *float64 `json:"scipy_low"`
	ScipyHigh *float64 `json:"scipy_high"`
	Warnings  []string
}

func TestDescribeFixtures(t *testing.T) {
	var f describeFixture
	readFixture(t, "describe.json", &f)
	if len(f.Samples) == 0 {
		t.Fatal("no samples in describe.json")
	}
	for name, want := range f.Samples {
		t.Run(name, func(t *testing.T) {
			x := dataset(t, name)
			m, err := Mean(x)
			if err != nil {
				t.Fatal(err)
			}
			wantNear(t, "Mean", m, want.Mean, relClosed)
			med, _ := Median(x)
			wantNear(t, "Median", med, want.Median, relClosed)
			iqr, _ := IQR(x)
			wantNear(t, "IQR", iqr, want.IQR, relClosed)
			mad, _ := MAD(x)
			wantNear(t, "MAD", mad, want.MAD, relClosed)
			if want.SD != nil {
				sd, _ := SD(x)
				wantNear(t, "SD", sd, *want.SD, relClosed)
				se, _ := SE(x)
				wantNear(t, "SE", se, *want.SE, relClosed)
			}
			for level, ci := range map[float64]*ciFixture{0.95: want.MeanCI95, 0.99: want.MeanCI99} {
				if ci == nil {
					continue
				}
				got, err := MeanCI(x, level)
				if ci.ScipyLow == nil { // SciPy: NaN for a sample without spread
					if !errors.Is(err, ErrZeroVariance) {
						t.Errorf("MeanCI(%g) = %v, %v; want ErrZeroVariance where SciPy gives NaN", level, got, err)
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				wantNear(t, fmt.Sprintf("MeanCI(%g).Low", level), got.Low, *ci.Low, relClosed)
				wantNear(t, fmt.Sprintf("MeanCI(%g).High", level), got.High, *ci.High, relClosed)
				wantNear(t, fmt.Sprintf("MeanCI(%g).Low vs t.interval", level), got.Low, *ci.ScipyLow, 1e-7)
			}
			for typ, qs := range want.Quantiles {
				var tn int
				fmt.Sscan(typ, &tn)
				got, err := Quantiles(x, f.Probs, QuantileType(tn))
				if err != nil {
					t.Fatal(err)
				}
				for i, q := range qs {
					if q == nil {
						// numpy 1.24 fails at the ends (see gen.py);
						// R clamps to the minimum and the maximum.
						want := slices.Min(x)
						if f.Probs[i] == 1 {
							want = slices.Max(x)
						}
						if got[i] != want {
							t.Errorf("type %d p %g = %g; numpy fails here, want %g", tn, f.Probs[i], got[i], want)
						}
						continue
					}
					wantNear(t, fmt.Sprintf("Quantile(type %d, p %g)", tn, f.Probs[i]), got[i], *q, relClosed)
				}
			}
			for lv, ci := range want.MedianCI {
				var level float64
				fmt.Sscan(lv, &level)
				got, err := MedianCI(x, level)
				if ci == nil {
					if !errors.Is(err, ErrTooFew) {
						t.Errorf("MedianCI(%g) = %v, %v; want ErrTooFew", level, got, err)
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				if got.Low != ci.Low || got.High != ci.High {
					t.Errorf("MedianCI(%g) = [%g, %g], want [%g, %g] (order statistic %d)", level, got.Low, got.High, ci.Low, ci.High, ci.L)
				}
				wantNear(t, fmt.Sprintf("MedianCI(%g).Level", level), got.Level, ci.Coverage, relClosed)
			}
		})
	}
}

// TestQuantileType3 checks R's type 3 (nearest even order statistic),
// which numpy 1.24's "closest_observation" gets wrong at exact halves.
// The expected values follow R's quantile.default: nppm = n·p − 1/2,
// j = ⌊nppm⌋, x(j) when nppm = j and j is even, x(j+1) otherwise.
func TestQuantileType3(t *testing.T) {
	x := []float64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1} // sorted: 1..10
	tests := []struct {
		p, want float64
	}{
		{0, 1},     // nppm −0.5 → x(0), clamped to x(1)
		{0.05, 1},  // nppm 0, even → x(0) → x(1)
		{0.1, 1},   // nppm 0.5 → x(1)
		{0.15, 2},  // nppm 1, odd → x(2)
		{0.25, 2},  // nppm 2, even → x(2) (numpy 1.24 says 3)
		{0.35, 4},  // nppm 3, odd → x(4)
		{0.45, 4},  // nppm 4, even → x(4) (numpy 1.24 says 5)
		{0.5, 5},   // nppm 4.5 → x(5)
		{0.97, 10}, // nppm 9.2 → x(10)
		{1, 10},    // nppm 9.5 → x(10)
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.p), func(t *testing.T) {
			got, err := Quantile(x, tt.p, 3)
			if err != nil || got != tt.want {
				t.Errorf("Quantile(1..10, %g, type 3) = %g, %v; want %g", tt.p, got, err, tt.want)
			}
		})
	}
}

func TestDescribeErrors(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name string
		f    func() error
		kind error
		msg  string
	}{
		{"empty mean", func() error { _, err := Mean(nil); return err }, ErrTooFew, "stats: Mean: sample is empty; it needs at least 1 values"},
		{"NaN", func() error { _, err := Mean([]float64{1, nan}); return err }, ErrNonFinite, "stats: Mean: sample value 2 is NaN; remove or fix it"},
		{"Inf", func() error { _, err := Median([]float64{inf}); return err }, ErrNonFinite, "stats: Median: sample value 1 is +Inf; remove or fix it"},
		{"-Inf", func() error { _, err := SD([]float64{1, math.Inf(-1)}); return err }, ErrNonFinite, "stats: SD: sample value 2 is -Inf; remove or fix it"},
		{"one value SD", func() error { _, err := SD([]float64{1}); return err }, ErrTooFew, "stats: SD: sample has 1 value(s); it needs at least 2"},
		{"one value SE", func() error { _, err := SE([]float64{1}); return err }, ErrTooFew, "needs at least 2"},
		{"one value variance", func() error { _, err := Variance([]float64{1}); return err }, ErrTooFew, "needs at least 2"},
		{"quantile type", func() error { _, err := Quantile([]float64{1}, 0.5, 10); return err }, ErrParam, "stats: Quantile: quantile type 10 does not exist; use 1 to 9 (7 is the usual)"},
		{"quantile p", func() error { _, err := Quantile([]float64{1}, 1.5, 7); return err }, ErrParam, "probability 1.5 is not in [0, 1]"},
		{"quantile NaN p", func() error { _, err := Quantile([]float64{1}, nan, 7); return err }, ErrParam, "probability NaN"},
		{"mean CI level", func() error { _, err := MeanCI([]float64{1, 2}, 95); return err }, ErrParam, "confidence level 95 is not in (0, 1)"},
		{"mean CI constant", func() error { _, err := MeanCI([]float64{2, 2, 2}, 0.95); return err }, ErrZeroVariance, "all 3 values are equal"},
		{"median CI small", func() error { _, err := MedianCI([]float64{1, 2, 3, 4, 5}, 0.95); return err }, ErrTooFew, "n = 5 is too few for a 95% order-statistic interval for the median; it needs n ≥ 6"},
		{"IQR fences k", func() error { _, err := IQRFences([]float64{1, 2}, -1); return err }, ErrParam, "k = -1 must be a positive number"},
		{"MAD zero", func() error { _, err := MADFences([]float64{1, 1, 1, 5}, 3.5); return err }, ErrZeroVariance, "the MAD is 0: at least half of the 4 values equal the median 1"},
		{"MAD empty", func() error { _, err := MAD(nil); return err }, ErrTooFew, "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.f()
			var se *Error
			if !errors.Is(err, tt.kind) || !errors.As(err, &se) || !contains(err.Error(), tt.msg) {
				t.Errorf("error %v; want %v containing %q", err, tt.kind, tt.msg)
			}
		})
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func TestOutliersFlagNotDrop(t *testing.T) {
	x := []float64{10, 11, 12, 11, 10, 13, 12, 11, 95, 11, -40}
	orig := slices.Clone(x)
	f, err := IQRFences(x, 1.5)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.Flagged, []int{8, 10}) || f.Count() != 2 {
		t.Errorf("IQR fences flagged %v, want positions 8 and 10", f.Flagged)
	}
	if f.Low != 10.5-1.5*1.5 || f.High != 12+1.5*1.5 {
		t.Errorf("IQR fences [%g, %g], want [8.25, 14.25]", f.Low, f.High)
	}
	m, err := MADFences(x, 3.5)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.Flagged, []int{8, 10}) || m.Center != 11 || m.Spread != madScale {
		t.Errorf("MAD fences %+v, want positions 8 and 10 around 11 with MAD 1.4826", m)
	}
	if !slices.Equal(x, orig) {
		t.Errorf("input modified: %v", x)
	}
}

func TestSelectK(t *testing.T) {
	for _, n := range []int{1, 2, 3, 17, 100, 1001} {
		for _, pattern := range []string{"asc", "desc", "equal", "sawtooth"} {
			x := make([]float64, n)
			for i := range x {
				switch pattern {
				case "asc":
					x[i] = float64(i)
				case "desc":
					x[i] = float64(n - i)
				case "equal":
					x[i] = 7
				case "sawtooth":
					x[i] = float64(i % 5)
				}
			}
			sorted := sortedCopy(x)
			for _, k := range []int{0, n / 2, n - 1} {
				buf := slices.Clone(x)
				selectK(buf, k)
				if buf[k] != sorted[k] {
					t.Errorf("%s n=%d: selectK(%d) = %g, want %g", pattern, n, k, buf[k], sorted[k])
				}
			}
			if got := median(slices.Clone(x)); got != medianSorted(sorted) {
				t.Errorf("%s n=%d: median %g, want %g", pattern, n, got, medianSorted(sorted))
			}
		}
	}
}
