// Package model is the silicon projection model of the research design,
// made honest: the same formulas, declared here and in the report, fed with
// a gate count and a path depth from synthesis and a software baseline from
// measurement instead of guesses. Every output is a projection.
//
// # Formulas
//
// For a technology node with gate delay d [ps] (the design's "transistor
// delay"), wire delay w [ps/mm], power p [mW per MHz per 1000 gates], area a
// [µm² per gate], NRE cost N [$] and silicon cost c [$/mm²], and a design of
// G gates with D gates on its longest path, E parallel engines and a
// pipeline of L cycles:
//
//	critical path    t  = D·d + wire_mm·w                  [ps]
//	max frequency    f  = 1000 / t                         [GHz]
//	throughput       T  = E · f · 10⁹                      [validations/s]
//	latency          l  = L / f                            [ns]
//	dynamic power    Pd = f·1000 · p · G / 1000            [mW]
//	static power     Ps = static_fraction · Pd             [mW]
//	total power      P  = Pd + Ps                          [mW]
//	core area        A  = G · a / 10⁶                      [mm²]
//	die area         Ad = io_pad_factor · A                [mm²]
//	per watt         T / (P / 1000)                        [validations/s/W]
//	per mm²          T / A                                 [validations/s/mm²]
//	unit cost        C  = (N / volume + Ad · c) · cost_multiplier   [$]
//
// The defaults are the design's: wire_mm 2, static_fraction 0.3,
// io_pad_factor 1.5, volume 10,000, cost_multiplier 3 (packaging, test and
// margin). The design states p as "power per MHz per gate" and applies it
// per 1000 gates (the /1000 in Pd); the model keeps its formula. Registers'
// clock-to-q and setup time, clock skew and a real standard-cell library are
// not modelled: a yosys generic cell stands for one gate.
package model

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Node holds the parameters of one technology node.
type Node struct {
	Name string `json:"name"` // "28nm", "14nm", "7nm", "5nm"
	// GateDelayPS is the delay of one gate on the critical path, ps (the
	// design's "transistor delay").
	GateDelayPS float64 `json:"gate_delay_ps"`
	// WireDelayPSPerMM is the wire delay, ps per mm.
	WireDelayPSPerMM float64 `json:"wire_delay_ps_per_mm"`
	// PowerMWPerMHz is the dynamic power in mW per MHz, applied per 1000
	// gates as the design does.
	PowerMWPerMHz float64 `json:"power_mw_per_mhz"`
	// AreaUM2PerGate is the area of one gate, µm².
	AreaUM2PerGate float64 `json:"area_um2_per_gate"`
	// NREUSD is the non-recurring engineering cost, $.
	NREUSD float64 `json:"nre_usd"`
	// USDPerMM2 is the silicon cost per mm² of die, $.
	USDPerMM2 float64 `json:"usd_per_mm2"`
}

// Nodes returns the research design's four technology nodes, largest first.
func Nodes() []Node {
	return []Node{
		{Name: "28nm", GateDelayPS: 20, WireDelayPSPerMM: 50, PowerMWPerMHz: 0.1, AreaUM2PerGate: 0.5, NREUSD: 1e6, USDPerMM2: 20},
		{Name: "14nm", GateDelayPS: 12, WireDelayPSPerMM: 40, PowerMWPerMHz: 0.05, AreaUM2PerGate: 0.2, NREUSD: 3e6, USDPerMM2: 40},
		{Name: "7nm", GateDelayPS: 7, WireDelayPSPerMM: 30, PowerMWPerMHz: 0.03, AreaUM2PerGate: 0.08, NREUSD: 15e6, USDPerMM2: 100},
		{Name: "5nm", GateDelayPS: 5, WireDelayPSPerMM: 25, PowerMWPerMHz: 0.02, AreaUM2PerGate: 0.05, NREUSD: 30e6, USDPerMM2: 200},
	}
}

// NodeNames returns the names of Nodes, largest first.
func NodeNames() []string {
	var names []string
	for _, n := range Nodes() {
		names = append(names, n.Name)
	}
	return names
}

