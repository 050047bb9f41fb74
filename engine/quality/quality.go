// Package quality measures the quality gates of a Go module with the real
// tools: gofmt, go vet, the test suite with statement coverage,
// documentation coverage of exported identifiers, staticcheck, govulncheck
// and a benchmark regression check against a stored baseline run.
package quality

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Gate names, in the order Run measures them.
const (
	GateGofmt       = "gofmt"
	GateVet         = "vet"
	GateTests       = "tests"
	GateCoverage    = "coverage"
	GateDocCoverage = "doc-coverage"
	GateStaticcheck = "staticcheck"
	GateGovulncheck = "govulncheck"
	GateBench       = "bench-regression"
)

// GateNames lists every gate, in the order Run measures them.
var GateNames = []string{GateGofmt, GateVet, GateTests, GateCoverage, GateDocCoverage, GateStaticcheck, GateGovulncheck, GateBench}

// Pinned versions of the tools 'make deps' installs from the Go module
// proxy; missing-tool messages name them.
const (
	StaticcheckModule = "honnef.co/go/tools/cmd/staticcheck@v0.8.2"
	GovulncheckModule = "golang.org/x/vuln/cmd/govulncheck@v1.9.0"
)

// Outcome is how a gate ended.
type Outcome int

const (
	// NotAvailable means the gate could not be measured (a tool missing or
	// failing, a database unreachable); it never counts as passed.
	NotAvailable Outcome = iota
	// Pass means the measured value met the threshold.
	Pass
	// Fail means the measured value missed the threshold.
	Fail
)

// String returns "pass", "fail" or "not available".
func (o Outcome) String() string {
	switch o {
	case Pass:
		return "pass"
	case Fail:
		return "fail"
	}
	return "not available"
}

// Gate is one measured gate.
type Gate struct {
	Name string
	// Value is the measured number (files, findings, percent); meaningless
	// when Outcome is NotAvailable.
	Value float64
	// Unit is Value's unit: "%", "files", "findings", ...
	Unit string
	// Measured says what was measured, e.g. "412 of 412 passed, 3 skipped".
	Measured string
	// Threshold says what passes, e.g. "≥ 80%".
	Threshold string
	Outcome   Outcome
	// Reason says why the gate is not available or failed.
	Reason string
}

// Passed reports whether the gate passed.
func (g Gate) Passed() bool { return g.Outcome == Pass }

// Finding is one problem a gate found, at a position in the module. File
// is relative to the module directory; Line is 0 when the tool gave none.
type Finding struct {
	Gate string `json:"gate"`
	File string `json:"file"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"col,omitempty"`
	Msg  string `json:"message"`
}

// String formats f as "file:line:col: gate: message".
func (f Finding) String() string {
	pos := f.File
	if f.Line > 0 {
		pos += fmt.Sprintf(":%d", f.Line)
		if f.Col > 0 {
			pos += fmt.Sprintf(":%d", f.Col)
		}
	}
	return fmt.Sprintf("%s: %s: %s", pos, f.Gate, f.Msg)
}

// Config says which module to measure and what passes. Zero thresholds
// mean "none allowed" for counts; use Defaults for the defaults.
type Config struct {
	// Dir is the module's directory (it holds go.mod).
	Dir string
	// Gates lists the gates to run (GateNames when empty).
	Gates []string

	MinPassRate    float64 // percent of tests that must pass
	MinCoverage    float64 // percent of statements covered, whole module
	MinDocCoverage float64 // percent of exported identifiers documented
	MaxStaticcheck int     // staticcheck findings allowed
	MaxVulns       int     // known vulnerabilities in reachable code allowed
	MaxRegression  float64 // percent a benchmark may get slower, significantly
	Alpha          float64 // significance level of the Mann–Whitney test

	// TestTimeout is go test's -timeout: each package's test binary is
	// stopped after it, so a hanging test fails the tests gate.
	TestTimeout time.Duration

	// BenchBaseline is a 'go test -bench' output file, the baseline run.
	// With none, the bench-regression gate is not available.
	BenchBaseline string
	Bench         string   // -bench pattern
	BenchCount    int      // -count
	BenchTime     string   // -benchtime; "" for go test's default
	BenchPackages []string // packages to benchmark

	// VulnDB is govulncheck's -db (a URL or file:///path); "" for its
	// default, https://vuln.go.dev.
	VulnDB string

	// Go is the go command ("go" when empty).
	Go string
	// ToolDir, when set, is the only directory searched for staticcheck
	// and govulncheck; otherwise $(go env GOPATH)/bin, then PATH.
	ToolDir string
}

// Defaults returns a Config for dir with the default thresholds: gofmt and
// vet clean, every test passing, coverage ≥ 80%, documentation coverage ≥
// 90%, no staticcheck finding, no known vulnerability in reachable code, no
// benchmark significantly (p < 0.05) slower by more than 5%.
func Defaults(dir string) Config {
	return Config{
		Dir: dir, MinPassRate: 100, MinCoverage: 80, MinDocCoverage: 90,
		Alpha: 0.05, MaxRegression: 5, TestTimeout: 10 * time.Minute,
		Bench: ".", BenchCount: 10, BenchPackages: []string{"./..."},
	}
}

