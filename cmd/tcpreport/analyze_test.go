package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/tcpreport/tcpreport/engine/golden"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tcpreport/tcpreport/engine/stats"
)

// analyzeFields are the fields of 'analyze --json', in order, as issue 4
// lists them.
var analyzeFields = strings.Fields(`n1 n2 mean1 mean2 sd1 sd2 median1 median2 shapiro_w1 shapiro_p1
	shapiro_w2 shapiro_p2 levene_w levene_p brown_forsythe_w brown_forsythe_p student_t student_df
	student_p welch_t welch_df welch_p mwu_u mwu_p mwu_method cohen_d hedges_g mean_diff_ci_low
	mean_diff_ci_high median_ratio median_ratio_ci_low median_ratio_ci_high test_selected p_selected`)

func writeSamples(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAnalyze(t *testing.T) {
	dir := t.TempDir()
	good := writeSamples(t, dir, "good.txt", "1\n2\n3\n4\n")
	bad := writeSamples(t, dir, "bad.txt", "# ms\n1.5\n1,5\n12ms\n2\n")
	bad2 := writeSamples(t, dir, "bad2.txt", "x\n")
	one := writeSamples(t, dir, "one.txt", "7\n")
	empty := writeSamples(t, dir, "empty.txt", "# nothing\n")
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr []string
	}{
		{"human", []string{"analyze", "testdata/analyze/baseline.txt", "testdata/analyze/tcp.txt"}, 0, "selected: Mann-Whitney U", nil},
		{"bad lines in both files", []string{"analyze", bad, bad2}, 1, "", []string{
			"tcpreport: " + bad + `:3: "1,5" is not a number; use a dot for decimals (1.5)`,
			"tcpreport: " + bad + `:4: "12ms" is not a number; drop the unit "ms"`,
			"tcpreport: " + bad2 + `:1: "x" is not a number`}},
		{"one value", []string{"analyze", good, one}, 1, "", []string{"one.txt: 1 value; analyze needs at least 2 per file"}},
		{"no values", []string{"analyze", empty, good}, 1, "", []string{"empty.txt: no numbers found"}},
		{"missing file", []string{"analyze", good, filepath.Join(dir, "nope.txt")}, 1, "", []string{"nope.txt: no such file or directory"}},
		{"one file", []string{"analyze", good}, 2, "", []string{"analyze: give two sample files, A and B, not 1"}},
		{"three files", []string{"analyze", good, good, good}, 2, "", []string{"not 3"}},
		{"alpha", []string{"analyze", "--alpha", "1.5", good, good}, 2, "", []string{"--alpha 1.5 is not in (0, 1); use e.g. 0.05"}},
		{"alpha not a number", []string{"analyze", "--alpha", "x", good, good}, 2, "", []string{`invalid argument "x"`}},
		{"seed not a number", []string{"analyze", "--seed", "-1", good, good}, 2, "", []string{`invalid argument "-1"`}},
		{"help is the manual", []string{"analyze", "--help"}, 0, "Exit status: 0 on success", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, tt.args...)
			if code != tt.code || !strings.Contains(stdout, tt.stdout) {
				t.Errorf("exit %d, stdout:\n%s\nwant exit %d and %q (stderr %q)", code, stdout, tt.code, tt.stdout, stderr)
			}
			for _, want := range tt.stderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
		})
	}
}

