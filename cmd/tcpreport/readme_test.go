package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeExample builds the example report shown in README.md.
func TestReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "````markdown\n")
	example, _, ok2 := strings.Cut(rest, "\n````")
	if !ok || !ok2 {
		t.Fatal("README.md has no ````markdown example")
	}
	report, _, out := project(t, example+"\n")
	s := buildJSON(t, report)
	if s.Executed == 0 {
		t.Errorf("README example ran nothing: %+v", s)
	}
	md, _ := os.ReadFile(filepath.Join(out, "small", "small.md"))
	if !strings.Contains(string(md), "The loopback median was ") || !strings.Contains(string(md), "(Table 1)") {
		t.Errorf("README example rendered:\n%s", md)
	}
}
