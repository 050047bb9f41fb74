package hw

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tcpreport/tcpreport/engine/tcp"
)

// Backend names, in the order the benchmark runs them.
const (
	Scalar    = "scalar"    // byte-at-a-time table CRC, one thread
	Slicing   = "slicing"   // slicing-by-22 in portable Go, one thread
	Optimised = "optimised" // Validate: the fastest kernel of this CPU, one thread
	Parallel  = "parallel"  // ValidateParallel over a buffer in memory
	MMap      = "mmap"      // File.Validate over a mapped database file
)

// ReadBW is the backend name of the read-bandwidth reference in progress
// messages and tables.
const ReadBW = "read-bw"

// Buffers a working set lives in: Go heap memory (scalar, slicing,
// optimised, parallel) or the page cache under a mapped file (mmap). Their
// read bandwidth can differ (page size, placement), so each backend is set
// against the bandwidth of its own buffer.
const (
	BufferHeap = "heap"
	BufferFile = "file"
)

// BufferOf returns the buffer backend reads.
func BufferOf(backend string) string {
	if backend == MMap {
		return BufferFile
	}
	return BufferHeap
}

// Backends returns the backend names in the order the benchmark runs them.
func Backends() []string { return []string{Scalar, Slicing, Optimised, Parallel, MMap} }

// Threaded reports whether backend runs on a chosen number of threads;
// the others always run on one.
func Threaded(backend string) bool { return backend == Parallel || backend == MMap }

// KernelOf names the kernel behind backend on this CPU.
func KernelOf(backend string) string {
	switch backend {
	case Scalar:
		return "byte-at-a-time table (Sarwate)"
	case Slicing:
		return "slicing-by-22 (portable Go)"
	}
	return Kernel()
}

// Goal is the throughput the hardware-acceleration issue asks of all cores
// on a DRAM-resident working set, in descriptors/s.
const Goal = 0.5e9

// Config says what Run measures. Zero fields take the defaults.
type Config struct {
	// Backends to measure (default: all of Backends()).
	Backends []string
	// Sizes are the working-set sizes in bytes (default: one per cache
	// level and DRAM, from Caches.DefaultSizes). Each is rounded down to
	// whole descriptors.
	Sizes []int64
	// Threads are the thread counts of the threaded backends (default:
	// GOMAXPROCS). The one-thread backends run once per size.
	Threads []int
	// Repeat is the number of samples per measurement (default 10).
	Repeat int
	// MinSample is the least time one sample runs: as many whole passes
	// over the working set as take this long (default 20ms).
	MinSample time.Duration
	// Python is the interpreter of the peer (default DefaultPython);
	// "none" skips the peer.
	Python string
	// PythonDescriptors is how many records the peer validates per pass
	// (default 200000): it is ~500 times slower.
	PythonDescriptors int
	// CorruptEvery: one descriptor in this many of the in-memory working
	// set has a bit flipped (default 256), so the results are checked
	// against a count that is not simply "all". Database files hold only
	// valid records (OpenDB refuses others).
	CorruptEvery int
	// Seed of the generated descriptors (default 1).
	Seed uint64
	// TempDir holds the database files (default os.TempDir()).
	TempDir string
	// Caches are the cache sizes (default: ReadCaches(SysfsCPU0)).
	Caches *Caches
	// Progress, when set, receives one line per step.
	Progress func(msg string)
}

// Measurement is one backend at one working-set size and thread count.
type Measurement struct {
	Backend string `json:"backend"`
	Kernel  string `json:"kernel"`
	// SizeBytes is the working-set size asked for; the working set is
	// Descriptors × 24 bytes, the whole descriptors that fit.
	SizeBytes   int64  `json:"size_bytes"`
	Level       string `json:"level"`
	Descriptors int    `json:"descriptors"`
	Threads     int    `json:"threads"`
	// Passes over the working set per sample.
	Passes int `json:"passes"`
	// Rate is in descriptors/s.
	Rate            Stat    `json:"rate"`
	NsPerDescriptor float64 `json:"ns_per_descriptor"`
	// ReadBW is the median read bandwidth, bytes/s, of the reference
	// kernel over the same buffer (BufferOf) with the same threads,
	// measured interleaved with this backend;
	// FractionOfBW = Rate.Median×24/ReadBW.
	ReadBW       float64 `json:"read_bw_bytes_per_s"`
	FractionOfBW float64 `json:"fraction_of_bw"`
	// Speedup over the Python peer's median; 0 when it is not available.
	Speedup float64 `json:"speedup_over_python,omitempty"`
}

