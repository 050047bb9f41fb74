package directives

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/tcp"
	"github.com/tcpreport/tcpreport/hw/fpga"
)

// descriptorsResult returns what a {descriptors} result carries: a
// descriptor database of n tools.
func descriptorsResult(t *testing.T, n int) *engine.Result {
	t.Helper()
	var es []tcp.Entry
	for i := range n {
		es = append(es, tcp.Entry{Name: fmt.Sprintf("tool-%d", i), Flags: tcp.Flags(1 << (i % 12)), ExecMS: i})
	}
	var db bytes.Buffer
	if err := tcp.WriteDB(&db, es); err != nil {
		t.Fatal(err)
	}
	return &engine.Result{Files: []engine.File{{Name: DBFile, Data: db.Bytes()}}}
}

func TestFPGAEmulator(t *testing.T) {
	res, err := runWith(t, t.Context(), NewFPGA(), map[string]string{"device": "emulator", "corrupt-every": "4", "batch": "128"}, descriptorsResult(t, 1000))
	if err != nil {
		t.Fatal(err)
	}
	if res.NotAvailable != "" {
		t.Fatalf("not available: %s", res.NotAvailable)
	}
	for name, want := range map[string]float64{"descriptors": 1000, "flipped": 250, "valid": 750, "invalid": 250, "expected_valid": 750,
		"agree": 1000, "disagree": 0, "batches": 8, "resent": 0, "error_count": 250} {
		if got := res.Values[name].Num; got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	// 8 batches of 128 (the last 104): 16 + 3·⌈n/2⌉ model cycles each.
	cycles := 7*(16+3*64) + 16 + 3*52
	if v := res.Values["total_cycles"]; v.Num != float64(cycles) || v.Unit != "emulated cycles" || !v.Projection {
		t.Errorf("total_cycles = %+v, want %d emulated cycles marked as a projection", v, cycles)
	}
	if v := res.Values["avg_cycles"]; !v.Projection || v.Unit != "emulated cycles" {
		t.Errorf("avg_cycles = %+v", v)
	}
	if got := res.Values["label"].Text; got != "emulated: protocol check, not hardware timing" {
		t.Errorf("label %q", got)
	}
	if len(res.Tables) != 2 || len(res.Tables[0].Rows) != 9 || res.Tables[0].Rows[8][5] != "1000" {
		t.Fatalf("tables %+v", res.Tables)
	}
	for _, tb := range res.Tables {
		if !strings.HasPrefix(tb.Caption, fpga.EmulatedLabel) {
			t.Errorf("caption of %s lacks the label: %q", tb.Name, tb.Caption)
		}
	}
	if !strings.HasPrefix(res.Text, fpga.EmulatedLabel+"\n") || len(res.Warnings) != 1 ||
		!strings.Contains(res.Warnings[0], fpga.EmulatedLabel) || !strings.Contains(res.Warnings[0], "16 + 3·⌈n / min(engines, banks)⌉") {
		t.Errorf("text %q, warnings %q", res.Text, res.Warnings)
	}
	var source string
	for _, r := range res.Tables[1].Rows {
		if r[0] == "total cycles" {
			source = r[2]
		}
	}
	if !strings.HasPrefix(source, "emulation model: ") {
		t.Errorf("the total cycles' source is %q", source)
	}
}

func TestFPGADatabaseFile(t *testing.T) {
	d := NewFPGA()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "tools.tcpdb"), descriptorsResult(t, 50).Files[0].Data, 0o644)
	req := &engine.Request{ID: "fpga", Dir: dir, Opts: options(t, d, map[string]string{"device": "emulator", "db": "tools.tcpdb"})}
	res, err := d.Run(t.Context(), req)
	if err != nil || res.Values["agree"].Num != 50 || res.Values["batches"].Num != 1 {
		t.Fatalf("err %v, values %v", err, res.Values)
	}
	if got := d.InputFiles(req.Opts); len(got) != 1 || got[0] != "tools.tcpdb" {
		t.Errorf("InputFiles = %v", got)
	}
}

func TestFPGANotAvailable(t *testing.T) {
	const dev = "/dev/ttyTCPREPORT-NO-BOARD"
	res, err := runWith(t, t.Context(), NewFPGA(), map[string]string{"device": dev}, descriptorsResult(t, 10))
	if err != nil {
		t.Fatal(err)
	}
	if res.NotAvailable != "no FPGA board at "+dev+" (the device does not exist)" || len(res.Values) != 0 || len(res.Tables) != 0 {
		t.Errorf("result %+v", res)
	}
	state := func(dev string) string {
		s, _ := NewFPGA().State(t.Context(), engine.NewOptions(map[string]string{"device": dev}))
		return s
	}
	if a, e, n := state(dev), state("emulator"), state("/dev/null"); a != "absent" || e != "emulator" || !strings.HasPrefix(n, "present ") {
		t.Errorf("states %q %q %q: connecting the board must change the cache key", a, e, n)
	}
}

func TestFPGAErrors(t *testing.T) {
	tests := []struct {
		name string
		vals map[string]string
		in   *engine.Result
		want string
	}{
		{"no descriptors", map[string]string{"device": "emulator"}, nil, "no descriptors: give :from: a {descriptors} directive, or :db: a descriptor database file"},
		{"both", map[string]string{"device": "emulator", "db": "x.tcpdb"}, descriptorsResult(t, 1), "give :db: or :from:, not both"},
		{"input without a database", map[string]string{"device": "emulator"}, &engine.Result{}, "carries no descriptor database; use a {descriptors} directive"},
		{"missing file", map[string]string{"device": "emulator", "db": "nope.tcpdb"}, nil, "db: open"},
		{"batch", map[string]string{"device": "emulator", "batch": "5000"}, descriptorsResult(t, 1), "batch: 5000 is out of range (use 1 to 1024)"},
		{"engines", map[string]string{"device": "emulator", "engines": "0"}, descriptorsResult(t, 1), "engines: 0 is out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runWith(t, t.Context(), NewFPGA(), tt.vals, tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
