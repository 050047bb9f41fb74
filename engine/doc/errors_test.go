package doc_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpreport/tcpreport/engine/doc"
	"github.com/tcpreport/tcpreport/engine/golden"
)

// TestErrors parses each testdata/errors/*.md, which holds at least one
// error, and compares the error list, one error per line, with the .golden
// file beside it.
func TestErrors(t *testing.T) {
	files, err := filepath.Glob("testdata/errors/*.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no test files")
	}
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			_, err = doc.Parse(filepath.Base(name), src)
			if err == nil {
				t.Fatal("no error; every file under testdata/errors must have one")
			}
			var list doc.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error is a %T, not an ErrorList", err)
			}
			golden.Check(t, strings.TrimSuffix(name, ".md")+".golden", []byte(err.Error()+"\n"))
		})
	}
	goldens, _ := filepath.Glob("testdata/errors/*.golden")
	for _, g := range goldens {
		if _, err := os.Stat(strings.TrimSuffix(g, ".golden") + ".md"); err != nil {
			t.Errorf("%s has no source file", g)
		}
	}
}
