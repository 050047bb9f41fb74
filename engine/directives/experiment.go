package directives

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/exec"
	"github.com/tcpreport/tcpreport/engine/experiment"
	"github.com/tcpreport/tcpreport/engine/tcp"
	"github.com/tcpreport/tcpreport/engine/tools"
)

// ScheduleFile is the trial-by-trial schedule an {experiment} result
// carries into the bundle.
const ScheduleFile = "schedule.csv"

// OutcomeFile is the raw outcome a shard of an {experiment} hands back to
// the coordinator.
const OutcomeFile = "outcome.json"

// Experiment is the {experiment} directive: the timed comparison of
// deciding from a TCP descriptor against deciding from the tool's help
// text, its man page or a language model.
type Experiment struct {
	openers exec.Openers
}

// NewExperiment returns the {experiment} directive; openers are the
// executors its :executor: may name.
func NewExperiment(openers exec.Openers) *Experiment { return &Experiment{openers: openers} }

// Kind returns "experiment".
func (*Experiment) Kind() string { return "experiment" }

// Version returns the implementation version.
func (*Experiment) Version() int { return 1 }

// armNames are the arms the directive knows, in their default order.
var armNames = []string{"tcp", "help", "man", "llm"}

// armSource says where each arm's knowledge of a tool comes from.
var armSource = map[string]string{
	"tcp":  "descriptor database lookup",
	"help": "--help run in the discovery sandbox, analysed",
	"man":  "man page read and analysed",
	"llm":  "chat-completions endpoint (" + experiment.EnvLLMURL + ")",
}

// Options declares the experiment's options.
func (*Experiment) Options() []engine.OptionSpec {
	return []engine.OptionSpec{
		{Name: "labels", Type: engine.String, Required: true,
			Help: "the labels file, relative to the report: its lines are the decisions, its labels the truth"},
		{Name: "arms", Type: engine.List, Default: strings.Join(armNames, ", "),
			Help: "the arms, from " + strings.Join(armNames, ", ") + "; tcp is compared with each other arm"},
		{Name: "blocks", Type: engine.Int, Default: "8",
			Help: "blocks; each decides every tool once per arm, in a fresh random order"},
		{Name: "samples", Type: engine.Int,
			Help: "decisions per arm wanted; sets the blocks (rounded up to whole blocks) instead of :blocks: or a {power} input"},
		{Name: "warmup", Type: engine.Int, Default: "10",
			Help: "decisions per arm before the first block, discarded"},
		{Name: "max-tools", Type: engine.Int, Default: "0",
			Help: "at most this many tools, drawn with the seed (0: every eligible tool)"},
		{Name: "llm-timeout", Type: engine.Duration, Default: "30s",
			Help: "time limit of one request of the llm arm"},
		{Name: "tools", Type: engine.List,
			Help: "only these tools (default: every eligible tool, or :max-tools: of them)"},
		{Name: "executor", Type: engine.String, Default: "local",
			Help: "where the blocks run: local, docker:IMAGE, ssh:HOST or slurm:PARTITION (hosts are declared in the front matter)"},
		{Name: "shards", Type: engine.Int, Default: "1",
			Help: "split the blocks into this many shards, run by tcpreport worker on the executor"},
		{Name: "retries", Type: engine.Int, Default: "1",
			Help: "how many times a failed shard is run again before the experiment fails"},
		{Name: "environments", Type: engine.List,
			Help: "run the whole experiment in each of these environments (local, docker:IMAGE, ssh:HOST, ...), one after the other, and compare them"},
	}
}

// InputFiles returns the labels file.
func (*Experiment) InputFiles(opts engine.Options) []string {
	return []string{opts.String("labels")}
}

// UsesSeed: the schedule is drawn with the report seed.
func (*Experiment) UsesSeed() {}

// RunsAlone: the experiment measures time.
func (*Experiment) RunsAlone() {}

// State: the help and man arms read the tools on PATH.
func (*Experiment) State(context.Context, engine.Options) (string, error) {
	return tools.State(os.Getenv("PATH")), nil
}

// EnvFields: timings depend on the machine.
func (*Experiment) EnvFields(engine.Options) []string {
	return []string{"cpu.model", "cpu.cores", "kernel", "distro", "arch"}
}

