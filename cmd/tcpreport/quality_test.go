package main

import (
	"encoding/json"
	"github.com/tcpreport/tcpreport/engine/quality/qualitytest"
	"strings"
	"testing"
)

func TestQuality(t *testing.T) {
	fixture := qualitytest.Fixture(t)
	code, stdout, stderr := cli(t, "quality", "--json", "--gates", "gofmt,vet,doc-coverage", fixture)
	if code != 1 || !strings.Contains(stderr, "quality: 3 of 3 gates did not pass") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	var out struct {
		Gates []struct {
			Name      string   `json:"name"`
			Value     *float64 `json:"value"`
			Threshold string   `json:"threshold"`
			Passed    bool     `json:"passed"`
		} `json:"gates"`
		AllPassed bool `json:"all_passed"`
		Findings  []struct {
			File string `json:"file"`
			Line int    `json:"line"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("%v:\n%s", err, stdout)
	}
	if out.AllPassed || len(out.Gates) != 3 || len(out.Findings) != 3 {
		t.Fatalf("%+v", out)
	}
	for i, want := range []struct {
		name  string
		value float64
	}{{"gofmt", 1}, {"vet", 1}, {"doc-coverage", 80}} {
		g := out.Gates[i]
		if g.Name != want.name || g.Value == nil || *g.Value != want.value || g.Passed || g.Threshold == "" {
			t.Errorf("gate %d: %+v, want %s = %v, not passed", i, g, want.name, want.value)
		}
	}

	for _, tt := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"quality", "a", "b"}, 2, "give at most one module directory"},
		{[]string{"quality", "--bench-count", "0", fixture}, 2, "--bench-count is 0"},
		{[]string{"quality", t.TempDir()}, 1, "is not a Go module: it has no go.mod"},
		{[]string{"quality", "--gates", "lint", fixture}, 1, `unknown gate "lint"`},
	} {
		code, _, stderr := cli(t, tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.stderr) {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", tt.args, code, stderr, tt.code, tt.stderr)
		}
	}
}
