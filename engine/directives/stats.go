package directives

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/stats"
)

// Stats is the {stats} directive: the statistical validation of an
// {experiment}. It reads the experiment's raw samples and schedule and
// compares the tcp arm with every other arm, so changing :alpha: or
// re-running it recomputes everything from the stored samples without
// re-running the experiment.
type Stats struct{}

// NewStats returns the {stats} directive.
func NewStats() *Stats { return &Stats{} }

// Kind returns "stats".
func (*Stats) Kind() string { return "stats" }

// Version returns the implementation version.
func (*Stats) Version() int { return 1 }

// Options declares alpha and the baselines.
func (*Stats) Options() []engine.OptionSpec {
	return []engine.OptionSpec{
		{Name: "alpha", Type: engine.Float, Default: "0.05",
			Help: "significance level of the tests and of the assumption checks; intervals are at 1 − alpha"},
		{Name: "baselines", Type: engine.List,
			Help: "the arms compared with tcp (default: every other arm of the experiment)"},
	}
}

// UsesSeed: the bootstrap of the ratio of medians is seeded.
func (*Stats) UsesSeed() {}

// comparison is one baseline against tcp.
type comparison struct {
	arm string
	c   *stats.Comparison
}

// Run compares the arms and checks the controls of the design.
func (*Stats) Run(_ context.Context, req *engine.Request) (*engine.Result, error) {
	in, err := req.Input()
	if err != nil {
		return nil, fmt.Errorf("from: %w (an {experiment})", err)
	}
	arms := in.Values["arms"].Text
	sched := fileOf(in, ScheduleFile)
	if arms == "" || sched == nil {
		return nil, fmt.Errorf("from: %s is not an {experiment} result (no arms or schedule)", req.From[0])
	}
	series := map[string][]float64{}
	for _, s := range in.Series {
		series[s.Name] = s.Values
	}
	names := splitArms(arms)
	baselines := req.Opts.List("baselines")
	if len(baselines) == 0 {
		baselines = names[1:]
	}
	alpha := req.Opts.Float("alpha")
	tcpNs := series["tcp_ns"]
	res := &engine.Result{Values: map[string]engine.Value{"alpha": engine.Num(alpha, "")}}
	v := res.Values
	v["tcp_n"] = engine.Num(float64(len(tcpNs)), "")

	var comps []comparison
	for _, b := range baselines {
		if !slices.Contains(names, b) || b == "tcp" {
			return nil, fmt.Errorf("baselines: %q is not a baseline arm of %s (arms: %s)", b, req.From[0], arms)
		}
		c, err := stats.Compare(series[b+"_ns"], tcpNs, alpha, uint64(req.Seed))
		if err != nil {
			return nil, fmt.Errorf("%s against tcp: %w", b, err)
		}
		comps = append(comps, comparison{b, c})
	}

	main := engine.Table{Name: "comparison",
		Caption: "Each baseline against tcp: speedup as the ratio of medians with its bootstrap interval, the test the design selected, effect sizes and achieved power.",
		Columns: []string{"baseline", "n (baseline / tcp)", "median baseline", "median tcp", "speedup [CI]", "test", "p", "Cohen's d", "Hedges' g", "mean difference [CI]", "achieved power"}}
	checks := engine.Table{Name: "assumptions", Caption: "Every assumption check of the test selection, with its outcome.",
		Columns: []string{"comparison", "check", "test", "statistic", "p", "assumption"}}
	for _, cp := range comps {
		c, b := cp.c, cp.arm
		p := c.Selected.Result.P
		v[b+"_n"] = engine.Num(float64(c.A.N), "")
		v[b+"_test"] = engine.Text(c.Selected.Result.Name)
		v[b+"_test_reason"] = engine.Text(c.Selected.Reason)
		v[b+"_p"] = engine.Num(p, "")
		row := []string{b, fmt.Sprintf("%d / %d", c.A.N, c.B.N), formatNs(c.A.Median), formatNs(c.B.Median), "n/a",
			c.Selected.Result.Name, formatP(p), "n/a", "n/a", "n/a", "n/a"}
		if r := c.MedianRatio; r != nil {
			v[b+"_speedup"] = engine.Num(r.Estimate, "×")
			v[b+"_speedup_low"] = engine.Num(r.Interval.Low, "×")
			v[b+"_speedup_high"] = engine.Num(r.Interval.High, "×")
			row[4] = fmt.Sprintf("%s× [%s, %s]", sig4(r.Estimate), sig4(r.Interval.Low), sig4(r.Interval.High))
		}
		if c.CohenD != nil {
			d := *c.CohenD
			v[b+"_cohen_d"] = engine.Num(d, "")
			words := effectWords(d)
			if c.Selected.Test == stats.SelectedMannWhitney {
				words += "; d divides by the pooled standard deviation, which the long tails of non-normal timings inflate, so the ratio of medians is the measure to read"
			}
			v[b+"_effect_label"] = engine.Text(words)
			row[7] = fmt.Sprintf("%.2f (%s)", d, stats.CohenLabel(d))
		}
		if c.HedgesG != nil {
			v[b+"_hedges_g"] = engine.Num(*c.HedgesG, "")
			row[8] = fmt.Sprintf("%.2f", *c.HedgesG)
		}
		if iv := c.MeanDiffCI; iv != nil {
			row[9] = fmt.Sprintf("%s [%s, %s]", formatNs(c.A.Mean-c.B.Mean), formatNs(iv.Low), formatNs(iv.High))
		}
		if c.AchievedPower != nil {
			v[b+"_power"] = engine.Num(*c.AchievedPower, "")
			row[10] = fmt.Sprintf("%.3f", *c.AchievedPower)
		}
		main.Rows = append(main.Rows, row)
		for _, ck := range c.Selected.Checks {
			r := []string{b + " vs tcp", ck.Name, "", "", "", ""}
			switch {
			case ck.Test != nil:
				r[2], r[3], r[4] = ck.Test.Name, sig4(ck.Test.Statistic), formatP(ck.Test.P)
				r[5] = "rejected"
				if ck.Passed {
					r[5] = "not rejected"
				}
			case ck.Err != nil:
				r[5] = "not checkable: " + ck.Err.Error()
			}
			checks.Rows = append(checks.Rows, r)
		}
		checks.Rows = append(checks.Rows, []string{b + " vs tcp", "selected", c.Selected.Result.Name, sig4(c.Selected.Result.Statistic), formatP(p), c.Selected.Reason})
		for _, m := range c.Missing {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s vs tcp: %s not computed: %v", b, m.What, m.Err))
		}
	}

	controls, err := biasControls(res, in, sched, names, series, alpha)
	if err != nil {
		return nil, err
	}
	res.Tables = []engine.Table{main, checks, controls}
	res.Figures = timingFigures(names, series)
	return res, nil
}

