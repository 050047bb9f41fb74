package directives

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/hw"
)

// Bench is the {bench} directive: descriptor validation throughput of the
// hw backends at working-set sizes from L1 to DRAM, against the read
// bandwidth measured in the same run and the Python reference peer.
type Bench struct{}

// NewBench returns the {bench} directive.
func NewBench() *Bench { return &Bench{} }

// Kind returns "bench".
func (*Bench) Kind() string { return "bench" }

// Version returns the implementation version.
func (*Bench) Version() int { return 1 }

// Options declares backends, sizes, threads, repeat, min-sample, python
// and python-descriptors.
func (*Bench) Options() []engine.OptionSpec {
	return []engine.OptionSpec{
		{Name: "backends", Type: engine.List, Default: strings.Join(hw.Backends(), ", "),
			Help: "validation backends to measure: " + strings.Join(hw.Backends(), ", ")},
		{Name: "sizes", Type: engine.SizeList,
			Help: "working-set sizes (default: one resident in each of L1, L2, L3 and DRAM, from the machine's cache sizes)"},
		{Name: "threads", Type: engine.List,
			Help: "thread counts of the parallel and mmap backends, e.g. 1, 2 (default: all CPUs)"},
		{Name: "repeat", Type: engine.Int, Default: "10", Help: "samples per measurement"},
		{Name: "min-sample", Type: engine.Duration, Default: "20ms",
			Help: "least time one sample runs, in whole passes over the working set"},
		{Name: "python", Type: engine.String, Default: hw.DefaultPython,
			Help: "interpreter of the Python peer (Debian's, not the first on PATH), or none"},
		{Name: "python-descriptors", Type: engine.Int, Default: "200000",
			Help: "records the Python peer validates per pass"},
	}
}

// EnvFields: throughput is a property of the CPU and memory.
func (*Bench) EnvFields(engine.Options) []string {
	return []string{"arch", "cpu.model", "cpu.cores", "mem.total"}
}

// RunsAlone keeps other directives from disturbing the measurement.
func (*Bench) RunsAlone() {}

