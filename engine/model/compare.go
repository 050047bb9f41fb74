package model

import (
	"fmt"
	"math"
	"strconv"
)

// Bases of a comparison row: where its figures come from.
const (
	Measured   = "measured"
	Declared   = "declared"
	Projection = "projection"
)

// Software is the software baseline: a measured time per descriptor, with
// power and price declared (0: not declared).
type Software struct {
	Platform string
	// Basis labels the time: Measured when empty; a caller that was given
	// the number rather than measuring it says so ("given").
	Basis           string
	NSPerDescriptor float64 // ns per descriptor validated
	Watts           float64 // declared power of the platform, W; 0 if not declared
	CostUSD         float64 // declared price, $; 0 if not declared
}

// FPGA is an FPGA platform declared from its datasheet: the clock the
// design is declared to run at, the board's power and its price.
type FPGA struct {
	Platform string
	ClockMHz float64
	Watts    float64
	CostUSD  float64
}

// Row is one platform of the comparison. Unknown figures are NaN.
type Row struct {
	Platform string
	// Basis is Measured (software, unless the caller labelled it
	// otherwise), Declared (FPGA, from datasheet figures) or Projection
	// (ASIC).
	Basis          string
	LatencyNS      float64
	ThroughputPerS float64
	PowerW         float64
	CostUSD        float64
	// LatencyGain = software latency / LatencyNS; ThroughputGain =
	// ThroughputPerS / software throughput.
	LatencyGain, ThroughputGain float64
	// PerWatt = ThroughputPerS / PowerW; PerDollar = ThroughputPerS / CostUSD.
	PerWatt, PerDollar float64
}

// Compare returns the comparison of the research design: the software
// baseline, the FPGA when fpga is not nil, then the ASIC projections. The
// software throughput is 10⁹ / NSPerDescriptor (one descriptor after
// another, as measured); the FPGA's latency is L / clock and its throughput
// E · clock, for the design d.
func Compare(d Design, sw Software, fpga *FPGA, asics []ASIC) ([]Row, error) {
	if !(sw.NSPerDescriptor > 0) || math.IsInf(sw.NSPerDescriptor, 0) {
		return nil, fmt.Errorf("model: software time per descriptor is %v ns; it must be a positive number", sw.NSPerDescriptor)
	}
	if sw.Watts < 0 || sw.CostUSD < 0 {
		return nil, fmt.Errorf("model: software power %v W and price %v $ must not be negative", sw.Watts, sw.CostUSD)
	}
	if err := d.Check(); err != nil {
		return nil, err
	}
	basis := sw.Basis
	if basis == "" {
		basis = Measured
	}
	swRow := Row{Platform: sw.Platform, Basis: basis, LatencyNS: sw.NSPerDescriptor, ThroughputPerS: 1e9 / sw.NSPerDescriptor,
		PowerW: orNaN(sw.Watts), CostUSD: orNaN(sw.CostUSD)}
	rows := []Row{swRow}
	if fpga != nil {
		if !(fpga.ClockMHz > 0) || !(fpga.Watts > 0) || !(fpga.CostUSD > 0) {
			return nil, fmt.Errorf("model: FPGA %q: clock %v MHz, power %v W and price %v $ must all be positive", fpga.Platform, fpga.ClockMHz, fpga.Watts, fpga.CostUSD)
		}
		rows = append(rows, Row{Platform: fpga.Platform, Basis: Declared,
			LatencyNS:      float64(d.PipelineDepth) * 1000 / fpga.ClockMHz,
			ThroughputPerS: float64(d.Engines) * fpga.ClockMHz * 1e6,
			PowerW:         fpga.Watts, CostUSD: fpga.CostUSD})
	}
	for _, a := range asics {
		rows = append(rows, Row{Platform: "ASIC " + a.Node.Name, Basis: Projection, LatencyNS: a.LatencyNS,
			ThroughputPerS: a.ThroughputPerS, PowerW: a.TotalPowerMW / 1000, CostUSD: a.UnitCostUSD})
	}
	for i := range rows {
		r := &rows[i]
		r.LatencyGain = swRow.LatencyNS / r.LatencyNS
		r.ThroughputGain = r.ThroughputPerS / swRow.ThroughputPerS
		r.PerWatt = r.ThroughputPerS / r.PowerW // NaN when power is unknown
		r.PerDollar = r.ThroughputPerS / r.CostUSD
	}
	return rows, nil
}

