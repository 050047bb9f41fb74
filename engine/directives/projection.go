package directives

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/model"
)

// Names of the values {projection} reads from its :from: inputs.
const (
	ValueCellsTotal    = "cells_total"                // {hdl}: cells after synthesis
	ValuePathDepth     = "path_depth"                 // {hdl}: cells on the longest path
	ValueEngines       = "engines"                    // {hdl}: parallel engines synthesised
	ValueLatencyCycles = "latency_cycles"             // {hdl}: pipeline depth
	ValueSoftwareNS    = "software_ns_per_descriptor" // {bench}: measured ns per descriptor
)

// Projection is the {projection} directive: the research design's silicon
// projection (engine/model) fed with the gate count and path depth of an
// {hdl} result and the software time of a {bench} result, beside an FPGA
// declared from its datasheet. Every value it produces is a projection.
type Projection struct{}

// NewProjection returns the {projection} directive.
func NewProjection() *Projection { return &Projection{} }

// Kind returns "projection".
func (*Projection) Kind() string { return "projection" }

// Version returns the implementation version.
func (*Projection) Version() int { return 1 }

func floatOpt(name string, def float64, help string) engine.OptionSpec {
	return engine.OptionSpec{Name: name, Type: engine.Float, Default: strconv.FormatFloat(def, 'g', -1, 64), Help: help}
}

// Options declares the nodes, the model's parameters and the declared
// platforms.
func (*Projection) Options() []engine.OptionSpec {
	a := model.DesignAssumptions
	return []engine.OptionSpec{
		{Name: "nodes", Type: engine.List, Default: strings.Join(model.NodeNames(), ", "),
			Help: "technology nodes to project: " + strings.Join(model.NodeNames(), ", ")},
		{Name: "set", Type: engine.List,
			Help: "node parameter overrides NODE.PARAM=VALUE, comma-separated; PARAM is one of " + strings.Join(model.NodeParams, ", ")},
		floatOpt("wire-mm", a.WireMM, "wire on the critical path, mm"),
		floatOpt("static-fraction", a.StaticFraction, "static power as a fraction of dynamic power"),
		floatOpt("io-pad-factor", a.IOPadFactor, "die area over core area (I/O pads)"),
		floatOpt("volume", a.Volume, "units the NRE cost is spread over"),
		floatOpt("cost-multiplier", a.CostMultiplier, "packaging, test and margin on the unit cost"),
		{Name: "pipeline-depth", Type: engine.Int,
			Help: "pipeline depth in cycles; default: latency_cycles of the {hdl} input"},
		{Name: "software", Type: engine.String, Default: "software (Go)",
			Help: "label of the software row"},
		{Name: "software-watts", Type: engine.Float, Help: "declared power of the software platform, W (none: not shown)"},
		{Name: "software-cost", Type: engine.Float, Help: "declared price of the software platform, $ (none: not shown)"},
		{Name: "fpga", Type: engine.String, Help: "FPGA platform of the declared row, e.g. \"Xilinx Alveo U250\"; needs fpga-mhz, fpga-watts and fpga-cost"},
		{Name: "fpga-mhz", Type: engine.Float, Help: "declared clock the design runs at on the FPGA, MHz"},
		{Name: "fpga-watts", Type: engine.Float, Help: "declared board power, W (datasheet)"},
		{Name: "fpga-cost", Type: engine.Float, Help: "declared board price, $"},
	}
}

