package host

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestFingerprint(t *testing.T) {
	a, b := Fingerprint(), Fingerprint()
	if !slices.Equal(a, b) {
		t.Fatalf("Fingerprint changed between two calls:\n%v\n%v", a, b)
	}
	var names []string
	for _, f := range a {
		names = append(names, f.Name)
		if f.Value == "" {
			t.Errorf("fact %s is empty", f.Name)
		}
	}
	if want := FingerprintNames(); !slices.Equal(names, want) {
		t.Fatalf("fact names = %v, want %v", names, want)
	}
	// This test runs on Linux, where every source exists.
	for _, f := range a {
		if strings.HasPrefix(f.Value, "not available") {
			t.Errorf("fact %s = %q", f.Name, f.Value)
		}
	}
	cores, err := strconv.Atoi(a[5].Value)
	if err != nil || cores < 1 {
		t.Errorf("cpu.cores = %q, want a positive integer", a[5].Value)
	}
	if !strings.HasSuffix(a[6].Value, "iB") {
		t.Errorf("mem.total = %q, want binary units", a[6].Value)
	}
}

func TestCollect(t *testing.T) {
	info, err := Collect(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(info.Facts[:len(fingerprintNames)], Fingerprint()) {
		t.Errorf("Collect does not start with Fingerprint:\n%v", info.Facts)
	}
	if info.CPUCores < 1 || info.MemTotal <= 0 || info.MemAvailable <= 0 {
		t.Errorf("CPUCores %d, MemTotal %d, MemAvailable %d: want positive", info.CPUCores, info.MemTotal, info.MemAvailable)
	}
	seen := map[string]bool{}
	for _, f := range info.Facts {
		if seen[f.Name] {
			t.Errorf("fact %s twice", f.Name)
		}
		seen[f.Name] = true
		if f.Value == "" {
			t.Errorf("fact %s is empty", f.Name)
		}
	}
	for _, name := range []string{
		"cpu.freq.max", "cpu.freq.cur", "cpu.freq.source", "mem.available",
		"disk.path", "disk.fs", "disk.size", "disk.free",
		"net.tcp.congestion_control", "net.tcp.available_congestion_control", "net.tcp.fastopen",
		"net.if.lo",
	} {
		if !seen[name] {
			t.Errorf("no fact %s in %v", name, info.Facts)
		}
	}
	if v := info.Get("net.if.lo"); !strings.Contains(v, "127.0.0.1/8") {
		t.Errorf("net.if.lo = %q, want the loopback address", v)
	}
	if v := info.Get("disk.size"); strings.HasPrefix(v, "not available") {
		t.Errorf("disk.size = %q", v)
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Collect(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Collect(canceled) = %v, want context.Canceled", err)
	}
}

func TestCacheSize(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"48K", "48 KiB"},
		{"2048K", "2 MiB"},
		{"307200K", "300 MiB"},
		{"1536K", "1536 KiB"},
		{"512", "512 B"},
		{"odd", "odd"},
	} {
		if got := cacheSize(tt.in); got != tt.want {
			t.Errorf("cacheSize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	for _, tt := range []struct {
		in   int64
		want string
	}{
		{0, "0 B"},
		{1023, "1023 B"},
		{1024, "1.0 KiB"},
		{25325268992, "23.6 GiB"},
	} {
		if got := formatBytes(tt.in); got != tt.want {
			t.Errorf("formatBytes(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestUnquoteOSRelease(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`"Debian GNU/Linux 12 (bookworm)"`, "Debian GNU/Linux 12 (bookworm)"},
		{`'Arch Linux'`, "Arch Linux"},
		{`Alpine`, "Alpine"},
		{`"say \"hi\""`, `say "hi"`},
	} {
		if got := unquoteOSRelease(tt.in); got != tt.want {
			t.Errorf("unquoteOSRelease(%s) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLoopbackRTT(t *testing.T) {
	const n = 2000
	samples, err := LoopbackRTT(t.Context(), n)
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) != n {
		t.Fatalf("%d samples, want %d", len(samples), n)
	}
	for i, s := range samples {
		if s <= 0 {
			t.Fatalf("sample %d = %v, want positive", i, s)
		}
	}
	sorted := slices.Clone(samples)
	slices.Sort(sorted)
	if med := sorted[n/2]; med >= 10*time.Millisecond {
		t.Errorf("median round trip %v, want < 10ms on loopback", med)
	}
}

func TestLoopbackRTTCancel(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	samples, err := LoopbackRTT(ctx, MaxRTTSamples)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if samples != nil {
		t.Errorf("%d samples after cancellation, want none", len(samples))
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("returned %v after the deadline, want promptly", d)
	}
}

func TestLoopbackRTTBadN(t *testing.T) {
	for _, n := range []int{0, -1, MaxRTTSamples + 1} {
		if _, err := LoopbackRTT(t.Context(), n); err == nil || !strings.Contains(err.Error(), "use 1 to") {
			t.Errorf("LoopbackRTT(%d) = %v, want an error naming the range", n, err)
		}
	}
}

func BenchmarkFingerprint(b *testing.B) {
	for b.Loop() {
		Fingerprint()
	}
}
