package quality

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// TestSummary counts the tests (and subtests) of one 'go test -json' run.
type TestSummary struct {
	Run, Passed, Failed, Skipped int
	// FailedTests names the failed tests as "package.TestName".
	FailedTests []string
	// FailedPackages names packages that failed outside any test: a build
	// failure, a timeout, a crash in TestMain.
	FailedPackages []string
}

// Coverage is the statement coverage of one run, per package and total.
type Coverage struct {
	Packages            []PackageCoverage
	Statements, Covered int
	Percent             float64
}

// PackageCoverage is one package's statement coverage.
type PackageCoverage struct {
	Package             string
	Statements, Covered int
	Percent             float64
}

// testEvent is one line of 'go test -json' (cmd/test2json).
type testEvent struct {
	Action     string
	Package    string
	ImportPath string
	Test       string
	Output     string
}

// testOutputPos matches the position t.Error prints: "    x_test.go:13: msg".
var testOutputPos = regexp.MustCompile(`^\s+(\S+\.go):(\d+): (.*)$`)

// tests runs 'go test -json -coverprofile' once over ./... and fills both
// the tests and the coverage gates.
func (r *runner) tests(ctx context.Context, rep *Report, testGate, coverGate bool) {
	tmp, err := os.MkdirTemp("", "tcpreport-quality-")
	if err != nil {
		rep.Gates = append(rep.Gates, notAvailable(GateTests, "", err.Error()))
		return
	}
	defer os.RemoveAll(tmp)
	profile := filepath.Join(tmp, "cover.out")
	args := []string{"test", "-json", "-count=1", "-coverprofile=" + profile}
	if r.cfg.TestTimeout > 0 {
		args = append(args, "-timeout", r.cfg.TestTimeout.String())
	}
	o, err := r.run(ctx, r.cfg.Go, append(args, "./...")...)
	rep.Logs["test.json"] = o.stdout
	passTh := fmt.Sprintf("≥ %g%% pass", r.cfg.MinPassRate)
	covTh := fmt.Sprintf("≥ %g%%", r.cfg.MinCoverage)
	if err != nil && !exitErr(err) || len(o.stdout) == 0 {
		reason := toolFailed("go test", o, err)
		if testGate {
			rep.Gates = append(rep.Gates, notAvailable(GateTests, passTh, reason))
		}
		if coverGate {
			rep.Gates = append(rep.Gates, notAvailable(GateCoverage, covTh, reason))
		}
		return
	}
	sum, fs := readTestEvents(o.stdout, rep.Module, r.cfg.TestTimeout.String())
	rep.Tests = sum
	if testGate {
		rep.Findings = append(rep.Findings, fs...)
		g := Gate{Name: GateTests, Unit: "%", Threshold: passTh}
		decided := sum.Passed + sum.Failed
		g.Value = pct(sum.Passed, decided)
		g.Measured = fmt.Sprintf("%d of %d passed, %d failed, %d skipped", sum.Passed, sum.Run, sum.Failed, sum.Skipped)
		switch {
		case decided == 0 && len(sum.FailedPackages) == 0:
			g = notAvailable(GateTests, passTh, "no tests ran")
		case len(sum.FailedPackages) > 0:
			g.Outcome = Fail
			g.Measured += fmt.Sprintf("; %d packages failed outside a test", len(sum.FailedPackages))
			g.Reason = "package failed: " + strings.Join(sum.FailedPackages, ", ")
		default:
			g.Outcome = judge(g.Value >= r.cfg.MinPassRate)
		}
		rep.Gates = append(rep.Gates, g)
	}
	if !coverGate {
		return
	}
	data, err := os.ReadFile(profile)
	if err != nil {
		rep.Gates = append(rep.Gates, notAvailable(GateCoverage, covTh, "go test wrote no coverage profile: "+lastLines(string(o.stderr), 2)))
		return
	}
	rep.Logs["cover.out"] = data
	cov, err := readProfile(data)
	if err != nil {
		rep.Gates = append(rep.Gates, notAvailable(GateCoverage, covTh, err.Error()))
		return
	}
	rep.Coverage = cov
	if cov.Statements == 0 {
		rep.Gates = append(rep.Gates, notAvailable(GateCoverage, covTh, "the coverage profile has no statements"))
		return
	}
	rep.Gates = append(rep.Gates, Gate{Name: GateCoverage, Value: cov.Percent, Unit: "%", Threshold: covTh,
		Measured: fmt.Sprintf("%.1f%% of %d statements", cov.Percent, cov.Statements), Outcome: judge(cov.Percent >= r.cfg.MinCoverage)})
}

