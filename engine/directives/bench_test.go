package directives

import (
	"os"
	"strings"
	"testing"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/hw"
)

// TestBenchDirective runs a small real benchmark: cache-resident sizes
// only, so the DRAM figures are absent and say why.
func TestBenchDirective(t *testing.T) {
	d := NewBench()
	var _ engine.Solo = d
	var _ engine.EnvDependent = d
	res, err := runWith(t, t.Context(), d, map[string]string{
		"sizes": "4KiB, 64KiB", "threads": "1, 2", "repeat": "2", "min-sample": "1ms", "python-descriptors": "500",
		"backends": "scalar, optimised, parallel, mmap",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := res.Values["software_ns_per_descriptor"]; v.Num <= 0 || v.Unit != "ns" {
		t.Errorf("software_ns_per_descriptor = %+v", v)
	}
	_, havePy := res.Values["python_ns_per_descriptor"]
	if _, err := os.Stat(hw.DefaultPython); (err == nil) != havePy {
		t.Errorf("python_ns_per_descriptor present %v, interpreter present %v", havePy, err == nil)
	}
	if _, ok := res.Values["best_descriptors_per_s"]; ok || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "no DRAM-resident measurement") {
		t.Errorf("DRAM figures without a DRAM size; warnings %v", res.Warnings)
	}
	tbl := res.Tables[0]
	// 2 sizes × (scalar + optimised + 2 × parallel + 2 × mmap) + the Python row.
	if len(tbl.Rows) != 2*6+1 || !strings.HasPrefix(tbl.Rows[len(tbl.Rows)-1][0], "python peer") {
		t.Errorf("table rows %v", tbl.Rows)
	}
	// Lines: scalar, optimised, parallel ×1, ×2, mmap ×1, ×2, read BW ×1,
	// ×2, the goal.
	if len(res.Figures) != 1 || !res.Figures[0].LogX || res.Figures[0].Kind != engine.Line || len(res.Figures[0].Series) != 9 {
		t.Errorf("figure %+v", res.Figures)
	}
	for _, s := range res.Series {
		if len(s.Values) != 2 {
			t.Errorf("series %s has %d samples, want 2", s.Name, len(s.Values))
		}
	}

	res, err = runWith(t, t.Context(), d, map[string]string{"sizes": "4KiB", "backends": "scalar", "repeat": "1", "min-sample": "1ms", "python": "/nonexistent/python3"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := res.Values["python_ns_per_descriptor"]; ok {
		t.Error("python value without the interpreter")
	}
	if v := res.Values["python_peer"].Text; !strings.HasPrefix(v, "not available: no Python interpreter") {
		t.Errorf("python_peer = %q", v)
	}
	if row := res.Tables[0].Rows[1]; !strings.HasPrefix(row[4], "not available: no Python interpreter at /nonexistent/python3") {
		t.Errorf("python row %v", row)
	}
	for _, opts := range []map[string]string{{"backends": "gpu"}, {"threads": "two"}} {
		if _, err := runWith(t, t.Context(), d, opts, nil); err == nil {
			t.Errorf("%v: no error", opts)
		}
	}
}

// TestBenchValues checks the values other directives read (the silicon
// projection consumes these exact names and units) on a report shaped like
// a real run's; the numbers are placeholders for the conversion only.
func TestBenchValues(t *testing.T) {
	stat := func(v float64) hw.Stat { return hw.NewStat([]float64{v}) }
	rep := &hw.Report{
		Repeat: 1,
		Measurements: []hw.Measurement{
			{Backend: hw.Optimised, SizeBytes: 24 << 10, Level: hw.LevelL1, Threads: 1, Rate: stat(1e9), NsPerDescriptor: 1, Speedup: 800},
			{Backend: hw.Slicing, SizeBytes: 24 << 10, Level: hw.LevelL1, Threads: 1, Rate: stat(1e8), NsPerDescriptor: 10, Speedup: 80},
			{Backend: hw.Parallel, SizeBytes: 512 << 20, Level: hw.LevelDRAM, Threads: 2, Rate: stat(8e8), NsPerDescriptor: 1.25, ReadBW: 24e9, FractionOfBW: 0.8, Speedup: 640},
			{Backend: hw.MMap, SizeBytes: 512 << 20, Level: hw.LevelDRAM, Threads: 2, Rate: stat(6e8), NsPerDescriptor: 1.6, ReadBW: 30e9, FractionOfBW: 0.48},
		},
		Python: hw.Peer{Interpreter: hw.DefaultPython, Version: "3.11.2", Descriptors: 1000, Rate: stat(1.25e6), NsPerDescriptor: 800},
	}
	res := benchResult(rep)
	for name, want := range map[string]engine.Value{
		"software_ns_per_descriptor": engine.Num(1, "ns"),
		"best_descriptors_per_s":     engine.Num(8e8, "1/s"),
		"read_bw_bytes_per_s":        engine.Num(24e9, "B/s"),
		"dram_fraction_of_bw":        engine.Num(0.8, ""),
		"python_ns_per_descriptor":   engine.Num(800, "ns"),
		"goal_fraction":              engine.Num(1.6, ""),
	} {
		if got := res.Values[name]; got != want {
			t.Errorf("%s = %+v, want %+v", name, got, want)
		}
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings %v", res.Warnings)
	}
}
