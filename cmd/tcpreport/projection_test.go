package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestProject(t *testing.T) {
	in := []string{"project", "--gates", "6000", "--depth", "10", "--software-ns", "50"}
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		// 28nm: 10×20 + 2×50 = 300 ps, 2 cycles: 0.6 ns; 8 × 3.333 GHz.
		{"table", in, 0, []string{"Projection", "ASIC 28nm  projection", "0.6", "2.667e+10", "software       given"}, ""},
		{"fpga", append(in, "--fpga", "Board", "--fpga-mhz", "250", "--fpga-watts", "75", "--fpga-cost", "9000"), 0, []string{"Board    declared", "2e+09"}, ""},
		{"override", append(in, "--nodes", "7nm", "--set", "7nm.gate-delay-ps=10", "--wire-mm", "0"), 0, []string{"ASIC 7nm"}, ""},
		{"missing inputs", []string{"project", "--gates", "6000"}, 2, nil, "give --depth, --software-ns"},
		{"zero engines", append(in, "--engines", "0"), 2, nil, "engines is 0; it must be 1 or more"},
		{"negative engines", append(in, "--engines", "-2"), 2, nil, "engines is -2"},
		{"unknown node", append(in, "--nodes", "3nm"), 2, nil, `unknown technology node "3nm"`},
		{"bad override", append(in, "--set", "7nm.x=1"), 2, nil, `unknown node parameter "x"`},
		{"unnamed fpga", append(in, "--fpga-mhz", "250"), 2, nil, "name the declared FPGA with --fpga"},
		{"half an fpga", append(in, "--fpga", "B", "--fpga-mhz", "250"), 2, nil, "must all be positive"},
		{"zero software", []string{"project", "--gates", "6000", "--depth", "10", "--software-ns", "0"}, 2, nil, "software time per descriptor is 0 ns"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tt.code, tt.stderr)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout)
				}
			}
		})
	}

	code, stdout, _ := cli(t, append(in, "--json", "--nodes", "28nm")...)
	var out projectOutput
	if err := json.Unmarshal([]byte(stdout), &out); code != 0 || err != nil {
		t.Fatalf("exit %d, %v:\n%s", code, err, stdout)
	}
	if out.Label != "projection" || len(out.Rows) != 2 || float64(out.Rows[1].LatencyNS) != 0.6 || out.Nodes[0].CriticalPathPS != 300 {
		t.Errorf("JSON %+v", out)
	}
	if !strings.Contains(stdout, `"power_w":null`) || !strings.Contains(stdout, `"gates":6000`) {
		t.Errorf("unknown software power must be null, the design keyed in snake case:\n%s", stdout)
	}
}
