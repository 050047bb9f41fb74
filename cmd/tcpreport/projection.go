package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/tcpreport/tcpreport/engine/model"
	"github.com/tcpreport/tcpreport/hdl"
)

// projectFlags are the inputs of 'tcpreport project'.
type projectFlags struct {
	design     model.Design
	softwareNS float64
	swWatts    float64
	swCost     float64
	nodes      []string
	set        []string
	assume     model.Assumptions
	fpga       model.FPGA
	asJSON     bool
}

func newProjectCmd(g *globals) *cobra.Command {
	f := &projectFlags{assume: model.DesignAssumptions}
	cmd := &cobra.Command{
		Use:   "project --gates N --depth N --software-ns X [flags]",
		Short: "Print the silicon projection table for given inputs",
		Long: `Project prints the comparison table of the {projection} directive for inputs
given on the command line: software, an optional FPGA declared from its
datasheet, and ASICs on the research design's technology nodes (28, 14, 7,
5 nm), projected by its model (engine/model). Every ASIC and FPGA figure is
a projection; the software row is labelled "given", because the number was
typed in here rather than measured. In a report, the {projection} directive
takes the gate count and path depth from an {hdl} result (yosys synthesis)
and the software time from a {bench} result (measured).

The model:

  critical path  t [ps] = depth × gate_delay + wire_mm × wire_delay_per_mm
  frequency      f [GHz] = 1000 / t
  throughput     engines × f × 10⁹ per second; latency pipeline / f
  power          Pd [mW] = f×1000 × power_per_mhz × gates / 1000; Ps = 0.3 Pd
  area           gates × area_per_gate / 10⁶ mm², ×1.5 for I/O pads
  unit cost      (NRE / volume + die area × $/mm²) × 3

Node parameters are overridden with --set NODE.PARAM=VALUE, PARAM one of
gate-delay-ps, wire-delay-ps-per-mm, power-mw-per-mhz, area-um2-per-gate,
nre-usd, usd-per-mm2.

Exit status: 0 printed, 1 failure, 2 usage error (a missing input, zero or
negative engines, an unknown node).`,
		Example: `  tcpreport project --gates 6222 --depth 9 --software-ns 35
  tcpreport project --gates 6222 --depth 9 --software-ns 35 --nodes 7nm --set 7nm.gate-delay-ps=9
  tcpreport project --json --gates 6222 --depth 9 --software-ns 35 \
      --fpga "Xilinx Alveo U250" --fpga-mhz 300 --fpga-watts 75 --fpga-cost 8995`,
		Args: exactArgs(0, "no arguments (inputs are flags)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runProject(g, cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.design.Gates, "gates", 0, "gate count `N` (cells_total of an {hdl} result)")
	fl.IntVar(&f.design.PathDepth, "depth", 0, "cells on the longest path `N` (path_depth of an {hdl} result)")
	fl.Float64Var(&f.softwareNS, "software-ns", 0, "software time per descriptor, `ns`")
	fl.IntVar(&f.design.Engines, "engines", 8, "parallel engines `N`")
	fl.IntVar(&f.design.PipelineDepth, "pipeline", hdl.Latency, "pipeline depth in `cycles`")
	fl.StringSliceVar(&f.nodes, "nodes", model.NodeNames(), "technology `nodes` to project")
	fl.StringArrayVar(&f.set, "set", nil, "override a node parameter, `NODE.PARAM=VALUE` (repeatable)")
	fl.Float64Var(&f.assume.WireMM, "wire-mm", f.assume.WireMM, "wire on the critical path, `mm`")
	fl.Float64Var(&f.assume.StaticFraction, "static-fraction", f.assume.StaticFraction, "static power as a `fraction` of dynamic")
	fl.Float64Var(&f.assume.IOPadFactor, "io-pad-factor", f.assume.IOPadFactor, "die area over core area")
	fl.Float64Var(&f.assume.Volume, "volume", f.assume.Volume, "`units` the NRE is spread over")
	fl.Float64Var(&f.assume.CostMultiplier, "cost-multiplier", f.assume.CostMultiplier, "packaging, test and margin `factor`")
	fl.Float64Var(&f.swWatts, "software-watts", 0, "declared software platform power, `W`")
	fl.Float64Var(&f.swCost, "software-cost", 0, "declared software platform price, `$`")
	fl.StringVar(&f.fpga.Platform, "fpga", "", "declared FPGA `platform` (needs --fpga-mhz, --fpga-watts, --fpga-cost)")
	fl.Float64Var(&f.fpga.ClockMHz, "fpga-mhz", 0, "declared FPGA clock, `MHz`")
	fl.Float64Var(&f.fpga.Watts, "fpga-watts", 0, "declared FPGA board power, `W`")
	fl.Float64Var(&f.fpga.CostUSD, "fpga-cost", 0, "declared FPGA board price, `$`")
	fl.BoolVar(&f.asJSON, "json", false, "print one JSON object")
	return cmd
}

func runProject(g *globals, cmd *cobra.Command, f *projectFlags) error {
	var missing []string
	for _, name := range []string{"gates", "depth", "software-ns"} {
		if !cmd.Flags().Changed(name) {
			missing = append(missing, "--"+name)
		}
	}
	if len(missing) > 0 {
		return usageError{fmt.Errorf("project: give %s (see 'tcpreport project --help')", strings.Join(missing, ", "))}
	}
	if err := f.design.Check(); err != nil {
		return usageError{err}
	}
	var nodes []model.Node
	for _, name := range f.nodes {
		n, err := model.LookupNode(name)
		if err != nil {
			return usageError{err}
		}
		nodes = append(nodes, n)
	}
	nodes, err := model.ApplyOverrides(nodes, f.set)
	if err != nil {
		return usageError{err}
	}
	var asics []model.ASIC
	for _, n := range nodes {
		a, err := model.Project(f.design, n, f.assume)
		if err != nil {
			return usageError{err}
		}
		asics = append(asics, a)
	}
	var fpga *model.FPGA
	if f.fpga.Platform != "" || f.fpga.ClockMHz != 0 || f.fpga.Watts != 0 || f.fpga.CostUSD != 0 {
		if f.fpga.Platform == "" {
			return usageError{errors.New("project: name the declared FPGA with --fpga")}
		}
		fpga = &f.fpga
	}
	sw := model.Software{Platform: "software", Basis: "given", NSPerDescriptor: f.softwareNS, Watts: f.swWatts, CostUSD: f.swCost}
	rows, err := model.Compare(f.design, sw, fpga, asics)
	if err != nil {
		return usageError{err}
	}
	if f.asJSON {
		return json.NewEncoder(g.stdout).Encode(projectJSON(f, rows, asics))
	}
	fmt.Fprintf(g.stdout, "Projection (research design model, engine/model): %d gates, longest path %d cells, %d engines, pipeline %d cycles; software %g ns per descriptor (given).\n\n",
		f.design.Gates, f.design.PathDepth, f.design.Engines, f.design.PipelineDepth, f.softwareNS)
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.Join(model.ComparisonColumns, "\t")+"\t")
	for _, r := range model.ComparisonCells(rows) {
		fmt.Fprintln(tw, strings.Join(r, "\t")+"\t")
	}
	return tw.Flush()
}

// jsonNum is a number that encodes NaN (unknown) as null.
type jsonNum float64

func (n jsonNum) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(n)) || math.IsInf(float64(n), 0) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(n))
}

