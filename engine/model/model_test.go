package model

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden projection tables in testdata/")

// near reports whether got is within 1e-9 relative of want.
func near(got, want float64) bool {
	return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want))
}

func node(t *testing.T, name string) Node {
	t.Helper()
	n, err := LookupNode(name)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestProjectByHand checks Project against values computed by hand, the
// arithmetic in the comments.
func TestProjectByHand(t *testing.T) {
	tests := []struct {
		name   string
		design Design
		node   string
		want   ASIC
	}{
		{
			// The research design's own guesses on 7nm: 100,000 gates, 50 on
			// the critical path, 8 engines, 5 pipeline stages.
			name: "design guesses, 7nm", design: Design{Gates: 100000, PathDepth: 50, Engines: 8, PipelineDepth: 5}, node: "7nm",
			want: ASIC{
				CriticalPathPS: 410,                            // 50×7 + 2×30 = 350 + 60
				MaxFreqGHz:     1000.0 / 410,                   // 2.43902… GHz
				ThroughputPerS: 8 * 1000.0 / 410 * 1e9,         // 1.95122e10 /s
				LatencyNS:      2.05,                           // 5 / (1000/410) = 5 × 0.41
				DynamicPowerMW: 1e6 / 410 * 3,                  // 2439.02 MHz × 0.03 × 100,000/1000 = 7317.07 mW
				StaticPowerMW:  0.3 * 1e6 / 410 * 3,            // 0.3 × 7317.07 = 2195.12 mW
				TotalPowerMW:   1.3 * 1e6 / 410 * 3,            // 9512.20 mW
				CoreAreaMM2:    0.008,                          // 100,000 × 0.08 / 10⁶
				DieAreaMM2:     0.012,                          // 1.5 × 0.008
				PerWatt:        8e9 / 3.9,                      // 1.95122e10 / 9.51220 W: f cancels, 8e9 / (1.3 × 3) = 2.05128e9
				PerMM2:         8 * 1000.0 / 410 * 1e9 / 0.008, // 2.43902e12
				UnitCostUSD:    4503.6,                         // (15e6/10,000 + 0.012 × 100) × 3 = (1500 + 1.2) × 3
			},
		},
		{
			// Round numbers on 28nm: 6,000 gates, 10 deep, 8 engines, 2 stages.
			name: "round numbers, 28nm", design: Design{Gates: 6000, PathDepth: 10, Engines: 8, PipelineDepth: 2}, node: "28nm",
			want: ASIC{
				CriticalPathPS: 300,              // 10×20 + 2×50
				MaxFreqGHz:     10.0 / 3,         // 1000/300 = 3.333 GHz
				ThroughputPerS: 8e10 / 3,         // 8 × 3.333e9 = 2.6667e10
				LatencyNS:      0.6,              // 2 / 3.333
				DynamicPowerMW: 2000,             // 3333.33 MHz × 0.1 × 6000/1000 = 3333.33 × 0.6
				StaticPowerMW:  600,              // 0.3 × 2000
				TotalPowerMW:   2600,             // 2000 + 600
				CoreAreaMM2:    0.003,            // 6000 × 0.5 / 10⁶
				DieAreaMM2:     0.0045,           // 1.5 × 0.003
				PerWatt:        8e10 / 3 / 2.6,   // 2.6667e10 / 2.6 W = 1.0256e10
				PerMM2:         8e10 / 3 / 0.003, // 8.8889e12
				UnitCostUSD:    300.27,           // (1e6/10,000 + 0.0045 × 20) × 3 = (100 + 0.09) × 3
			},
		},
		{
			// 5nm, one engine, 1 gate deep: 1×5 + 2×25 = 55 ps.
			name: "one gate, 5nm", design: Design{Gates: 1000, PathDepth: 1, Engines: 1, PipelineDepth: 1}, node: "5nm",
			want: ASIC{
				CriticalPathPS: 55,
				MaxFreqGHz:     1000.0 / 55,     // 18.18 GHz
				ThroughputPerS: 1e12 / 55,       // 1.818e10
				LatencyNS:      0.055,           // 1 / 18.18
				DynamicPowerMW: 1e6 / 55 * 0.02, // 18181.8 MHz × 0.02 × 1000/1000 = 363.6 mW
				StaticPowerMW:  0.3 * 1e6 / 55 * 0.02,
				TotalPowerMW:   1.3 * 1e6 / 55 * 0.02, // 472.7 mW
				CoreAreaMM2:    0.00005,               // 1000 × 0.05 / 10⁶
				DieAreaMM2:     0.000075,
				PerWatt:        1e12 / 55 / (1.3 * 1e3 / 55 * 0.02), // 1e9 / 0.026 = 3.846e10
				PerMM2:         1e12 / 55 / 0.00005,
				UnitCostUSD:    9000.045, // (30e6/10,000 + 0.000075 × 200) × 3 = (3000 + 0.015) × 3
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Project(tt.design, node(t, tt.node), DesignAssumptions)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range []struct {
				name      string
				got, want float64
			}{
				{"critical path", got.CriticalPathPS, tt.want.CriticalPathPS},
				{"max frequency", got.MaxFreqGHz, tt.want.MaxFreqGHz},
				{"throughput", got.ThroughputPerS, tt.want.ThroughputPerS},
				{"latency", got.LatencyNS, tt.want.LatencyNS},
				{"dynamic power", got.DynamicPowerMW, tt.want.DynamicPowerMW},
				{"static power", got.StaticPowerMW, tt.want.StaticPowerMW},
				{"total power", got.TotalPowerMW, tt.want.TotalPowerMW},
				{"core area", got.CoreAreaMM2, tt.want.CoreAreaMM2},
				{"die area", got.DieAreaMM2, tt.want.DieAreaMM2},
				{"per watt", got.PerWatt, tt.want.PerWatt},
				{"per mm²", got.PerMM2, tt.want.PerMM2},
				{"unit cost", got.UnitCostUSD, tt.want.UnitCostUSD},
			} {
				if !near(f.got, f.want) {
					t.Errorf("%s = %v, want %v", f.name, f.got, f.want)
				}
			}
		})
	}
}

// TestCompareByHand: software measured at 50 ns, an FPGA declared at
// 250 MHz, 75 W, $9,000, and the 28nm projection of the round-number design.
func TestCompareByHand(t *testing.T) {
	d := Design{Gates: 6000, PathDepth: 10, Engines: 8, PipelineDepth: 2}
	a, err := Project(d, node(t, "28nm"), DesignAssumptions)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := Compare(d, Software{Platform: "Go", NSPerDescriptor: 50, Watts: 65},
		&FPGA{Platform: "board", ClockMHz: 250, Watts: 75, CostUSD: 9000}, []ASIC{a})
	if err != nil {
		t.Fatal(err)
	}
	want := []Row{
		// 10⁹ / 50 ns = 2e7/s; 2e7 / 65 W = 307,692/s/W; no declared price.
		{Platform: "Go", Basis: Measured, LatencyNS: 50, ThroughputPerS: 2e7, PowerW: 65, CostUSD: math.NaN(),
			LatencyGain: 1, ThroughputGain: 1, PerWatt: 2e7 / 65, PerDollar: math.NaN()},
		// 2 cycles × 1000 / 250 MHz = 8 ns; 8 × 250e6 = 2e9/s; 50/8 = 6.25×;
		// 2e9/2e7 = 100×; 2e9/75 = 2.667e7/W; 2e9/9000 = 222,222/$.
		{Platform: "board", Basis: Declared, LatencyNS: 8, ThroughputPerS: 2e9, PowerW: 75, CostUSD: 9000,
			LatencyGain: 6.25, ThroughputGain: 100, PerWatt: 2e9 / 75, PerDollar: 2e9 / 9000},
		// 0.6 ns, 2.6667e10/s, 2.6 W, $300.27; 50/0.6 = 83.33×; 2.6667e10/2e7 = 1333.3×.
		{Platform: "ASIC 28nm", Basis: Projection, LatencyNS: 0.6, ThroughputPerS: 8e10 / 3, PowerW: 2.6, CostUSD: 300.27,
			LatencyGain: 50 / 0.6, ThroughputGain: 8e10 / 3 / 2e7, PerWatt: 8e10 / 3 / 2.6, PerDollar: 8e10 / 3 / 300.27},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows", len(rows))
	}
	same := func(got, want float64) bool { return math.IsNaN(got) && math.IsNaN(want) || near(got, want) }
	for i, w := range want {
		g := rows[i]
		if g.Platform != w.Platform || g.Basis != w.Basis || !same(g.LatencyNS, w.LatencyNS) || !same(g.ThroughputPerS, w.ThroughputPerS) ||
			!same(g.PowerW, w.PowerW) || !same(g.CostUSD, w.CostUSD) || !same(g.LatencyGain, w.LatencyGain) ||
			!same(g.ThroughputGain, w.ThroughputGain) || !same(g.PerWatt, w.PerWatt) || !same(g.PerDollar, w.PerDollar) {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
	if c := ComparisonCells(rows[:1])[0]; c[5] != "–" || c[9] != "–" || c[2] != "50" {
		t.Errorf("software cells %q: an undeclared price must show as –", c)
	}
}

func TestBadInput(t *testing.T) {
	good := Design{Gates: 100, PathDepth: 5, Engines: 4, PipelineDepth: 2}
	n7 := node(t, "7nm")
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"unknown node", func() error { _, err := LookupNode("3nm"); return err }, `unknown technology node "3nm" (known nodes: 28nm, 14nm, 7nm, 5nm)`},
		{"node without unit", func() error { _, err := LookupNode("14"); return err }, ""},
		{"zero engines", func() error { d := good; d.Engines = 0; _, err := Project(d, n7, DesignAssumptions); return err }, "engines is 0; it must be 1 or more"},
		{"negative engines", func() error { d := good; d.Engines = -8; _, err := Project(d, n7, DesignAssumptions); return err }, "engines is -8"},
		{"zero gates", func() error { d := good; d.Gates = 0; _, err := Project(d, n7, DesignAssumptions); return err }, "gates is 0"},
		{"zero depth", func() error { d := good; d.PathDepth = 0; _, err := Project(d, n7, DesignAssumptions); return err }, "path depth is 0"},
		{"zero volume", func() error { a := DesignAssumptions; a.Volume = 0; _, err := Project(good, n7, a); return err }, "volume is 0; it must be more than 0"},
		{"negative wire", func() error { a := DesignAssumptions; a.WireMM = -1; _, err := Project(good, n7, a); return err }, "wire-mm is -1; it must be 0 or more"},
		{"zero node parameter", func() error { n := n7; n.GateDelayPS = 0; _, err := Project(good, n, DesignAssumptions); return err }, "7nm.gate-delay-ps is 0"},
		{"bad override", func() error { _, err := ApplyOverrides(Nodes(), []string{"7nm.gate-delay=8"}); return err }, `unknown node parameter "gate-delay"`},
		{"override syntax", func() error { _, err := ApplyOverrides(Nodes(), []string{"7nm=8"}); return err }, "write NODE.PARAM=VALUE"},
		{"override node", func() error { _, err := ApplyOverrides(Nodes(), []string{"3nm.nre-usd=1"}); return err }, `unknown technology node "3nm"`},
		{"override value", func() error { _, err := ApplyOverrides(Nodes(), []string{"7nm.nre-usd=lots"}); return err }, `"lots" is not a number`},
		{"override negative", func() error { _, err := ApplyOverrides(Nodes(), []string{"7nm.nre-usd=-1"}); return err }, "must be a positive number"},
		{"software zero", func() error { _, err := Compare(good, Software{}, nil, nil); return err }, "software time per descriptor is 0 ns"},
		{"fpga zero clock", func() error {
			_, err := Compare(good, Software{NSPerDescriptor: 1}, &FPGA{Platform: "x", Watts: 1, CostUSD: 1}, nil)
			return err
		}, "must all be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	nodes, err := ApplyOverrides(Nodes(), []string{"7nm.gate-delay-ps=8", " 5nm.usd-per-mm2 = 250 "})
	if err != nil || nodes[2].GateDelayPS != 8 || nodes[3].USDPerMM2 != 250 || Nodes()[2].GateDelayPS != 7 {
		t.Errorf("overrides: %+v, %v", nodes, err)
	}
}

// TestGolden renders the projection tables for two designs: the research
// design's guesses (100,000 gates, 50 deep, 5 stages, 1.5 µs software) and
// round inputs. go test ./engine/model -run TestGolden -update rewrites them.
func TestGolden(t *testing.T) {
	tests := []struct {
		name   string
		design Design
		sw     Software
		fpga   *FPGA
	}{
		{"design-guesses", Design{Gates: 100000, PathDepth: 50, Engines: 8, PipelineDepth: 5},
			Software{Platform: "software", Basis: "design's guess", NSPerDescriptor: 1500, Watts: 65, CostUSD: 500},
			&FPGA{Platform: "FPGA (declared)", ClockMHz: 300, Watts: 75, CostUSD: 8995}},
		{"small-design", Design{Gates: 6000, PathDepth: 10, Engines: 8, PipelineDepth: 2},
			Software{Platform: "software", NSPerDescriptor: 50}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var asics []ASIC
			for _, n := range Nodes() {
				a, err := Project(tt.design, n, DesignAssumptions)
				if err != nil {
					t.Fatal(err)
				}
				asics = append(asics, a)
			}
			rows, err := Compare(tt.design, tt.sw, tt.fpga, asics)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			fmt.Fprintf(&b, "# projection: %+v\n", tt.design)
			writeTSV(&b, NodeColumns, NodeCells(asics))
			b.WriteString("\n")
			writeTSV(&b, ComparisonColumns, ComparisonCells(rows))
			golden(t, filepath.Join("testdata", tt.name+".golden"), b.Bytes())
		})
	}
}

func writeTSV(b *bytes.Buffer, cols []string, rows [][]string) {
	b.WriteString(strings.Join(cols, "\t") + "\n")
	for _, r := range rows {
		b.WriteString(strings.Join(r, "\t") + "\n")
	}
}

// golden compares got with the file at path, printing a unified diff on a
// mismatch; -update rewrites the file.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	gotPath := filepath.Join(t.TempDir(), filepath.Base(path))
	os.WriteFile(gotPath, got, 0o644)
	diff, _ := exec.Command("diff", "-u", path, gotPath).CombinedOutput()
	t.Errorf("%s differs (go test -run TestGolden -update rewrites it):\n%s", path, diff)
}
