package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/hw"
)

func newBenchCmd(g *globals) *cobra.Command {
	var (
		backends  []string
		sizes     []string
		threads   []int
		repeat    int
		minSample time.Duration
		python    string
		pyN       int
		asJSON    bool
	)
	cmd := &cobra.Command{
		Use:   "bench [--json] [--backends B,...] [--sizes S,...] [--threads N,...] [--repeat N]",
		Short: "Measure descriptor validation throughput against the memory's read bandwidth",
		Long: `Bench measures how fast this machine validates TCP descriptors (the magic
and the checksum, the low 16 bits of CRC-32, of 24-byte v2 records;
DESIGN.md §6) with each backend:

  scalar     byte-at-a-time table CRC, one thread
  slicing    slicing-by-22 position tables in portable Go, one thread
  optimised  the fastest kernel of this CPU (AVX-512 VPCLMULQDQ where
             available, else slicing), one thread
  parallel   the optimised kernel on --threads threads over a buffer
  mmap       the same over a memory-mapped descriptor database file

at each working-set size (default: half of L1d, half of L2, min(L3/2, 4×L2)
and 512 MiB (less on a machine short of memory), from
/sys/devices/system/cpu/cpu0/cache), --repeat samples each,
reporting the median descriptors/s, a 95% order-statistic confidence
interval for it, and ns per descriptor. Beside every measurement a read
kernel (512-bit loads, independent accumulators, nothing else) streams the
same buffer on the same threads: its bytes/s stands for the physical limit,
and each result is also given as the fraction of it that 24 bytes ×
descriptors/s reaches. Samples
of all backends at one size are interleaved, so load from other work falls
on all of them alike; compare ratios from one run, not figures across runs.

The Python peer is the reference implementation's path (struct unpack and
zlib.crc32 per descriptor, a plain loop) run by --python (Debian's
/usr/bin/python3, not the first python3 on PATH) over the first records of
the largest size's database file; every backend's speedup over it is shown.
Without the interpreter its row says "not available".

Progress goes to stderr. With --json, stdout has one object per measurement
(backend, size_bytes, threads, descriptors_per_s, ns_per_descriptor,
read_bw_bytes_per_s, fraction_of_bw, and the CI, level and kernel), then one
for the Python peer (backend "python"). The mmap backend is set against the
read bandwidth of the mapped file's pages, the others against the heap
buffer's.

Exit status: 0 measured, 1 failure (a backend disagreeing with
engine/tcp.Valid is one), 2 usage error.`,
		Example: `  tcpreport bench
  tcpreport bench --backends optimised,parallel --sizes 24KiB,512MiB --threads 1,2
  tcpreport bench --json --repeat 20 > bench.jsonl
  tcpreport bench --backends scalar --sizes 1MiB --python none`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg := hw.Config{Backends: backends, Threads: threads, Repeat: repeat, MinSample: minSample,
				Python: python, PythonDescriptors: pyN}
			for _, b := range backends {
				if !slices.Contains(hw.Backends(), b) {
					return usageError{fmt.Errorf("bench: --backends: unknown backend %q (use %s)", b, strings.Join(hw.Backends(), ", "))}
				}
			}
			for _, s := range sizes {
				n, err := engine.ParseSize(s)
				if err != nil {
					return usageError{fmt.Errorf("bench: --sizes: %w", err)}
				}
				if n < 24 {
					return usageError{fmt.Errorf("bench: --sizes: %s holds no 24-byte descriptor", s)}
				}
				cfg.Sizes = append(cfg.Sizes, n)
			}
			for _, t := range threads {
				if t < 1 || t > 1024 {
					return usageError{fmt.Errorf("bench: --threads: %d: use 1 to 1024", t)}
				}
			}
			if repeat < 1 {
				return usageError{fmt.Errorf("bench: --repeat %d: use at least 1", repeat)}
			}
			if !g.quiet {
				cfg.Progress = func(s string) { fmt.Fprintf(g.stderr, "bench: %s\n", s) }
			}
			rep, err := hw.Run(cmd.Context(), cfg)
			if err != nil {
				return fmt.Errorf("bench: %w", err)
			}
			if asJSON {
				return writeBenchJSON(g.stdout, rep)
			}
			writeBenchTable(g.stdout, rep)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&backends, "backends", nil, "backends to measure, comma-separated (default all: "+strings.Join(hw.Backends(), ",")+")")
	f.StringSliceVar(&sizes, "sizes", nil, "working-set `sizes`, comma-separated: 24KiB,1MiB,512MiB (default: one per cache level and DRAM)")
	f.IntSliceVar(&threads, "threads", nil, "thread `counts` of the parallel and mmap backends (default: all CPUs)")
	f.IntVar(&repeat, "repeat", 10, "samples per measurement")
	f.DurationVar(&minSample, "min-sample", 20*time.Millisecond, "least time one sample runs (whole passes over the working set)")
	f.StringVar(&python, "python", hw.DefaultPython, "interpreter of the Python peer, or none")
	f.IntVar(&pyN, "python-descriptors", 200000, "records the Python peer validates per pass")
	f.BoolVar(&asJSON, "json", false, "one JSON object per measurement")
	return cmd
}

