package stats

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"testing"
)

// statistics are the statistics of bootstrap.json by name, as numpy
// computes them.
var statistics = map[string]Statistic{
	"mean":   func(s [][]float64) float64 { return mean(s[0]) },
	"median": func(s [][]float64) float64 { return median(s[0]) },
	"ratio_of_medians": func(s [][]float64) float64 {
		return median(s[0]) / median(s[1])
	},
	"mean_difference": func(s [][]float64) float64 { return mean(s[0]) - mean(s[1]) },
}

// TestBootstrapFixtures checks the deterministic part of the bootstrap —
// reading percentile and BCa intervals from a given bootstrap distribution,
// with the jackknife acceleration and the bias correction — against
// scipy.stats.bootstrap given the same distribution (its bootstrap_result
// argument). The resampling itself cannot match: numpy's generator is not
// Go's.
func TestBootstrapFixtures(t *testing.T) {
	var raw struct {
		Cases []map[string]any
	}
	readFixture(t, "bootstrap.json", &raw)
	if len(raw.Cases) == 0 {
		t.Fatal("no cases in bootstrap.json")
	}
	num := func(m map[string]any, k string) float64 { return m[k].(float64) }
	for _, c := range raw.Cases {
		name := c["statistic"].(string)
		t.Run(name, func(t *testing.T) {
			var samples [][]float64
			for _, s := range c["samples"].([]any) {
				samples = append(samples, dataset(t, s.(string)))
			}
			var dist []float64
			for _, v := range c["distribution"].([]any) {
				dist = append(dist, v.(float64))
			}
			stat := statistics[name]
			for _, level := range []float64{0.95, 0.9} {
				key := func(m string) map[string]any { return c[fmt.Sprintf("%s_%g", m, level)].(map[string]any) }
				pct, err := PercentileInterval(dist, level)
				if err != nil {
					t.Fatal(err)
				}
				wantNear(t, fmt.Sprintf("percentile %g low", level), pct.Low, num(key("percentile"), "low"), relClosed)
				wantNear(t, fmt.Sprintf("percentile %g high", level), pct.High, num(key("percentile"), "high"), relClosed)

				bca, params, err := BCaInterval(samples, stat, dist, level)
				if err != nil {
					t.Fatal(err)
				}
				want := key("bca_params")
				// For the median the acceleration is zero up to rounding
				// (~1e-20); compare it absolutely there.
				if a := num(want, "a_hat"); math.Abs(a) < 1e-12 {
					if math.Abs(params.Accel) > 1e-12 {
						t.Errorf("acceleration = %g, SciPy %g", params.Accel, a)
					}
				} else {
					wantNear(t, "acceleration", params.Accel, a, relClosed)
				}
				alpha := (1 - level) / 2
				za := normQuantile(alpha)
				a1 := normCDF(params.Z0 + (params.Z0+za)/(1-params.Accel*(params.Z0+za)))
				wantNear(t, "BCa alpha1", a1, num(want, "alpha1"), relClosed)
				wantNear(t, fmt.Sprintf("BCa %g low", level), bca.Low, num(key("BCa"), "low"), relClosed)
				wantNear(t, fmt.Sprintf("BCa %g high", level), bca.High, num(key("BCa"), "high"), relClosed)
			}
		})
	}
}