// Run selects the tools, draws the schedule, runs it and reports.
func (e *Experiment) Run(ctx context.Context, req *engine.Request) (*engine.Result, error) {
	o := req.Opts
	if envs := o.List("environments"); !slices.Equal(envs, []string{"local"}) && len(envs) > 0 && req.Shards == 0 {
		if o.String("executor") != "local" || o.Int("shards") > 1 {
			return nil, fmt.Errorf("environments: run each environment whole; leave :executor: and :shards: out")
		}
		return e.environments(ctx, req, envs)
	}
	for _, c := range []struct {
		name string
		min  int
	}{{"blocks", 1}, {"samples", 1}, {"warmup", 0}, {"max-tools", 0}, {"shards", 1}, {"retries", 0}} {
		if o.Has(c.name) && o.Int(c.name) < c.min {
			return nil, fmt.Errorf("%s: %d is out of range; use %d or more", c.name, o.Int(c.name), c.min)
		}
	}
	labels, err := readLabelsFile(req.Dir, o.String("labels"))
	if err != nil {
		return nil, err
	}
	var db tcp.Lookuper
	dbSource := "the built-in table of common commands (no :from: descriptors)"
	planned := 0
	for _, id := range req.From {
		in := req.Inputs[id]
		if f := fileOf(in, DBFile); f != nil {
			d, err := tcp.OpenDB(f)
			if err != nil {
				return nil, fmt.Errorf("from: %s: %w", id, err)
			}
			db, dbSource = d, fmt.Sprintf("the descriptor database of %s (%d tools) and the built-in table", id, d.Len())
		}
		if v, ok := in.Values["n_per_arm"]; ok {
			planned = int(v.Num)
		}
	}

	in, err := tools.NewInspector(tools.ScanOptions{})
	if err != nil {
		return nil, err
	}
	defer in.Close()

	res := &engine.Result{Values: map[string]engine.Value{}, Meta: map[string]string{"executor": "local"}}
	var arms []experiment.Arm
	var missing [][2]string // arm, reason
	for _, name := range o.List("arms") {
		switch name {
		case "tcp":
			arms = append(arms, experiment.TCP{DB: db})
		case "help":
			arms = append(arms, experiment.Help{In: in})
		case "man":
			arms = append(arms, experiment.Man{In: in})
		case "llm":
			a, why := experiment.LLMFromEnv(o.Duration("llm-timeout"))
			if a == nil {
				missing = append(missing, [2]string{name, why})
				continue
			}
			arms = append(arms, a)
		default:
			return nil, fmt.Errorf("arms: unknown arm %q (use %s)", name, strings.Join(armNames, ", "))
		}
	}
	if len(arms) == 0 || arms[0].Name() != "tcp" {
		return nil, fmt.Errorf("arms: the first arm must be tcp, the one the others are compared with")
	}

	items, excluded, err := experimentItems(labels, in, req.Seed, o.Int("max-tools"), o.List("tools"))
	if err != nil {
		return nil, err
	}
	blocks := o.Int("blocks")
	blockSource := ":blocks:"
	switch {
	case o.Has("samples"):
		blocks, blockSource = ceilDiv(o.Int("samples"), len(items)), ":samples:"
	case planned > 0:
		blocks, blockSource = ceilDiv(planned, len(items)), "the {power} plan"
	}
	blocks = max(blocks, 1)
	seed := uint64(req.Seed)
	sched, err := experiment.NewSchedule(seed, blocks, len(items), len(arms))
	if err != nil {
		return nil, err
	}
	cfg := experiment.Config{Schedule: sched, Items: items, Arms: arms, Warmup: o.Int("warmup")}
	var out *experiment.Outcome
	switch spec, shards := o.String("executor"), o.Int("shards"); {
	case req.Shards > 0:
		// A worker: run this shard's blocks and hand back the raw outcome.
		cfg.Blocks = shardBlocks(blocks, req.Shard, req.Shards)
		out, err := experiment.Run(ctx, cfg)
		if err != nil {
			return nil, err
		}
		data, err := json.Marshal(out)
		if err != nil {
			return nil, err
		}
		return &engine.Result{Files: []engine.File{{Name: OutcomeFile, Data: data}}}, nil
	case spec == "local" && shards <= 1:
		if out, err = experiment.Run(ctx, cfg); err != nil {
			return nil, err
		}
	default:
		var where string
		out, where, err = e.dispatch(ctx, req, items, blocks)
		if err != nil {
			return nil, err
		}
		if want := len(sched.Trials) * len(arms); len(out.Samples) != want {
			return nil, fmt.Errorf("executor %s: the shards returned %d decisions, the schedule has %d: not merging a partial experiment", spec, len(out.Samples), want)
		}
		res.Meta["executor"] = spec
		res.Meta["host"] = where
		res.Values["shards"] = engine.Num(float64(max(shards, 1)), "")
		res.Values["executor"] = engine.Text(spec)
	}

	names := make([]string, len(arms))
	for i, a := range arms {
		names[i] = a.Name()
	}
	v := res.Values
	v["seed"] = engine.Num(float64(req.Seed), "")
	v["arms"] = engine.Text(strings.Join(names, ", "))
	v["blocks"] = engine.Num(float64(blocks), "")
	v["blocks_from"] = engine.Text(blockSource)
	v["tools"] = engine.Num(float64(len(items)), "")
	v["lines"] = engine.Num(float64(countLines(items)), "")
	v["excluded_lines"] = engine.Num(float64(excluded), "")
	v["n_per_arm"] = engine.Num(float64(len(sched.Trials)), "")
	v["warmup"] = engine.Num(float64(o.Int("warmup")), "")
	v["timer_resolution_ns"] = engine.Num(out.Timer.ResolutionNs, "ns")
	v["timer_step_ns"] = engine.Num(out.Timer.StepNs, "ns")
	v["timer_overhead_ns"] = engine.Num(out.Timer.OverheadNs, "ns")
	v["db_source"] = engine.Text(dbSource)
	v["isolation"] = engine.Text(in.Isolation())

	armTable := engine.Table{Name: "arms", Caption: "Arms of the experiment: decisions timed, median time, accuracy on the distinct labelled lines.",
		Columns: []string{"arm", "knowledge of the tool", "decisions", "median", "accuracy", "errors"}}
	for i, name := range names {
		ns, blk := out.Times(i)
		correct, n := out.Accuracy(i, items)
		errs := len(sched.Trials) - len(ns)
		med := median(ns)
		v[name+"_median_ns"] = engine.Num(med, "ns")
		v[name+"_errors"] = engine.Num(float64(errs), "")
		v[name+"_correct"] = engine.Num(float64(correct), "")
		v[name+"_lines"] = engine.Num(float64(n), "")
		acc := "n/a"
		if n > 0 {
			v[name+"_accuracy"] = engine.Num(float64(correct)/float64(n), "")
			acc = fmt.Sprintf("%.3f (%d/%d)", float64(correct)/float64(n), correct, n)
		}
		res.Series = append(res.Series,
			engine.Series{Name: name + "_ns", Unit: "ns", Values: ns},
			engine.Series{Name: name + "_block", Values: blk})
		armTable.Rows = append(armTable.Rows, []string{name, armSource[name], strconv.Itoa(len(ns)), formatNs(med), acc, strconv.Itoa(errs)})
		if errs > 0 {
			res.Warnings = append(res.Warnings, fmt.Sprintf("arm %s: %d of %d decisions failed; first: %s", name, errs, len(sched.Trials), firstErr(out, i)))
		}
	}
	for _, m := range missing {
		v[m[0]+"_available"] = engine.Text("not available: " + m[1])
		armTable.Rows = append(armTable.Rows, []string{m[0], armSource[m[0]], "0", "not available: " + m[1], "", ""})
	}

	schedTable := engine.Table{Name: "blocks", Caption: "The schedule: each block's order of tools and the arm orders it used, with the load average around it.",
		Columns: []string{"block", "tools in order", "arm orders", "load before", "load after"}}
	for b := range blocks {
		var order []string
		rows := map[string]bool{}
		for _, t := range sched.Trials {
			if t.Block != b {
				continue
			}
			order = append(order, items[t.Item].Tool)
			var ar []string
			for _, a := range t.Order {
				ar = append(ar, names[a])
			}
			rows[strings.Join(ar, "→")] = true
		}
		l := out.Loads[b]
		schedTable.Rows = append(schedTable.Rows, []string{strconv.Itoa(b + 1), strings.Join(order, " "),
			strings.Join(slices.Sorted(maps.Keys(rows)), ", "), fmt.Sprintf("%.2f", l.Before), fmt.Sprintf("%.2f", l.After)})
	}
	var before, after []float64
	for _, l := range out.Loads {
		before, after = append(before, l.Before), append(after, l.After)
	}
	res.Series = append(res.Series, engine.Series{Name: "load_before", Values: before}, engine.Series{Name: "load_after", Values: after})
	v["load_max"] = engine.Num(slices.Max(append(before, after...)), "")
	res.Tables = []engine.Table{armTable, schedTable}
	csvData, err := scheduleCSV(sched, items, names)
	if err != nil {
		return nil, err
	}
	res.Files = []engine.File{{Name: ScheduleFile, Data: csvData}}
	return res, nil
}

