package tools

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// The scan benchmarks run over this machine's whole $PATH (ScopeAll), with
// the default options (bwrap when installed). They report seconds per scan
// and the number of tools found.

// primedCache is the cache file BenchmarkScanAllCold leaves for
// BenchmarkScanAllCached, so that the whole PATH is not scanned cold twice.
var primedCache string

func BenchmarkScanAllCold(b *testing.B) {
	var tools []Tool
	for b.Loop() {
		cache := NewCache(filepath.Join(b.TempDir(), "tools.gob"))
		var err error
		tools, err = Scan(context.Background(), ScanOptions{Scope: ScopeAll, Cache: cache})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := cache.Save(); err != nil {
			b.Fatal(err)
		}
		primedCache = keep(b, cache.Path())
		b.StartTimer()
	}
	report(b, tools)
}

func BenchmarkScanAllCached(b *testing.B) {
	if primedCache == "" {
		cache := NewCache(filepath.Join(b.TempDir(), "tools.gob"))
		if _, err := Scan(context.Background(), ScanOptions{Scope: ScopeAll, Cache: cache}); err != nil {
			b.Fatal(err)
		}
		if err := cache.Save(); err != nil {
			b.Fatal(err)
		}
		primedCache = keep(b, cache.Path())
	}
	var tools []Tool
	b.ResetTimer()
	for b.Loop() {
		// A repeat is a new process: it loads the cache file, then scans.
		cache, err := LoadCache(primedCache)
		if err != nil {
			b.Fatal(err)
		}
		tools, err = Scan(context.Background(), ScanOptions{Scope: ScopeAll, Cache: cache})
		if err != nil {
			b.Fatal(err)
		}
		if _, misses := cache.Stats(); misses != 0 {
			b.Fatalf("%d cache misses on an unchanged PATH", misses)
		}
	}
	report(b, tools)
}

func report(b *testing.B, tools []Tool) {
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/scan")
	b.ReportMetric(float64(len(tools)), "tools")
	probed := 0
	for _, t := range tools {
		if t.Probed {
			probed++
		}
	}
	b.ReportMetric(float64(probed), "probed")
}

// keep copies a cache file out of a benchmark's TempDir (removed when the
// benchmark ends) into one that lives as long as the test binary's run.
func keep(b *testing.B, path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "tcpreport-tools-bench-")
	if err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(dir, "tools.gob")
	if err := os.WriteFile(out, data, 0o644); err != nil {
		b.Fatal(err)
	}
	return out
}

func TestMain(m *testing.M) {
	code := m.Run()
	if primedCache != "" {
		os.RemoveAll(filepath.Dir(primedCache))
	}
	os.Exit(code)
}