// biasControls checks the controls of the design from the schedule and the
// samples: randomisation, counterbalancing, time blocks, load, outliers.
func biasControls(res *engine.Result, in *engine.Result, sched []byte, names []string, series map[string][]float64, alpha float64) (engine.Table, error) {
	v := res.Values
	t := engine.Table{Name: "controls", Caption: "Bias controls as applied, and the checks that they worked.",
		Columns: []string{"control", "how", "check", "outcome"}}
	rows, err := csv.NewReader(bytes.NewReader(sched)).ReadAll()
	if err != nil || len(rows) < 2 {
		return t, fmt.Errorf("from: schedule: unreadable (%v)", err)
	}
	var tools []string
	posGroup := map[string]map[int]float64{}
	slot := make([][]float64, len(names))
	for i := range slot {
		slot[i] = make([]float64, len(names))
	}
	nTools := int(in.Values["tools"].Num)
	groups := min(4, max(nTools, 1))
	for _, r := range rows[1:] {
		if len(r) < 8 {
			return t, fmt.Errorf("from: schedule: a row has %d fields, want 8", len(r))
		}
		pos, _ := strconv.Atoi(r[2])
		tool := r[3]
		if posGroup[tool] == nil {
			posGroup[tool] = map[int]float64{}
			tools = append(tools, tool)
		}
		posGroup[tool][(pos-1)*groups/max(nTools, 1)]++
		for s, a := range strings.Fields(r[6]) {
			if i := slices.Index(names, a); i >= 0 && s < len(names) {
				slot[i][s]++
			}
		}
	}
	slices.Sort(tools)
	var table [][]float64
	for _, tool := range tools {
		row := make([]float64, groups)
		for g := range groups {
			row[g] = posGroup[tool][g]
		}
		table = append(table, row)
	}
	blocks := int(in.Values["blocks"].Num)
	add := func(control, how, check, outcome string) {
		t.Rows = append(t.Rows, []string{control, how, check, outcome})
	}
	how := fmt.Sprintf("a fresh seeded permutation of the %d tools in each of %d blocks (PCG, seed %s)", nTools, blocks, in.Values["seed"].Format(""))
	if test, err := stats.ChiSquareIndependence(table); err == nil {
		v["randomisation_chi2"] = engine.Num(test.Statistic, "")
		v["randomisation_p"] = engine.Num(test.P, "")
		add("randomisation", how, fmt.Sprintf("chi-square of tool × position in block (%d groups): χ² = %s, df %g", groups, sig4(test.Statistic), test.DF),
			fmt.Sprintf("p = %s: %s", formatP(test.P), rejectWords(test.P, alpha, "position depends on the tool", "no dependence of position on tool detected")))
	} else {
		add("randomisation", how, "chi-square of tool × position", "not checkable: "+err.Error())
	}
	if test, err := stats.ChiSquareIndependence(slot); err == nil {
		v["counterbalance_p"] = engine.Num(test.P, "")
		add("counterbalancing", fmt.Sprintf("arm order from a Williams design over %d arms, cycled over the trials", len(names)),
			fmt.Sprintf("chi-square of arm × slot: χ² = %s, df %g", sig4(test.Statistic), test.DF),
			fmt.Sprintf("p = %s: %s", formatP(test.P), rejectWords(test.P, alpha, "arm order is unbalanced", "arm order balanced")))
	} else {
		add("counterbalancing", "Williams design", "chi-square of arm × slot", "not checkable: "+err.Error())
	}
	// Time blocks: the speedup within each block.
	for _, b := range names[1:] {
		lo, hi := math.Inf(1), math.Inf(-1)
		for blk := range blocks {
			base := inBlock(series[b+"_ns"], series[b+"_block"], blk)
			tcp := inBlock(series["tcp_ns"], series["tcp_block"], blk)
			if len(base) == 0 || len(tcp) == 0 {
				continue
			}
			mb, _ := stats.Median(base)
			mt, _ := stats.Median(tcp)
			lo, hi = min(lo, mb/mt), max(hi, mb/mt)
		}
		if !math.IsInf(lo, 0) {
			v[b+"_block_speedup_min"] = engine.Num(lo, "×")
			v[b+"_block_speedup_max"] = engine.Num(hi, "×")
			add("time-block stratification", "every arm decides every tool once per block, so each block is a complete replicate",
				fmt.Sprintf("speedup of tcp over %s within each of %d blocks", b, blocks), fmt.Sprintf("%s× to %s×", sig4(lo), sig4(hi)))
		}
	}
	load := append(slices.Clone(series["load_before"]), series["load_after"]...)
	if len(load) > 0 {
		v["load_min"] = engine.Num(slices.Min(load), "")
		v["load_max"] = engine.Num(slices.Max(load), "")
		add("load", "/proc/loadavg read before and after each block", "1-minute load average over the blocks",
			fmt.Sprintf("%.2f to %.2f", slices.Min(load), slices.Max(load)))
	}
	for _, a := range names {
		x := series[a+"_ns"]
		iqr, err1 := stats.IQRFences(x, stats.IQRFenceK)
		mad, err2 := stats.MADFences(x, stats.MADFenceK)
		out := []string{}
		if err1 == nil {
			v[a+"_outliers_iqr"] = engine.Num(float64(iqr.Count()), "")
			out = append(out, fmt.Sprintf("%d beyond IQR fences (k = %g)", iqr.Count(), stats.IQRFenceK))
		}
		if err2 == nil {
			v[a+"_outliers_mad"] = engine.Num(float64(mad.Count()), "")
			out = append(out, fmt.Sprintf("%d beyond MAD fences (k = %g)", mad.Count(), stats.MADFenceK))
		}
		if len(out) == 0 {
			out = append(out, "not computable")
		}
		add("outliers", "flagged and counted, kept in every statistic", fmt.Sprintf("arm %s, %d decisions", a, len(x)), strings.Join(out, "; "))
	}
	add("warm-up", fmt.Sprintf("%s decisions per arm before the first block, discarded", in.Values["warmup"].Format("")), "", "")
	return t, nil
}

