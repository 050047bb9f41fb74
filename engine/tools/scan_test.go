package tools

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// writeScript writes an executable shell script.
func writeScript(t testing.TB, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

// fakePATH builds two PATH directories of fake tools and returns the PATH.
func fakePATH(t *testing.T) (string, string, string) {
	t.Helper()
	base := t.TempDir()
	d1, d2 := filepath.Join(base, "d1"), filepath.Join(base, "d2")
	writeScript(t, filepath.Join(d1, "tool-a"), `case "$1" in
--version) echo "tool-a 1.0";;
--help) printf 'Usage: tool-a COMMAND\n\nCommands:\n  start   Start it\n  stop    Stop it\n';;
*) exit 2;;
esac`)
	if err := os.Symlink("tool-a", filepath.Join(d1, "alias-a")); err != nil {
		t.Fatal(err)
	}
	writeScript(t, filepath.Join(d1, "ls"), `echo "fake ls 0.1"`)
	if err := os.WriteFile(filepath.Join(d1, "notexec"), []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(d1, "subdir"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeScript(t, filepath.Join(d2, "tool-a"), `echo "other tool-a 2.0"`)
	writeScript(t, filepath.Join(d2, "rejects"), `echo "rejects: unknown option $1" >&2; echo "usage: rejects [-V] FILE" >&2; [ "$1" = -V ] && echo "rejects 3.1" && exit 0; exit 1`)
	// Empty and relative entries are skipped, and a repeated directory is
	// walked once.
	return strings.Join([]string{d1, "", "relative/bin", d2, d1}, string(os.PathListSeparator)), d1, d2
}

func TestScanAll(t *testing.T) {
	path, d1, d2 := fakePATH(t)
	var calls [][2]int
	tools, err := Scan(context.Background(), ScanOptions{
		PATH: path, Scope: ScopeAll, ProbeTimeout: 2 * time.Second,
		Progress: func(done, total int) { calls = append(calls, [2]int{done, total}) },
	})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range tools {
		names = append(names, tl.Name+"@"+filepath.Base(filepath.Dir(tl.Path)))
	}
	if want := []string{"ls@d1", "rejects@d2", "tool-a@d1", "tool-a@d2"}; !slices.Equal(names, want) {
		t.Fatalf("tools %q, want %q", names, want)
	}
	if len(calls) != 4 || calls[3] != [2]int{4, 4} {
		t.Errorf("progress calls %v", calls)
	}
	a, shadowed, rejects := tools[2], tools[3], tools[1]
	if a.Path != filepath.Join(d1, "tool-a") || !slices.Equal(a.Aliases, []string{"alias-a"}) || a.Shadowed {
		t.Errorf("tool-a: path %s aliases %q shadowed %v", a.Path, a.Aliases, a.Shadowed)
	}
	if a.Version != "tool-a 1.0" || !slices.Equal(a.Subcommands, []string{"start", "stop"}) || !a.Probed {
		t.Errorf("tool-a: version %q subcommands %q probed %v", a.Version, a.Subcommands, a.Probed)
	}
	if a.StartupCost <= 0 || a.Isolation == "" || a.Category != Other || a.Risk != RiskOf(a.SecurityLevel) {
		t.Errorf("tool-a: %+v", a)
	}
	if !shadowed.Shadowed || shadowed.Entry != filepath.Join(d2, "tool-a") || shadowed.Version != "other tool-a 2.0" {
		t.Errorf("shadowed tool-a: %+v", shadowed)
	}
	// --version is rejected with a usage that offers -V, so -V runs.
	if rejects.Version != "rejects 3.1" || !strings.Contains(rejects.Help, "usage: rejects") {
		t.Errorf("rejects: version %q help %q", rejects.Version, rejects.Help)
	}
	if tools[0].Category != SystemAdmin {
		t.Errorf("ls category %s", tools[0].Category)
	}
}

func TestScanCategorised(t *testing.T) {
	path, d1, _ := fakePATH(t)
	tools, err := Scan(context.Background(), ScanOptions{PATH: path, Categories: []string{"system admin", "cloud"}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range tools {
		names = append(names, tl.Name)
	}
	want := append(CategorisedNames(SystemAdmin), CategorisedNames(Cloud)...)
	if !slices.Equal(names, want) {
		t.Fatalf("tools %q, want %q", names, want)
	}
	ls := tools[0]
	if !ls.Found || ls.Path != filepath.Join(d1, "ls") || ls.Version != "fake ls 0.1" || ls.Category != SystemAdmin {
		t.Errorf("ls: %+v", ls)
	}
	for _, tl := range tools[1:] {
		if tl.Found || tl.Probed || tl.Path != "" || tl.Isolation != IsolationNotFound {
			t.Errorf("%s: found %v probed %v path %q isolation %q", tl.Name, tl.Found, tl.Probed, tl.Path, tl.Isolation)
		}
	}
	// Tools that are absent are still rated, from their names.
	rm := tools[slices.Index(names, "rm")]
	if rm.SecurityLevel < CriticalFloor || rm.Risk != Critical {
		t.Errorf("rm: level %d risk %s", rm.SecurityLevel, rm.Risk)
	}
}

func TestScanOptionErrors(t *testing.T) {
	tests := []struct {
		opt  ScanOptions
		want string
	}{
		{ScanOptions{Scope: "everything"}, `unknown scan scope "everything" (use "categorised" or "all")`},
		{ScanOptions{Categories: []string{"network", "games", "toys"}}, "unknown tool category \"games\" (use one of system_admin, network, security, development, file_operations, container, cloud, other)\nunknown tool category \"toys\""},
	}
	for _, tt := range tests {
		_, err := Scan(context.Background(), tt.opt)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Scan(%+v) error = %v, want %q", tt.opt, err, tt.want)
		}
	}
}

func TestScanCancelled(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"s1", "s2", "s3"} {
		writeScript(t, filepath.Join(dir, n), "exec sleep 30")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Scan(ctx, ScanOptions{PATH: dir, Scope: ScopeAll, ProbeTimeout: 20 * time.Second})
	if err != context.DeadlineExceeded {
		t.Errorf("err = %v, want deadline exceeded", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("cancelled scan took %v", d)
	}
}

func TestProbeNeedsAnArgument(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Errorf("a probe without an argument did not panic")
		}
	}()
	p := &prober{timeout: time.Second, maxOutput: 1024, root: t.TempDir()}
	p.run(context.Background(), "/bin/true", "")
}