// TestAnalyzeGolden pins the human and JSON output for the sample files in
// testdata/analyze (go test -update rewrites them).
func TestAnalyzeGolden(t *testing.T) {
	for _, g := range []struct {
		file string
		args []string
	}{
		{"human.golden", nil},
		{"json.golden", []string{"--json"}},
		{"alpha.golden", []string{"--alpha", "0.01", "--seed", "7"}},
	} {
		t.Run(g.file, func(t *testing.T) {
			args := append(append([]string{"analyze"}, g.args...), "testdata/analyze/baseline.txt", "testdata/analyze/tcp.txt")
			code, stdout, stderr := cli(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			golden.Check(t, filepath.Join("testdata", "analyze", g.file), []byte(stdout))
		})
	}
}

// TestAnalyzeJSON checks that --json prints exactly the fields, in
// its order, with Compare's values, and null where Compare has none.
func TestAnalyzeJSON(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name  string
		a, b  string
		nulls []string
	}{
		{"normal", "testdata/analyze/baseline.txt", "testdata/analyze/tcp.txt", nil},
		{"constants", writeSamples(t, dir, "c1.txt", "3\n3\n3\n"), writeSamples(t, dir, "c2.txt", "3\n3\n3\n3\n"), []string{
			"shapiro_w1", "shapiro_p1", "shapiro_w2", "shapiro_p2", "levene_w", "levene_p",
			"brown_forsythe_w", "brown_forsythe_p", "student_t", "student_df", "student_p",
			"welch_t", "welch_df", "welch_p", "cohen_d", "hedges_g", "mean_diff_ci_low", "mean_diff_ci_high"}},
		{"zero median", writeSamples(t, dir, "z1.txt", "0\n0\n1\n"), writeSamples(t, dir, "z2.txt", "0\n0\n2\n"), []string{
			"median_ratio", "median_ratio_ci_low", "median_ratio_ci_high"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, "analyze", "--json", tt.a, tt.b)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if strings.Count(stdout, "\n") != 1 {
				t.Errorf("want one JSON line, got:\n%s", stdout)
			}
			dec := json.NewDecoder(strings.NewReader(stdout))
			if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
				t.Fatalf("not a JSON object: %s", stdout)
			}
			var keys []string
			got := map[string]any{}
			for dec.More() {
				k, _ := dec.Token()
				var v any
				if err := dec.Decode(&v); err != nil {
					t.Fatal(err)
				}
				keys = append(keys, k.(string))
				got[k.(string)] = v
			}
			if !reflect.DeepEqual(keys, analyzeFields) {
				t.Errorf("fields\n%v\nwant\n%v", keys, analyzeFields)
			}
			var nulls []string
			for _, k := range keys {
				if got[k] == nil {
					nulls = append(nulls, k)
				}
			}
			if fmt.Sprint(nulls) != fmt.Sprint(tt.nulls) && !(len(nulls) == 0 && tt.nulls == nil) {
				t.Errorf("null fields %v, want %v", nulls, tt.nulls)
			}
		})
	}
	// The values are Compare's.
	a, _ := readSamples("testdata/analyze/baseline.txt")
	b, _ := readSamples("testdata/analyze/tcp.txt")
	c, err := stats.Compare(a, b, 0.05, 1)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(analysisJSON(c))
	_, stdout, _ := cli(t, "analyze", "--json", "testdata/analyze/baseline.txt", "testdata/analyze/tcp.txt")
	if strings.TrimSpace(stdout) != string(want) {
		t.Errorf("analyze --json:\n%s\nCompare:\n%s", stdout, want)
	}
}

// BenchmarkAnalyze runs 'tcpreport analyze --json' in-process on two files
// of a million values each, reading and parsing included (goal: under 1 s).
func BenchmarkAnalyze(b *testing.B) {
	dir := b.TempDir()
	files := make([]string, 2)
	for i := range files {
		var buf bytes.Buffer
		for j := range 1_000_000 {
			// Deterministic, timing-like values: a skewed spread around 1000.
			v := 1000 + 50*float64((j*7919+i*104729)%1000)/1000 + float64(j%97)*float64(j%13)/10
			fmt.Fprintf(&buf, "%.6g\n", v)
		}
		files[i] = filepath.Join(dir, fmt.Sprintf("s%d.txt", i))
		if err := os.WriteFile(files[i], buf.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		var out, errb bytes.Buffer
		if err := run(b.Context(), []string{"analyze", "--json", files[0], files[1]}, &out, &errb); err != nil {
			b.Fatalf("%v: %s", err, errb.String())
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/analyze")
	b.ReportMetric(2e6*float64(b.N)/b.Elapsed().Seconds(), "values/s")
}