// Bandwidth is the read-bandwidth reference at one size, buffer and
// thread count.
type Bandwidth struct {
	SizeBytes int64  `json:"size_bytes"`
	Level     string `json:"level"`
	Buffer    string `json:"buffer"`
	Threads   int    `json:"threads"`
	Passes    int    `json:"passes"`
	// Rate is in bytes/s.
	Rate Stat `json:"rate"`
}

// Report is what Run measured.
type Report struct {
	CPU          string        `json:"cpu"`
	Kernel       string        `json:"kernel"`
	GOMAXPROCS   int           `json:"gomaxprocs"`
	Caches       Caches        `json:"caches"`
	Repeat       int           `json:"repeat"`
	Measurements []Measurement `json:"measurements"`
	Bandwidth    []Bandwidth   `json:"bandwidth"`
	Python       Peer          `json:"python"`
	Took         time.Duration `json:"took"`
}

// MaxThreads returns the largest thread count measured.
func (r *Report) MaxThreads() int {
	t := 0
	for _, m := range r.Measurements {
		t = max(t, m.Threads)
	}
	return t
}

// BestSingleThread returns the one-thread measurement with the lowest
// median ns per descriptor, over every backend and size.
func (r *Report) BestSingleThread() (Measurement, bool) {
	var best Measurement
	ok := false
	for _, m := range r.Measurements {
		if m.Threads == 1 && (!ok || m.NsPerDescriptor < best.NsPerDescriptor) {
			best, ok = m, true
		}
	}
	return best, ok
}

// BestDRAM returns the DRAM-resident measurement on the most threads with
// the highest median rate.
func (r *Report) BestDRAM() (Measurement, bool) {
	var best Measurement
	ok := false
	top := r.MaxThreads()
	for _, m := range r.Measurements {
		if m.Level == LevelDRAM && m.Threads == top && (!ok || m.Rate.Median > best.Rate.Median) {
			best, ok = m, true
		}
	}
	return best, ok
}

// BandwidthOf returns the read bandwidth m was set against.
func (r *Report) BandwidthOf(m Measurement) (Bandwidth, bool) {
	for _, b := range r.Bandwidth {
		if b.SizeBytes == m.SizeBytes && b.Threads == m.Threads && b.Buffer == BufferOf(m.Backend) {
			return b, true
		}
	}
	return Bandwidth{}, false
}

// check fills in defaults and says what is wrong with c.
func (c *Config) check() error {
	if len(c.Backends) == 0 {
		c.Backends = Backends()
	}
	for _, b := range c.Backends {
		if !slices.Contains(Backends(), b) {
			return fmt.Errorf("unknown backend %q (use %s)", b, strings.Join(Backends(), ", "))
		}
	}
	if c.Caches == nil {
		cs, err := ReadCaches(SysfsCPU0)
		if err != nil {
			cs.Source = fmt.Sprintf("defaults: %v", err)
		}
		c.Caches = &cs
	}
	if len(c.Sizes) == 0 {
		c.Sizes = c.Caches.DefaultSizes(MemAvailable())
	}
	for _, s := range c.Sizes {
		if s < tcp.Size {
			return fmt.Errorf("size %d B holds no %d-byte descriptor", s, tcp.Size)
		}
	}
	if len(c.Threads) == 0 {
		c.Threads = []int{runtime.GOMAXPROCS(0)}
	}
	for _, t := range c.Threads {
		if t < 1 || t > 1024 {
			return fmt.Errorf("%d threads: use 1 to 1024", t)
		}
	}
	switch {
	case c.Repeat == 0:
		c.Repeat = 10
	case c.Repeat < 1:
		return fmt.Errorf("repeat %d: use at least 1", c.Repeat)
	}
	if c.MinSample <= 0 {
		c.MinSample = 20 * time.Millisecond
	}
	if c.Python == "" {
		c.Python = DefaultPython
	}
	if c.PythonDescriptors <= 0 {
		c.PythonDescriptors = 200000
	}
	if c.CorruptEvery <= 0 {
		c.CorruptEvery = 256
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.TempDir == "" {
		c.TempDir = os.TempDir()
	}
	return nil
}

// item is one thing timed in a group: a backend or the read kernel.
type item struct {
	backend string
	buffer  string     // for the read kernel
	pass    func() int // one pass; returns the valid count (or 0 for read-bw)
	want    int
	bytes   int // bytes one pass reads
	n       int // descriptors one pass validates
	passes  int
	samples []float64
}

var sink atomic.Uint64 // the read kernel's result, kept so the loads are not dead

// Run measures every backend at every size and thread count, the read
// bandwidth beside them, and the Python peer. Within one size and thread
// count the samples of all items are interleaved (one sample of each, then
// the next round), so a disturbance from other work on the machine falls
// on all of them alike and their ratios stay fair. Every sample checks the
// valid count against engine/tcp.Valid's.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	start := time.Now()
	if err := cfg.check(); err != nil {
		return nil, err
	}
	progress := func(format string, args ...any) {
		if cfg.Progress != nil {
			cfg.Progress(fmt.Sprintf(format, args...))
		}
	}
	rep := &Report{CPU: cpuModel(), Kernel: Kernel(), GOMAXPROCS: runtime.GOMAXPROCS(0), Caches: *cfg.Caches, Repeat: cfg.Repeat}
	sizes := slices.Clone(cfg.Sizes)
	slices.Sort(sizes)
	sizes = slices.Compact(sizes)
	wantPeer := cfg.Python != "none"
	if !wantPeer {
		rep.Python = Peer{NotAvailable: "the Python peer was not asked for"}
	}
	for si, size := range sizes {
		last := si == len(sizes)-1
		if err := runSize(ctx, &cfg, rep, size, last && wantPeer, progress); err != nil {
			return nil, err
		}
	}
	if p := rep.Python.Rate.Median; p > 0 {
		for i := range rep.Measurements {
			rep.Measurements[i].Speedup = rep.Measurements[i].Rate.Median / p
		}
	}
	rep.Took = time.Since(start)
	return rep, nil
}

