package directives

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/experiment"
)

func TestExperiment(t *testing.T) {
	t.Setenv(experiment.EnvLLMURL, "")
	dir := t.TempDir()
	// rm is on the never-execute list and zzz-absent is not on PATH: their
	// lines leave the experiment. ls and date have two and one lines.
	labels := "SAFE\tls -la\nSAFE\tls /\nSAFE\tdate +%s\nHIGH_RISK\trm -rf build\nSAFE\tzzz-absent --now\n"
	os.WriteFile(filepath.Join(dir, "labels.tsv"), []byte(labels), 0o644)
	d := NewExperiment(nil)
	req := &engine.Request{ID: "exp", Dir: dir, Seed: 11,
		Opts: options(t, d, map[string]string{"labels": "labels.tsv", "blocks": "3", "warmup": "2"})}
	res, err := d.Run(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]float64{"tools": 2, "lines": 3, "excluded_lines": 2, "blocks": 3, "n_per_arm": 6, "warmup": 2, "seed": 11} {
		if got := res.Values[name].Num; got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if got := res.Values["arms"].Text; got != "tcp, help, man" {
		t.Errorf("arms %q", got)
	}
	if got := res.Values["llm_available"].Text; !strings.Contains(got, "not available: "+experiment.EnvLLMURL) {
		t.Errorf("llm: %q", got)
	}
	series := map[string][]float64{}
	for _, s := range res.Series {
		series[s.Name] = s.Values
	}
	for _, arm := range []string{"tcp", "help", "man"} {
		if n := len(series[arm+"_ns"]); n != 6 || len(series[arm+"_block"]) != 6 {
			t.Errorf("%s: %d samples", arm, n)
		}
		if res.Values[arm+"_errors"].Num != 0 {
			t.Errorf("%s: errors; warnings %q", arm, res.Warnings)
		}
	}
	// Running a sandboxed --help takes far longer than a table lookup.
	if res.Values["help_median_ns"].Num < 10*res.Values["tcp_median_ns"].Num {
		t.Errorf("help median %v ns, tcp %v ns", res.Values["help_median_ns"].Num, res.Values["tcp_median_ns"].Num)
	}
	if res.Values["tcp_accuracy"].Num != 1 || res.Values["tcp_lines"].Num != 3 {
		t.Errorf("tcp accuracy %v on %v lines", res.Values["tcp_accuracy"].Num, res.Values["tcp_lines"].Num)
	}
	if len(series["load_before"]) != 3 || len(series["load_after"]) != 3 {
		t.Errorf("load average series: %v %v", series["load_before"], series["load_after"])
	}
	rows, err := csv.NewReader(bytes.NewReader(fileOf(res, ScheduleFile))).ReadAll()
	if err != nil || len(rows) != 7 || rows[0][3] != "tool" {
		t.Fatalf("schedule: %v, %q", err, rows)
	}

	// The same seed gives the same schedule; another seed another.
	again, err := d.Run(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fileOf(again, ScheduleFile), fileOf(res, ScheduleFile)) {
		t.Error("same seed, different schedule")
	}

	for _, tc := range []struct {
		opts map[string]string
		want string
	}{
		{map[string]string{"labels": "labels.tsv", "arms": "help, tcp"}, "first arm must be tcp"},
		{map[string]string{"labels": "labels.tsv", "arms": "tcp, oracle"}, `unknown arm "oracle"`},
		{map[string]string{"labels": "labels.tsv", "blocks": "0"}, "blocks: 0 is out of range"},
		{map[string]string{"labels": "none.tsv"}, "labels: open"},
	} {
		req := &engine.Request{ID: "exp", Dir: dir, Opts: options(t, d, tc.opts)}
		if _, err := d.Run(t.Context(), req); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err %v, want %q", tc.opts, err, tc.want)
		}
	}
}
