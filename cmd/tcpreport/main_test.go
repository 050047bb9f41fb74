package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/tcpreport/tcpreport/store"
)

// cli runs tcpreport in-process and returns its exit code and output.
func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	code = exitCode(err, &errb)
	return code, out.String(), errb.String()
}

const small = `---
title: Small report
seed: 1
params:
  greeting: hello
---
## Numbers

The command printed {val}` + "`nums.stdout_bytes:%.0f`" + ` bytes; see @tbl-nums.

` + "```{run} nums\n:command: printf 'n,sq\\n1,1\\n2,4\\n3,9\\n'\n:format: csv\n:hide: true\n```\n\n" +
	"```{table} tbl-nums\n:from: nums\n:caption: Squares, ${params.greeting}.\n```\n\n" +
	"```{plot} fig-sq\n:from: nums\n:x: n\n:y: sq\n:caption: Squares.\n```\n\n" +
	"```{run} greet\n:command: echo ${params.greeting}\n```\n"

// project writes a report into a fresh project directory and returns the
// report path, the store path and the artifacts directory.
func project(t *testing.T, src string) (report, db, out string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".tcpreport"), 0o755); err != nil {
		t.Fatal(err)
	}
	report = filepath.Join(dir, "small.md")
	if err := os.WriteFile(report, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return report, filepath.Join(dir, ".tcpreport", "cache.db"), filepath.Join(dir, "artifacts")
}

func buildJSON(t *testing.T, args ...string) buildSummary {
	t.Helper()
	code, stdout, stderr := cli(t, append([]string{"build", "--json", "-q"}, args...)...)
	if code != 0 {
		t.Fatalf("build exit %d: %s", code, stderr)
	}
	var s buildSummary
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatalf("--json output %q: %v", stdout, err)
	}
	return s
}