// runSize measures one working-set size; with peer it also runs the Python
// peer on this size's database file.
func runSize(ctx context.Context, cfg *Config, rep *Report, size int64, peer bool, progress func(string, ...any)) error {
	n := int(size / tcp.Size)
	level := cfg.Caches.Level(int64(n * tcp.Size))
	progress("%s (%s): generating %d descriptors", FormatSize(size), level, n)
	recs := make([]byte, n*tcp.Size)
	fillDescriptors(recs, cfg.Seed)

	var file *File
	var dbPath string
	mmap := slices.Contains(cfg.Backends, MMap)
	if mmap || peer {
		// The database holds the working set before corruption (OpenDB
		// accepts only valid records); without the mmap backend only the
		// records the peer reads.
		dbRecs := recs
		if !mmap {
			dbRecs = recs[:min(n, cfg.PythonDescriptors)*tcp.Size]
		}
		var err error
		dbPath, err = writeDB(cfg.TempDir, dbRecs)
		if err != nil {
			return err
		}
		defer os.Remove(dbPath)
		if mmap {
			if file, err = OpenFile(dbPath); err != nil {
				return err
			}
			defer file.Close()
		}
	}
	corrupt(recs, cfg.CorruptEvery, cfg.Seed)
	want := 0 // what every backend must count: engine/tcp.Valid's answer
	for i := range n {
		if tcp.Valid(recs[i*tcp.Size : (i+1)*tcp.Size]) {
			want++
		}
	}
	bits := make([]uint64, BitmapLen(n))

	threadSet := []int{}
	for _, b := range cfg.Backends {
		if !Threaded(b) {
			threadSet = append(threadSet, 1)
			break
		}
	}
	if slices.ContainsFunc(cfg.Backends, Threaded) {
		threadSet = append(threadSet, cfg.Threads...)
	}
	slices.Sort(threadSet)
	threadSet = slices.Compact(threadSet)

	for _, th := range threadSet {
		var items []*item
		for _, b := range cfg.Backends {
			if Threaded(b) && !slices.Contains(cfg.Threads, th) || !Threaded(b) && th != 1 {
				continue
			}
			it := &item{backend: b, want: want, bytes: len(recs), n: n}
			switch b {
			case Scalar:
				it.pass = func() int { return ValidateScalar(bits, recs) }
			case Slicing:
				it.pass = func() int { return ValidateSlicing(bits, recs) }
			case Optimised:
				it.pass = func() int { return Validate(bits, recs) }
			case Parallel:
				it.pass = func() int { return ValidateParallel(bits, recs, th) }
			case MMap:
				it.pass = func() int { return file.Validate(bits, th) }
				it.want = file.Len()
			}
			items = append(items, it)
		}
		bws := []*item{{backend: ReadBW, buffer: BufferHeap, bytes: len(recs), pass: func() int { sink.Add(readParallel(recs, th)); return 0 }}}
		if slices.ContainsFunc(items, func(it *item) bool { return it.backend == MMap }) {
			mapped := file.Records()
			bws = append(bws, &item{backend: ReadBW, buffer: BufferFile, bytes: len(mapped), pass: func() int { sink.Add(readParallel(mapped, th)); return 0 }})
		}
		nb := len(items)
		items = append(items, bws...)

		for _, it := range items { // warm up and size the samples
			if err := ctx.Err(); err != nil {
				return err
			}
			t0 := time.Now()
			if got := it.pass(); got != it.want {
				return fmt.Errorf("%s: counted %d valid descriptors of %d, engine/tcp.Valid counts %d", it.backend, got, n, it.want)
			}
			el := time.Since(t0)
			it.passes = max(1, int(cfg.MinSample/max(el, time.Nanosecond)))
		}
		names := make([]string, len(items))
		for i, it := range items {
			names[i] = it.backend
			if it.buffer != "" {
				names[i] += " (" + it.buffer + ")"
			}
		}
		progress("%s (%s), %d thread(s): %d interleaved rounds of %s", FormatSize(size), level, th, cfg.Repeat, strings.Join(names, ", "))
		for range cfg.Repeat {
			for _, it := range items {
				if err := ctx.Err(); err != nil {
					return err
				}
				t0 := time.Now()
				for range it.passes {
					if got := it.pass(); got != it.want {
						return fmt.Errorf("%s: counted %d valid descriptors of %d, engine/tcp.Valid counts %d", it.backend, got, n, it.want)
					}
				}
				s := time.Since(t0).Seconds()
				if it.backend == ReadBW {
					it.samples = append(it.samples, float64(it.passes*it.bytes)/s)
				} else {
					it.samples = append(it.samples, float64(it.passes*it.n)/s)
				}
			}
		}
		bwMedian := map[string]float64{}
		for _, bw := range bws {
			st := NewStat(bw.samples)
			bwMedian[bw.buffer] = st.Median
			rep.Bandwidth = append(rep.Bandwidth, Bandwidth{SizeBytes: size, Level: level, Buffer: bw.buffer, Threads: th, Passes: bw.passes, Rate: st})
			progress("%s (%s), %d thread(s): %-9s %.3g B/s (%s)", FormatSize(size), level, th, ReadBW, st.Median, bw.buffer)
		}
		for _, it := range items[:nb] {
			st := NewStat(it.samples)
			bw := bwMedian[BufferOf(it.backend)]
			m := Measurement{
				Backend: it.backend, Kernel: KernelOf(it.backend), SizeBytes: size, Level: level,
				Descriptors: it.n, Threads: th, Passes: it.passes, Rate: st,
				NsPerDescriptor: 1e9 / st.Median, ReadBW: bw,
				FractionOfBW: st.Median * tcp.Size / bw,
			}
			rep.Measurements = append(rep.Measurements, m)
			progress("%s (%s), %d thread(s): %-9s %.3g descriptors/s, %.2f ns/descriptor, %.0f%% of read bandwidth",
				FormatSize(size), level, th, it.backend, st.Median, m.NsPerDescriptor, 100*m.FractionOfBW)
		}
	}
	if peer {
		limit := min(n, cfg.PythonDescriptors)
		progress("Python peer: %s over %d records of %s", cfg.Python, limit, filepath.Base(dbPath))
		rep.Python = runPeer(ctx, cfg.Python, dbPath, limit, cfg.Repeat, limit, cfg.TempDir)
		if err := ctx.Err(); err != nil {
			return err
		}
		if rep.Python.NotAvailable != "" {
			progress("Python peer: not available: %s", rep.Python.NotAvailable)
		} else {
			progress("Python peer: %.3g descriptors/s, %.0f ns/descriptor", rep.Python.Rate.Median, rep.Python.NsPerDescriptor)
		}
	}
	return nil
}