// benchJSON is one line of 'bench --json'.
type benchJSON struct {
	Backend           string    `json:"backend"`
	Kernel            string    `json:"kernel,omitempty"`
	SizeBytes         int64     `json:"size_bytes"`
	Level             string    `json:"level,omitempty"`
	Threads           int       `json:"threads"`
	DescriptorsPerS   float64   `json:"descriptors_per_s"`
	CILow             float64   `json:"ci_low,omitempty"`
	CIHigh            float64   `json:"ci_high,omitempty"`
	CIConfidence      float64   `json:"ci_confidence,omitempty"`
	NsPerDescriptor   float64   `json:"ns_per_descriptor"`
	ReadBWBytesPerS   float64   `json:"read_bw_bytes_per_s"`
	FractionOfBW      float64   `json:"fraction_of_bw"`
	SpeedupOverPeer   float64   `json:"speedup_over_python,omitempty"`
	Samples           []float64 `json:"samples"`
	NotAvailable      string    `json:"not_available,omitempty"`
	PythonVersion     string    `json:"python_version,omitempty"`
	PythonRecords     int       `json:"descriptors,omitempty"`
	PythonInterpreter string    `json:"interpreter,omitempty"`
}

func writeBenchJSON(w io.Writer, rep *hw.Report) error {
	enc := json.NewEncoder(w)
	for _, m := range rep.Measurements {
		if err := enc.Encode(benchJSON{
			Backend: m.Backend, Kernel: m.Kernel, SizeBytes: m.SizeBytes, Level: m.Level, Threads: m.Threads,
			DescriptorsPerS: m.Rate.Median, CILow: m.Rate.Lo, CIHigh: m.Rate.Hi, CIConfidence: m.Rate.Confidence,
			NsPerDescriptor: m.NsPerDescriptor, ReadBWBytesPerS: m.ReadBW, FractionOfBW: m.FractionOfBW,
			SpeedupOverPeer: m.Speedup, Samples: m.Rate.Samples,
		}); err != nil {
			return err
		}
	}
	p := rep.Python
	line := benchJSON{Backend: "python", Threads: 1, NotAvailable: p.NotAvailable, PythonInterpreter: p.Interpreter,
		PythonVersion: p.Version, PythonRecords: p.Descriptors, SizeBytes: int64(p.Descriptors) * 24, Samples: []float64{}}
	if p.NotAvailable == "" {
		line.DescriptorsPerS, line.CILow, line.CIHigh, line.CIConfidence = p.Rate.Median, p.Rate.Lo, p.Rate.Hi, p.Rate.Confidence
		line.NsPerDescriptor, line.Samples = p.NsPerDescriptor, p.Rate.Samples
	}
	return enc.Encode(line)
}

