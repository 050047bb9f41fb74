package directives

import (
	"context"
	"github.com/tcpreport/tcpreport/engine/quality/qualitytest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tcpreport/tcpreport/engine"
)

// TestQualityFixture runs {quality} on engine/quality's fixture module
// (one unformatted file, one vet finding, one failing test, one
// undocumented export) and checks the gate table and the findings file.
func TestQualityFixture(t *testing.T) {
	d := NewQuality()
	req := &engine.Request{ID: "quality", Dir: filepath.Dir(qualitytest.Fixture(t)),
		Opts: options(t, d, map[string]string{"module": "fixture", "gates": "gofmt, vet, tests, coverage, doc-coverage", "test-timeout": "1m"})}
	res, err := d.Run(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, r := range res.Tables[0].Rows {
		rows = append(rows, strings.Join(r, " | "))
	}
	want := []string{
		"gofmt | 1 of 3 files unformatted | 0 files | fail",
		"vet | 1 findings | 0 findings | fail",
		"tests | 1 of 3 passed, 1 failed, 1 skipped | ≥ 100% pass | fail",
		"coverage | 40.0% of 5 statements | ≥ 80% | fail",
		"doc-coverage | 4 of 5 exported identifiers documented (80.0%) | ≥ 90% | fail",
	}
	if !slices.Equal(rows, want) {
		t.Errorf("gates:\n got %q\nwant %q", rows, want)
	}
	var findings string
	for _, f := range res.Files {
		if f.Name == "findings.txt" {
			findings = string(f.Data)
		}
	}
	wantF := "fixture.go:20:2: vet: unreachable code\n" +
		"fixture.go:23:6: doc-coverage: exported func Undocumented has no doc comment\n" +
		"fixture_test.go:13: tests: TestSum failed: Sum(1, 2) != 4: this test fails on purpose\n" +
		"unformatted.go:4: gofmt: not gofmt-formatted (run gofmt -w)\n"
	if findings != wantF {
		t.Errorf("findings.txt:\n%s\nwant:\n%s", findings, wantF)
	}
	if v := res.Values["all_passed"].Text; v != "false" {
		t.Errorf("all_passed %q", v)
	}
	if v := res.Values["coverage"]; v.Num != 40 || v.Unit != "%" {
		t.Errorf("coverage value %+v", v)
	}
	if v := res.Values["tests_failed"].Num; v != 1 {
		t.Errorf("tests_failed %v", v)
	}
}

func TestQualityBadModule(t *testing.T) {
	d := NewQuality()
	req := &engine.Request{ID: "quality", Dir: t.TempDir(), Opts: options(t, d, nil)}
	_, err := d.Run(context.Background(), req)
	if err == nil || !strings.HasPrefix(err.Error(), "module: ") || !strings.Contains(err.Error(), "is not a Go module: it has no go.mod") {
		t.Errorf("error %v", err)
	}
}

// TestQualityState: the cache key's state changes when a source changes.
func TestQualityState(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{"go.mod": "module example.com/s\n\ngo 1.24\n", "s.go": "package s\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d := NewQuality()
	o := options(t, d, map[string]string{"module": "."})
	ctx := context.Background()
	s1, err := d.StateIn(ctx, dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if s2, _ := d.StateIn(ctx, dir, o); s2 != s1 {
		t.Error("state not stable")
	}
	if err := os.WriteFile(filepath.Join(dir, "s.go"), []byte("package s\n\nvar X = 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if s3, _ := d.StateIn(ctx, dir, o); s3 == s1 {
		t.Error("state unchanged after a source edit")
	}
}
