package quality

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/tcpreport/tcpreport/engine/stats"
)

// BenchComparison compares one benchmark's sec/op between the baseline
// and the current run, the way benchstat does: a Mann–Whitney U test of
// the two samples, and the change of the median.
type BenchComparison struct {
	Name               string // "pkg.BenchmarkX" without the -GOMAXPROCS suffix
	Baseline, Current  []float64
	BaseMedian, CurMed float64 // ns/op
	// Delta is the change of the median, percent; positive is slower.
	Delta float64
	P     float64
	// Significant is P < alpha.
	Significant bool
	// Regression is Significant and Delta above the threshold.
	Regression bool
	// Note says why the comparison cannot tell (too few samples).
	Note string
}

// BenchSamples are ns/op samples by benchmark name.
type BenchSamples map[string][]float64

// benchLine matches "BenchmarkX-8   1000   1234 ns/op   ...".
var benchLine = regexp.MustCompile(`^(Benchmark\S*?)(?:-\d+)?\s+\d+\s+(.*)$`)

// ParseBench reads 'go test -bench' output: the ns/op of every result
// line, keyed by "pkg.BenchmarkName" (the pkg: line before it; the
// -GOMAXPROCS suffix dropped). Lines that are not results are ignored, as
// benchfmt does; a result line without ns/op is an error naming its line.
func ParseBench(name string, data []byte) (BenchSamples, error) {
	out := BenchSamples{}
	pkg := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	var errs []error
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		if p, ok := strings.CutPrefix(l, "pkg: "); ok {
			pkg = strings.TrimSpace(p)
			continue
		}
		m := benchLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		f := strings.Fields(m[2])
		found := false
		for i := 1; i < len(f); i += 2 {
			if f[i] != "ns/op" {
				continue
			}
			v, err := strconv.ParseFloat(f[i-1], 64)
			if err != nil {
				break
			}
			key := m[1]
			if pkg != "" {
				key = pkg + "." + key
			}
			out[key] = append(out[key], v)
			found = true
		}
		if !found {
			errs = append(errs, fmt.Errorf("%s:%d: benchmark result without a ns/op value", name, n))
		}
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", name, err))
	}
	return out, errors.Join(errs...)
}

// CompareBench compares every benchmark in both base and cur. A benchmark
// is a regression when the Mann–Whitney p < alpha and its median got
// slower by more than maxRegression percent. Benchmarks in only one of
// them are returned as missing, sorted.
func CompareBench(base, cur BenchSamples, alpha, maxRegression float64) ([]BenchComparison, []string, error) {
	var out []BenchComparison
	var missing []string
	names := make([]string, 0, len(cur))
	for n := range cur {
		names = append(names, n)
	}
	for n := range base {
		if _, ok := cur[n]; !ok {
			missing = append(missing, n+" (baseline only)")
		}
	}
	slices.Sort(names)
	for _, n := range names {
		a, ok := base[n]
		if !ok {
			missing = append(missing, n+" (current run only)")
			continue
		}
		b := cur[n]
		c := BenchComparison{Name: n, Baseline: a, Current: b}
		var err error
		if c.BaseMedian, err = stats.Median(a); err != nil {
			return nil, nil, fmt.Errorf("%s: baseline: %w", n, err)
		}
		if c.CurMed, err = stats.Median(b); err != nil {
			return nil, nil, fmt.Errorf("%s: current run: %w", n, err)
		}
		t, err := stats.MannWhitneyU(a, b)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", n, err)
		}
		c.P = t.P
		if c.BaseMedian > 0 {
			c.Delta = 100 * (c.CurMed - c.BaseMedian) / c.BaseMedian
		}
		c.Significant = c.P < alpha
		c.Regression = c.Significant && c.Delta > maxRegression
		if len(a) < 4 || len(b) < 4 {
			// With 3 or fewer samples on a side the smallest two-sided
			// p-value is 0.1: no difference can be significant at 0.05.
			c.Note = fmt.Sprintf("too few samples (%d and %d; use 4 or more, benchstat's rule)", len(a), len(b))
		}
		out = append(out, c)
	}
	slices.Sort(missing)
	return out, missing, nil
}

