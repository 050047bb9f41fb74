package directives

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/experiment"
)

func TestPower(t *testing.T) {
	d := NewPower()
	res, err := d.Run(t.Context(), &engine.Request{ID: "pw", Opts: options(t, d, map[string]string{"effect-size": "0.5"})})
	if err != nil {
		t.Fatal(err)
	}
	// statsmodels: TTestIndPower().solve_power(0.5, alpha=0.05, power=0.8) = 63.7656.
	if got := res.Values["nobs1_exact"].Num; math.Abs(got-63.76561) > 1e-3 || res.Values["n_per_arm"].Num != 64 {
		t.Errorf("n = %v (%v), want 63.7656 (64)", got, res.Values["n_per_arm"].Num)
	}
	if p := res.Values["power_at_n"].Num; p < 0.8 || p > 0.81 {
		t.Errorf("power at n = %v", p)
	}
	if len(res.Tables) != 1 || len(res.Tables[0].Rows) != 3 || len(res.Figures) != 1 {
		t.Errorf("tables %d figures %d", len(res.Tables), len(res.Figures))
	}
	for _, bad := range []map[string]string{{"effect-size": "0"}, {"alpha": "1.5"}, {"power": "0"}} {
		if _, err := d.Run(t.Context(), &engine.Request{ID: "pw", Opts: options(t, d, bad)}); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

func TestStatsFromExperiment(t *testing.T) {
	t.Setenv(experiment.EnvLLMURL, "")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "labels.tsv"), []byte("SAFE\tls -la\nSAFE\tdate\nSAFE\tcat /etc/hostname\nLOW_RISK\ttouch x\n"), 0o644)
	e := NewExperiment(nil)
	exp, err := e.Run(t.Context(), &engine.Request{ID: "exp", Dir: dir, Seed: 3,
		Opts: options(t, e, map[string]string{"labels": "labels.tsv", "blocks": "4", "warmup": "2"})})
	if err != nil {
		t.Fatal(err)
	}
	s := NewStats()
	req := &engine.Request{ID: "st", Seed: 3, From: []string{"exp"}, Inputs: map[string]*engine.Result{"exp": exp},
		Opts: options(t, s, map[string]string{})}
	res, err := s.Run(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"help", "man"} {
		sp := res.Values[b+"_speedup"]
		if sp.Num <= 1 || res.Values[b+"_speedup_low"].Num > sp.Num || res.Values[b+"_speedup_high"].Num < sp.Num {
			t.Errorf("%s speedup %v [%v, %v]", b, sp.Num, res.Values[b+"_speedup_low"].Num, res.Values[b+"_speedup_high"].Num)
		}
		if res.Values[b+"_test"].Text == "" || res.Values[b+"_n"].Num != 16 {
			t.Errorf("%s: test %q n %v", b, res.Values[b+"_test"].Text, res.Values[b+"_n"].Num)
		}
	}
	// The schedule balances arm order exactly over 16 trials of 3 arms
	// only up to the Williams cycle of 6; the check must see no imbalance.
	if p := res.Values["counterbalance_p"].Num; p < 0.5 {
		t.Errorf("counterbalance p = %v", p)
	}
	if _, ok := res.Values["randomisation_p"]; !ok {
		t.Error("no randomisation check")
	}
	var names []string
	for _, tb := range res.Tables {
		names = append(names, tb.Name)
	}
	if strings.Join(names, ",") != "comparison,assumptions,controls" || len(res.Figures) != 2 {
		t.Errorf("tables %v, %d figures", names, len(res.Figures))
	}
	// Same input, same seed: the same statistics, bootstrap included.
	again, err := s.Run(t.Context(), req)
	if err != nil || again.Values["help_speedup_low"] != res.Values["help_speedup_low"] {
		t.Errorf("not reproducible: %v, %v vs %v", err, again.Values["help_speedup_low"], res.Values["help_speedup_low"])
	}

	bad := &engine.Request{ID: "st", From: []string{"x"}, Inputs: map[string]*engine.Result{"x": {}}, Opts: options(t, s, map[string]string{})}
	if _, err := s.Run(t.Context(), bad); err == nil || !strings.Contains(err.Error(), "not an {experiment} result") {
		t.Errorf("non-experiment input: %v", err)
	}
	req.Opts = options(t, s, map[string]string{"baselines": "oracle"})
	if _, err := s.Run(t.Context(), req); err == nil || !strings.Contains(err.Error(), `"oracle" is not a baseline arm`) {
		t.Errorf("unknown baseline: %v", err)
	}
}
