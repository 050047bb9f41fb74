package directives

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/quality"
)

// Quality is the {quality} directive: the quality gates of a Go module
// (engine/quality) measured with the real tools, as a gate table with the
// measured value of each, per-package coverage, the benchmark comparison
// and the findings (file:line) in the data bundle.
type Quality struct{}

// NewQuality returns the {quality} directive.
func NewQuality() *Quality { return &Quality{} }

// Kind returns "quality".
func (*Quality) Kind() string { return "quality" }

// Version returns the implementation version.
func (*Quality) Version() int { return 1 }

// RunsAlone: the benchmark gate measures time.
func (*Quality) RunsAlone() {}

// Options declares the module, the gates and their thresholds.
func (*Quality) Options() []engine.OptionSpec {
	d := quality.Defaults(".")
	return []engine.OptionSpec{
		{Name: "module", Type: engine.String, Default: ".", Help: "the Go module's directory, relative to the report"},
		{Name: "gates", Type: engine.List, Default: strings.Join(quality.GateNames, ", "), Help: "gates to run: " + strings.Join(quality.GateNames, ", ")},
		floatOpt("min-pass-rate", d.MinPassRate, "percent of tests that must pass"),
		floatOpt("min-coverage", d.MinCoverage, "percent of statements the tests must cover"),
		floatOpt("min-doc-coverage", d.MinDocCoverage, "percent of exported identifiers that must have a doc comment"),
		{Name: "max-staticcheck", Type: engine.Int, Default: "0", Help: "staticcheck findings allowed"},
		{Name: "max-vulns", Type: engine.Int, Default: "0", Help: "known vulnerabilities in reachable code allowed"},
		floatOpt("max-regression", d.MaxRegression, "percent a benchmark's median may get slower (when significant)"),
		floatOpt("alpha", d.Alpha, "significance level of the Mann-Whitney U test"),
		{Name: "test-timeout", Type: engine.Duration, Default: d.TestTimeout.String(), Help: "go test -timeout: each package's tests are stopped after it"},
		{Name: "bench-baseline", Type: engine.String, Help: "baseline 'go test -bench' output file, relative to the report"},
		{Name: "bench", Type: engine.String, Default: d.Bench, Help: "go test -bench pattern"},
		{Name: "bench-count", Type: engine.Int, Default: strconv.Itoa(d.BenchCount), Help: "go test -count for the benchmarks"},
		{Name: "bench-time", Type: engine.String, Help: "go test -benchtime (e.g. 1s, 1000x); default go test's"},
		{Name: "bench-packages", Type: engine.List, Default: "./...", Help: "packages to benchmark"},
		{Name: "vuln-db", Type: engine.String, Help: "govulncheck -db: a vulnerability database URL or file:///path; default govulncheck's"},
	}
}

// InputFiles declares the benchmark baseline.
func (*Quality) InputFiles(opts engine.Options) []string {
	if b := opts.String("bench-baseline"); b != "" {
		return []string{b}
	}
	return nil
}

// StateIn hashes the module's sources and the go version, so the gates are
// measured again exactly when the code changes.
func (*Quality) StateIn(ctx context.Context, dir string, opts engine.Options) (string, error) {
	return quality.State(ctx, filepath.Join(dir, opts.String("module")))
}

// QualityConfig returns the quality.Config of a {quality} block whose
// report lies in dir.
func QualityConfig(dir string, o engine.Options) quality.Config {
	cfg := quality.Defaults(filepath.Join(dir, o.String("module")))
	cfg.Gates = o.List("gates")
	cfg.MinPassRate = o.Float("min-pass-rate")
	cfg.MinCoverage = o.Float("min-coverage")
	cfg.MinDocCoverage = o.Float("min-doc-coverage")
	cfg.MaxStaticcheck = o.Int("max-staticcheck")
	cfg.MaxVulns = o.Int("max-vulns")
	cfg.MaxRegression = o.Float("max-regression")
	cfg.Alpha = o.Float("alpha")
	cfg.TestTimeout = o.Duration("test-timeout")
	if b := o.String("bench-baseline"); b != "" {
		cfg.BenchBaseline = filepath.Join(dir, b)
	}
	cfg.Bench = o.String("bench")
	cfg.BenchCount = o.Int("bench-count")
	cfg.BenchTime = o.String("bench-time")
	cfg.BenchPackages = o.List("bench-packages")
	cfg.VulnDB = o.String("vuln-db")
	return cfg
}

// Run measures the gates.
func (*Quality) Run(ctx context.Context, req *engine.Request) (*engine.Result, error) {
	cfg := QualityConfig(req.Dir, req.Opts)
	if cfg.BenchCount < 1 {
		return nil, fmt.Errorf("bench-count: %d; give 1 or more (4 or more to detect a change at alpha 0.05)", cfg.BenchCount)
	}
	if cfg.Alpha <= 0 || cfg.Alpha >= 1 {
		return nil, fmt.Errorf("alpha: %g; give a level between 0 and 1, e.g. 0.05", cfg.Alpha)
	}
	rep, err := quality.Run(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("module: %w", err)
	}
	return QualityResult(rep, req.Opts.String("bench-baseline"))
}

