package directives

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/tcp"
	"github.com/tcpreport/tcpreport/engine/tools"
)

func TestDecisions(t *testing.T) {
	dir := t.TempDir()
	labels := "# test labels\nSAFE\tls -la\nCRITICAL\trm -rf /\nHIGH_RISK\tgit push --force\nSAFE\tgit push --force origin main\n"
	os.WriteFile(filepath.Join(dir, "labels.tsv"), []byte(labels), 0o644)
	d := NewDecisions()
	req := &engine.Request{ID: "dec", Dir: dir, Opts: options(t, d, map[string]string{"labels": "labels.tsv", "repeat": "5"})}
	res, err := d.Run(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]float64{"n": 4, "correct": 3, "accuracy": 0.75, "dangerous_misses": 0} {
		if got := res.Values[name].Num; got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if len(res.Series) != 1 || len(res.Series[0].Values) != 5 || res.Values["ns_per_decision_median"].Num <= 0 {
		t.Errorf("timing: %+v %v", res.Series, res.Values["ns_per_decision_median"])
	}
	names := []string{}
	for _, tb := range res.Tables {
		names = append(names, tb.Name)
	}
	if strings.Join(names, ",") != "classes,confusion,mismatches" {
		t.Errorf("tables %v", names)
	}
	if got := d.InputFiles(req.Opts); len(got) != 1 || got[0] != "labels.tsv" {
		t.Errorf("InputFiles = %v: editing the labels must re-run the directive", got)
	}

	tests := []struct{ name, file, content, want string }{
		{"missing", "nope.tsv", "", "labels: open"},
		{"bad line", "bad.tsv", "SAFE\tls\nNOT_A_RISK\tls\n", "bad.tsv:2: unknown risk \"NOT_A_RISK\""},
		{"empty", "empty.tsv", "# nothing\n", "empty.tsv:1: no labelled command lines"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.content != "" || tt.name == "empty" {
				os.WriteFile(filepath.Join(dir, tt.file), []byte(tt.content), 0o644)
			}
			req := &engine.Request{ID: "dec", Dir: dir, Opts: options(t, d, map[string]string{"labels": tt.file})}
			if _, err := d.Run(t.Context(), req); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestDescriptorsFromDiscovery(t *testing.T) {
	recs := []toolRecord{
		{Tool: tools.Tool{Name: "rm", Found: true, Risk: tools.Critical, Capabilities: tools.Capabilities{Destructive: true, FileOps: true}}, ManBytes: 4800},
		{Tool: tools.Tool{Name: "git", Found: true, Risk: "MEDIUM_RISK", StartupCost: 6200 * time.Microsecond,
			Subcommands: []string{"status", "log", "push", "reset"}}, HelpBytes: 2400},
		{Tool: tools.Tool{Name: "helm", Found: false}},
	}
	data, _ := json.Marshal(recs)
	in := &engine.Result{Files: []engine.File{{Name: ToolsFile, Data: data}}}
	res, err := runWith(t, t.Context(), NewDescriptors(), nil, in)
	if err != nil {
		t.Fatal(err)
	}
	if res.Values["tools"].Num != 2 || res.Values["families"].Num != 1 {
		t.Errorf("values %v", res.Values)
	}
	desc := res.Tables[0]
	if len(desc.Rows) != 2 || desc.Rows[0][0] != "rm" || desc.Rows[1][3] != "7" {
		t.Fatalf("descriptors %v", desc.Rows)
	}
	b, err := hex.DecodeString(desc.Rows[0][4])
	if err != nil {
		t.Fatal(err)
	}
	d, err := tcp.Decode(b)
	if err != nil || d.Flags.Risk() != tcp.Critical || d.Flags&tcp.FlagDestructive == 0 {
		t.Errorf("rm descriptor decodes to %+v, %v", d, err)
	}
	db, err := tcp.OpenDB(res.Files[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := db.Lookup("git"); !ok || got.ExecMS != 7 {
		t.Errorf("database lookup of git: %+v %v", got, ok)
	}
	if _, err := runWith(t, t.Context(), NewDescriptors(), nil, &engine.Result{}); err == nil || !strings.Contains(err.Error(), "use a {discover} directive") {
		t.Errorf("input without analysis: %v", err)
	}
}

func TestDiscoverRealTools(t *testing.T) {
	res, err := runWith(t, t.Context(), NewDiscover(nil), map[string]string{"categories": "file_operations"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Values["listed"].Num != 7 || res.Values["found"].Num < 4 {
		t.Errorf("file operations: %v", res.Values)
	}
	var recs []toolRecord
	if err := json.Unmarshal(res.Files[0].Data, &recs); err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.Help != "" || r.Man != "" {
			t.Errorf("%s: help or man text kept in the result", r.Name)
		}
		if r.Name == "grep" && (!r.Probed || r.HelpBytes == 0 || !strings.Contains(r.Version, "grep")) {
			t.Errorf("grep: %+v", r)
		}
	}
	state := func() string { s, _ := NewDiscover(nil).State(t.Context(), engine.Options{}); return s }
	if a, b := state(), state(); a == "" || a != b {
		t.Errorf("PATH state not stable: %q %q", a, b)
	}
}