// readTestEvents counts the tests of a 'go test -json' stream and returns a
// finding for each failed test (at the position of its first t.Error) and
// each package that failed outside a test. A test still running when its
// package failed (a timeout, a crash) counts as failed.
func readTestEvents(data []byte, module, timeout string) (TestSummary, []Finding) {
	var sum TestSummary
	type testState struct {
		pkg, name string
		done      bool
		out       strings.Builder
	}
	tests := map[string]*testState{}
	var order []string
	pkgOut := map[string]*strings.Builder{}
	pkgFailed := map[string]bool{}
	var pkgs []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var e testEvent
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		pkg := e.Package
		if pkg == "" {
			pkg = e.ImportPath
		}
		if pkg == "" {
			continue
		}
		if pkgOut[pkg] == nil {
			pkgOut[pkg] = &strings.Builder{}
			pkgs = append(pkgs, pkg)
		}
		if e.Test == "" {
			switch e.Action {
			case "output", "build-output":
				pkgOut[pkg].WriteString(e.Output)
			case "fail":
				pkgFailed[pkg] = true
			}
			continue
		}
		key := pkg + "\x00" + e.Test
		t := tests[key]
		if t == nil {
			t = &testState{pkg: pkg, name: e.Test}
			tests[key] = t
			order = append(order, key)
		}
		switch e.Action {
		case "run":
			sum.Run++
		case "output":
			t.out.WriteString(e.Output)
			pkgOut[pkg].WriteString(e.Output)
		case "pass":
			sum.Passed++
			t.done = true
		case "skip":
			sum.Skipped++
			t.done = true
		case "fail":
			sum.Failed++
			t.done = true
			sum.FailedTests = append(sum.FailedTests, pkg+"."+e.Test)
		}
	}
	var fs []Finding
	pkgDir := func(pkg string) string {
		rel := strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")
		if rel == "" {
			rel = "."
		}
		return rel
	}
	failedIn := map[string]int{}
	for _, key := range order {
		t := tests[key]
		if !t.done {
			if !pkgFailed[t.pkg] {
				continue
			}
			// Still running when the package died: a timeout or a crash.
			sum.Failed++
			sum.FailedTests = append(sum.FailedTests, t.pkg+"."+t.name)
			msg := "did not finish: the package failed while it ran"
			if strings.Contains(pkgOut[t.pkg].String(), "test timed out after") {
				msg = "timed out (go test -timeout " + timeout + ")"
			}
			fs = append(fs, Finding{Gate: GateTests, File: pkgDir(t.pkg), Msg: t.name + " " + msg})
			failedIn[t.pkg]++
			continue
		}
		if !slices.Contains(sum.FailedTests, t.pkg+"."+t.name) {
			continue
		}
		failedIn[t.pkg]++
		// A parent fails with its subtests; report the subtests' positions.
		if hasFailedChild(sum.FailedTests, t.pkg+"."+t.name) {
			continue
		}
		f := Finding{Gate: GateTests, File: pkgDir(t.pkg), Msg: t.name + " failed"}
		for l := range strings.SplitSeq(t.out.String(), "\n") {
			if m := testOutputPos.FindStringSubmatch(l); m != nil {
				f.File = path.Join(pkgDir(t.pkg), m[1])
				f.Line, _ = strconv.Atoi(m[2])
				f.Msg = t.name + " failed: " + m[3]
				break
			}
		}
		fs = append(fs, f)
	}
	for _, pkg := range pkgs {
		if !pkgFailed[pkg] || failedIn[pkg] > 0 {
			continue
		}
		sum.FailedPackages = append(sum.FailedPackages, pkg)
		msg := lastLines(pkgOut[pkg].String(), 3)
		if strings.Contains(pkgOut[pkg].String(), "test timed out after") {
			msg = "timed out (go test -timeout " + timeout + "): " + msg
		}
		fs = append(fs, Finding{Gate: GateTests, File: pkgDir(pkg), Msg: "package failed: " + msg})
	}
	return sum, fs
}

// hasFailedChild reports whether a subtest of name failed.
func hasFailedChild(failed []string, name string) bool {
	for _, f := range failed {
		if strings.HasPrefix(f, name+"/") {
			return true
		}
	}
	return false
}

// readProfile reads a coverage profile ("mode: set" then
// "file:l.c,l.c statements count" lines). A block listed more than once
// counts once, covered if any listing covered it.
func readProfile(data []byte) (Coverage, error) {
	type block struct {
		stmts   int
		covered bool
	}
	blocks := map[string]*block{}
	for i, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "mode:") {
			continue
		}
		f := strings.Fields(l)
		if len(f) != 3 {
			return Coverage{}, fmt.Errorf("cover.out:%d: %q is not a profile line", i+1, l)
		}
		n, err1 := strconv.Atoi(f[1])
		c, err2 := strconv.Atoi(f[2])
		if err1 != nil || err2 != nil || !strings.Contains(f[0], ":") {
			return Coverage{}, fmt.Errorf("cover.out:%d: %q is not a profile line", i+1, l)
		}
		b := blocks[f[0]]
		if b == nil {
			b = &block{stmts: n}
			blocks[f[0]] = b
		}
		b.covered = b.covered || c > 0
	}
	per := map[string]*PackageCoverage{}
	var cov Coverage
	for k, b := range blocks {
		file := k[:strings.LastIndex(k, ":")]
		pkg := path.Dir(file)
		p := per[pkg]
		if p == nil {
			p = &PackageCoverage{Package: pkg}
			per[pkg] = p
		}
		p.Statements += b.stmts
		cov.Statements += b.stmts
		if b.covered {
			p.Covered += b.stmts
			cov.Covered += b.stmts
		}
	}
	for _, p := range per {
		p.Percent = pct(p.Covered, p.Statements)
		cov.Packages = append(cov.Packages, *p)
	}
	slices.SortFunc(cov.Packages, func(a, b PackageCoverage) int { return strings.Compare(a.Package, b.Package) })
	cov.Percent = pct(cov.Covered, cov.Statements)
	return cov, nil
}
