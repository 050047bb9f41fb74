package tools

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestCache(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	counter := filepath.Join(dir, "runs")
	// Without the sandbox a fake can count its runs in a file of ours.
	for _, n := range []string{"one", "two"} {
		writeScript(t, filepath.Join(bin, n), "echo run >> "+counter+"\necho "+n+" 1.0")
	}
	runs := func() int {
		b, _ := os.ReadFile(counter)
		return strings.Count(string(b), "run")
	}
	cachePath := filepath.Join(dir, "cache", "tools.gob")
	scan := func() ([]Tool, *Cache) {
		t.Helper()
		c, err := LoadCache(cachePath)
		if err != nil {
			t.Fatal(err)
		}
		tools, err := Scan(context.Background(), ScanOptions{PATH: bin, Scope: ScopeAll, Cache: c, NoSandbox: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Save(); err != nil {
			t.Fatal(err)
		}
		return tools, c
	}

	cold, c := scan()
	if h, m := c.Stats(); h != 0 || m != 2 || c.Len() != 2 {
		t.Fatalf("cold: hits %d misses %d len %d", h, m, c.Len())
	}
	coldRuns := runs()
	if coldRuns == 0 {
		t.Fatal("the fakes did not run")
	}

	warm, c := scan()
	if h, m := c.Stats(); h != 2 || m != 0 {
		t.Errorf("warm: hits %d misses %d", h, m)
	}
	if runs() != coldRuns {
		t.Errorf("a cached scan ran tools: %d runs, want %d", runs(), coldRuns)
	}
	if !reflect.DeepEqual(cold, warm) {
		t.Errorf("cached tools differ:\n%+v\n%+v", cold, warm)
	}

	// A changed executable is probed again; the other is still cached.
	time.Sleep(10 * time.Millisecond)
	writeScript(t, filepath.Join(bin, "two"), "echo run >> "+counter+"\necho two 2.0")
	changed, c := scan()
	if h, m := c.Stats(); h != 1 || m != 1 {
		t.Errorf("after a change: hits %d misses %d", h, m)
	}
	if changed[1].Version != "two 2.0" {
		t.Errorf("changed tool version %q", changed[1].Version)
	}

	// Other probe settings miss.
	c2, _ := LoadCache(cachePath)
	if _, err := Scan(context.Background(), ScanOptions{PATH: bin, Scope: ScopeAll, Cache: c2, NoSandbox: true, MaxOutput: 100}); err != nil {
		t.Fatal(err)
	}
	if h, _ := c2.Stats(); h != 0 {
		t.Errorf("other settings hit %d times", h)
	}
}

func TestLoadCacheDamaged(t *testing.T) {
	dir := t.TempDir()
	missing, err := LoadCache(filepath.Join(dir, "none.gob"))
	if err != nil || missing.Len() != 0 || len(missing.Warnings()) != 0 {
		t.Errorf("missing file: %v %d %q", err, missing.Len(), missing.Warnings())
	}
	bad := filepath.Join(dir, "bad.gob")
	os.WriteFile(bad, []byte("not a gob"), 0o644)
	c, err := LoadCache(bad)
	if err != nil || c.Len() != 0 {
		t.Fatalf("damaged file: %v %d", err, c.Len())
	}
	if w := c.Warnings(); len(w) != 1 || !strings.Contains(w[0], "is unreadable") || !strings.Contains(w[0], "starting empty") {
		t.Errorf("warnings %q", w)
	}
	// An unchanged cache is not written; a cache without a file never.
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(bad); string(b) != "not a gob" {
		t.Errorf("an unchanged cache was written")
	}
	if err := NewCache("").Save(); err != nil {
		t.Errorf("in-memory cache Save: %v", err)
	}
}
