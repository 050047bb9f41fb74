package directives

import (
	"math"
	"slices"
	"testing"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/host"
)

func TestEnvironment(t *testing.T) {
	d := NewEnvironment()
	if got := d.EnvFields(engine.Options{}); !slices.Equal(got, host.FingerprintNames()) {
		t.Errorf("EnvFields() = %v, want %v", got, host.FingerprintNames())
	}
	var _ engine.EnvDependent = d

	res, err := runWith(t, t.Context(), d, map[string]string{"rtt-samples": "1000"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tables) != 1 || res.Tables[0].Name != "environment" || !slices.Equal(res.Tables[0].Columns, []string{"fact", "value"}) {
		t.Fatalf("Tables = %+v, want one table environment(fact, value)", res.Tables)
	}
	facts := map[string]string{}
	for _, row := range res.Tables[0].Rows {
		facts[row[0]] = row[1]
	}
	for _, name := range append(host.FingerprintNames(), "hostname", "net.tcp.congestion_control",
		"net.loopback.rtt.samples", "net.loopback.rtt.median", "net.loopback.rtt.p99") {
		if facts[name] == "" {
			t.Errorf("no fact %s", name)
		}
	}
	for _, name := range []string{"cpu_cores", "mem_total", "rtt_median", "rtt_p99", "rtt_samples"} {
		v, ok := res.Values[name]
		if !ok || v.Text != "" || !(v.Num > 0) {
			t.Errorf("Values[%s] = %+v, want a positive number", name, v)
		}
	}
	for _, name := range []string{"cpu_model", "kernel", "os", "go_version", "congestion_control"} {
		if res.Values[name].Text == "" {
			t.Errorf("Values[%s] = %+v, want a text", name, res.Values[name])
		}
	}
	if res.Values["rtt_samples"] != engine.Num(1000, "") || res.Values["mem_total"].Unit != "B" || res.Values["rtt_p99"].Unit != "us" {
		t.Errorf("Values = %+v", res.Values)
	}
	if res.Values["rtt_median"].Num > res.Values["rtt_p99"].Num {
		t.Errorf("median %v above p99 %v", res.Values["rtt_median"], res.Values["rtt_p99"])
	}
	if len(res.Series) != 1 || res.Series[0].Name != "loopback_rtt" || res.Series[0].Unit != "us" || len(res.Series[0].Values) != 1000 {
		t.Fatalf("Series = %+v, want loopback_rtt in us with 1000 samples", res.Series)
	}
	if f := res.Figures; len(f) != 1 || f[0].Name != "loopback-rtt" || f[0].Kind != engine.ECDF || !f[0].LogX ||
		f[0].XLabel != "round-trip time (µs)" || len(f[0].Series) != 1 || len(f[0].Series[0].Y) != 1000 {
		t.Errorf("Figures = %+v", res.Figures)
	}
	if res.Meta["host"] != host.Hostname() {
		t.Errorf("Meta = %v", res.Meta)
	}
}

func TestEnvironmentTooFewSamples(t *testing.T) {
	_, err := runWith(t, t.Context(), NewEnvironment(), map[string]string{"rtt-samples": "999"}, nil)
	want := "rtt-samples: 999 is too few; use at least 1000, so that the 99th percentile rests on ten samples or more"
	if errText(err) != want {
		t.Errorf("error %q, want %q", errText(err), want)
	}
}

func TestQuantile7(t *testing.T) {
	// Expected values from R: quantile(c(1, 2, 3, 4), p, type = 7).
	xs := []float64{1, 2, 3, 4}
	for _, tt := range []struct{ p, want float64 }{
		{0, 1}, {0.5, 2.5}, {0.99, 3.97}, {1, 4},
	} {
		if got := quantile7(xs, tt.p); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("quantile7(%v) = %v, want %v", tt.p, got, tt.want)
		}
	}
	if got := quantile7([]float64{7}, 0.99); got != 7 {
		t.Errorf("quantile7 of one sample = %v, want 7", got)
	}
}
