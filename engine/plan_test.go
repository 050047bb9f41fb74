package engine_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/golden"
)

// TestLoadErrors checks every plan error of each testdata/errors/*.md,
// positions included, against its .golden file (go test -update rewrites).
func TestLoadErrors(t *testing.T) {
	files, err := filepath.Glob("testdata/errors/*.md")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files: %v", err)
	}
	reg := engine.NewRegistry(&sum{}, &block{})
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			_, err = engine.Load(reg, file, src, nil)
			if err == nil {
				t.Fatal("Load succeeded; every file under testdata/errors must have errors")
			}
			golden.Check(t, strings.TrimSuffix(file, ".md")+".golden", []byte(err.Error()+"\n"))
		})
	}
}

func TestParamOverride(t *testing.T) {
	reg := engine.NewRegistry(&sum{})
	src := []byte("---\nparams:\n  n: 3\n---\n```{sum} a\n:value: ${params.n}\n:need: x\n```\n")
	p, err := engine.Load(reg, "r.md", src, map[string]string{"n": "42"})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Step("a").Opts.Int("value"); got != 42 {
		t.Errorf("value = %d, want 42", got)
	}
	p2, _ := engine.Load(reg, "r.md", src, nil)
	if p.ProtocolHash == p2.ProtocolHash {
		t.Error("overriding a param that changes an option left the protocol hash unchanged")
	}
	if _, err := engine.Load(reg, "r.md", src, map[string]string{"m": "1"}); err == nil || !strings.Contains(err.Error(), "unknown param") {
		t.Errorf("unknown -p: err = %v", err)
	}
}

func TestRegistry(t *testing.T) {
	reg := engine.NewRegistry(&sum{}, &block{})
	if _, err := reg.Lookup("nope"); err == nil || err.Error() != `unknown directive kind "nope" (known kinds: block, sum)` {
		t.Errorf("Lookup error = %v", err)
	}
	for name, fn := range map[string]func(){
		"duplicate": func() { engine.NewRegistry(&sum{}, &sum{}) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			fn()
		})
	}
}
