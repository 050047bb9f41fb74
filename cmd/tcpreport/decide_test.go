package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDecide(t *testing.T) {
	file := filepath.Join(t.TempDir(), "cmds.txt")
	os.WriteFile(file, []byte("# commands\nls -la /tmp\n\nsudo rm -rf /\necho 'open\n"), 0o644)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string // JSON lines' risk/decision pairs, or substrings
		stderr string
	}{
		{"one command", []string{"decide", "--json", "--", "rm", "-rf", "/"}, 0, []string{`"risk":"CRITICAL"`, `"decision":"REJECT"`, `"command":"rm -rf /"`}, ""},
		{"safe", []string{"decide", "--json", "--", "ls", "-la"}, 0, []string{`"risk":"SAFE"`, `"decision":"APPROVE"`, `"flags":["SAFE"]`}, ""},
		{"file", []string{"decide", "--json", "--file", file}, 1, []string{`"command":"ls -la /tmp"`, `"command":"sudo rm -rf /"`, `"error":"command line: col 6: unbalanced single quote`}, "cmds.txt:5: command line: col 6"},
		{"nothing to decide", []string{"decide"}, 2, nil, "give a command after --"},
		{"both", []string{"decide", "--file", file, "--", "ls"}, 2, nil, "not both"},
		{"missing file", []string{"decide", "--file", "/nonexistent"}, 1, nil, "/nonexistent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tt.code, tt.stderr)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(stdout, want) {
					t.Errorf("stdout lacks %s:\n%s", want, stdout)
				}
			}
			for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
				if strings.HasPrefix(line, "{") {
					var d decisionJSON
					if err := json.Unmarshal([]byte(line), &d); err != nil || d.Risk == "" || d.Decision == "" || d.Flags == nil {
						t.Errorf("bad JSON line %q: %v", line, err)
					}
				}
			}
		})
	}
}