// readLabelsFile reads a labels file relative to dir.
func readLabelsFile(dir, path string) ([]tcp.Labelled, error) {
	f, err := os.Open(filepath.Join(dir, path))
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	defer f.Close()
	labels, err := tcp.ReadLabels(f)
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	return labels, nil
}

// fileOf returns the data of the file called name in r, or nil.
func fileOf(r *engine.Result, name string) []byte {
	if r == nil {
		return nil
	}
	for _, f := range r.Files {
		if f.Name == name {
			return f.Data
		}
	}
	return nil
}

// experimentItems groups the labelled lines by the tool that decides them
// and keeps the tools the help arm may run (on PATH, not on the
// never-execute list), sorted by name; with only set, exactly those tools
// (each must be eligible here); else with max > 0, max of them drawn with
// the seed. It also returns how many lines were left out.
func experimentItems(labels []tcp.Labelled, in *tools.Inspector, seed int64, max int, only []string) ([]experiment.Item, int, error) {
	byTool := map[string][]tcp.Labelled{}
	excluded := 0
	for _, l := range labels {
		d, err := tcp.Decide(nil, l.Command)
		if err != nil || d.Tool == "" || !in.Runnable(d.Tool) {
			excluded++
			continue
		}
		byTool[d.Tool] = append(byTool[d.Tool], l)
	}
	names := slices.Sorted(maps.Keys(byTool))
	switch {
	case len(only) > 0:
		for _, n := range only {
			if byTool[n] == nil {
				return nil, 0, fmt.Errorf("tools: %s has no labelled line here, is not on PATH, or may not be run (%s)", n, hostname())
			}
		}
		for _, n := range names {
			if !slices.Contains(only, n) {
				excluded += len(byTool[n])
			}
		}
		names = slices.Sorted(slices.Values(only))
	case max > 0 && max < len(names):
		r := rand.New(rand.NewPCG(uint64(seed), 0x7e57))
		r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
		for _, n := range names[max:] {
			excluded += len(byTool[n])
		}
		names = names[:max]
		slices.Sort(names)
	}
	if len(names) == 0 {
		return nil, 0, fmt.Errorf("labels: no labelled line names a tool that is on PATH and may be run")
	}
	items := make([]experiment.Item, len(names))
	for i, n := range names {
		items[i] = experiment.Item{Tool: n, Lines: byTool[n]}
	}
	return items, excluded, nil
}