// LookupNode returns the node called name ("7nm"; "7" is accepted too), or
// an error listing the known nodes.
func LookupNode(name string) (Node, error) {
	want := strings.TrimSpace(name)
	if !strings.HasSuffix(want, "nm") {
		want += "nm"
	}
	for _, n := range Nodes() {
		if n.Name == want {
			return n, nil
		}
	}
	return Node{}, fmt.Errorf("model: unknown technology node %q (known nodes: %s)", name, strings.Join(NodeNames(), ", "))
}

// NodeParams are the names of a node's parameters, as overrides write them.
var NodeParams = []string{"gate-delay-ps", "wire-delay-ps-per-mm", "power-mw-per-mhz", "area-um2-per-gate", "nre-usd", "usd-per-mm2"}

// Set overrides the parameter called param (one of NodeParams) with v,
// which must be a positive number.
func (n *Node) Set(param string, v float64) error {
	if !(v > 0) || math.IsInf(v, 0) {
		return fmt.Errorf("model: %s.%s = %v: must be a positive number", n.Name, param, v)
	}
	switch param {
	case "gate-delay-ps":
		n.GateDelayPS = v
	case "wire-delay-ps-per-mm":
		n.WireDelayPSPerMM = v
	case "power-mw-per-mhz":
		n.PowerMWPerMHz = v
	case "area-um2-per-gate":
		n.AreaUM2PerGate = v
	case "nre-usd":
		n.NREUSD = v
	case "usd-per-mm2":
		n.USDPerMM2 = v
	default:
		return fmt.Errorf("model: unknown node parameter %q (known: %s)", param, strings.Join(NodeParams, ", "))
	}
	return nil
}

// ApplyOverrides applies overrides of the form NODE.PARAM=VALUE
// ("7nm.gate-delay-ps=8") to nodes, in order, and returns the nodes.
func ApplyOverrides(nodes []Node, overrides []string) ([]Node, error) {
	nodes = slices.Clone(nodes)
	for _, o := range overrides {
		lhs, val, ok := strings.Cut(o, "=")
		name, param, ok2 := strings.Cut(strings.TrimSpace(lhs), ".")
		if !ok || !ok2 {
			return nil, fmt.Errorf("model: override %q: write NODE.PARAM=VALUE, e.g. 7nm.gate-delay-ps=8", o)
		}
		node, err := LookupNode(name)
		if err != nil {
			return nil, fmt.Errorf("model: override %q: %w", o, err)
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil {
			return nil, fmt.Errorf("model: override %q: %q is not a number", o, strings.TrimSpace(val))
		}
		i := slices.IndexFunc(nodes, func(n Node) bool { return n.Name == node.Name })
		if i < 0 {
			return nil, fmt.Errorf("model: override %q: node %s is not projected", o, node.Name)
		}
		if err := nodes[i].Set(strings.TrimSpace(param), v); err != nil {
			return nil, fmt.Errorf("model: override %q: %w", o, err)
		}
	}
	return nodes, nil
}

// Design is what the model projects: the synthesised validator.
type Design struct {
	Gates         int `json:"gates"`          // G: cells of the synthesised netlist, flip-flops included
	PathDepth     int `json:"path_depth"`     // D: cells on the longest combinational path
	Engines       int `json:"engines"`        // E: descriptors validated per cycle
	PipelineDepth int `json:"pipeline_depth"` // L: cycles from input to result
}

// Assumptions are the model's node-independent parameters.
type Assumptions struct {
	WireMM         float64 `json:"wire_mm"`         // wire on the critical path, mm
	StaticFraction float64 `json:"static_fraction"` // static power as a fraction of dynamic power
	IOPadFactor    float64 `json:"io_pad_factor"`   // die area over core area, for I/O pads
	Volume         float64 `json:"volume"`          // units the NRE is spread over
	CostMultiplier float64 `json:"cost_multiplier"` // packaging, test and margin
}

// DesignAssumptions are the research design's values.
var DesignAssumptions = Assumptions{WireMM: 2, StaticFraction: 0.3, IOPadFactor: 1.5, Volume: 10000, CostMultiplier: 3}

// Check returns an error naming the first design input that cannot be
// projected.
func (d Design) Check() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"gates", d.Gates}, {"path depth", d.PathDepth}, {"engines", d.Engines}, {"pipeline depth", d.PipelineDepth}} {
		if f.v < 1 {
			return fmt.Errorf("model: %s is %d; it must be 1 or more", f.name, f.v)
		}
	}
	return nil
}

