package directives

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/exec"
	"github.com/tcpreport/tcpreport/engine/tools"
)

// ToolsFile is the name of the analysis a {discover} result carries, which
// {descriptors} reads from its :from: input.
const ToolsFile = "tools.json"

// Discover is the {discover} directive: it finds the tools on PATH, probes
// them in a sandbox and analyses their capabilities, here or, with
// :environments:, in each of several environments, which it compares.
type Discover struct {
	openers exec.Openers
}

// NewDiscover returns the {discover} directive; openers are the executors
// its :environments: may name besides local.
func NewDiscover(openers exec.Openers) *Discover { return &Discover{openers: openers} }

// Kind returns "discover".
func (*Discover) Kind() string { return "discover" }

// Version returns the implementation version.
func (*Discover) Version() int { return 2 }

// Options declares scope, categories, probe-timeout and sandbox.
func (*Discover) Options() []engine.OptionSpec {
	return []engine.OptionSpec{
		{Name: "scope", Type: engine.Enum, Enum: []string{"categorised", "all"}, Default: "categorised",
			Help: "categorised: the research design's list of tools; all: every executable on PATH"},
		{Name: "categories", Type: engine.List,
			Help: "keep only these categories (system_admin, network, security, development, file_operations, container, cloud)"},
		{Name: "probe-timeout", Type: engine.Duration, Default: tools.DefaultProbeTimeout.String(),
			Help: "how long one probe (--version, --help) may run before its process group is killed"},
		{Name: "sandbox", Type: engine.Bool, Default: "true",
			Help: "probe inside bubblewrap (no network, own pid namespace) when it is installed"},
		{Name: "environments", Type: engine.List,
			Help: "discover in each of these environments (local, docker:IMAGE, ...) and compare them; the result's analysis is the first one's"},
	}
}

// State summarises the executables on PATH and the images of the
// environments: installing, removing or replacing a tool, or rebuilding an
// image, re-runs discovery.
func (d *Discover) State(ctx context.Context, opts engine.Options) (string, error) {
	state := tools.State(os.Getenv("PATH"))
	for _, spec := range opts.List("environments") {
		if spec == "local" {
			continue
		}
		// The front matter's hosts are not known here: an environment that
		// names one may not open, and its run will say why.
		ex, err := d.openers.Open(spec, nil)
		if err != nil {
			state += "\n" + spec + ": " + err.Error()
			continue
		}
		if st, ok := ex.(executorState); ok {
			s, err := st.State(ctx)
			if err != nil {
				s = "unavailable: " + err.Error()
			}
			state += "\n" + spec + ": " + s
		}
		closeExecutor(ex)
	}
	return state, nil
}

// executorState is an executor whose environment has a state of its own,
// such as a docker image's ID.
type executorState interface {
	State(ctx context.Context) (string, error)
}

// closeExecutor closes ex when it holds a connection.
func closeExecutor(ex exec.Executor) {
	if c, ok := ex.(io.Closer); ok {
		c.Close()
	}
}

// RunsAlone keeps other directives from disturbing the start-up timings.
func (*Discover) RunsAlone() {}

// EnvFields: the analysis reads the distribution's packages and man pages.
func (*Discover) EnvFields(engine.Options) []string { return []string{"distro", "arch"} }

// toolRecord is a tool as the {discover} result keeps it: everything but the
// help and man texts themselves, which would make the store grow by
// megabytes; their sizes are kept.
type toolRecord struct {
	tools.Tool
	// Help and Man shadow the embedded texts and stay empty, so they are
	// not encoded.
	Help      string `json:"help,omitempty"`
	Man       string `json:"man,omitempty"`
	HelpBytes int    `json:"help_bytes"`
	ManBytes  int    `json:"man_bytes"`
}

// Run scans PATH, or runs a scan in each of :environments: and compares
// them.
func (d *Discover) Run(ctx context.Context, req *engine.Request) (*engine.Result, error) {
	if envs := req.Opts.List("environments"); len(envs) > 0 && req.Shards == 0 {
		return d.environments(ctx, req, envs)
	}
	return scan(ctx, req)
}

