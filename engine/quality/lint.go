package quality

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/format"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// sourceFiles returns the .go files of the packages that ./... matches,
// relative to dir: directories named testdata or vendor, those starting
// with . or _, and nested modules are left out, as the go command does.
func sourceFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p == dir {
				return nil
			}
			n := d.Name()
			if n == "testdata" || n == "vendor" || strings.HasPrefix(n, ".") || strings.HasPrefix(n, "_") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, ".go") && d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(files)
	return files, err
}

// gofmt runs 'gofmt -l' over the module's files.
func (r *runner) gofmt(ctx context.Context, rep *Report, files []string) {
	const th = "0 files"
	if len(files) == 0 {
		rep.Gates = append(rep.Gates, notAvailable(GateGofmt, th, "no .go files"))
		return
	}
	gofmt, err := r.gofmtPath(ctx)
	if err != nil {
		rep.Gates = append(rep.Gates, notAvailable(GateGofmt, th, err.Error()))
		return
	}
	o, err := r.run(ctx, gofmt, append([]string{"-l"}, files...)...)
	if err != nil {
		rep.Gates = append(rep.Gates, notAvailable(GateGofmt, th, toolFailed("gofmt", o, err)))
		return
	}
	rep.Logs["gofmt.txt"] = o.stdout
	n := 0
	for l := range strings.SplitSeq(string(o.stdout), "\n") {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		n++
		rel := relPath(rep.Dir, l)
		rep.Findings = append(rep.Findings, Finding{Gate: GateGofmt, File: rel,
			Line: firstUnformattedLine(filepath.Join(rep.Dir, rel)), Msg: "not gofmt-formatted (run gofmt -w)"})
	}
	rep.Gates = append(rep.Gates, Gate{Name: GateGofmt, Value: float64(n), Unit: "files",
		Measured: fmt.Sprintf("%d of %d files unformatted", n, len(files)), Threshold: th, Outcome: judge(n == 0)})
}

// gofmtPath finds gofmt beside the go command's GOROOT, then on PATH.
func (r *runner) gofmtPath(ctx context.Context) (string, error) {
	if o, err := r.run(ctx, r.cfg.Go, "env", "GOROOT"); err == nil {
		p := filepath.Join(strings.TrimSpace(string(o.stdout)), "bin", "gofmt")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return lookPath("gofmt")
}

// firstUnformattedLine returns the first line where path differs from its
// formatted form, 0 when that cannot be told.
func firstUnformattedLine(path string) int {
	src, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	fmtd, err := format.Source(src)
	if err != nil {
		return 0
	}
	a, b := bytes.Split(src, []byte("\n")), bytes.Split(fmtd, []byte("\n"))
	for i := range min(len(a), len(b)) {
		if !bytes.Equal(a[i], b[i]) {
			return i + 1
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b)) + 1
	}
	return 0
}

// posLine matches "file.go:12:5: message" (go vet, compilers).
var posLine = regexp.MustCompile(`^(?:vet: )?(\S+\.go):(\d+)(?::(\d+))?: (.*)$`)

// vet runs 'go vet ./...'.
func (r *runner) vet(ctx context.Context, rep *Report) {
	const th = "0 findings"
	o, err := r.run(ctx, r.cfg.Go, "vet", "./...")
	rep.Logs["vet.txt"] = o.stderr
	if err != nil && !exitErr(err) {
		rep.Gates = append(rep.Gates, notAvailable(GateVet, th, toolFailed("go vet", o, err)))
		return
	}
	var fs []Finding
	for l := range strings.SplitSeq(string(o.stderr), "\n") {
		m := posLine.FindStringSubmatch(strings.TrimSpace(l))
		if m == nil {
			continue
		}
		line, _ := strconv.Atoi(m[2])
		col, _ := strconv.Atoi(m[3])
		fs = append(fs, Finding{Gate: GateVet, File: relPath(rep.Dir, filepath.Join(rep.Dir, m[1])), Line: line, Col: col, Msg: m[4]})
	}
	if err != nil && len(fs) == 0 {
		rep.Gates = append(rep.Gates, notAvailable(GateVet, th, toolFailed("go vet", o, err)))
		return
	}
	rep.Findings = append(rep.Findings, fs...)
	rep.Gates = append(rep.Gates, Gate{Name: GateVet, Value: float64(len(fs)), Unit: "findings",
		Measured: fmt.Sprintf("%d findings", len(fs)), Threshold: th, Outcome: judge(len(fs) == 0)})
}

