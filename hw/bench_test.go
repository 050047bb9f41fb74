package hw

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestBenchRun(t *testing.T) {
	var lines []string
	cfg := Config{
		Sizes:             []int64{4 << 10, 96 << 10},
		Threads:           []int{1, 2},
		Repeat:            3,
		MinSample:         time.Millisecond,
		PythonDescriptors: 2000,
		TempDir:           t.TempDir(),
		Progress:          func(s string) { lines = append(lines, s) },
	}
	rep, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	// 2 sizes × (3 one-thread backends + 2 threaded × 2 thread counts).
	if got := len(rep.Measurements); got != 2*(3+2*2) {
		t.Errorf("%d measurements", got)
	}
	if got := len(rep.Bandwidth); got != 2*2*2 { // heap and file buffers
		t.Errorf("%d bandwidth figures", got)
	}
	for _, m := range rep.Measurements {
		if len(m.Rate.Samples) != 3 || m.Rate.Median <= 0 || m.ReadBW <= 0 || m.FractionOfBW <= 0 ||
			m.Rate.Lo > m.Rate.Median || m.Rate.Hi < m.Rate.Median || m.Descriptors != int(m.SizeBytes/24) {
			t.Errorf("bad measurement %+v", m)
		}
		if !Threaded(m.Backend) && m.Threads != 1 {
			t.Errorf("%s ran on %d threads", m.Backend, m.Threads)
		}
	}
	if _, err := os.Stat(DefaultPython); err == nil {
		if rep.Python.NotAvailable != "" || rep.Python.Descriptors != 2000 || rep.Python.NsPerDescriptor <= 0 {
			t.Errorf("python peer: %+v", rep.Python)
		}
		if rep.Measurements[0].Speedup <= 0 {
			t.Error("no speedup over the peer")
		}
	}
	if _, ok := rep.BestSingleThread(); !ok {
		t.Error("no best single-thread figure")
	}
	if len(lines) == 0 {
		t.Error("no progress")
	}
	// Nothing left behind in the temp dir.
	if left, _ := filepath.Glob(filepath.Join(cfg.TempDir, "*")); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

func TestBenchConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"backend", Config{Backends: []string{"gpu"}}, `unknown backend "gpu" (use scalar, slicing, optimised, parallel, mmap)`},
		{"size", Config{Sizes: []int64{10}}, "size 10 B holds no 24-byte descriptor"},
		{"threads", Config{Sizes: []int64{1024}, Threads: []int{0}}, "0 threads: use 1 to 1024"},
		{"repeat", Config{Sizes: []int64{1024}, Repeat: -1}, "repeat -1: use at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Run(t.Context(), tt.cfg); err == nil || err.Error() != tt.want {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestBenchPeerNotAvailable(t *testing.T) {
	cfg := Config{Backends: []string{Optimised}, Sizes: []int64{4096}, Repeat: 1, MinSample: time.Millisecond,
		Python: filepath.Join(t.TempDir(), "no-python3"), TempDir: t.TempDir()}
	rep, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(rep.Python.NotAvailable, "no Python interpreter at ") || rep.Python.Rate.Median != 0 {
		t.Errorf("peer = %+v", rep.Python)
	}
	if rep.Measurements[0].Speedup != 0 {
		t.Error("speedup without a peer")
	}
}

func TestStat(t *testing.T) {
	tests := []struct {
		samples        []float64
		med, lo, hi, c float64
	}{
		{[]float64{3}, 3, 3, 3, 0},
		{[]float64{5, 1, 3, 2, 4}, 3, 1, 5, 0.9375},
		{[]float64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 5.5, 2, 9, 0.978515625},
	}
	for _, tt := range tests {
		s := NewStat(tt.samples)
		if s.Median != tt.med || s.Lo != tt.lo || s.Hi != tt.hi || s.Confidence != tt.c {
			t.Errorf("NewStat(%v) = %+v", tt.samples, s)
		}
	}
}

func TestCaches(t *testing.T) {
	dir := t.TempDir()
	for i, c := range [][3]string{{"1", "Data", "48K"}, {"1", "Instruction", "32K"}, {"2", "Unified", "2048K"}, {"3", "Unified", "300M"}} {
		d := filepath.Join(dir, "cache", fmt.Sprintf("index%d", i))
		os.MkdirAll(d, 0o755)
		os.WriteFile(filepath.Join(d, "level"), []byte(c[0]+"\n"), 0o644)
		os.WriteFile(filepath.Join(d, "type"), []byte(c[1]+"\n"), 0o644)
		os.WriteFile(filepath.Join(d, "size"), []byte(c[2]+"\n"), 0o644)
	}
	c, err := ReadCaches(dir)
	if err != nil || c.L1d != 48<<10 || c.L2 != 2<<20 || c.L3 != 300<<20 {
		t.Fatalf("ReadCaches = %+v, %v", c, err)
	}
	sizes := c.DefaultSizes(24 << 30)
	want := []int64{24 << 10, 1 << 20, 8 << 20, 512 << 20}
	if fmt.Sprint(sizes) != fmt.Sprint(want) {
		t.Errorf("DefaultSizes = %v, want %v", sizes, want)
	}
	for i, lv := range []string{LevelL1, LevelL2, LevelL3, LevelDRAM} {
		if got := c.Level(sizes[i]); got != lv {
			t.Errorf("Level(%d) = %s, want %s", sizes[i], got, lv)
		}
	}
	if got := c.DefaultSizes(1 << 30)[3]; got != 128<<20 {
		t.Errorf("DRAM size with 1 GiB available = %d, want 128 MiB", got)
	}
	if _, err := ReadCaches(t.TempDir()); err == nil {
		t.Error("no error without caches")
	}
}
