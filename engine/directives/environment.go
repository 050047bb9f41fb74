package directives

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/host"
)

// minRTTSamples is the fewest loopback round trips {environment} measures:
// with fewer, the 99th percentile rests on fewer than ten samples.
const minRTTSamples = 1000

// Environment is the {environment} directive: it describes the machine and
// measures its loopback TCP round-trip time.
type Environment struct{}

// NewEnvironment returns the {environment} directive.
func NewEnvironment() *Environment { return &Environment{} }

// Kind returns "environment".
func (*Environment) Kind() string { return "environment" }

// Version returns the implementation version.
func (*Environment) Version() int { return 2 }

// Options declares rtt-samples.
func (*Environment) Options() []engine.OptionSpec {
	return []engine.OptionSpec{
		{Name: "rtt-samples", Type: engine.Int, Default: strconv.Itoa(minRTTSamples),
			Help: "number of loopback TCP round trips to time (at least 1000)"},
	}
}

// EnvFields returns every fingerprint fact: the result describes them.
func (*Environment) EnvFields(engine.Options) []string { return host.FingerprintNames() }

// RunsAlone keeps other directives from disturbing the loopback timing.
func (*Environment) RunsAlone() {}

// Run collects the facts of the machine and times the loopback round trips.
func (*Environment) Run(ctx context.Context, req *engine.Request) (*engine.Result, error) {
	n := minRTTSamples
	if req.Opts.Has("rtt-samples") {
		n = req.Opts.Int("rtt-samples")
	}
	if n < minRTTSamples {
		return nil, fmt.Errorf("rtt-samples: %d is too few; use at least %d, so that the 99th percentile rests on ten samples or more", n, minRTTSamples)
	}
	if n > host.MaxRTTSamples {
		return nil, fmt.Errorf("rtt-samples: %d is too many; use at most %d", n, host.MaxRTTSamples)
	}
	info, err := host.Collect(ctx)
	if err != nil {
		return nil, err
	}
	hostname := host.Hostname()
	res := &engine.Result{
		Values: map[string]engine.Value{
			"cpu_model":          engine.Text(info.Get("cpu.model")),
			"kernel":             engine.Text(info.Get("kernel")),
			"os":                 engine.Text(info.Get("os")),
			"go_version":         engine.Text(info.Get("go.version")),
			"congestion_control": engine.Text(info.Get("net.tcp.congestion_control")),
		},
		Meta: map[string]string{"host": hostname},
	}
	if info.CPUCores > 0 {
		res.Values["cpu_cores"] = engine.Num(float64(info.CPUCores), "")
	} else {
		res.Warnings = append(res.Warnings, "cpu_cores: "+info.Get("cpu.cores"))
	}
	if info.MemTotal > 0 {
		res.Values["mem_total"] = engine.Num(float64(info.MemTotal), "B")
	} else {
		res.Warnings = append(res.Warnings, "mem_total: "+info.Get("mem.total"))
	}

	t := engine.Table{Name: "environment", Columns: []string{"fact", "value"}}
	t.Rows = append(t.Rows, []string{"hostname", hostname})
	for _, f := range info.Facts {
		t.Rows = append(t.Rows, []string{f.Name, f.Value})
	}

	samples, err := host.LoopbackRTT(ctx, n)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("timed out timing %d loopback round trips; raise :timeout: or lower :rtt-samples:: %w", n, err)
		}
		if ctx.Err() != nil {
			return nil, err
		}
		na := "not available: " + err.Error()
		t.Rows = append(t.Rows,
			[]string{"net.loopback.rtt.samples", na},
			[]string{"net.loopback.rtt.median", na},
			[]string{"net.loopback.rtt.p99", na})
		res.Warnings = append(res.Warnings, "loopback round-trip time: "+na)
		res.Tables = []engine.Table{t}
		return res, nil
	}

	us := make([]float64, len(samples))
	for i, d := range samples {
		us[i] = float64(d.Nanoseconds()) / 1e3
	}
	sorted := slices.Clone(us)
	slices.Sort(sorted)
	median, p99 := quantile7(sorted, 0.5), quantile7(sorted, 0.99)

	t.Rows = append(t.Rows,
		[]string{"net.loopback.rtt.samples", fmt.Sprintf(
			"%d round trips of %d bytes over TCP on 127.0.0.1 with TCP_NODELAY, after %d discarded warm-up round trips",
			n, host.RTTMessageSize, host.RTTWarmup)},
		[]string{"net.loopback.rtt.median", fmt.Sprintf("%.1f µs (quantile 0.5, R type 7)", median)},
		[]string{"net.loopback.rtt.p99", fmt.Sprintf("%.1f µs (quantile 0.99, R type 7)", p99)})
	res.Tables = []engine.Table{t}
	res.Values["rtt_median"] = engine.Num(median, "us")
	res.Values["rtt_p99"] = engine.Num(p99, "us")
	res.Values["rtt_samples"] = engine.Num(float64(n), "")
	res.Series = []engine.Series{{Name: "loopback_rtt", Unit: "us", Values: us}}
	res.Figures = []engine.Figure{{
		Name:    "loopback-rtt",
		Kind:    engine.ECDF,
		Caption: fmt.Sprintf("Empirical CDF of %d loopback TCP echo round-trip times (log x axis).", n),
		XLabel:  "round-trip time (µs)",
		YLabel:  "fraction of round trips",
		LogX:    true,
		Series:  []engine.FigureData{{Name: "loopback TCP", Y: us}},
	}}
	return res, nil
}

// quantile7 is the p-quantile of sorted by linear interpolation between
// order statistics: Hyndman and Fan's type 7, the default of R and NumPy.
func quantile7(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	h := float64(len(sorted)-1) * p
	lo := int(math.Floor(h))
	if lo+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}