func hostname() string {
	h, _ := os.Hostname()
	return "on " + h
}

func countLines(items []experiment.Item) int {
	n := 0
	for _, it := range items {
		n += len(it.Lines)
	}
	return n
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// median returns the median of xs (R type 7), NaN for none.
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return quantile7(s, 0.5)
}

// formatNs writes a duration in ns with a readable unit.
func formatNs(ns float64) string {
	switch {
	case ns < 1e3:
		return fmt.Sprintf("%.0f ns", ns)
	case ns < 1e6:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	case ns < 1e9:
		return fmt.Sprintf("%.1f ms", ns/1e6)
	default:
		return fmt.Sprintf("%.2f s", ns/1e9)
	}
}

func firstErr(out *experiment.Outcome, arm int) string {
	for _, s := range out.Samples {
		if s.Arm == arm && s.Err != "" {
			return s.Err
		}
	}
	return ""
}

// scheduleCSV writes the trial-by-trial schedule.
func scheduleCSV(s *experiment.Schedule, items []experiment.Item, arms []string) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"trial", "block", "position", "tool", "command", "label", "arm_order", "williams_row"})
	for i, t := range s.Trials {
		it := items[t.Item]
		l := it.Lines[t.Block%len(it.Lines)]
		var ar []string
		for _, a := range t.Order {
			ar = append(ar, arms[a])
		}
		w.Write([]string{strconv.Itoa(i + 1), strconv.Itoa(t.Block + 1), strconv.Itoa(t.Pos + 1), it.Tool, l.Command, l.Risk.String(), strings.Join(ar, " "), strconv.Itoa(t.Row)})
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// shardBlocks returns the blocks of shard i of n: every n-th block from i.
func shardBlocks(blocks, i, n int) []int {
	var out []int
	for b := i; b < blocks; b += n {
		out = append(out, b)
	}
	return out
}

// dispatch runs the experiment's blocks as shards on the executor the
// options name and merges their outcomes. It returns where they ran.
func (e *Experiment) dispatch(ctx context.Context, req *engine.Request, items []experiment.Item, blocks int) (*experiment.Outcome, string, error) {
	o := req.Opts
	spec := o.String("executor")
	ex, err := e.openers.Open(spec, req.Hosts)
	if err != nil {
		return nil, "", fmt.Errorf("executor: %w", err)
	}
	defer closeExecutor(ex)
	n := min(max(o.Int("shards"), 1), blocks)
	opts := maps.Clone(o.Map())
	opts["executor"], opts["shards"] = "local", "1"
	var names []string
	for _, it := range items {
		names = append(names, it.Tool)
	}
	opts["tools"] = strings.Join(names, ", ")
	inputs, err := shardInputs(req)
	if err != nil {
		return nil, "", err
	}
	shards := make([]*exec.Shard, n)
	for i := range shards {
		shards[i] = &exec.Shard{Protocol: exec.Protocol, Version: engine.Version, ID: req.ID, Kind: "experiment",
			Options: opts, Seed: req.Seed, Index: i, Count: n, From: req.From, Inputs: inputs}
	}
	results, err := exec.RunAll(ctx, ex, shards, o.Int("retries"), n)
	if err != nil {
		return nil, "", fmt.Errorf("executor %s: %w", spec, err)
	}
	parts := make([]*experiment.Outcome, n)
	hosts := map[string]bool{}
	for i, r := range results {
		res, err := exec.Unpack(r.Payload, r.Series)
		if err != nil {
			return nil, "", fmt.Errorf("executor %s: shard %d: %w", spec, i, err)
		}
		data := fileOf(res, OutcomeFile)
		if data == nil {
			return nil, "", fmt.Errorf("executor %s: shard %d: no %s in the result", spec, i, OutcomeFile)
		}
		parts[i] = new(experiment.Outcome)
		if err := json.Unmarshal(data, parts[i]); err != nil {
			return nil, "", fmt.Errorf("executor %s: shard %d: %s: %w", spec, i, OutcomeFile, err)
		}
		hosts[r.Host] = true
	}
	out, err := experiment.Merge(parts)
	if err != nil {
		return nil, "", err
	}
	return out, strings.Join(slices.Sorted(maps.Keys(hosts)), ", "), nil
}

// shardInputs packs what a shard of the experiment reads: the labels file
// and the :from: results.
func shardInputs(req *engine.Request) ([]exec.File, error) {
	path := req.Opts.String("labels")
	labels, err := os.ReadFile(filepath.Join(req.Dir, path))
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	inputs := []exec.File{exec.NewFile(filepath.ToSlash(filepath.Clean(path)), labels)}
	for _, id := range req.From {
		f, err := exec.InputFile(id, req.Inputs[id])
		if err != nil {
			return nil, err
		}
		inputs = append(inputs, f)
	}
	return inputs, nil
}