// QualityResult turns a quality.Report into a Result: the gates table and
// values, coverage and benchmark tables, the benchmark samples as series,
// and the findings and raw tool outputs as files. baseline names the
// baseline file as the report wrote it.
func QualityResult(rep *quality.Report, baseline string) (*engine.Result, error) {
	res := &engine.Result{
		Values: map[string]engine.Value{},
		Meta:   map[string]string{"module": rep.Module},
	}
	for k, v := range rep.Tools {
		res.Meta[k] = v
	}
	gates := engine.Table{Name: "gates",
		Caption: fmt.Sprintf("Quality gates of %s, measured by tcpreport with %s. A gate that could not be measured is not passed.", rep.Module, rep.GoVersion),
		Columns: []string{"gate", "measured", "threshold", "result"}}
	passed := 0
	for _, g := range rep.Gates {
		result := g.Outcome.String()
		if g.Reason != "" {
			result += ": " + g.Reason
		}
		if g.Passed() {
			passed++
		}
		if g.Outcome == quality.NotAvailable {
			res.Warnings = append(res.Warnings, fmt.Sprintf("gate %s not available: %s", g.Name, g.Reason))
		} else {
			res.Values[g.Name] = engine.Num(g.Value, g.Unit)
		}
		res.Values[g.Name+"_result"] = engine.Text(g.Outcome.String())
		gates.Rows = append(gates.Rows, []string{g.Name, g.Measured, g.Threshold, result})
	}
	res.Values["gates_passed"] = engine.Num(float64(passed), "")
	res.Values["gates_total"] = engine.Num(float64(len(rep.Gates)), "")
	res.Values["all_passed"] = engine.Text(strconv.FormatBool(rep.AllPassed()))
	res.Values["findings"] = engine.Num(float64(len(rep.Findings)), "")
	if _, ok := rep.Gate(quality.GateTests); ok {
		t := rep.Tests
		res.Values["tests_run"] = engine.Num(float64(t.Run), "")
		res.Values["tests_passed"] = engine.Num(float64(t.Passed), "")
		res.Values["tests_failed"] = engine.Num(float64(t.Failed), "")
		res.Values["tests_skipped"] = engine.Num(float64(t.Skipped), "")
	}
	if d := rep.Docs; d.Exported > 0 {
		res.Values["exported"] = engine.Num(float64(d.Exported), "")
		res.Values["documented"] = engine.Num(float64(d.Documented), "")
	}
	res.Tables = append(res.Tables, gates)
	if c := rep.Coverage; c.Statements > 0 {
		cov := engine.Table{Name: "coverage",
			Caption: fmt.Sprintf("Statement coverage per package (go test -coverprofile): %d of %d statements, %.1f%%.", c.Covered, c.Statements, c.Percent),
			Columns: []string{"package", "statements", "covered", "coverage"}}
		for _, p := range c.Packages {
			cov.Rows = append(cov.Rows, []string{p.Package, strconv.Itoa(p.Statements), strconv.Itoa(p.Covered), strconv.FormatFloat(p.Percent, 'f', 1, 64) + "%"})
		}
		res.Tables = append(res.Tables, cov)
	}
	if len(rep.Bench) > 0 {
		bt := engine.Table{Name: "benchmarks",
			Caption: fmt.Sprintf("Benchmarks against the baseline %s: median ns/op, change of the median, and the two-sided Mann-Whitney U p-value (benchstat's test).", baseline),
			Columns: []string{"benchmark", "baseline (ns/op)", "current (ns/op)", "change", "p", "n", "verdict"}}
		for _, c := range rep.Bench {
			verdict := "~ (no significant change)"
			switch {
			case c.Regression:
				verdict = "regression"
			case c.Significant && c.Delta > 0:
				verdict = "slower, within threshold"
			case c.Significant:
				verdict = "faster"
			}
			if c.Note != "" {
				verdict += "; " + c.Note
			}
			bt.Rows = append(bt.Rows, []string{c.Name, strconv.FormatFloat(c.BaseMedian, 'g', 4, 64), strconv.FormatFloat(c.CurMed, 'g', 4, 64),
				fmt.Sprintf("%+.1f%%", c.Delta), strconv.FormatFloat(c.P, 'g', 3, 64), fmt.Sprintf("%d+%d", len(c.Baseline), len(c.Current)), verdict})
			res.Series = append(res.Series, engine.Series{Name: "bench " + c.Name, Unit: "ns/op", Values: c.Current})
		}
		res.Tables = append(res.Tables, bt)
	}
	res.Warnings = append(res.Warnings, rep.Warnings...)
	findings, err := json.MarshalIndent(rep.Findings, "", "  ")
	if err != nil {
		return nil, err
	}
	if rep.Findings == nil {
		findings = []byte("[]")
	}
	var txt strings.Builder
	for _, f := range rep.Findings {
		txt.WriteString(f.String() + "\n")
	}
	res.Files = append(res.Files, engine.File{Name: "findings.json", Data: append(findings, '\n')},
		engine.File{Name: "findings.txt", Data: []byte(txt.String())})
	for _, name := range []string{"test.json", "cover.out", "vet.txt", "gofmt.txt", "staticcheck.json", "govulncheck.json", "bench.txt"} {
		if data, ok := rep.Logs[name]; ok {
			res.Files = append(res.Files, engine.File{Name: name, Data: data})
		}
	}
	return res, nil
}
