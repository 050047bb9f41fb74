package directives

import (
	"math"
	"strings"
	"testing"

	"github.com/tcpreport/tcpreport/engine"
)

// projectionReq builds a request with an {hdl}-like and a {bench}-like
// input. Both are hand-built test inputs, not report numbers.
func projectionReq(t *testing.T, vals map[string]string, hdlVals, benchVals map[string]engine.Value) *engine.Request {
	t.Helper()
	req := &engine.Request{ID: "tbl-projection", Opts: options(t, NewProjection(), vals), Dir: t.TempDir(), Inputs: map[string]*engine.Result{}}
	if hdlVals != nil {
		req.From = append(req.From, "hdl")
		req.Inputs["hdl"] = &engine.Result{Values: hdlVals}
	}
	if benchVals != nil {
		req.From = append(req.From, "bench")
		req.Inputs["bench"] = &engine.Result{Values: benchVals}
	}
	return req
}

func hdlValues() map[string]engine.Value {
	return map[string]engine.Value{
		"cells_total": engine.Num(6000, "cells"), "path_depth": engine.Num(10, "cells"),
		"engines": engine.Num(8, ""), "latency_cycles": engine.Num(2, "cycles"),
	}
}

func benchValues() map[string]engine.Value {
	return map[string]engine.Value{"software_ns_per_descriptor": engine.Num(50, "ns")}
}