// Run measures; see hw.Run.
func (*Bench) Run(ctx context.Context, req *engine.Request) (*engine.Result, error) {
	o := req.Opts
	cfg := hw.Config{
		Backends:          o.List("backends"),
		Sizes:             o.Sizes("sizes"),
		Repeat:            o.Int("repeat"),
		MinSample:         o.Duration("min-sample"),
		Python:            o.String("python"),
		PythonDescriptors: o.Int("python-descriptors"),
	}
	for _, b := range cfg.Backends {
		if !slices.Contains(hw.Backends(), b) {
			return nil, fmt.Errorf("backends: unknown backend %q (use %s)", b, strings.Join(hw.Backends(), ", "))
		}
	}
	for _, s := range o.List("threads") {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1024 {
			return nil, fmt.Errorf("threads: %q is not a thread count (use 1, 2, ...)", s)
		}
		cfg.Threads = append(cfg.Threads, n)
	}
	if cfg.Repeat < 1 {
		return nil, fmt.Errorf("repeat: %d: use at least 1", cfg.Repeat)
	}
	rep, err := hw.Run(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return benchResult(rep), nil
}

// benchResult turns a benchmark report into the directive's Result.
func benchResult(rep *hw.Report) *engine.Result {
	res := &engine.Result{
		Values: map[string]engine.Value{
			"kernel": engine.Text(rep.Kernel),
			"cpu":    engine.Text(rep.CPU),
			"repeat": engine.Num(float64(rep.Repeat), ""),
		},
		Meta: map[string]string{
			"cpu":    rep.CPU,
			"kernel": rep.Kernel,
			"caches": fmt.Sprintf("L1d %s, L2 %s, L3 %s (%s)", hw.FormatSize(rep.Caches.L1d), hw.FormatSize(rep.Caches.L2), hw.FormatSize(rep.Caches.L3), rep.Caches.Source),
		},
	}
	py := rep.Python
	tbl := engine.Table{
		Name:    "throughput",
		Caption: fmt.Sprintf("Descriptor validation throughput: median of %d samples and its 95%% order-statistic CI; read bandwidth of the same buffer (heap, or the mapped file for mmap) on the same threads, measured interleaved.", rep.Repeat),
		Columns: []string{"backend", "size", "level", "threads", "median desc/s", "95% CI", "ns/desc", "read BW GB/s", "of BW", "vs Python"},
	}
	for _, m := range rep.Measurements {
		speed := "–"
		if m.Speedup > 0 {
			speed = fmt.Sprintf("%.0f×", m.Speedup)
		}
		tbl.Rows = append(tbl.Rows, []string{m.Backend, hw.FormatSize(m.SizeBytes), m.Level, strconv.Itoa(m.Threads),
			hw.FormatRate(m.Rate.Median), hw.FormatRate(m.Rate.Lo) + "–" + hw.FormatRate(m.Rate.Hi), fmt.Sprintf("%.3f", m.NsPerDescriptor),
			fmt.Sprintf("%.1f", m.ReadBW/1e9), fmt.Sprintf("%.0f%%", 100*m.FractionOfBW), speed})
		res.Series = append(res.Series, engine.Series{Name: seriesName(m.Backend, m.SizeBytes, m.Threads), Unit: "1/s", Values: m.Rate.Samples})
	}
	for _, b := range rep.Bandwidth {
		res.Series = append(res.Series, engine.Series{Name: seriesName(hw.ReadBW+"-"+b.Buffer, b.SizeBytes, b.Threads), Unit: "B/s", Values: b.Rate.Samples})
	}
	// python_peer is always there, so prose can cite the peer either way.
	if py.NotAvailable != "" {
		tbl.Rows = append(tbl.Rows, []string{"python peer", "–", "–", "1", "not available: " + py.NotAvailable, "–", "–", "–", "–", "–"})
		res.Values["python_peer"] = engine.Text("not available: " + py.NotAvailable)
	} else {
		res.Values["python_peer"] = engine.Text(fmt.Sprintf("%.0f ns per descriptor (Python %s, %s)", py.NsPerDescriptor, py.Version, py.Interpreter))
		tbl.Rows = append(tbl.Rows, []string{fmt.Sprintf("python peer (%s %s)", py.Interpreter, py.Version), fmt.Sprintf("%d records", py.Descriptors), "–", "1",
			hw.FormatRate(py.Rate.Median), hw.FormatRate(py.Rate.Lo) + "–" + hw.FormatRate(py.Rate.Hi), fmt.Sprintf("%.0f", py.NsPerDescriptor), "–", "–", "1×"})
		res.Series = append(res.Series, engine.Series{Name: "python", Unit: "1/s", Values: py.Rate.Samples})
		res.Values["python_ns_per_descriptor"] = engine.Num(py.NsPerDescriptor, "ns")
		res.Values["python_descriptors_per_s"] = engine.Num(py.Rate.Median, "1/s")
		res.Values["python_version"] = engine.Text(py.Version)
	}
	res.Tables = []engine.Table{tbl}

	if m, ok := rep.BestSingleThread(); ok {
		res.Values["software_ns_per_descriptor"] = engine.Num(m.NsPerDescriptor, "ns")
		res.Values["software_backend"] = engine.Text(fmt.Sprintf("%s at %s", m.Backend, hw.FormatSize(m.SizeBytes)))
		if m.Speedup > 0 {
			res.Values["single_thread_speedup_over_python"] = engine.Num(m.Speedup, "")
		}
	}
	if m, ok := rep.BestDRAM(); ok {
		// The bandwidth the best result is set against: same size, buffer
		// and threads.
		res.Values["read_bw_bytes_per_s"] = engine.Num(m.ReadBW, "B/s")
		res.Values["dram_size_bytes"] = engine.Num(float64(m.SizeBytes), "B")
		res.Values["dram_size"] = engine.Text(hw.FormatSize(m.SizeBytes))
		res.Values["dram_threads"] = engine.Num(float64(m.Threads), "")
		res.Values["best_descriptors_per_s"] = engine.Num(m.Rate.Median, "1/s")
		res.Values["best_backend"] = engine.Text(m.Backend)
		res.Values["dram_fraction_of_bw"] = engine.Num(m.FractionOfBW, "")
		res.Values["goal_fraction"] = engine.Num(m.Rate.Median/hw.Goal, "")
		if m.Speedup > 0 {
			res.Values["dram_speedup_over_python"] = engine.Num(m.Speedup, "")
		}
	} else {
		res.Warnings = append(res.Warnings, "no DRAM-resident measurement on all threads: best_descriptors_per_s, dram_fraction_of_bw and the goal are not reported (add a DRAM size such as 512MiB and the parallel backend)")
	}
	res.Figures = []engine.Figure{benchFigure(rep)}
	return res
}

// benchFigure plots median throughput against working-set size, one line
// per backend and thread count, with the read bandwidth over 24 bytes (the
// most descriptors/s the memory can deliver) as the ceiling.
func benchFigure(rep *hw.Report) engine.Figure {
	fig := engine.Figure{
		Name:    "throughput",
		Kind:    engine.Line,
		Caption: "Validation throughput against working-set size (median; log axes); the read BW lines are the heap buffer's read bandwidth ÷ 24 B, the most descriptors/s memory delivers; the goal line is the 0.5 G descriptors/s target.",
		XLabel:  "working set (bytes)",
		YLabel:  "descriptors/s",
		LogX:    true,
		LogY:    true,
		Series:  []engine.FigureData{},
	}
	idx := map[string]int{}
	add := func(name string, x, y float64) {
		i, ok := idx[name]
		if !ok {
			i = len(fig.Series)
			idx[name] = i
			fig.Series = append(fig.Series, engine.FigureData{Name: name})
		}
		fig.Series[i].X = append(fig.Series[i].X, x)
		fig.Series[i].Y = append(fig.Series[i].Y, y)
	}
	threaded := rep.MaxThreads() > 1
	for _, m := range rep.Measurements {
		name := m.Backend
		if threaded && hw.Threaded(m.Backend) {
			name = fmt.Sprintf("%s ×%d", m.Backend, m.Threads)
		}
		add(name, float64(m.SizeBytes), m.Rate.Median)
	}
	lo, hi := 0.0, 0.0
	for _, b := range rep.Bandwidth {
		if b.Buffer == hw.BufferHeap { // the file buffer's line would crowd the plot; its figures are in the table
			add(fmt.Sprintf("read BW ÷ 24 B ×%d", b.Threads), float64(b.SizeBytes), b.Rate.Median/24)
		}
		if x := float64(b.SizeBytes); lo == 0 || x < lo {
			lo = x
		}
		hi = max(hi, float64(b.SizeBytes))
	}
	// The target, drawn across the sizes measured; a goal, not a
	// measurement, and named so.
	if hi > lo {
		add("goal 0.5 G/s (target)", lo, hw.Goal)
		add("goal 0.5 G/s (target)", hi, hw.Goal)
	}
	return fig
}

func seriesName(backend string, size int64, threads int) string {
	return fmt.Sprintf("%s/%s/%dt", backend, hw.FormatSize(size), threads)
}