func writeBenchTable(w io.Writer, rep *hw.Report) {
	fmt.Fprintf(w, "CPU: %s, %d threads; optimised kernel: %s\n", rep.CPU, rep.GOMAXPROCS, rep.Kernel)
	fmt.Fprintf(w, "caches: L1d %s, L2 %s, L3 %s (%s)\n\n", hw.FormatSize(rep.Caches.L1d), hw.FormatSize(rep.Caches.L2), hw.FormatSize(rep.Caches.L3), rep.Caches.Source)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "backend\tsize\tlevel\tthreads\tmedian desc/s\t95% CI\tns/desc\tread BW\tof BW\tvs Python\t")
	for _, m := range rep.Measurements {
		speed := "–"
		if m.Speedup > 0 {
			speed = fmt.Sprintf("%.0f×", m.Speedup)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%.3f\t%s\t%.0f%%\t%s\t\n", m.Backend, hw.FormatSize(m.SizeBytes), m.Level, m.Threads,
			hw.FormatRate(m.Rate.Median), hw.FormatRate(m.Rate.Lo)+"–"+hw.FormatRate(m.Rate.Hi), m.NsPerDescriptor, bytesRate(m.ReadBW), 100*m.FractionOfBW, speed)
	}
	tw.Flush()
	fmt.Fprintln(w)
	if p := rep.Python; p.NotAvailable != "" {
		fmt.Fprintf(w, "Python peer: not available: %s\n", p.NotAvailable)
	} else {
		fmt.Fprintf(w, "Python peer (%s, Python %s, %d records of %s): %s desc/s (95%% CI %s–%s), %.0f ns/desc\n",
			p.Interpreter, p.Version, p.Descriptors, p.File, hw.FormatRate(p.Rate.Median), hw.FormatRate(p.Rate.Lo), hw.FormatRate(p.Rate.Hi), p.NsPerDescriptor)
	}
	if m, ok := rep.BestSingleThread(); ok {
		fmt.Fprintf(w, "best single thread: %s at %s, %.3f ns/descriptor\n", m.Backend, hw.FormatSize(m.SizeBytes), m.NsPerDescriptor)
	}
	for _, bw := range rep.Bandwidth {
		if bw.Level == hw.LevelDRAM {
			fmt.Fprintf(w, "DRAM read bandwidth (%s, %s buffer, %d threads): %s (95%% CI %s–%s)\n", hw.FormatSize(bw.SizeBytes), bw.Buffer, bw.Threads,
				bytesRate(bw.Rate.Median), bytesRate(bw.Rate.Lo), bytesRate(bw.Rate.Hi))
		}
	}
	if m, ok := rep.BestDRAM(); ok {
		verdict := "reached"
		if m.Rate.Median < hw.Goal {
			verdict = "not reached"
		}
		fmt.Fprintf(w, "best DRAM-resident, %d threads: %s, %s desc/s = %.0f%% of its buffer's read bandwidth; goal %s desc/s %s (%.0f%% of it)\n",
			m.Threads, m.Backend, hw.FormatRate(m.Rate.Median), 100*m.FractionOfBW, hw.FormatRate(hw.Goal), verdict, 100*m.Rate.Median/hw.Goal)
	} else {
		fmt.Fprintln(w, "goal: no DRAM-resident measurement on all threads in this run")
	}
	fmt.Fprintf(w, "took %v\n", rep.Took.Round(time.Millisecond))
}

// bytesRate writes bytes/s in GB/s or MB/s (decimal, as bandwidths are quoted).
func bytesRate(v float64) string {
	if v >= 1e9 {
		return fmt.Sprintf("%.1f GB/s", v/1e9)
	}
	return fmt.Sprintf("%.0f MB/s", v/1e6)
}