// Check returns an error naming the first assumption out of range.
func (a Assumptions) Check() error {
	for _, f := range []struct {
		name     string
		v        float64
		positive bool
	}{{"wire-mm", a.WireMM, false}, {"static-fraction", a.StaticFraction, false}, {"io-pad-factor", a.IOPadFactor, true},
		{"volume", a.Volume, true}, {"cost-multiplier", a.CostMultiplier, true}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 || f.positive && f.v == 0 {
			want := "0 or more"
			if f.positive {
				want = "more than 0"
			}
			return fmt.Errorf("model: %s is %v; it must be %s", f.name, f.v, want)
		}
	}
	return nil
}

// ASIC is the projection of a design on one node. Every field is model
// output.
type ASIC struct {
	Node   Node
	Design Design
	// CriticalPathPS = D·d + wire_mm·w.
	CriticalPathPS float64
	// MaxFreqGHz = 1000 / CriticalPathPS.
	MaxFreqGHz float64
	// ThroughputPerS = E · f · 10⁹.
	ThroughputPerS float64
	// LatencyNS = L / f.
	LatencyNS float64
	// DynamicPowerMW = f·1000 · p · G / 1000.
	DynamicPowerMW float64
	// StaticPowerMW = static_fraction · DynamicPowerMW.
	StaticPowerMW float64
	// TotalPowerMW = DynamicPowerMW + StaticPowerMW.
	TotalPowerMW float64
	// CoreAreaMM2 = G · a / 10⁶; DieAreaMM2 = io_pad_factor · CoreAreaMM2.
	CoreAreaMM2, DieAreaMM2 float64
	// PerWatt = ThroughputPerS / (TotalPowerMW / 1000).
	PerWatt float64
	// PerMM2 = ThroughputPerS / CoreAreaMM2.
	PerMM2 float64
	// UnitCostUSD = (N / volume + DieAreaMM2 · c) · cost_multiplier.
	UnitCostUSD float64
}

// Project applies the model's formulas to d on node under a.
func Project(d Design, node Node, a Assumptions) (ASIC, error) {
	if err := d.Check(); err != nil {
		return ASIC{}, err
	}
	if err := a.Check(); err != nil {
		return ASIC{}, err
	}
	for i, v := range []float64{node.GateDelayPS, node.WireDelayPSPerMM, node.PowerMWPerMHz, node.AreaUM2PerGate, node.NREUSD, node.USDPerMM2} {
		if !(v > 0) || math.IsInf(v, 0) {
			return ASIC{}, fmt.Errorf("model: %s.%s is %v; it must be a positive number", node.Name, NodeParams[i], v)
		}
	}
	p := ASIC{Node: node, Design: d}
	p.CriticalPathPS = float64(d.PathDepth)*node.GateDelayPS + a.WireMM*node.WireDelayPSPerMM
	p.MaxFreqGHz = 1000 / p.CriticalPathPS
	p.ThroughputPerS = float64(d.Engines) * p.MaxFreqGHz * 1e9
	p.LatencyNS = float64(d.PipelineDepth) / p.MaxFreqGHz
	p.DynamicPowerMW = p.MaxFreqGHz * 1000 * node.PowerMWPerMHz * float64(d.Gates) / 1000
	p.StaticPowerMW = a.StaticFraction * p.DynamicPowerMW
	p.TotalPowerMW = p.DynamicPowerMW + p.StaticPowerMW
	p.CoreAreaMM2 = float64(d.Gates) * node.AreaUM2PerGate / 1e6
	p.DieAreaMM2 = a.IOPadFactor * p.CoreAreaMM2
	p.PerWatt = p.ThroughputPerS / (p.TotalPowerMW / 1000)
	p.PerMM2 = p.ThroughputPerS / p.CoreAreaMM2
	p.UnitCostUSD = (node.NREUSD/a.Volume + p.DieAreaMM2*node.USDPerMM2) * a.CostMultiplier
	return p, nil
}