// findInput returns the id of the one :from: input that has the value
// called name.
func findInput(req *engine.Request, name, kind string) (string, error) {
	var found []string
	for _, id := range req.From {
		if in := req.Inputs[id]; in != nil {
			if _, ok := in.Values[name]; ok {
				found = append(found, id)
			}
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("from: none of the :from: inputs (%s) has the value %s; list a {%s} directive in the :from: option",
			strings.Join(req.From, ", "), name, kind)
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("from: %s all have the value %s; list one {%s} directive in the :from: option", strings.Join(found, ", "), name, kind)
}

// inputNum returns the value called name of the input id, a positive
// number, or an error naming the input and the directive that provides it.
func inputNum(req *engine.Request, id, name, kind string) (engine.Value, error) {
	v, ok := req.Inputs[id].Values[name]
	if !ok {
		return v, fmt.Errorf("from: %s has no value %s; is it an {%s} directive?", id, name, kind)
	}
	if v.Text != "" || math.IsNaN(v.Num) || math.IsInf(v.Num, 0) || v.Num <= 0 {
		return v, fmt.Errorf("from: %s.%s is %q; the projection needs a positive number", id, name, v.Format(""))
	}
	return v, nil
}

// inputInt is inputNum for a whole number.
func inputInt(req *engine.Request, id, name, kind string) (int, error) {
	v, err := inputNum(req, id, name, kind)
	if err != nil {
		return 0, err
	}
	if v.Num != math.Trunc(v.Num) || v.Num > 1e12 {
		return 0, fmt.Errorf("from: %s.%s is %v; it must be a whole number", id, name, v.Num)
	}
	return int(v.Num), nil
}

// Run projects the {hdl} design on each node and compares it with the
// measured software and the declared FPGA.
func (*Projection) Run(ctx context.Context, req *engine.Request) (*engine.Result, error) {
	o := req.Opts
	if len(req.From) == 0 {
		return nil, fmt.Errorf("from: the projection needs an {hdl} and a {bench} result: write :from: <hdl id>, <bench id>")
	}
	// The {hdl} input is the one with cells_total; the rest of the design
	// is read from it alone.
	hdlID, err := findInput(req, ValueCellsTotal, "hdl")
	if err != nil {
		return nil, err
	}
	var d model.Design
	for _, f := range []struct {
		name string
		dst  *int
	}{{ValueCellsTotal, &d.Gates}, {ValuePathDepth, &d.PathDepth}, {ValueEngines, &d.Engines}} {
		if *f.dst, err = inputInt(req, hdlID, f.name, "hdl"); err != nil {
			return nil, err
		}
	}
	pipelineSrc := "option pipeline-depth (declared)"
	if o.Has("pipeline-depth") {
		d.PipelineDepth = o.Int("pipeline-depth")
	} else {
		if d.PipelineDepth, err = inputInt(req, hdlID, ValueLatencyCycles, "hdl"); err != nil {
			return nil, fmt.Errorf("%w; or give the option pipeline-depth", err)
		}
		pipelineSrc = hdlID + ".latency_cycles (the design's fixed latency, checked in simulation)"
	}
	swID, err := findInput(req, ValueSoftwareNS, "bench")
	if err != nil {
		return nil, err
	}
	swNS, err := inputNum(req, swID, ValueSoftwareNS, "bench")
	if err != nil {
		return nil, err
	}
	if swNS.Unit != "" && swNS.Unit != "ns" {
		return nil, fmt.Errorf("from: %s.%s is in %q; the projection reads ns", swID, ValueSoftwareNS, swNS.Unit)
	}
	res := &engine.Result{Values: map[string]engine.Value{}}
	for _, in := range []struct {
		id, name string
	}{{hdlID, ValueCellsTotal}, {hdlID, ValuePathDepth}, {swID, ValueSoftwareNS}} {
		if req.Inputs[in.id].Values[in.name].Projection {
			res.Warnings = append(res.Warnings, fmt.Sprintf("input %s.%s is itself a projection, not a measurement", in.id, in.name))
		}
	}

	a := model.Assumptions{WireMM: o.Float("wire-mm"), StaticFraction: o.Float("static-fraction"),
		IOPadFactor: o.Float("io-pad-factor"), Volume: o.Float("volume"), CostMultiplier: o.Float("cost-multiplier")}
	var nodes []model.Node
	for _, name := range o.List("nodes") {
		n, err := model.LookupNode(name)
		if err != nil {
			return nil, fmt.Errorf("nodes: %w", err)
		}
		if !slices.ContainsFunc(nodes, func(x model.Node) bool { return x.Name == n.Name }) {
			nodes = append(nodes, n)
		}
	}
	if len(nodes) == 0 {
		return nil, fmt.Errorf("nodes: no technology node; use %s", strings.Join(model.NodeNames(), ", "))
	}
	if nodes, err = model.ApplyOverrides(nodes, o.List("set")); err != nil {
		return nil, fmt.Errorf("set: %w", err)
	}
	var asics []model.ASIC
	for _, n := range nodes {
		p, err := model.Project(d, n, a)
		if err != nil {
			return nil, err
		}
		asics = append(asics, p)
	}

	sw := model.Software{Platform: o.String("software"), NSPerDescriptor: swNS.Num,
		Watts: o.Float("software-watts"), CostUSD: o.Float("software-cost")}
	fpga, err := declaredFPGA(o)
	if err != nil {
		return nil, err
	}
	rows, err := model.Compare(d, sw, fpga, asics)
	if err != nil {
		return nil, err
	}

	proj := func(v float64, unit string) engine.Value {
		return engine.Value{Num: v, Unit: unit, Projection: true}
	}
	for _, r := range rows[1:] {
		prefix := "fpga"
		if r.Basis == model.Projection {
			prefix = "asic_" + strings.TrimPrefix(r.Platform, "ASIC ")
		}
		res.Values[prefix+"_latency_ns"] = proj(r.LatencyNS, "ns")
		res.Values[prefix+"_throughput"] = proj(r.ThroughputPerS, "validations/s")
		res.Values[prefix+"_power_w"] = proj(r.PowerW, "W")
		res.Values[prefix+"_cost_usd"] = proj(r.CostUSD, "$")
		res.Values[prefix+"_latency_gain"] = proj(r.LatencyGain, "×")
		res.Values[prefix+"_throughput_gain"] = proj(r.ThroughputGain, "×")
		res.Values[prefix+"_per_watt"] = proj(r.PerWatt, "validations/s/W")
	}
	for _, p := range asics {
		prefix := "asic_" + p.Node.Name
		res.Values[prefix+"_freq_ghz"] = proj(p.MaxFreqGHz, "GHz")
		res.Values[prefix+"_critical_path_ps"] = proj(p.CriticalPathPS, "ps")
		res.Values[prefix+"_area_mm2"] = proj(p.CoreAreaMM2, "mm²")
		res.Values[prefix+"_per_mm2"] = proj(p.PerMM2, "validations/s/mm²")
	}

	inputs := fmt.Sprintf("gates %d and longest path %d cells from the synthesis of %s (%d engines), pipeline depth %d cycles, software %s ns per descriptor measured by %s",
		d.Gates, d.PathDepth, hdlID, d.Engines, d.PipelineDepth, swNS.Format(""), swID)
	if fpga != nil {
		inputs += fmt.Sprintf(", FPGA %s declared at %s MHz, %s W, $%s", fpga.Platform, plainNum(fpga.ClockMHz), plainNum(fpga.Watts), plainNum(fpga.CostUSD))
	}
	cmp := engine.Table{Name: "comparison",
		Caption: "Projection, not measurement: validation latency, throughput, power and unit cost of the declared FPGA and of ASICs projected by the research design's model, against the measured software. Inputs: " + inputs + ". ASIC rows are model output; the FPGA row is computed from declared datasheet figures; “–” is not declared.",
		Columns: model.ComparisonColumns, Rows: model.ComparisonCells(rows)}
	nodeTable := engine.Table{Name: "nodes",
		Caption: "Projection per technology node (model output; formulas and parameters in the tables that follow). Inputs: " + inputs + ".",
		Columns: model.NodeColumns, Rows: model.NodeCells(asics)}
	res.Tables = []engine.Table{cmp, nodeTable, projectionInputs(d, hdlID, pipelineSrc, swNS, swID, sw, fpga, a, nodes, o), formulaTable()}
	res.Figures = projectionFigures(rows, inputs)
	return res, nil
}

// declaredFPGA returns the FPGA the options declare, nil when none.
func declaredFPGA(o engine.Options) (*model.FPGA, error) {
	var missing []string
	for _, k := range []string{"fpga", "fpga-mhz", "fpga-watts", "fpga-cost"} {
		if !o.Has(k) {
			missing = append(missing, k)
		}
	}
	if len(missing) == 4 {
		return nil, nil
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s: a declared FPGA row needs fpga, fpga-mhz, fpga-watts and fpga-cost (from its datasheet)", strings.Join(missing, ", "))
	}
	return &model.FPGA{Platform: o.String("fpga"), ClockMHz: o.Float("fpga-mhz"), Watts: o.Float("fpga-watts"), CostUSD: o.Float("fpga-cost")}, nil
}

// projectionInputs lists every input and parameter with where it came from.
func projectionInputs(d model.Design, hdlID, pipelineSrc string, swNS engine.Value, swID string, sw model.Software,
	fpga *model.FPGA, a model.Assumptions, nodes []model.Node, o engine.Options) engine.Table {
	t := engine.Table{Name: "inputs", Caption: "Inputs of the projection and where each comes from.",
		Columns: []string{"input", "value", "unit", "source"}}
	add := func(name, value, unit, source string) { t.Rows = append(t.Rows, []string{name, value, unit, source}) }
	add("gates", strconv.Itoa(d.Gates), "cells", hdlID+".cells_total (measured: yosys synthesis)")
	add("path depth", strconv.Itoa(d.PathDepth), "cells", hdlID+".path_depth (measured: yosys ltp -noff)")
	add("engines", strconv.Itoa(d.Engines), "", hdlID+".engines (the synthesised design)")
	add("pipeline depth", strconv.Itoa(d.PipelineDepth), "cycles", pipelineSrc)
	add("software time", swNS.Format(""), "ns/descriptor", swID+".software_ns_per_descriptor (measured)")
	for _, x := range []struct {
		name string
		v    float64
		unit string
	}{{"software power", sw.Watts, "W"}, {"software price", sw.CostUSD, "$"}} {
		if x.v > 0 {
			add(x.name, plainNum(x.v), x.unit, "option (declared)")
		}
	}
	if fpga != nil {
		add("FPGA clock", plainNum(fpga.ClockMHz), "MHz", "option fpga-mhz (declared: "+fpga.Platform+")")
		add("FPGA power", plainNum(fpga.Watts), "W", "option fpga-watts (declared: datasheet)")
		add("FPGA price", plainNum(fpga.CostUSD), "$", "option fpga-cost (declared)")
	}
	src := func(opt string, v, def float64) string {
		if v == def {
			return "research design default (option " + opt + ")"
		}
		return "option " + opt + " (declared)"
	}
	def := model.DesignAssumptions
	add("wire on critical path", plainNum(a.WireMM), "mm", src("wire-mm", a.WireMM, def.WireMM))
	add("static fraction", plainNum(a.StaticFraction), "of dynamic", src("static-fraction", a.StaticFraction, def.StaticFraction))
	add("I/O pad factor", plainNum(a.IOPadFactor), "die/core", src("io-pad-factor", a.IOPadFactor, def.IOPadFactor))
	add("volume", plainNum(a.Volume), "units", src("volume", a.Volume, def.Volume))
	add("cost multiplier", plainNum(a.CostMultiplier), "×", src("cost-multiplier", a.CostMultiplier, def.CostMultiplier))
	for _, n := range nodes {
		orig, _ := model.LookupNode(n.Name)
		for i, p := range []struct {
			v, def float64
			unit   string
		}{{n.GateDelayPS, orig.GateDelayPS, "ps"}, {n.WireDelayPSPerMM, orig.WireDelayPSPerMM, "ps/mm"},
			{n.PowerMWPerMHz, orig.PowerMWPerMHz, "mW/MHz per 1000 gates"}, {n.AreaUM2PerGate, orig.AreaUM2PerGate, "µm²/gate"},
			{n.NREUSD, orig.NREUSD, "$"}, {n.USDPerMM2, orig.USDPerMM2, "$/mm²"}} {
			source := "research design"
			if p.v != p.def {
				source = "option set (declared)"
			}
			add(n.Name+" "+model.NodeParams[i], plainNum(p.v), p.unit, source)
		}
	}
	return t
}

// plainNum writes v as the report writes values: integers whole, no
// exponent for large numbers.
func plainNum(v float64) string { return engine.Num(v, "").Format("") }

func formulaTable() engine.Table {
	t := engine.Table{Name: "formulas", Caption: "The projection model's formulas (engine/model).", Columns: []string{"quantity", "formula"}}
	for _, f := range model.Formulas {
		t.Rows = append(t.Rows, []string{f[0], f[1]})
	}
	return t
}

// projectionFigures are the three panels of the research design's figure:
// latency on a log axis, throughput, and throughput per watt. Platforms
// without a declared power are left out of the third. Categories are short
// (software, FPGA, the node); the captions say which figures are measured,
// declared or projected.
func projectionFigures(rows []model.Row, inputs string) []engine.Figure {
	var cats, wattCats []string
	var lat, tput, perW []float64
	fpgaName := ""
	for _, r := range rows {
		label := strings.TrimPrefix(r.Platform, "ASIC ")
		switch r.Basis {
		case model.Declared:
			label, fpgaName = "FPGA", r.Platform
		case model.Projection:
		default:
			label = "software"
		}
		cats = append(cats, label)
		lat = append(lat, r.LatencyNS)
		tput = append(tput, r.ThroughputPerS/1e9)
		if !math.IsNaN(r.PerWatt) {
			wattCats = append(wattCats, label)
			perW = append(perW, r.PerWatt/1e6)
		}
	}
	what := " (software " + rows[0].Basis
	if fpgaName != "" {
		what += "; FPGA: " + fpgaName + ", from declared datasheet figures"
	}
	what += "; nodes: ASIC projections). Inputs: " + inputs + "."
	figs := []engine.Figure{
		{Name: "latency", Kind: engine.Bar, LogY: true, YLabel: "latency (ns, log scale)", Categories: cats,
			Caption: "Projection: validation latency per platform, log scale" + what,
			Series:  []engine.FigureData{{Y: lat}}},
		{Name: "throughput", Kind: engine.Bar, YLabel: "throughput (billion validations/s)", Categories: cats,
			Caption: "Projection: validation throughput per platform" + what,
			Series:  []engine.FigureData{{Y: tput}}},
	}
	if len(wattCats) > 0 {
		figs = append(figs, engine.Figure{Name: "per-watt", Kind: engine.Bar, YLabel: "million validations/s per W", Categories: wattCats,
			Caption: "Projection: energy efficiency, validations per second per watt, for the platforms with a declared or projected power" + what,
			Series:  []engine.FigureData{{Y: perW}}})
	}
	return figs
}