// TestBootstrapDeterministic checks that a seed fixes the result whatever
// the number of threads, and that different seeds differ.
func TestBootstrapDeterministic(t *testing.T) {
	x := dataset(t, "lognorm300")
	y := dataset(t, "lognorm60")
	stat := statistics["ratio_of_medians"]
	run := func(procs int, seed uint64) *BootstrapResult {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		r, err := BootstrapCI([][]float64{x, y}, stat, BootstrapOptions{Resamples: 1000, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	one, four := run(1, 7), run(4, 7)
	if !slices.Equal(one.Distribution, four.Distribution) || one.Interval != four.Interval {
		t.Errorf("GOMAXPROCS changes the bootstrap: %v vs %v", one.Interval, four.Interval)
	}
	if other := run(2, 8); slices.Equal(other.Distribution, one.Distribution) {
		t.Error("seeds 7 and 8 give the same resamples")
	}
	if one.Interval.Low >= one.Estimate || one.Interval.High <= one.Estimate || one.Accel == 0 {
		t.Errorf("BCa interval %v around %g, acceleration %g", one.Interval, one.Estimate, one.Accel)
	}

	mr := func(procs int) *BootstrapResult {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		r, err := MedianRatioCI(x, y, 0.95, 5000, 3)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if a, b := mr(1), mr(3); !slices.Equal(a.Distribution, b.Distribution) {
		t.Error("GOMAXPROCS changes MedianRatioCI")
	}
}

// TestBootstrapMedianSampling checks that MedianRatioCI's direct draw of a
// resample's median has the distribution of the median of a real resample:
// the two-sample Kolmogorov–Smirnov distance between 20000 draws of each
// must be small (seeded, so the test is deterministic), for odd and even n
// and with ties.
func TestBootstrapMedianSampling(t *testing.T) {
	for _, name := range []string{"norm11", "norm12", "ties30", "exp8a"} {
		t.Run(name, func(t *testing.T) {
			s := sortedCopy(dataset(t, name))
			const draws = 20000
			direct, err := MedianRatioCI(s, []float64{1}, 0.95, draws, 11)
			if err != nil {
				t.Fatal(err)
			}
			naive, err := BootstrapDistribution([][]float64{s}, statistics["median"], draws, 12)
			if err != nil {
				t.Fatal(err)
			}
			d := ksDistance(direct.Distribution, naive)
			t.Logf("KS distance %.4f", d)
			if d > 0.02 {
				t.Errorf("KS distance %.4f between drawn medians and resampled medians (> 0.02, p < 1e-3)", d)
			}
		})
	}
}

// ksDistance is the two-sample Kolmogorov–Smirnov statistic.
func ksDistance(a, b []float64) float64 {
	a, b = sortedCopy(a), sortedCopy(b)
	var i, j int
	var d float64
	for i < len(a) && j < len(b) {
		v := min(a[i], b[j])
		for i < len(a) && a[i] == v {
			i++
		}
		for j < len(b) && b[j] == v {
			j++
		}
		d = math.Max(d, math.Abs(float64(i)/float64(len(a))-float64(j)/float64(len(b))))
	}
	return d
}

func TestBootstrapErrors(t *testing.T) {
	x := []float64{1, 2, 3, 4}
	constant := func(s [][]float64) float64 { return 1 }
	tests := []struct {
		name string
		err  error
		kind error
		msg  string
	}{
		{"no samples", second(BootstrapDistribution(nil, constant, 10, 1)), ErrTooFew, "no samples given"},
		{"zero resamples", second(BootstrapDistribution([][]float64{x}, constant, 0, 1)), ErrParam, "0 resamples"},
		{"NaN statistic", second(BootstrapDistribution([][]float64{x}, func([][]float64) float64 { return math.NaN() }, 5, 1)), ErrNonFinite, "the statistic is NaN on resample 1"},
		{"degenerate BCa", second(BootstrapCI([][]float64{x}, constant, BootstrapOptions{Resamples: 50})), ErrDegenerate, "the acceleration is undefined"},
		{"zero median", second(MedianRatioCI(x, []float64{0, 0, 1}, 0.95, 10, 1)), ErrDegenerate, "the median of the second sample is 0"},
		{"bad level", second(PercentileInterval(x, 1)), ErrParam, "confidence level 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !errors.Is(tt.err, tt.kind) || !contains(fmt.Sprint(tt.err), tt.msg) {
				t.Errorf("error %v; want %v containing %q", tt.err, tt.kind, tt.msg)
			}
		})
	}
}
