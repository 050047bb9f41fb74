package directives

import (
	"strings"
	"testing"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/hdl"
)

func TestHDLDirective(t *testing.T) {
	d := NewHDL()
	state, err := d.State(t.Context(), engine.Options{})
	if err != nil {
		t.Fatal(err) // the message says how to install the tools
	}
	if len(state) != 64 {
		t.Errorf("state %q", state)
	}
	res, err := runWith(t, t.Context(), d, map[string]string{"engines": "2", "simulate": "1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	vs := hdl.DefaultVectors.Total()
	for name, want := range map[string]float64{"engines": 2, "vectors": float64(vs), "vectors_passed": float64(vs),
		"vectors_failed": 0, "protocol_errors": 0, "failed_all": 0, "configurations": 2, "latency_cycles": 2, "lint_warnings": 0} {
		if got, ok := res.Values[name]; !ok || got.Num != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if res.Values["lint"].Text != "clean" || len(res.Warnings) != 0 {
		t.Errorf("lint %v, warnings %v", res.Values["lint"], res.Warnings)
	}
	// {projection} reads these by name.
	total, depth := res.Values["cells_total"], res.Values["path_depth"]
	if total.Num < 1000 || depth.Num < 7 || depth.Num > 16 || total.Projection || depth.Projection {
		t.Errorf("cells_total %v, path_depth %v", total, depth)
	}
	if len(res.Tables) != 3 || len(res.Tables[0].Rows) != 2 || res.Tables[1].Rows[len(res.Tables[1].Rows)-1][1] != total.Format("") {
		t.Errorf("tables %+v", res.Tables)
	}
	files := map[string]bool{}
	for _, f := range res.Files {
		files[f.Name] = len(f.Data) > 0
	}
	for _, name := range []string{"tcp_checksum.v", "tcp_descriptor_validator.v", "tcp_validator_wrapper.v", "tcp_validator_tb.v",
		"vectors.hex", "simulation.log", "lint.log", "synth.ys", "yosys-stat.json", "yosys-ltp.txt"} {
		if !files[name] {
			t.Errorf("no %s in the result's files", name)
		}
	}
	if res.Meta["yosys"] == "" || !strings.Contains(res.Meta["iverilog"], "Icarus") {
		t.Errorf("meta %v", res.Meta)
	}

	for _, tt := range []struct{ name, engines, simulate, want string }{
		{"zero engines", "0", "1", "engines: 0; the wrapper needs 1 or more"},
		{"negative engines", "-4", "1", "engines: -4"},
		{"bad simulate", "2", "1, four", `simulate: "four" is not an engine count`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runWith(t, t.Context(), d, map[string]string{"engines": tt.engines, "simulate": tt.simulate}, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestHDLDirectiveMissingTools(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := runWith(t, t.Context(), NewHDL(), map[string]string{"engines": "1"}, nil)
	if err == nil || !strings.Contains(err.Error(), "install iverilog (make deps") {
		t.Errorf("err = %v", err)
	}
}