func TestProjectionDirective(t *testing.T) {
	d := NewProjection()
	req := projectionReq(t, map[string]string{"fpga": "Board X", "fpga-mhz": "250", "fpga-watts": "75", "fpga-cost": "9000"}, hdlValues(), benchValues())
	res, err := d.Run(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range res.Values {
		if !v.Projection {
			t.Errorf("value %s is not labelled a projection", name)
		}
	}
	// The numbers of engine/model's hand-computed case: 28nm, 6,000 gates,
	// 10 deep, 8 engines, 2 cycles, software 50 ns.
	for name, want := range map[string]float64{
		"asic_28nm_latency_ns":      0.6,
		"asic_28nm_power_w":         2.6,
		"asic_28nm_cost_usd":        300.27,
		"asic_28nm_throughput_gain": 8e10 / 3 / 2e7,
		"asic_28nm_freq_ghz":        10.0 / 3,
		"fpga_latency_ns":           8,
		"fpga_throughput":           2e9,
		"fpga_latency_gain":         6.25,
	} {
		if got := res.Values[name].Num; math.Abs(got-want) > 1e-9*want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if len(res.Tables) != 4 || res.Tables[0].Name != "comparison" || len(res.Tables[0].Rows) != 6 {
		t.Fatalf("tables %+v", res.Tables)
	}
	cap := res.Tables[0].Caption
	for _, want := range []string{"Projection", "gates 6000", "longest path 10 cells", "from the synthesis of hdl", "software 50 ns per descriptor measured by bench", "FPGA Board X declared at 250 MHz"} {
		if !strings.Contains(cap, want) {
			t.Errorf("comparison caption lacks %q: %s", want, cap)
		}
	}
	if got := res.Tables[0].Rows[1][:2]; got[0] != "Board X" || got[1] != "declared" {
		t.Errorf("FPGA row %v", got)
	}
	if got := res.Tables[0].Rows[0]; got[1] != "measured" || got[4] != "–" {
		t.Errorf("software row %v: power is not declared", got)
	}
	if len(res.Figures) != 3 || !res.Figures[0].LogY || len(res.Figures[2].Categories) != 5 {
		t.Errorf("figures: %d, log %v", len(res.Figures), res.Figures[0].LogY)
	}
	for _, f := range res.Figures {
		if !strings.HasPrefix(f.Caption, "Projection") || f.Kind != engine.Bar || len(f.Series[0].Y) != len(f.Categories) {
			t.Errorf("figure %s: %q", f.Name, f.Caption)
		}
	}
	inputs := res.Tables[2]
	if inputs.Rows[0][3] != "hdl.cells_total (measured: yosys synthesis)" || !strings.Contains(inputs.Rows[4][3], "bench.software_ns_per_descriptor") {
		t.Errorf("inputs %v", inputs.Rows[:5])
	}
}

func TestProjectionOverrides(t *testing.T) {
	req := projectionReq(t, map[string]string{"nodes": "7nm", "set": "7nm.gate-delay-ps=10", "wire-mm": "0", "pipeline-depth": "4",
		"software-watts": "65"}, hdlValues(), benchValues())
	res, err := NewProjection().Run(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	// 10 cells × 10 ps + 0 mm of wire = 100 ps: 10 GHz; 4 cycles: 0.4 ns.
	if got := res.Values["asic_7nm_critical_path_ps"].Num; got != 100 {
		t.Errorf("critical path %v ps, want 100", got)
	}
	if got := res.Values["asic_7nm_latency_ns"].Num; math.Abs(got-0.4) > 1e-12 {
		t.Errorf("latency %v ns, want 0.4", got)
	}
	if _, ok := res.Values["asic_28nm_latency_ns"]; ok || len(res.Tables[0].Rows) != 2 || len(res.Figures[2].Categories) != 2 {
		t.Errorf("only 7nm was asked for: %v", res.Tables[0].Rows)
	}
	found := false
	for _, r := range res.Tables[2].Rows {
		if r[0] == "7nm gate-delay-ps" && r[1] == "10" && r[3] == "option set (declared)" {
			found = true
		}
	}
	if !found {
		t.Errorf("the override is not listed as declared: %v", res.Tables[2].Rows)
	}
}

func TestProjectionBadInput(t *testing.T) {
	noDepth := hdlValues()
	delete(noDepth, "path_depth")
	zeroEngines := hdlValues()
	zeroEngines["engines"] = engine.Num(0, "")
	tests := []struct {
		name       string
		vals       map[string]string
		hdl, bench map[string]engine.Value
		want       string
	}{
		{"no from", nil, nil, nil, "write :from: <hdl id>, <bench id>"},
		{"no bench", nil, hdlValues(), nil, "none of the :from: inputs (hdl) has the value software_ns_per_descriptor; list a {bench} directive"},
		{"no hdl", nil, nil, benchValues(), "none of the :from: inputs (bench) has the value cells_total; list a {hdl} directive"},
		{"no path depth", nil, noDepth, benchValues(), "from: hdl has no value path_depth; is it an {hdl} directive?"},
		{"zero engines", nil, zeroEngines, benchValues(), `from: hdl.engines is "0"; the projection needs a positive number`},
		{"software in µs", nil, hdlValues(), map[string]engine.Value{"software_ns_per_descriptor": engine.Num(1.5, "µs")}, `is in "µs"`},
		{"unknown node", map[string]string{"nodes": "7nm, 3nm"}, hdlValues(), benchValues(), `nodes: model: unknown technology node "3nm"`},
		{"bad override", map[string]string{"set": "7nm.speed=2"}, hdlValues(), benchValues(), `set: model: override "7nm.speed=2"`},
		{"half an fpga", map[string]string{"fpga": "X", "fpga-mhz": "300"}, hdlValues(), benchValues(), "fpga-watts, fpga-cost: a declared FPGA row needs"},
		{"zero pipeline", map[string]string{"pipeline-depth": "0"}, hdlValues(), benchValues(), "pipeline depth is 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewProjection().Run(t.Context(), projectionReq(t, tt.vals, tt.hdl, tt.bench))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	two := projectionReq(t, nil, hdlValues(), benchValues())
	two.From = append(two.From, "hdl2")
	two.Inputs["hdl2"] = &engine.Result{Values: hdlValues()}
	if _, err := NewProjection().Run(t.Context(), two); err == nil || !strings.Contains(err.Error(), "hdl, hdl2 all have the value cells_total") {
		t.Errorf("two hdl inputs: %v", err)
	}
	// A bench result that happens to have a value called engines does not
	// confuse the design's engine count.
	bench := benchValues()
	bench["engines"] = engine.Num(3, "")
	res, err := NewProjection().Run(t.Context(), projectionReq(t, nil, hdlValues(), bench))
	if err != nil || !strings.Contains(res.Tables[0].Caption, "(8 engines)") {
		t.Errorf("engines from the bench input: %v", err)
	}
}