func TestBuildWarmAndVerify(t *testing.T) {
	report, _, out := project(t, small)
	cold := buildJSON(t, report)
	if cold.Executed != 4 || cold.Cached != 0 {
		t.Errorf("cold build: %+v", cold)
	}
	warm := buildJSON(t, report)
	if warm.Executed != 0 || warm.Cached != 4 || warm.ProtocolHash != cold.ProtocolHash {
		t.Errorf("warm build: %+v", warm)
	}
	bundleDir := filepath.Join(out, "small")
	for _, f := range []string{"small.md", "small.html", "MANIFEST.json", "figures/fig-sq.svg", "data/nums-output.csv"} {
		if _, err := os.Stat(filepath.Join(bundleDir, f)); err != nil {
			t.Errorf("bundle lacks %s: %v", f, err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(bundleDir, "small.md"))
	if !strings.Contains(string(md), "printed 17 bytes; see Table 1") || !strings.Contains(string(md), "**Table 1:** Squares, hello.") {
		t.Errorf("substitution missing in Markdown:\n%s", md)
	}
	for _, path := range []string{bundleDir, bundleDir + ".tar.gz"} {
		if code, stdout, stderr := cli(t, "verify", path); code != 0 || !strings.Contains(stdout, "OK") {
			t.Errorf("verify %s: exit %d\n%s%s", path, code, stdout, stderr)
		}
	}

	// Same cache in, same bytes out.
	html1, _ := os.ReadFile(filepath.Join(bundleDir, "small.html"))
	tar1, _ := os.ReadFile(bundleDir + ".tar.gz")
	buildJSON(t, report)
	html2, _ := os.ReadFile(filepath.Join(bundleDir, "small.html"))
	tar2, _ := os.ReadFile(bundleDir + ".tar.gz")
	if !bytes.Equal(html1, html2) || !bytes.Equal(tar1, tar2) {
		t.Error("a warm rebuild changed the bundle")
	}
}

func TestVerifyCatchesTampering(t *testing.T) {
	report, _, out := project(t, small)
	buildJSON(t, report)
	dir := filepath.Join(out, "small")
	tests := []struct {
		name   string
		tamper func()
		want   string
	}{
		{"one byte changed", func() {
			p := filepath.Join(dir, "small.md")
			b, _ := os.ReadFile(p)
			b[10] ^= 1
			os.WriteFile(p, b, 0o644)
		}, "mismatch small.md"},
		{"file deleted", func() { os.Remove(filepath.Join(dir, "figures", "fig-sq.svg")) }, "missing  figures/fig-sq.svg"},
		{"file added", func() { os.WriteFile(filepath.Join(dir, "data", "extra.csv"), []byte("x\n"), 0o644) }, "extra    data/extra.csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buildJSON(t, "--rerun-all", report) // a fresh bundle
			tt.tamper()
			code, stdout, _ := cli(t, "verify", dir)
			if code != 1 || !strings.Contains(stdout, tt.want) {
				t.Errorf("verify: exit %d, output %q, want %q", code, stdout, tt.want)
			}
		})
	}
}

func TestFailedBuildKeepsPreviousBundle(t *testing.T) {
	report, _, out := project(t, small)
	buildJSON(t, report)
	before, _ := os.ReadFile(filepath.Join(out, "small.tar.gz"))

	broken := strings.Replace(small, "echo ${params.greeting}", "sh -c 'exit 3'", 1)
	os.WriteFile(report, []byte(broken), 0o644)
	code, _, stderr := cli(t, "build", "-q", report)
	if code != 1 || !strings.Contains(stderr, "small.md:") || !strings.Contains(stderr, "run greet: exit status 3") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	after, _ := os.ReadFile(filepath.Join(out, "small.tar.gz"))
	if !bytes.Equal(before, after) {
		t.Error("a failed build changed the previous bundle")
	}
	if code, _, stderr := cli(t, "verify", filepath.Join(out, "small")); code != 0 {
		t.Errorf("previous bundle no longer verifies: %s", stderr)
	}
}

func TestExitCodesAndErrors(t *testing.T) {
	report, _, _ := project(t, "```{run} x\n:command: true\n:colour: red\n```\n\n```{nope} y\n```\n")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown flag", []string{"build", "--nope", report}, 2, "unknown flag: --nope"},
		{"no report", []string{"build"}, 2, "want one report file"},
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
		{"missing file", []string{"build", "/nonexistent/r.md"}, 1, "/nonexistent/r.md: no such file"},
		{"bad report", []string{"build", report}, 1, "small.md:3:2: run x: unknown option \"colour\""},
		{"all errors reported", []string{"build", report}, 1, "small.md:6:5: nope y: unknown directive kind \"nope\" (known kinds: api, bench, decisions, descriptors, discover, environment, experiment, fpga, hdl, plot, power, projection, quality, run, stats, table)"},
		{"frozen with rerun", []string{"build", "--frozen", "--rerun-all", report}, 2, "cannot be combined"},
		{"bad param", []string{"build", "-p", "novalue", report}, 2, "want key=value"},
		{"unknown param", []string{"build", "-p", "nope=1", report}, 2, "-p nope: unknown param"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := cli(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tt.code, tt.want)
			}
		})
	}
}