// Report is the outcome of Run.
type Report struct {
	Module    string // module path from go.mod
	Dir       string // the module directory, absolute
	GoVersion string // 'go version' output
	Gates     []Gate
	Findings  []Finding
	Tests     TestSummary
	Coverage  Coverage
	Docs      DocCoverage
	Bench     []BenchComparison
	// Tools are the versions of the external tools that ran.
	Tools map[string]string
	// Logs are the raw outputs of the tools, by file name (test.json,
	// cover.out, vet.txt, staticcheck.json, govulncheck.json, bench.txt).
	Logs map[string][]byte
	// Warnings are facts a reader should know that are not gate outcomes.
	Warnings []string
}

// AllPassed reports whether every gate passed; a gate that is not
// available has not passed.
func (r *Report) AllPassed() bool {
	for _, g := range r.Gates {
		if !g.Passed() {
			return false
		}
	}
	return len(r.Gates) > 0
}

// Gate returns the gate called name, or false.
func (r *Report) Gate(name string) (Gate, bool) {
	for _, g := range r.Gates {
		if g.Name == name {
			return g, true
		}
	}
	return Gate{}, false
}

// NotModuleError says the directory is not a Go module.
type NotModuleError struct{ Dir string }

// Error says which directory lacks go.mod, and what to do.
func (e *NotModuleError) Error() string {
	return fmt.Sprintf("%s is not a Go module: it has no go.mod (give the module's directory, or run 'go mod init' there)", e.Dir)
}

// BuildError says the module does not build; Output is the compiler's.
type BuildError struct {
	Dir    string
	Output string
	Err    error
}

// Error gives the compiler's output.
func (e *BuildError) Error() string {
	return fmt.Sprintf("module %s does not build (go build ./...): %s", e.Dir, strings.TrimSpace(e.Output))
}

// Unwrap returns the go command's error.
func (e *BuildError) Unwrap() error { return e.Err }

// Run measures cfg's gates on the module in cfg.Dir. It returns an error
// when the module cannot be measured at all (not a module, does not build,
// the go command missing, ctx done); a tool that fails or is missing makes
// its gate not available instead.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Go == "" {
		cfg.Go = "go"
	}
	if cfg.Dir == "" {
		cfg.Dir = "."
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, err
	}
	cfg.Dir = dir
	gates := cfg.Gates
	if len(gates) == 0 {
		gates = GateNames
	}
	for _, g := range gates {
		if !slices.Contains(GateNames, g) {
			return nil, fmt.Errorf("unknown gate %q (known gates: %s)", g, strings.Join(GateNames, ", "))
		}
	}
	modPath, err := modulePath(dir)
	if err != nil {
		return nil, err
	}
	r := &runner{cfg: cfg}
	rep := &Report{Module: modPath, Dir: dir, Tools: map[string]string{}, Logs: map[string][]byte{}}
	v, err := r.run(ctx, cfg.Go, "version")
	if err != nil {
		return nil, fmt.Errorf("go command: %w", err)
	}
	rep.GoVersion = strings.TrimSpace(string(v.stdout))
	rep.Tools["go"] = rep.GoVersion
	b, err := r.run(ctx, cfg.Go, "build", "./...")
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &BuildError{Dir: dir, Output: string(b.stderr), Err: err}
	}
	files, err := sourceFiles(dir)
	if err != nil {
		return nil, err
	}
	want := func(g string) bool { return slices.Contains(gates, g) }
	if want(GateGofmt) {
		r.gofmt(ctx, rep, files)
	}
	if want(GateVet) {
		r.vet(ctx, rep)
	}
	if want(GateTests) || want(GateCoverage) {
		r.tests(ctx, rep, want(GateTests), want(GateCoverage))
	}
	if want(GateDocCoverage) {
		docGate(rep, dir, files, cfg.MinDocCoverage)
	}
	if want(GateStaticcheck) {
		r.staticcheck(ctx, rep)
	}
	if want(GateGovulncheck) {
		r.govulncheck(ctx, rep)
	}
	if want(GateBench) {
		r.bench(ctx, rep)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(rep.Findings, func(a, b Finding) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return strings.Compare(a.Gate, b.Gate)
	})
	return rep, nil
}

// modulePath reads the module path from dir/go.mod.
func modulePath(dir string) (string, error) {
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if errors.Is(err, os.ErrNotExist) {
		return "", &NotModuleError{Dir: dir}
	}
	if err != nil {
		return "", err
	}
	for l := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(l), "module"); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	return "", fmt.Errorf("%s: no module line", filepath.Join(dir, "go.mod"))
}

// pct is 100·a/b, 0 when b is 0.
func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// notAvailable returns a gate that could not be measured.
func notAvailable(name, threshold, reason string) Gate {
	return Gate{Name: name, Threshold: threshold, Outcome: NotAvailable, Measured: "not available", Reason: reason}
}

// judge returns Pass when ok, Fail otherwise.
func judge(ok bool) Outcome {
	if ok {
		return Pass
	}
	return Fail
}
