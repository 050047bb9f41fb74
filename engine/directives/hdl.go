package directives

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/hdl"
)

// HDL is the {hdl} directive: it proves the Verilog validator equal to the
// Go validator in simulation, lints it and synthesises it to generic gates.
// {projection} reads its cells_total, path_depth, engines and
// latency_cycles.
type HDL struct{}

// NewHDL returns the {hdl} directive.
func NewHDL() *HDL { return &HDL{} }

// Kind returns "hdl".
func (*HDL) Kind() string { return "hdl" }

// Version returns the implementation version.
func (*HDL) Version() int { return 1 }

// Options declares engines, simulate and lint.
func (*HDL) Options() []engine.OptionSpec {
	return []engine.OptionSpec{
		{Name: "engines", Type: engine.Int, Default: "8",
			Help: "PARALLEL_ENGINES of the wrapper that is synthesised (and simulated); 1 or more"},
		{Name: "simulate", Type: engine.List, Default: "1, 4, 8",
			Help: "further engine counts to simulate and lint, comma-separated"},
	}
}

// State summarises what the result depends on besides the options: the
// Verilog sources and the versions of iverilog, verilator and yosys.
// Editing the sources or upgrading a tool re-runs the directive.
func (*HDL) State(ctx context.Context, opts engine.Options) (string, error) {
	versions, err := hdl.ToolVersions(ctx)
	if err != nil {
		return "", err
	}
	files, err := hdl.Sources(1, true)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, f := range files {
		fmt.Fprintf(h, "%s %d\n", f.Name, len(f.Data))
		h.Write(f.Data)
	}
	for _, t := range []string{"iverilog", "verilator", "yosys"} {
		fmt.Fprintf(h, "%s: %s\n", t, versions[t])
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hdlCounts returns the engine counts to simulate: those of simulate and
// engines, sorted, each once.
func hdlCounts(o engine.Options) ([]int, error) {
	engines := o.Int("engines")
	if engines < 1 {
		return nil, fmt.Errorf("engines: %d; the wrapper needs 1 or more parallel engines", engines)
	}
	counts := []int{engines}
	for _, s := range o.List("simulate") {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("simulate: %q is not an engine count (use 1, 4, 8)", s)
		}
		counts = append(counts, n)
	}
	slices.Sort(counts)
	return slices.Compact(counts), nil
}

// Run simulates every engine count on the Go vectors, lints each, and
// synthesises the wrapper with engines.
func (*HDL) Run(ctx context.Context, req *engine.Request) (*engine.Result, error) {
	engines := req.Opts.Int("engines")
	counts, err := hdlCounts(req.Opts)
	if err != nil {
		return nil, err
	}
	versions, err := hdl.ToolVersions(ctx)
	if err != nil {
		return nil, err
	}
	vs := hdl.Vectors(hdl.DefaultVectors)
	res := &engine.Result{
		Values: map[string]engine.Value{},
		Meta:   map[string]string{"iverilog": versions["iverilog"], "verilator": versions["verilator"], "yosys": versions["yosys"]},
	}

	simTable := engine.Table{Name: "simulation",
		Caption: fmt.Sprintf("Simulation under Icarus Verilog: %d test vectors exported from the Go validator (tcp.Valid), every result bit compared; protocol checks are latency, batch order, valid_out and both counters.", len(vs)),
		Columns: []string{"engines", "vectors", "passed", "failed", "protocol errors", "clock edges", "lint (verilator -Wall)", "wall time (s)"}}
	var simLog, lintLog strings.Builder
	lintWarnings, failedAll := 0, 0
	for _, n := range counts {
		sim, err := hdl.Simulate(ctx, n, vs)
		if err != nil {
			return nil, fmt.Errorf("simulate %d engines: %w", n, err)
		}
		lint, err := hdl.LintDesign(ctx, n)
		if err != nil {
			return nil, fmt.Errorf("lint %d engines: %w", n, err)
		}
		fmt.Fprintf(&simLog, "## PARALLEL_ENGINES=%d\n%s\n", n, sim.Log)
		fmt.Fprintf(&lintLog, "$ %s\n%s", lint.Command, lint.Output)
		if lint.Clean {
			lintLog.WriteString("(clean)\n")
		}
		lintStatus := "clean"
		if !lint.Clean {
			lintStatus = fmt.Sprintf("%d warnings, %d errors", lint.Warnings, lint.Errors)
			res.Warnings = append(res.Warnings, fmt.Sprintf("verilator -Wall, %d engines: %s; see the lint log", n, lintStatus))
		}
		lintWarnings += lint.Warnings + lint.Errors
		failedAll += sim.Failed + sim.CheckErrors
		if !sim.OK() {
			res.Warnings = append(res.Warnings, fmt.Sprintf("simulation, %d engines: %d of %d vectors differ from Go, %d protocol errors (testbench counted %d passed, %d failed)",
				n, sim.Failed, sim.Vectors, sim.CheckErrors, sim.BenchPassed, sim.BenchFailed))
			for _, m := range sim.Mismatches {
				simLog.WriteString(fmt.Sprintf("mismatch: vector %d (%s) %s: hardware %s, Go %v\n", m.Index, m.Kind, m.Hex, m.Hardware, m.Go))
			}
		}
		simTable.Rows = append(simTable.Rows, []string{strconv.Itoa(n), strconv.Itoa(sim.Vectors), strconv.Itoa(sim.Passed),
			strconv.Itoa(sim.Failed), strconv.Itoa(sim.CheckErrors), strconv.Itoa(sim.Edges), lintStatus,
			strconv.FormatFloat(sim.Elapsed.Seconds(), 'f', 2, 64)})
		if n == engines {
			res.Values["vectors"] = engine.Num(float64(sim.Vectors), "")
			res.Values["vectors_passed"] = engine.Num(float64(sim.Passed), "")
			res.Values["vectors_failed"] = engine.Num(float64(sim.Failed), "")
			res.Values["protocol_errors"] = engine.Num(float64(sim.CheckErrors), "")
			res.Values["sim_seconds"] = engine.Num(sim.Elapsed.Seconds(), "s")
		}
	}
	res.Values["engines"] = engine.Num(float64(engines), "")
	res.Values["configurations"] = engine.Num(float64(len(counts)), "")
	res.Values["failed_all"] = engine.Num(float64(failedAll), "")
	res.Values["latency_cycles"] = engine.Num(hdl.Latency, "cycles")
	res.Values["lint_warnings"] = engine.Num(float64(lintWarnings), "")
	if lintWarnings == 0 {
		res.Values["lint"] = engine.Text("clean")
	} else {
		res.Values["lint"] = engine.Text(fmt.Sprintf("%d findings", lintWarnings))
	}

	syn, err := hdl.Synthesize(ctx, engines)
	if err != nil {
		return nil, fmt.Errorf("synthesise %d engines: %w", engines, err)
	}
	flops := 0
	cells := engine.Table{Name: "cells",
		Caption: fmt.Sprintf("Cells of the wrapper with %d engines after yosys synthesis to generic gates (abc -g %s; flip-flops are yosys's internal $_DFF_/$_SDFF_ cells). Longest combinational path: %d cells, from %s to %s (yosys ltp -noff).", engines, hdl.Gates, syn.PathDepth, syn.PathFrom, syn.PathTo),
		Columns: []string{"cell type", "cells", "share"}}
	for _, t := range syn.CellTypes() {
		n := syn.Cells[t]
		if hdl.IsFlipFlop(t) {
			flops += n
		}
		cells.Rows = append(cells.Rows, []string{t, strconv.Itoa(n), strconv.FormatFloat(100*float64(n)/float64(syn.Total), 'f', 1, 64) + "%"})
	}
	cells.Rows = append(cells.Rows, []string{"total", strconv.Itoa(syn.Total), "100.0%"})
	res.Values["cells_total"] = engine.Num(float64(syn.Total), "cells")
	res.Values["flip_flops"] = engine.Num(float64(flops), "cells")
	res.Values["path_depth"] = engine.Num(float64(syn.PathDepth), "cells")
	res.Values["path_from"] = engine.Text(syn.PathFrom)
	res.Values["path_to"] = engine.Text(syn.PathTo)
	res.Values["synth_seconds"] = engine.Num(syn.Elapsed.Seconds(), "s")
	res.Tables = []engine.Table{simTable, cells, vectorTable(vs)}

	files, err := hdl.Sources(engines, true)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		res.Files = append(res.Files, engine.File{Name: f.Name, Data: f.Data})
	}
	res.Files = append(res.Files,
		engine.File{Name: "vectors.hex", Data: hdl.HexFile(vs)},
		engine.File{Name: "simulation.log", Data: []byte(simLog.String())},
		engine.File{Name: "lint.log", Data: []byte(lintLog.String())},
		engine.File{Name: "synth.ys", Data: []byte(syn.Script)},
		engine.File{Name: "yosys-stat.json", Data: syn.Stat},
		engine.File{Name: "yosys-ltp.txt", Data: syn.Path},
	)
	if syn.Log != "" {
		res.Files = append(res.Files, engine.File{Name: "yosys.log", Data: []byte(syn.Log)})
	}
	return res, nil
}

// vectorTable counts the vectors by kind and Go's verdict.
func vectorTable(vs []hdl.Vector) engine.Table {
	t := engine.Table{Name: "vectors", Caption: "Test vectors by kind, with the Go validator's verdicts.",
		Columns: []string{"kind", "vectors", "valid (Go)", "invalid (Go)"}}
	var kinds []string
	count := map[string][2]int{}
	for _, v := range vs {
		c, seen := count[v.Kind]
		if !seen {
			kinds = append(kinds, v.Kind)
		}
		if v.Valid {
			c[0]++
		} else {
			c[1]++
		}
		count[v.Kind] = c
	}
	for _, k := range kinds {
		c := count[k]
		t.Rows = append(t.Rows, []string{k, strconv.Itoa(c[0] + c[1]), strconv.Itoa(c[0]), strconv.Itoa(c[1])})
	}
	t.Rows = append(t.Rows, []string{"total", strconv.Itoa(len(vs)), "", ""})
	return t
}