type projectRowJSON struct {
	Platform       string  `json:"platform"`
	Basis          string  `json:"basis"`
	LatencyNS      jsonNum `json:"latency_ns"`
	ThroughputPerS jsonNum `json:"throughput_per_s"`
	PowerW         jsonNum `json:"power_w"`
	CostUSD        jsonNum `json:"cost_usd"`
	LatencyGain    jsonNum `json:"latency_gain"`
	ThroughputGain jsonNum `json:"throughput_gain"`
	PerWatt        jsonNum `json:"per_watt"`
	PerDollar      jsonNum `json:"per_dollar"`
}

type projectNodeJSON struct {
	Node           model.Node `json:"node"`
	CriticalPathPS float64    `json:"critical_path_ps"`
	MaxFreqGHz     float64    `json:"max_freq_ghz"`
	DynamicPowerMW float64    `json:"dynamic_power_mw"`
	StaticPowerMW  float64    `json:"static_power_mw"`
	CoreAreaMM2    float64    `json:"core_area_mm2"`
	DieAreaMM2     float64    `json:"die_area_mm2"`
	PerMM2         float64    `json:"per_mm2"`
}

// projectOutput is the JSON object of 'project --json'.
type projectOutput struct {
	Label       string            `json:"label"`
	Design      model.Design      `json:"design"`
	SoftwareNS  float64           `json:"software_ns"`
	Assumptions model.Assumptions `json:"assumptions"`
	Rows        []projectRowJSON  `json:"rows"`
	Nodes       []projectNodeJSON `json:"nodes"`
}

func projectJSON(f *projectFlags, rows []model.Row, asics []model.ASIC) projectOutput {
	out := projectOutput{Label: "projection", Design: f.design, SoftwareNS: f.softwareNS, Assumptions: f.assume}
	for _, r := range rows {
		out.Rows = append(out.Rows, projectRowJSON{r.Platform, r.Basis, jsonNum(r.LatencyNS), jsonNum(r.ThroughputPerS), jsonNum(r.PowerW),
			jsonNum(r.CostUSD), jsonNum(r.LatencyGain), jsonNum(r.ThroughputGain), jsonNum(r.PerWatt), jsonNum(r.PerDollar)})
	}
	for _, a := range asics {
		out.Nodes = append(out.Nodes, projectNodeJSON{a.Node, a.CriticalPathPS, a.MaxFreqGHz, a.DynamicPowerMW, a.StaticPowerMW,
			a.CoreAreaMM2, a.DieAreaMM2, a.PerMM2})
	}
	return out
}