func TestLockedStore(t *testing.T) {
	report, dbPath, _ := project(t, small)
	db, err := store.Open(context.Background(), dbPath, store.Options{Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	code, _, stderr := cli(t, "build", "-q", "--lock-wait", "300ms", report)
	if code != 1 || !strings.Contains(stderr, "in use by another tcpreport process") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if time.Since(start) < 300*time.Millisecond {
		t.Error("did not wait for the lock")
	}
}

func TestCorruptRowIsReportedAndRecovered(t *testing.T) {
	report, dbPath, _ := project(t, small)
	buildJSON(t, report)
	raw, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE results SET payload = CAST(REPLACE(CAST(payload AS TEXT), 'hello', 'HELLO') AS BLOB) WHERE directive_id = 'greet'`); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	code, _, stderr := cli(t, "build", "-q", report)
	if code != 1 || !strings.Contains(stderr, "hash mismatch") || !strings.Contains(stderr, "tcpreport clean --corrupt") {
		t.Errorf("build on corrupt store: exit %d, %q", code, stderr)
	}
	if code, stdout, _ := cli(t, "store", "verify", "--store", dbPath); code != 1 || !strings.Contains(stdout, "hash") {
		t.Errorf("store verify: exit %d, %q", code, stdout)
	}
	if code, _, stderr := cli(t, "clean", "--corrupt", "--store", dbPath); code != 0 {
		t.Fatalf("clean --corrupt: %s", stderr)
	}
	if s := buildJSON(t, report); s.Executed != 1 {
		t.Errorf("after clean --corrupt: %+v, want exactly the dropped directive re-run", s)
	}
	if code, _, stderr := cli(t, "store", "verify", "--store", dbPath); code != 0 {
		t.Errorf("store verify after recovery: %s", stderr)
	}
}

func TestSecretsNeverReachStoreOrReport(t *testing.T) {
	const secret = "s3cr3t-value-42"
	t.Setenv("TCPREPORT_TEST_TOKEN", secret)
	report, dbPath, out := project(t, "")
	os.WriteFile(filepath.Join(filepath.Dir(report), "leak.txt"), []byte("the key is "+secret+"\n"), 0o644)
	os.WriteFile(report, []byte("```{run} leak\n:command: cat leak.txt\n```\n\n```{run} fail\n:command: sh -c 'cat leak.txt >&2; exit 1'\n:allow-fail: true\n```\n"), 0o644)
	buildJSON(t, report)
	files := []string{dbPath, filepath.Join(out, "small", "small.md"), filepath.Join(out, "small", "small.html")}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("%s contains the secret", f)
		}
	}
	md, _ := os.ReadFile(files[1])
	if !strings.Contains(string(md), "the key is [redacted]") {
		t.Errorf("redaction not shown in the report:\n%s", md)
	}
}

func TestCleanKeepsResultsInUse(t *testing.T) {
	report, dbPath, _ := project(t, small)
	for range 7 {
		buildJSON(t, report)
	}
	if code, stdout, stderr := cli(t, "clean", "--keep", "2", "--store", dbPath); code != 0 || !strings.Contains(stdout, "removed 5 runs, 0 results") {
		t.Errorf("clean: exit %d, %q %q", code, stdout, stderr)
	}
	if s := buildJSON(t, report); s.Executed != 0 {
		t.Errorf("after clean: %+v, want everything still cached", s)
	}
}

func TestFrozenDoesNotCreateAStore(t *testing.T) {
	report, dbPath, _ := project(t, small)
	code, _, stderr := cli(t, "build", "--frozen", report)
	if code != 1 || !strings.Contains(stderr, "cache.db") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(dbPath); err == nil {
		t.Error("--frozen created a store")
	}
}

func TestUnwritableArtifacts(t *testing.T) {
	report, _, _ := project(t, small)
	file := filepath.Join(t.TempDir(), "plain-file")
	os.WriteFile(file, nil, 0o644)
	code, _, stderr := cli(t, "build", "-q", "--out", filepath.Join(file, "artifacts"), report)
	if code != 1 || !strings.Contains(stderr, "plain-file") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	// The run that could not publish is recorded as failed.
	code, stdout, _ := cli(t, "runs", "--json", report)
	var r struct{ Status string }
	if code != 0 || json.Unmarshal([]byte(strings.SplitN(stdout, "\n", 2)[0]), &r) != nil || r.Status != "failed" {
		t.Errorf("runs after a failed publish: %q", stdout)
	}
}

func TestRunsAndHelp(t *testing.T) {
	report, dbPath, _ := project(t, small)
	buildJSON(t, report)
	buildJSON(t, report)
	code, stdout, stderr := cli(t, "runs", "--store", dbPath)
	if code != 0 || strings.Count(stdout, "small.md") != 2 {
		t.Errorf("runs: exit %d\n%s%s", code, stdout, stderr)
	}
	// Every command documents itself with examples.
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Runnable() && c.Example == "" && c.Name() != "help" && !strings.HasPrefix(c.CommandPath(), "tcpreport completion") {
			t.Errorf("%s has no examples in --help", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRoot(&bytes.Buffer{}, &bytes.Buffer{}))
}

// BenchmarkBuildProcess times whole tcpreport processes on the flagship
// report: a cold build into an empty store, and a warm rebuild that is served
// wholly from the cache.
func BenchmarkBuildProcess(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "tcpreport")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	report, err := filepath.Abs("../../reports/gate8.md")
	if err != nil {
		b.Fatal(err)
	}
	build := func(b *testing.B, dir string) {
		cmd := exec.Command(bin, "build", "-q", "--store", filepath.Join(dir, "cache.db"), "--out", filepath.Join(dir, "out"), report)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
	}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			dir := b.TempDir()
			b.StartTimer()
			build(b, dir)
		}
	})
	b.Run("warm", func(b *testing.B) {
		dir := b.TempDir()
		build(b, dir)
		for b.Loop() {
			build(b, dir)
		}
	})
}
