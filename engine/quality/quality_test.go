package quality

import (
	"context"
	"errors"
	"github.com/tcpreport/tcpreport/engine/quality/qualitytest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// writeModule writes files into a new temporary directory.
func writeModule(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// requireTool fails the test when tool is not installed: 'make deps'
// installs it.
func requireTool(t *testing.T, tool string) {
	t.Helper()
	r := &runner{cfg: Config{Go: "go", Dir: "."}}
	if _, err := r.lookTool(context.Background(), tool, tool); err != nil {
		t.Fatalf("%v", err)
	}
}

// TestFixture runs the gates on testdata/fixture, a module with exactly
// one unformatted file, one vet finding, one failing test and one
// undocumented export, and checks that exactly those are reported.
func TestFixture(t *testing.T) {
	requireTool(t, "staticcheck")
	cfg := Defaults(qualitytest.Fixture(t))
	cfg.Gates = []string{GateGofmt, GateVet, GateTests, GateCoverage, GateDocCoverage, GateStaticcheck, GateBench}
	cfg.BenchBaseline = "testdata/fixture-bench-baseline.txt"
	cfg.BenchCount = 5
	cfg.BenchTime = "2000x"
	cfg.TestTimeout = time.Minute
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range rep.Findings {
		if f.Gate != GateBench { // a measurement, checked below
			got = append(got, f.String())
		}
	}
	want := []string{
		"fixture.go:20:2: vet: unreachable code",
		"fixture.go:23:6: doc-coverage: exported func Undocumented has no doc comment",
		"fixture_test.go:13: tests: TestSum failed: Sum(1, 2) != 4: this test fails on purpose",
		"unformatted.go:4: gofmt: not gofmt-formatted (run gofmt -w)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n got %q\nwant %q", got, want)
	}
	if rep.Module != "example.com/fixture" {
		t.Errorf("module %q", rep.Module)
	}
	if s := rep.Tests; s.Run != 3 || s.Passed != 1 || s.Failed != 1 || s.Skipped != 1 {
		t.Errorf("tests: %+v, want 3 run, 1 passed, 1 failed, 1 skipped", s)
	}
	// Greet and Sum (one statement each) are covered; Count (two) and
	// Undocumented (one) are not.
	if c := rep.Coverage; c.Statements != 5 || c.Covered != 2 || len(c.Packages) != 1 {
		t.Errorf("coverage: %+v, want 2 of 5 statements in one package", c)
	}
	if d := rep.Docs; d.Exported != 5 || d.Documented != 4 {
		t.Errorf("doc coverage: %+v, want 4 of 5", d)
	}
	outcomes := map[string]Outcome{}
	for _, g := range rep.Gates {
		outcomes[g.Name] = g.Outcome
	}
	wantOut := map[string]Outcome{GateGofmt: Fail, GateVet: Fail, GateTests: Fail, GateCoverage: Fail, GateDocCoverage: Fail, GateStaticcheck: Pass}
	for name, o := range wantOut {
		if outcomes[name] != o {
			t.Errorf("gate %s: %v, want %v", name, outcomes[name], o)
		}
	}
	// The benchmark ran and was compared with the baseline; whether it is
	// slower today is a measurement, not a fixture property.
	if len(rep.Bench) != 1 || rep.Bench[0].Name != "example.com/fixture.BenchmarkGreet" || len(rep.Bench[0].Current) != 5 {
		t.Errorf("bench: %+v, want BenchmarkGreet with 5 samples", rep.Bench)
	}
	if o := outcomes[GateBench]; o == NotAvailable {
		g, _ := rep.Gate(GateBench)
		t.Errorf("bench gate not available: %s", g.Reason)
	}
	if rep.AllPassed() {
		t.Error("AllPassed with failing gates")
	}
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	notModule := t.TempDir()
	_, err := Run(ctx, Defaults(notModule))
	var nm *NotModuleError
	if !errors.As(err, &nm) || !strings.Contains(err.Error(), "is not a Go module: it has no go.mod") {
		t.Errorf("not a module: %v", err)
	}

	broken := writeModule(t, map[string]string{
		"go.mod": "module example.com/broken\n\ngo 1.24\n",
		"b.go":   "package broken\n\n// X is a string.\nvar X int = \"s\"\n",
	})
	_, err = Run(ctx, Defaults(broken))
	var be *BuildError
	if !errors.As(err, &be) || !strings.Contains(err.Error(), "does not build") || !strings.Contains(err.Error(), "b.go:4:") {
		t.Errorf("does not build: %v", err)
	}

	_, err = Run(ctx, Config{Dir: qualitytest.Fixture(t), Gates: []string{"lint"}})
	if err == nil || !strings.Contains(err.Error(), `unknown gate "lint" (known gates: gofmt, vet`) {
		t.Errorf("unknown gate: %v", err)
	}
}

// TestMissingTools: staticcheck and govulncheck not installed make their
// gates not available with a message naming make deps; neither passes.
func TestMissingTools(t *testing.T) {
	dir := writeModule(t, map[string]string{
		"go.mod": "module example.com/small\n\ngo 1.24\n",
		"s.go":   "// Package small is small.\npackage small\n",
	})
	cfg := Defaults(dir)
	cfg.Gates = []string{GateStaticcheck, GateGovulncheck}
	cfg.ToolDir = t.TempDir()
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		GateStaticcheck: "staticcheck not found: install it with 'make deps' (go install " + StaticcheckModule + ")",
		GateGovulncheck: "govulncheck not found: install it with 'make deps' (go install " + GovulncheckModule + ")",
	}
	if len(rep.Gates) != 2 {
		t.Fatalf("gates: %+v", rep.Gates)
	}
	for _, g := range rep.Gates {
		if g.Outcome != NotAvailable || g.Reason != want[g.Name] {
			t.Errorf("%s: %v %q, want not available %q", g.Name, g.Outcome, g.Reason, want[g.Name])
		}
	}
	if rep.AllPassed() {
		t.Error("AllPassed with gates not available")
	}
}