// bench runs the benchmarks and compares them with the baseline file.
func (r *runner) bench(ctx context.Context, rep *Report) {
	th := fmt.Sprintf("≤ %g%% slower (p < %g)", r.cfg.MaxRegression, r.cfg.Alpha)
	if r.cfg.BenchBaseline == "" {
		rep.Gates = append(rep.Gates, notAvailable(GateBench, th, "no benchmark baseline declared (a 'go test -bench' output file)"))
		return
	}
	data, err := os.ReadFile(r.cfg.BenchBaseline)
	if err != nil {
		rep.Gates = append(rep.Gates, notAvailable(GateBench, th, fmt.Sprintf("baseline: %v", err)))
		return
	}
	base, err := ParseBench(r.cfg.BenchBaseline, data)
	if err != nil {
		rep.Gates = append(rep.Gates, notAvailable(GateBench, th, err.Error()))
		return
	}
	args := []string{"test", "-run", "^$", "-bench", r.cfg.Bench, "-count", strconv.Itoa(max(r.cfg.BenchCount, 1))}
	if r.cfg.BenchTime != "" {
		args = append(args, "-benchtime", r.cfg.BenchTime)
	}
	if r.cfg.TestTimeout > 0 {
		args = append(args, "-timeout", r.cfg.TestTimeout.String())
	}
	pkgs := r.cfg.BenchPackages
	if len(pkgs) == 0 {
		pkgs = []string{"./..."}
	}
	o, err := r.run(ctx, r.cfg.Go, append(args, pkgs...)...)
	rep.Logs["bench.txt"] = o.stdout
	if err != nil {
		rep.Gates = append(rep.Gates, notAvailable(GateBench, th, toolFailed("go test -bench", o, err)))
		return
	}
	cur, err := ParseBench("go test -bench output", o.stdout)
	if err != nil {
		rep.Gates = append(rep.Gates, notAvailable(GateBench, th, err.Error()))
		return
	}
	cmp, missing, err := CompareBench(base, cur, r.cfg.Alpha, r.cfg.MaxRegression)
	if err != nil {
		rep.Gates = append(rep.Gates, notAvailable(GateBench, th, err.Error()))
		return
	}
	rep.Bench = cmp
	if len(missing) > 0 {
		rep.Warnings = append(rep.Warnings, "benchmarks not compared: "+strings.Join(missing, ", "))
	}
	if len(cmp) == 0 {
		rep.Gates = append(rep.Gates, notAvailable(GateBench, th, fmt.Sprintf("no benchmark matching %q is in both the baseline and the current run", r.cfg.Bench)))
		return
	}
	worst, regressions := 0.0, 0
	var notes []string
	for _, c := range cmp {
		if c.Note != "" {
			notes = append(notes, c.Name+": "+c.Note)
		}
		if c.Significant {
			worst = max(worst, c.Delta)
		}
		if c.Regression {
			regressions++
			rep.Findings = append(rep.Findings, Finding{Gate: GateBench, File: r.cfg.BenchBaseline,
				Msg: fmt.Sprintf("%s: %.1f%% slower (median %.4g → %.4g ns/op, p=%.3g, n=%d+%d)", c.Name, c.Delta, c.BaseMedian, c.CurMed, c.P, len(c.Baseline), len(c.Current))})
		}
	}
	if len(notes) > 0 {
		rep.Warnings = append(rep.Warnings, notes...)
	}
	rep.Gates = append(rep.Gates, Gate{Name: GateBench, Value: worst, Unit: "%", Threshold: th,
		Measured: fmt.Sprintf("%d of %d benchmarks regressed; worst significant change %+.1f%%", regressions, len(cmp), worst),
		Outcome:  judge(regressions == 0)})
}