// staticcheck runs 'staticcheck -f json ./...'.
func (r *runner) staticcheck(ctx context.Context, rep *Report) {
	th := fmt.Sprintf("≤ %d findings", r.cfg.MaxStaticcheck)
	bin, err := r.lookTool(ctx, "staticcheck", StaticcheckModule)
	if err != nil {
		rep.Gates = append(rep.Gates, notAvailable(GateStaticcheck, th, err.Error()))
		return
	}
	if v, err := r.run(ctx, bin, "-version"); err == nil {
		rep.Tools["staticcheck"] = strings.TrimSpace(string(v.stdout))
	}
	o, err := r.run(ctx, bin, "-f", "json", "./...")
	rep.Logs["staticcheck.json"] = o.stdout
	if err != nil && !exitErr(err) {
		rep.Gates = append(rep.Gates, notAvailable(GateStaticcheck, th, toolFailed("staticcheck", o, err)))
		return
	}
	type loc struct {
		File   string `json:"file"`
		Line   int    `json:"line"`
		Column int    `json:"column"`
	}
	var fs []Finding
	dec := json.NewDecoder(bytes.NewReader(o.stdout))
	for {
		var d struct {
			Code     string `json:"code"`
			Severity string `json:"severity"`
			Location loc    `json:"location"`
			Message  string `json:"message"`
		}
		if err := dec.Decode(&d); err == io.EOF {
			break
		} else if err != nil {
			rep.Gates = append(rep.Gates, notAvailable(GateStaticcheck, th, fmt.Sprintf("staticcheck output is not JSON: %v", err)))
			return
		}
		fs = append(fs, Finding{Gate: GateStaticcheck, File: relPath(rep.Dir, d.Location.File), Line: d.Location.Line,
			Col: d.Location.Column, Msg: d.Code + " " + d.Message})
	}
	if err != nil && len(fs) == 0 {
		rep.Gates = append(rep.Gates, notAvailable(GateStaticcheck, th, toolFailed("staticcheck", o, err)))
		return
	}
	rep.Findings = append(rep.Findings, fs...)
	rep.Gates = append(rep.Gates, Gate{Name: GateStaticcheck, Value: float64(len(fs)), Unit: "findings",
		Measured: fmt.Sprintf("%d findings", len(fs)), Threshold: th, Outcome: judge(len(fs) <= r.cfg.MaxStaticcheck)})
}

// govulncheck runs 'govulncheck -format json ./...' and counts the known
// vulnerabilities whose vulnerable functions the module calls.
func (r *runner) govulncheck(ctx context.Context, rep *Report) {
	th := fmt.Sprintf("≤ %d reachable", r.cfg.MaxVulns)
	bin, err := r.lookTool(ctx, "govulncheck", GovulncheckModule)
	if err != nil {
		rep.Gates = append(rep.Gates, notAvailable(GateGovulncheck, th, err.Error()))
		return
	}
	if v, err := r.run(ctx, bin, "-version"); err == nil {
		rep.Tools["govulncheck"] = lastLines(string(v.stdout), 3)
	}
	args := []string{"-format", "json"}
	if r.cfg.VulnDB != "" {
		args = append(args, "-db", r.cfg.VulnDB)
	}
	o, err := r.run(ctx, bin, append(args, "./...")...)
	rep.Logs["govulncheck.json"] = o.stdout
	if err != nil {
		reason := toolFailed("govulncheck", o, err)
		if se := string(o.stderr); strings.Contains(se, "fetching vulnerabilities") || strings.Contains(se, "creating client") {
			reason = fmt.Sprintf("vulnerability database unreachable (%s)", lastLines(string(o.stderr), 1))
		}
		rep.Gates = append(rep.Gates, notAvailable(GateGovulncheck, th, reason))
		return
	}
	ids, err := reachableVulns(o.stdout)
	if err != nil {
		rep.Gates = append(rep.Gates, notAvailable(GateGovulncheck, th, err.Error()))
		return
	}
	for _, id := range ids {
		rep.Findings = append(rep.Findings, Finding{Gate: GateGovulncheck, File: "go.mod", Msg: id.id + " is called: " + id.where})
	}
	rep.Gates = append(rep.Gates, Gate{Name: GateGovulncheck, Value: float64(len(ids)), Unit: "vulnerabilities",
		Measured: fmt.Sprintf("%d reachable", len(ids)), Threshold: th, Outcome: judge(len(ids) <= r.cfg.MaxVulns)})
}

type vuln struct{ id, where string }

// reachableVulns reads govulncheck's JSON stream: a finding whose trace
// starts at a function is a vulnerability the code calls.
func reachableVulns(data []byte) ([]vuln, error) {
	seen := map[string]bool{}
	var out []vuln
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		var m struct {
			Finding *struct {
				OSV   string `json:"osv"`
				Trace []struct {
					Module   string `json:"module"`
					Package  string `json:"package"`
					Function string `json:"function"`
				} `json:"trace"`
			} `json:"finding"`
		}
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("govulncheck output is not JSON: %w", err)
		}
		f := m.Finding
		if f == nil || len(f.Trace) == 0 || f.Trace[0].Function == "" || seen[f.OSV] {
			continue
		}
		seen[f.OSV] = true
		t := f.Trace[0]
		out = append(out, vuln{f.OSV, t.Package + "." + t.Function + " (" + t.Module + ")"})
	}
	return out, nil
}
