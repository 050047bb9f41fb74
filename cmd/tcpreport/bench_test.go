package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestBench(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{"json", []string{"bench", "--json", "--backends", "optimised,parallel", "--sizes", "4KiB", "--threads", "1,2", "--repeat", "2", "--min-sample", "1ms", "--python", "none"}, 0,
			[]string{`"backend":"optimised"`, `"backend":"parallel"`, `"threads":2`, `"size_bytes":4096`, `"backend":"python"`, `"not_available":"the Python peer was not asked for"`}, "4KiB (L1), 2 thread(s): parallel"},
		{"table", []string{"bench", "-q", "--backends", "scalar,mmap", "--sizes", "8KiB", "--repeat", "1", "--min-sample", "1ms", "--python-descriptors", "100"}, 0,
			[]string{"backend", "scalar", "mmap", "Python peer", "best single thread: "}, ""},
		{"unknown backend", []string{"bench", "--backends", "gpu"}, 2, nil, `unknown backend "gpu" (use scalar, slicing, optimised, parallel, mmap)`},
		{"bad size", []string{"bench", "--sizes", "4KB"}, 2, nil, `--sizes: "4KB" is not a size (use 4KiB, 1MiB, ...)`},
		{"tiny size", []string{"bench", "--sizes", "10B"}, 2, nil, "10B holds no 24-byte descriptor"},
		{"threads", []string{"bench", "--threads", "0"}, 2, nil, "--threads: 0: use 1 to 1024"},
		{"repeat", []string{"bench", "--repeat", "0"}, 2, nil, "--repeat 0: use at least 1"},
		{"args", []string{"bench", "extra"}, 2, nil, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr, tt.code, tt.stderr)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(stdout, want) {
					t.Errorf("stdout lacks %s:\n%s", want, stdout)
				}
			}
			if tt.name != "json" {
				return
			}
			for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
				var m map[string]any
				if err := json.Unmarshal([]byte(line), &m); err != nil {
					t.Fatalf("bad JSON line %q: %v", line, err)
				}
				if m["backend"] == "python" {
					continue
				}
				for _, k := range []string{"backend", "size_bytes", "threads", "descriptors_per_s", "ns_per_descriptor", "read_bw_bytes_per_s", "fraction_of_bw"} {
					if v, ok := m[k]; !ok || v == 0.0 || v == "" {
						t.Errorf("line %s: %s missing or zero", line, k)
					}
				}
			}
		})
	}
}