// TestVulnDBUnreachable: govulncheck without its database is not
// available, never a pass.
func TestVulnDBUnreachable(t *testing.T) {
	requireTool(t, "govulncheck")
	dir := writeModule(t, map[string]string{
		"go.mod": "module example.com/small\n\ngo 1.24\n",
		"s.go":   "// Package small is small.\npackage small\n",
	})
	cfg := Defaults(dir)
	cfg.Gates = []string{GateGovulncheck}
	cfg.VulnDB = "file://" + filepath.Join(dir, "no-db")
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := rep.Gate(GateGovulncheck)
	if g.Outcome != NotAvailable || !strings.HasPrefix(g.Reason, "vulnerability database unreachable (") {
		t.Errorf("govulncheck: %v %q", g.Outcome, g.Reason)
	}
}

// TestHangingTest: a test that hangs is stopped by the per-package
// timeout and fails the tests gate with a finding that says so.
func TestHangingTest(t *testing.T) {
	dir := writeModule(t, map[string]string{
		"go.mod":        "module example.com/hang\n\ngo 1.24\n",
		"h.go":          "// Package hang hangs.\npackage hang\n",
		"h_test.go":     "package hang\n\nimport (\n\t\"testing\"\n\t\"time\"\n)\n\nfunc TestOK(t *testing.T) {}\n\nfunc TestHang(t *testing.T) { time.Sleep(time.Hour) }\n",
		"sub/s.go":      "// Package sub is fine.\npackage sub\n",
		"sub/s_test.go": "package sub\n\nimport \"testing\"\n\nfunc TestFine(t *testing.T) {}\n",
	})
	cfg := Defaults(dir)
	cfg.Gates = []string{GateTests}
	cfg.TestTimeout = 2 * time.Second
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := rep.Gate(GateTests)
	if g.Outcome != Fail {
		t.Errorf("tests gate: %v %q, want fail", g.Outcome, g.Measured)
	}
	var got []string
	for _, f := range rep.Findings {
		got = append(got, f.String())
	}
	want := []string{".: tests: TestHang timed out (go test -timeout 2s)"}
	if !slices.Equal(got, want) {
		t.Errorf("findings %q, want %q", got, want)
	}
	if s := rep.Tests; s.Passed != 2 || s.Failed != 1 {
		t.Errorf("tests %+v, want 2 passed (TestOK, TestFine), 1 failed", s)
	}
}

func TestCompareBench(t *testing.T) {
	base := BenchSamples{"p.BenchmarkA": {100, 101, 99, 100, 102, 98}, "p.BenchmarkB": {10, 11, 10, 11}, "p.BenchmarkOld": {1, 1, 1, 1}}
	cur := BenchSamples{
		"p.BenchmarkA":   {120, 121, 119, 122, 118, 120}, // 20% slower, p = 0.0022
		"p.BenchmarkB":   {10.2, 10.9, 10.1, 11},         // no significant change
		"p.BenchmarkNew": {5, 5, 5, 5},
	}
	cmp, missing, err := CompareBench(base, cur, 0.05, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(cmp) != 2 || !cmp[0].Regression || cmp[0].Delta != 20 || cmp[1].Regression || cmp[1].Significant {
		t.Errorf("comparisons %+v", cmp)
	}
	if cmp[0].P > 0.01 {
		t.Errorf("p %g, want < 0.01 (exact Mann–Whitney, 6 and 6 fully separated)", cmp[0].P)
	}
	if !slices.Equal(missing, []string{"p.BenchmarkNew (current run only)", "p.BenchmarkOld (baseline only)"}) {
		t.Errorf("missing %q", missing)
	}
	// A significant slowdown under the threshold is not a regression.
	cmp, _, _ = CompareBench(base, cur, 0.05, 25)
	if cmp[0].Regression || !cmp[0].Significant {
		t.Errorf("threshold 25%%: %+v", cmp[0])
	}
}

func TestParseBench(t *testing.T) {
	in := "goos: linux\npkg: example.com/p\nBenchmarkX-8   \t 1000\t 12.5 ns/op\t 3 B/op\nBenchmarkX-8 1000 13.5 ns/op\nPASS\npkg: example.com/q\nBenchmarkY 10 7 ns/op\nBenchmarkZ-2 10 7 MB/s\n"
	got, err := ParseBench("base.txt", []byte(in))
	if err == nil || err.Error() != "base.txt:8: benchmark result without a ns/op value" {
		t.Errorf("error %v", err)
	}
	if !slices.Equal(got["example.com/p.BenchmarkX"], []float64{12.5, 13.5}) || !slices.Equal(got["example.com/q.BenchmarkY"], []float64{7}) {
		t.Errorf("samples %v", got)
	}
}

func TestReadProfile(t *testing.T) {
	in := "mode: set\nm/a/x.go:1.1,2.2 3 1\nm/a/x.go:3.1,4.2 1 0\nm/b/y.go:1.1,2.2 2 0\nm/a/x.go:3.1,4.2 1 1\n"
	c, err := readProfile([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if c.Statements != 6 || c.Covered != 4 || len(c.Packages) != 2 || c.Packages[0].Percent != 100 || c.Packages[1].Covered != 0 {
		t.Errorf("%+v", c)
	}
	if _, err := readProfile([]byte("mode: set\nbad line\n")); err == nil || err.Error() != `cover.out:2: "bad line" is not a profile line` {
		t.Errorf("error %v", err)
	}
}
