// Package qualitytest hands tests a copy of engine/quality's fixture
// module: a module with exactly one unformatted file, one vet finding, one
// failing test and one undocumented export. Its unformatted file is kept
// as unformatted.go.txt, so that gofmt over this repository stays clean,
// and becomes unformatted.go in the copy.
package qualitytest

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Fixture copies the fixture module into a temporary directory and returns
// the directory.
func Fixture(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("qualitytest: cannot locate the fixture")
	}
	src := filepath.Join(filepath.Dir(file), "..", "testdata", "fixture")
	dst := filepath.Join(t.TempDir(), "fixture")
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, strings.TrimSuffix(rel, ".txt"))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatalf("qualitytest: %v", err)
	}
	return dst
}
