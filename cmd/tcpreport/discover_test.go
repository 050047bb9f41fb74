package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

func TestDiscoverJSON(t *testing.T) {
	t.Chdir(t.TempDir()) // the probe cache goes to .tcpreport here
	code, stdout, stderr := cli(t, "discover", "--json", "--category", "system_admin", "--category", "file_operations")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 16 {
		t.Errorf("%d tools, want the 9 system admin and 7 file operation tools", len(lines))
	}
	hex48 := regexp.MustCompile(`^[0-9a-f]{48}$`)
	seen := map[string]map[string]any{}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		for _, k := range []string{"name", "path", "category", "version", "risk", "flags", "security_level", "descriptor", "isolation", "probed"} {
			if _, ok := m[k]; !ok {
				t.Errorf("%v lacks %q", m["name"], k)
			}
		}
		if m["found"] == true && !hex48.MatchString(m["descriptor"].(string)) {
			t.Errorf("%v: descriptor %q", m["name"], m["descriptor"])
		}
		seen[m["name"].(string)] = m
	}
	if rm := seen["rm"]; rm == nil || rm["probed"] != false || !strings.Contains(rm["isolation"].(string), "never-execute") || rm["risk"] != "CRITICAL" {
		t.Errorf("rm: %v", rm)
	}
	if grep := seen["grep"]; grep == nil || grep["probed"] != true || !strings.Contains(grep["version"].(string), "grep") {
		t.Errorf("grep: %v", grep)
	}
	if code, _, stderr := cli(t, "discover", "--all", "--category", "network"); code != 2 || !strings.Contains(stderr, "exclusive") {
		t.Errorf("--all with --category: exit %d %q", code, stderr)
	}
	if code, _, stderr := cli(t, "discover", "--category", "nope"); code != 2 || !strings.Contains(stderr, "nope") {
		t.Errorf("unknown category: exit %d %q", code, stderr)
	}
}
