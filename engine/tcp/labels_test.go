package tcp

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// labelsFile is the labels file of the flagship report.
const labelsFile = "../../reports/data/labels.tsv"

func TestReadLabels(t *testing.T) {
	in := "# comment\n\nSAFE\tls -la\r\n  # indented comment\nCRITICAL\trm -rf /\nHIGH_RISK\t  sudo -i  \n"
	got, err := ReadLabels(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Labelled{{Safe, "ls -la", 3}, {Critical, "rm -rf /", 5}, {HighRisk, "sudo -i", 6}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestReadLabelsErrors(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"no tab", "SAFE ls\n", []string{"line 1: no tab: write RISK<TAB>command line"}},
		{"bad risk", "SAFE\tls\nHIGH\trm -rf x\n", []string{`line 2: unknown risk "HIGH" (use SAFE, LOW_RISK, MEDIUM_RISK, HIGH_RISK or CRITICAL)`}},
		{"no command", "LOW_RISK\t  \n", []string{"line 1: no command after the risk"}},
		{"duplicate", "SAFE\tls\nLOW_RISK\tls\n", []string{"line 2: command repeats line 1 (label each command once)"}},
		{"every error, in order", "x\nSAFE\tls\nSAFE\tls\nBAD\tcat\n", []string{"line 1: no tab", "line 3: command repeats line 2", `line 4: unknown risk "BAD"`}},
		{"empty file", "# only comments\n", []string{"line 1: no labelled command lines"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadLabels(strings.NewReader(tt.in))
			if err == nil {
				t.Fatal("no error")
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("errors:\n%v\nwant %d", err, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("error %d = %q, want %q", i, lines[i], w)
				}
			}
			var le *LabelError
			if !errors.As(err, &le) {
				t.Errorf("err is %T, want *LabelError inside", err)
			}
		})
	}
}

func TestReadLabelsNamesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "labels.tsv")
	os.WriteFile(path, []byte("SAFE\tls\nOOPS\n"), 0o644)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = ReadLabels(f)
	if want := path + ":2: no tab"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %v, want %q", err, want)
	}
}

func TestEvaluate(t *testing.T) {
	labels := []Labelled{
		{Safe, "ls", 1},
		{Safe, "rm notes.txt", 2},        // decided MEDIUM
		{HighRisk, "uptime", 3},          // decided SAFE: a dangerous miss
		{Critical, "rm -rf /", 4},        // right
		{LowRisk, "echo 'unclosed", 5},   // an error: decided CRITICAL
		{MediumRisk, "npm install x", 6}, // right
	}
	ev := Evaluate(nil, labels)
	if ev.N != 6 || ev.Correct != 3 || ev.Accuracy != 0.5 {
		t.Errorf("N %d, correct %d, accuracy %v", ev.N, ev.Correct, ev.Accuracy)
	}
	want := [NumRisks][NumRisks]int{
		{1, 0, 1, 0, 0},
		{0, 0, 0, 0, 1},
		{0, 0, 1, 0, 0},
		{1, 0, 0, 0, 0},
		{0, 0, 0, 0, 1},
	}
	if ev.Confusion != want {
		t.Errorf("confusion %v, want %v", ev.Confusion, want)
	}
	if len(ev.DangerousMisses) != 1 || ev.DangerousMisses[0].Line != 3 {
		t.Errorf("dangerous misses %v", ev.DangerousMisses)
	}
	if len(ev.Errors) != 1 || ev.Errors[0].Line != 5 || len(ev.Mismatches) != 3 {
		t.Errorf("errors %v, mismatches %d", ev.Errors, len(ev.Mismatches))
	}
	safe := ev.Classes[Safe]
	if safe.Labelled != 2 || safe.Decided != 2 || safe.Correct != 1 || safe.Precision != 0.5 || safe.Recall != 0.5 {
		t.Errorf("SAFE score %+v", safe)
	}
	if low := ev.Classes[LowRisk]; low.Decided != 0 || low.Precision != 0 || low.Recall != 0 {
		t.Errorf("LOW_RISK score %+v", low)
	}
	if crit := ev.Classes[Critical]; crit.Precision != 0.5 || crit.Recall != 1 {
		t.Errorf("CRITICAL score %+v", crit)
	}
	if empty := Evaluate(nil, nil); empty.N != 0 || empty.Accuracy != 0 {
		t.Errorf("empty evaluation %+v", empty)
	}
}

// TestLabelsFile guards the report's labels file: its size and spread, and
// the promise of zero dangerous misses. The accuracy floor catches
// regressions; the report shows the exact figure.
func TestLabelsFile(t *testing.T) {
	f, err := os.Open(labelsFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	labels, err := ReadLabels(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(labels) < 150 {
		t.Errorf("%d labelled lines, want at least 150", len(labels))
	}
	ev := Evaluate(nil, labels)
	for _, c := range ev.Classes {
		if c.Labelled < 20 {
			t.Errorf("%v: %d lines, want at least 20", c.Risk, c.Labelled)
		}
	}
	for _, m := range ev.DangerousMisses {
		t.Errorf("dangerous miss, line %d: %q labelled %v, decided %v (%s)", m.Line, m.Command, m.Risk, m.Decision.Risk, m.Decision.Reason)
	}
	for _, m := range ev.Errors {
		t.Errorf("line %d: %q: %v", m.Line, m.Command, m.Err)
	}
	if ev.Accuracy < 0.9 {
		t.Errorf("accuracy %.3f, below 0.9", ev.Accuracy)
	}
	t.Logf("%d lines, accuracy %.3f, confusion (rows labelled, columns decided):", ev.N, ev.Accuracy)
	for r, row := range ev.Confusion {
		t.Logf("  %-11v %v", Risk(r), row)
	}
	for _, m := range ev.Mismatches {
		t.Logf("  line %d: %v decided %v: %q (%s)", m.Line, m.Risk, m.Decision.Risk, m.Command, m.Decision.Reason)
	}
}