// timingFigures draws the ECDF of every arm and the timings in the order
// they were taken.
func timingFigures(names []string, series map[string][]float64) []engine.Figure {
	ecdf := engine.Figure{Name: "ecdf", Kind: engine.ECDF, LogX: true, XLabel: "decision time (ns)", YLabel: "fraction of decisions",
		Caption: "Empirical distribution of the decision times of each arm (log scale)."}
	over := engine.Figure{Name: "time", Kind: engine.Line, LogY: true, XLabel: "decision of the arm, in the order taken", YLabel: "decision time (ns)",
		Caption: "Decision times in the order they were taken, per arm (log scale): drift or warm-up effects would show as trends."}
	for _, a := range names {
		ns := series[a+"_ns"]
		ecdf.Series = append(ecdf.Series, engine.FigureData{Name: a, Y: ns})
		xs := make([]float64, len(ns))
		for i := range xs {
			xs[i] = float64(i + 1)
		}
		over.Series = append(over.Series, engine.FigureData{Name: a, X: xs, Y: ns})
	}
	return []engine.Figure{ecdf, over}
}

// inBlock returns the values of xs whose block is blk.
func inBlock(xs, blocks []float64, blk int) []float64 {
	var out []float64
	for i, x := range xs {
		if i < len(blocks) && int(blocks[i]) == blk {
			out = append(out, x)
		}
	}
	return out
}

func splitArms(s string) []string {
	var out []string
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// effectWords says how to read Cohen's d for these data.
func effectWords(d float64) string {
	if math.Abs(d) > 2 {
		return fmt.Sprintf("d = %.1f: far beyond Cohen's \"large\" (0.8), where his labels stop being informative; the ratio of medians is the measure to read", d)
	}
	return fmt.Sprintf("d = %.2f, %s by Cohen's conventions", d, stats.CohenLabel(d))
}

func rejectWords(p, alpha float64, rejected, kept string) string {
	if p <= alpha {
		return rejected
	}
	return kept
}

// sig4 writes x with four significant digits.
func sig4(x float64) string { return strconv.FormatFloat(x, 'g', 4, 64) }

// formatP writes a p-value, small ones in exponent form.
func formatP(p float64) string {
	if p < 1e-4 {
		return strconv.FormatFloat(p, 'e', 1, 64)
	}
	return strconv.FormatFloat(p, 'f', 4, 64)
}