// scan scans PATH here.
func scan(ctx context.Context, req *engine.Request) (*engine.Result, error) {
	o := req.Opts
	opt := tools.ScanOptions{
		Scope:        tools.ScopeCategorised,
		Categories:   o.List("categories"),
		ProbeTimeout: o.Duration("probe-timeout"),
		NoSandbox:    !o.Bool("sandbox"),
	}
	if o.String("scope") == "all" {
		opt.Scope = tools.ScopeAll
	}
	start := time.Now()
	found, err := tools.Scan(ctx, opt)
	if err != nil {
		return nil, err
	}
	elapsed := time.Since(start)

	recs := make([]toolRecord, len(found))
	for i, t := range found {
		recs[i] = toolRecord{Tool: t, HelpBytes: len(t.Help), ManBytes: len(t.Man)}
	}
	data, err := json.Marshal(recs)
	if err != nil {
		return nil, err
	}
	res := &engine.Result{
		Values: map[string]engine.Value{"scan_seconds": engine.Num(elapsed.Seconds(), "s")},
		Tables: []engine.Table{toolTable(found), categoryTable(found), countTable("risks", "Tools per risk class.", "risk class", found, func(t tools.Tool) string { return string(t.Risk) }),
			countTable("isolation", "How the probes were isolated.", "isolation", found, func(t tools.Tool) string { return t.Isolation })},
		Files: []engine.File{{Name: ToolsFile, Data: data}},
		Meta:  map[string]string{"executor": "local"},
	}
	var listed, onPath, probed, never, sandboxed, errs int
	var startup []float64
	for _, t := range found {
		listed++
		if !t.Found {
			continue
		}
		onPath++
		switch {
		case t.Probed:
			probed++
			startup = append(startup, float64(t.StartupCost)/float64(time.Millisecond))
		case t.Isolation == tools.IsolationNeverExec:
			never++
		}
		if t.Isolation == tools.IsolationBwrap {
			sandboxed++
		}
		errs += len(t.ProbeErrors)
	}
	for name, n := range map[string]int{"listed": listed, "found": onPath, "probed": probed, "never_executed": never, "sandboxed": sandboxed, "probe_errors": errs} {
		res.Values[name] = engine.Num(float64(n), "")
	}
	if len(startup) > 0 {
		sorted := slices.Clone(startup)
		slices.Sort(sorted)
		res.Values["startup_ms_median"] = engine.Num(quantile7(sorted, 0.5), "ms")
		res.Series = []engine.Series{{Name: "startup_ms", Unit: "ms", Values: startup}}
	}
	if never > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf(
			"%d tools on the never-execute list were analysed from their names and man pages only, never run", never))
	}
	return res, nil
}

func toolTable(ts []tools.Tool) engine.Table {
	t := engine.Table{Name: "tools", Caption: "Tools discovered on PATH, with their analysis.",
		Columns: []string{"tool", "category", "version", "package", "level", "risk", "start-up (ms)", "probed"}, Rows: [][]string{}}
	for _, tl := range ts {
		if !tl.Found {
			t.Rows = append(t.Rows, []string{tl.Name, string(tl.Category), "not installed", "", "", "", "", ""})
			continue
		}
		startup, probed := "", "no: never-execute list"
		if tl.Probed {
			startup = strconv.FormatFloat(float64(tl.StartupCost)/float64(time.Millisecond), 'f', 1, 64)
			probed = "yes"
		} else if tl.Isolation != tools.IsolationNeverExec {
			probed = "no: " + tl.Isolation
		}
		if tl.Probed && tl.Isolation == tools.IsolationBwrap {
			probed = "yes, in bwrap"
		}
		t.Rows = append(t.Rows, []string{tl.Name, string(tl.Category), shorten(tl.Version, 40), tl.Package,
			strconv.Itoa(tl.SecurityLevel), string(tl.Risk), startup, probed})
	}
	return t
}

// shorten cuts s to at most n runes for display, marking the cut.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func categoryTable(ts []tools.Tool) engine.Table {
	t := engine.Table{Name: "categories", Caption: "Tools per category.",
		Columns: []string{"category", "listed", "found", "probed", "mean security level"}}
	type agg struct{ listed, found, probed, levels int }
	by := map[tools.Category]*agg{}
	var order []tools.Category
	for _, tl := range ts {
		a := by[tl.Category]
		if a == nil {
			a = &agg{}
			by[tl.Category] = a
			order = append(order, tl.Category)
		}
		a.listed++
		if tl.Found {
			a.found++
			a.levels += tl.SecurityLevel
		}
		if tl.Probed {
			a.probed++
		}
	}
	for _, c := range order {
		a := by[c]
		mean := "–"
		if a.found > 0 {
			mean = strconv.FormatFloat(float64(a.levels)/float64(a.found), 'f', 1, 64)
		}
		t.Rows = append(t.Rows, []string{string(c), strconv.Itoa(a.listed), strconv.Itoa(a.found), strconv.Itoa(a.probed), mean})
	}
	return t
}

func countTable(name, caption, column string, ts []tools.Tool, key func(tools.Tool) string) engine.Table {
	t := engine.Table{Name: name, Caption: caption, Columns: []string{column, "tools"}}
	counts := map[string]int{}
	for _, tl := range ts {
		if tl.Found {
			counts[key(tl)]++
		}
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		t.Rows = append(t.Rows, []string{k, strconv.Itoa(counts[k])})
	}
	return t
}
