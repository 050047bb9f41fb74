package directives

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/exec"
	"github.com/tcpreport/tcpreport/engine/host"
	"github.com/tcpreport/tcpreport/engine/tools"
)

// envRun is one environment's discovery.
type envRun struct {
	spec   string // "local", "docker:debian-bookworm"
	host   string
	distro string
	res    *engine.Result
	tools  []toolRecord
}

// environments runs discovery in each environment, one after the other so
// that they do not disturb each other's start-up timings, and returns the
// first one's result with the comparison tables added.
func (d *Discover) environments(ctx context.Context, req *engine.Request, envs []string) (*engine.Result, error) {
	seen := map[string]bool{}
	for _, spec := range envs {
		if seen[spec] {
			return nil, fmt.Errorf("environments: %s is listed twice", spec)
		}
		seen[spec] = true
	}
	runs := make([]*envRun, len(envs))
	for i, spec := range envs {
		var err error
		if spec == "local" {
			runs[i], err = discoverLocal(ctx, req)
		} else {
			runs[i], err = d.discoverIn(ctx, req, spec)
		}
		if err != nil {
			return nil, fmt.Errorf("environments: %w", err)
		}
		if err := json.Unmarshal(fileOf(runs[i].res, ToolsFile), &runs[i].tools); err != nil {
			return nil, fmt.Errorf("environments: %s: %s: %w", spec, ToolsFile, err)
		}
	}
	first := runs[0].res
	res := &engine.Result{
		Values:   maps.Clone(first.Values),
		Tables:   append(slices.Clone(first.Tables), environmentTable(runs), differenceTable(runs)),
		Series:   first.Series,
		Files:    first.Files,
		Meta:     maps.Clone(first.Meta),
		Warnings: slices.Clone(first.Warnings),
	}
	if res.Values == nil {
		res.Values = map[string]engine.Value{}
	}
	if res.Meta == nil {
		res.Meta = map[string]string{}
	}
	hosts := make([]string, len(runs))
	for i, r := range runs {
		hosts[i] = r.host
	}
	res.Meta["executor"] = strings.Join(envs, ", ")
	res.Meta["host"] = strings.Join(hosts, ", ")
	res.Meta["environments"] = strings.Join(envs, ", ")
	res.Values["environments"] = engine.Num(float64(len(runs)), "")
	res.Values["environments_differing_tools"] = engine.Num(float64(len(res.Tables[len(res.Tables)-1].Rows)), "")
	for i, r := range runs {
		res.Values[fmt.Sprintf("env%d_found", i+1)] = r.res.Values["found"]
		res.Values[fmt.Sprintf("env%d_probed", i+1)] = r.res.Values["probed"]
		if i > 0 {
			for _, w := range r.res.Warnings {
				res.Warnings = append(res.Warnings, r.spec+": "+w)
			}
		}
	}
	return res, nil
}

// discoverLocal runs discovery here.
func discoverLocal(ctx context.Context, req *engine.Request) (*envRun, error) {
	res, err := scan(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("local: %w", err)
	}
	r := &envRun{spec: "local", host: host.Hostname(), res: res}
	for _, f := range host.Fingerprint() {
		if f.Name == "distro" {
			r.distro = f.Value
		}
	}
	return r, nil
}

// discoverIn runs discovery as one shard on the executor spec names.
func (d *Discover) discoverIn(ctx context.Context, req *engine.Request, spec string) (*envRun, error) {
	ex, err := d.openers.Open(spec, req.Hosts)
	if err != nil {
		return nil, err
	}
	defer closeExecutor(ex)
	opts := maps.Clone(req.Opts.Map())
	delete(opts, "environments")
	s := &exec.Shard{Protocol: exec.Protocol, Version: engine.Version, ID: req.ID, Kind: "discover",
		Options: opts, Seed: req.Seed, Index: 0, Count: 1}
	results, err := exec.RunAll(ctx, ex, []*exec.Shard{s}, 0, 1)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", spec, err)
	}
	res, err := exec.Unpack(results[0].Payload, results[0].Series)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", spec, err)
	}
	r := &envRun{spec: spec, host: results[0].Host, res: res}
	for _, f := range results[0].Env {
		if f.Name == "distro" {
			r.distro = f.Value
		}
	}
	return r, nil
}

var riskClasses = []tools.RiskClass{tools.Safe, tools.LowRisk, tools.MediumRisk, tools.HighRisk, tools.Critical}

// environmentTable compares the environments' discoveries, one row each.
func environmentTable(runs []*envRun) engine.Table {
	t := engine.Table{Name: "environments",
		Caption: "Discovery in each environment: tools listed, found on PATH and probed, tools per risk class, how the probes were isolated within the environment (a docker environment is itself a fresh container with no network), and the tools found here but not in every other environment.",
		Columns: []string{"environment", "host", "distribution", "listed", "found", "probed", "never executed"}}
	for _, c := range riskClasses {
		t.Columns = append(t.Columns, string(c))
	}
	t.Columns = append(t.Columns, "isolation", "found only in some")
	found := make([]map[string]bool, len(runs))
	for i, r := range runs {
		found[i] = map[string]bool{}
		for _, tl := range r.tools {
			if tl.Found {
				found[i][tl.Name] = true
			}
		}
	}
	for i, r := range runs {
		count := func(name string) string { return strconv.Itoa(int(r.res.Values[name].Num)) }
		row := []string{r.spec, r.host, r.distro, count("listed"), count("found"), count("probed"), count("never_executed")}
		risks := map[tools.RiskClass]int{}
		isolation := map[string]int{}
		for _, tl := range r.tools {
			if tl.Found {
				risks[tl.Risk]++
				kind, _, _ := strings.Cut(tl.Isolation, ":")
				isolation[kind]++
			}
		}
		for _, c := range riskClasses {
			row = append(row, strconv.Itoa(risks[c]))
		}
		var iso []string
		for _, k := range slices.Sorted(maps.Keys(isolation)) {
			iso = append(iso, fmt.Sprintf("%s %d", k, isolation[k]))
		}
		var only []string
		for _, name := range slices.Sorted(maps.Keys(found[i])) {
			for j := range runs {
				if !found[j][name] {
					only = append(only, name)
					break
				}
			}
		}
		row = append(row, strings.Join(iso, ", "), listShort(only, 12))
		t.Rows = append(t.Rows, row)
	}
	return t
}

// differenceTable lists the tools whose presence, version or risk class
// differs between the environments.
func differenceTable(runs []*envRun) engine.Table {
	t := engine.Table{Name: "environment-tools",
		Caption: "Tools that differ between the environments: risk class and version where found.",
		Columns: []string{"tool"}, Rows: [][]string{}}
	cells := map[string][]string{}
	for i, r := range runs {
		t.Columns = append(t.Columns, r.spec)
		for _, tl := range r.tools {
			if cells[tl.Name] == nil {
				cells[tl.Name] = slices.Repeat([]string{"not installed"}, len(runs))
			}
			if tl.Found {
				cells[tl.Name][i] = strings.TrimSuffix(string(tl.Risk)+", "+shorten(tl.Version, 40), ", ")
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(cells)) {
		c := cells[name]
		if slices.ContainsFunc(c, func(s string) bool { return s != c[0] }) {
			t.Rows = append(t.Rows, append([]string{name}, c...))
		}
	}
	return t
}

// listShort joins names, cutting the list at n with a count of the rest.
func listShort(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
}