func orNaN(v float64) float64 {
	if v == 0 {
		return math.NaN()
	}
	return v
}

// ComparisonColumns are the columns of ComparisonCells.
var ComparisonColumns = []string{"platform", "basis", "latency (ns)", "throughput (validations/s)", "power (W)", "unit cost ($)",
	"latency gain over software (×)", "throughput gain over software (×)", "validations/s per W", "validations/s per $"}

// ComparisonCells formats rows as the cells of the comparison table;
// unknown figures are "–".
func ComparisonCells(rows []Row) [][]string {
	var out [][]string
	for _, r := range rows {
		out = append(out, []string{r.Platform, r.Basis, Format(r.LatencyNS), Format(r.ThroughputPerS), Format(r.PowerW),
			Format(r.CostUSD), Format(r.LatencyGain), Format(r.ThroughputGain), Format(r.PerWatt), Format(r.PerDollar)})
	}
	return out
}

// NodeColumns are the columns of NodeCells.
var NodeColumns = []string{"node", "gate delay (ps)", "critical path (ps)", "max frequency (GHz)", "throughput (validations/s)",
	"latency (ns)", "dynamic power (mW)", "static power (mW)", "total power (mW)", "core area (mm²)", "die area (mm²)",
	"validations/s per W", "validations/s per mm²", "unit cost ($)"}

// NodeCells formats the projections, one row per node.
func NodeCells(asics []ASIC) [][]string {
	var out [][]string
	for _, a := range asics {
		out = append(out, []string{a.Node.Name, Format(a.Node.GateDelayPS), Format(a.CriticalPathPS), Format(a.MaxFreqGHz),
			Format(a.ThroughputPerS), Format(a.LatencyNS), Format(a.DynamicPowerMW), Format(a.StaticPowerMW), Format(a.TotalPowerMW),
			Format(a.CoreAreaMM2), Format(a.DieAreaMM2), Format(a.PerWatt), Format(a.PerMM2), Format(a.UnitCostUSD)})
	}
	return out
}

// Format writes v with four significant digits, "–" when it is unknown
// (NaN or infinite).
func Format(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// Formulas lists the model's formulas as the report declares them.
var Formulas = [][2]string{
	{"critical path", "t [ps] = path_depth × gate_delay + wire_mm × wire_delay_per_mm"},
	{"max frequency", "f [GHz] = 1000 / t"},
	{"throughput", "T [validations/s] = engines × f × 10⁹ (one batch per cycle)"},
	{"latency", "l [ns] = pipeline_depth / f"},
	{"dynamic power", "Pd [mW] = f × 1000 × power_per_mhz × gates / 1000 (the design applies its per-gate figure per 1000 gates)"},
	{"static power", "Ps [mW] = static_fraction × Pd"},
	{"total power", "P [mW] = Pd + Ps"},
	{"core area", "A [mm²] = gates × area_per_gate / 10⁶"},
	{"die area", "Ad [mm²] = io_pad_factor × A"},
	{"per watt", "T / (P / 1000)"},
	{"per mm²", "T / A"},
	{"unit cost", "C [$] = (NRE / volume + Ad × cost_per_mm²) × cost_multiplier"},
	{"software", "latency = measured ns per descriptor; T = 10⁹ / latency"},
	{"FPGA", "latency = pipeline_depth × 1000 / clock_MHz; T = engines × clock_MHz × 10⁶ (clock, power, price declared)"},
	{"gains", "latency gain = software latency / latency; throughput gain = T / software T"},
}