// writeDB writes recs (all valid) as a descriptor database file in dir.
func writeDB(dir string, recs []byte) (string, error) {
	f, err := os.CreateTemp(dir, "tcpreport-bench-*.tcpdb")
	if err != nil {
		return "", fmt.Errorf("bench database: %w", err)
	}
	err = tcp.WriteRecords(f, recs)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("bench database %s: %w", f.Name(), err)
	}
	return f.Name(), nil
}

// cpuModel returns the model name of /proc/cpuinfo, or GOARCH.
func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				return strings.TrimSpace(v)
			}
		}
	}
	return runtime.GOARCH
}

// FormatRate writes a per-second figure with three significant digits and
// an SI prefix: 1.07G, 215M, 3.9k.
func FormatRate(v float64) string {
	switch {
	case v >= 1e9:
		return fmt.Sprintf("%.3gG", v/1e9)
	case v >= 1e6:
		return fmt.Sprintf("%.3gM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.3gk", v/1e3)
	}
	return fmt.Sprintf("%.3g", v)
}

// FormatSize writes a byte count with the largest binary unit that keeps
// it whole (24KiB, 1MiB), else in bytes; ParseSize in engine reads it back.
func FormatSize(b int64) string {
	for _, u := range []struct {
		s string
		m int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if b >= u.m && b%u.m == 0 {
			return fmt.Sprintf("%d%s", b/u.m, u.s)
		}
	}
	return fmt.Sprintf("%dB", b)
}
