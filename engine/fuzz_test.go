package engine_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/doc"
)

// FuzzLoad checks that Load never panics, that every error it reports lies
// inside the input, and that a plan it accepts is ordered inputs first.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob("testdata/errors/*.md")
	for _, file := range files {
		if src, err := os.ReadFile(file); err == nil {
			f.Add(string(src))
		}
	}
	f.Add(chain)
	f.Add("---\nparams:\n  n: 3\n---\n```{sum} a\n:value: ${params.n}\n:need: x\n```\n")
	reg := engine.NewRegistry(&sum{}, &block{})
	f.Fuzz(func(t *testing.T, src string) {
		p, err := engine.Load(reg, "f.md", []byte(src), nil)
		var list doc.ErrorList
		if errors.As(err, &list) {
			lines := strings.Count(src, "\n") + 1
			for _, e := range list {
				if e.Pos.File != "f.md" || e.Pos.Line < 0 || e.Pos.Line > lines {
					t.Fatalf("error outside the input (%d lines): %v", lines, e)
				}
			}
			return
		}
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, s := range p.Steps {
			for _, in := range s.Inputs {
				if !seen[in.ID()] {
					t.Fatalf("%s runs before its input %s", s.ID(), in.ID())
				}
			}
			seen[s.ID()] = true
		}
	})
}
