package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHDLGenerate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "hdl")
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"four engines", []string{"hdl", "generate", "--engines", "4", "--out", dir}, 0, filepath.Join(dir, "tcp_validator_wrapper.v"), ""},
		{"zero engines", []string{"hdl", "generate", "--engines", "0", "--out", dir}, 2, "", "--engines is 0; give 1 or more"},
		{"negative engines", []string{"hdl", "generate", "--engines", "-3", "--out", dir}, 2, "", "--engines is -3"},
		{"no out", []string{"hdl", "generate"}, 2, "", "--out DIR"},
		{"no command", []string{"hdl"}, 2, "", "give a command: generate"},
		{"unknown command", []string{"hdl", "simulate"}, 2, "", `unknown command "simulate"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, tt.args...)
			if code != tt.code || !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d, %q, %q", code, stdout, stderr, tt.code, tt.stdout, tt.stderr)
			}
		})
	}
	w, err := os.ReadFile(filepath.Join(dir, "tcp_validator_wrapper.v"))
	if err != nil || !strings.Contains(string(w), "parameter PARALLEL_ENGINES = 4,") {
		t.Errorf("wrapper: %v\n%s", err, w)
	}
}
