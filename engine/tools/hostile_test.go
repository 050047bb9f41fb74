package tools

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The hostile-tool suite runs Scan over a PATH of shell-script fakes that
// misbehave, with and without bwrap, and checks that discovery stays bounded
// and leaves nothing behind.

const (
	hostileTimeout = 500 * time.Millisecond
	hostileCap     = 64 << 10
	// probeSlack is what a probe may take beyond its timeout: killing the
	// group, reaping, and a loaded machine.
	probeSlack = 400 * time.Millisecond
)

// hostile is one run's set of fakes.
type hostile struct {
	bin     string // the PATH directory
	token   string // in every long-lived fake's command line
	fifo    string // fakes that must never run write here
	outside string // a directory the sandboxed fakes try to write into
	mu      sync.Mutex
	ran     []string
}

func newHostile(t *testing.T, sandboxed bool) *hostile {
	t.Helper()
	base := t.TempDir()
	h := &hostile{
		bin: filepath.Join(base, "bin"),
		// A fractional sleep time that no other process on the machine uses.
		token:   fmt.Sprintf("4242.%06d", rand.IntN(1000000)),
		outside: filepath.Join(base, "outside"),
	}
	if err := os.MkdirAll(h.outside, 0o755); err != nil {
		t.Fatal(err)
	}
	// Fakes that must never run report through a FIFO beside them: opening
	// a FIFO for writing works even on the sandbox's read-only file system,
	// so a run would be seen in both modes.
	h.fifo = filepath.Join(h.bin, "ran.fifo")
	if err := os.MkdirAll(h.bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(h.fifo, 0o666); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(h.fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			h.mu.Lock()
			h.ran = append(h.ran, sc.Text())
			h.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		f.Close()
		<-done
	})

	fake := func(name, body string) { writeScript(t, filepath.Join(h.bin, name), body) }
	tok := h.token
	fake("sleeper", "exec sleep "+tok)
	fake("stubborn", "trap '' TERM HUP INT\nsleep "+tok+"\nsleep "+tok)
	fake("flood", "yes flood-"+tok+" | head -c 1000000000")
	fake("forker", "(sleep "+tok+" &)\necho forker 1.0")
	fake("escaper", "setsid sleep "+tok+" </dev/null >/dev/null 2>&1 &\necho escaper 2.0")
	fake("reader", "exec cat")
	fake("writer", `echo x > ./cwd-file
echo x > "$HOME/home-file"
mkdir -p "$XDG_CONFIG_HOME/w" && echo x > "$XDG_CONFIG_HOME/w/f"
echo x > "$TMPDIR/tmp-file"
echo "writer 1.0 home=$HOME pwd=$(pwd)"`)
	fake("envdump", "env\necho args=$#")
	fake("noargs", `[ $# -eq 0 ] && echo "noargs ran without arguments" > `+h.fifo+`
echo noargs 1.0`)
	if sandboxed {
		// Without the sandbox nothing stops these; the sandbox must.
		fake("ghost", "cd / && env -i setsid sleep "+tok+" </dev/null >/dev/null 2>&1 &\necho ghost 1.0")
		fake("trespasser", "echo x > "+filepath.Join(h.outside, "escaped")+" 2>/dev/null\necho x > /var/tmp/tcpreport-"+tok+" 2>/dev/null\necho trespasser 1.0")
	}
	never := `echo "ran $0 $*" > ` + h.fifo + "\necho never 9.9"
	for _, n := range []string{"rm", "shutdown", "dd", "mkfs.ext4", "systemd-fake", "reboot-now", "killall", "systemctl"} {
		fake(n, never)
	}
	// A symlink with an innocent name whose target is called rm, and a hard
	// link to the fake rm.
	elsewhere := filepath.Join(base, "elsewhere")
	writeScript(t, filepath.Join(elsewhere, "rm"), never)
	if err := os.Symlink(filepath.Join(elsewhere, "rm"), filepath.Join(h.bin, "innocent")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(filepath.Join(h.bin, "rm"), filepath.Join(h.bin, "harmless")); err != nil {
		t.Fatal(err)
	}
	return h
}

// survivors returns the processes whose command line holds the token.
func (h *hostile) survivors() []string {
	var out []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		cmd, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && strings.Contains(string(cmd), h.token) {
			out = append(out, e.Name()+": "+strings.ReplaceAll(string(cmd), "\x00", " "))
		}
	}
	return out
}

func TestHostileTools(t *testing.T) {
	for _, mode := range []struct {
		name      string
		noSandbox bool
	}{{"bwrap", false}, {"plain", true}} {
		t.Run(mode.name, func(t *testing.T) {
			if !mode.noSandbox {
				requireBwrap(t)
			}
			h := newHostile(t, !mode.noSandbox)
			// Scan's temporary directories go under a directory of ours, so
			// that we can see it emptied.
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			t.Setenv("TCPREPORT_TEST_SECRET", "s3cr3t-"+h.token)
			t.Cleanup(func() {
				for _, s := range h.survivors() {
					pid, _ := strconv.Atoi(strings.SplitN(s, ":", 2)[0])
					syscall.Kill(pid, syscall.SIGKILL)
				}
				os.Remove("/var/tmp/tcpreport-" + h.token)
			})

			start := time.Now()
			tools, err := Scan(context.Background(), ScanOptions{
				PATH:         h.bin,
				Scope:        ScopeAll,
				ProbeTimeout: hostileTimeout,
				MaxOutput:    hostileCap,
				NoSandbox:    mode.noSandbox,
			})
			elapsed := time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			// Every fake runs in parallel; the hangers take one timeout each
			// and no further probe.
			if elapsed > 10*time.Second {
				t.Errorf("scan took %v", elapsed)
			}
			byName := make(map[string]Tool)
			for _, tl := range tools {
				byName[tl.Name] = tl
				for _, a := range tl.Aliases {
					byName[a] = tl
				}
				if tl.StartupCost > hostileTimeout+probeSlack {
					t.Errorf("%s: --version probe took %v, timeout %v", tl.Name, tl.StartupCost, hostileTimeout)
				}
				if len(tl.Help) > hostileCap*2 || len(tl.Version) >= maxVersionLine {
					t.Errorf("%s: output not capped: help %d bytes, version %d", tl.Name, len(tl.Help), len(tl.Version))
				}
			}

			wantIsolation := IsolationBwrap
			if mode.noSandbox {
				wantIsolation = IsolationNoSandbox
			}
			for _, n := range []string{"sleeper", "stubborn"} {
				tl := byName[n]
				if !tl.Probed || tl.Isolation != wantIsolation || !hasError(tl, "timed out after 500ms") || !hasError(tl, "further probes skipped") {
					t.Errorf("%s: probed %v isolation %q errors %q", n, tl.Probed, tl.Isolation, tl.ProbeErrors)
				}
			}
			if fl := byName["flood"]; !hasError(fl, "output capped at 65536 bytes") || fl.StartupCost >= hostileTimeout {
				t.Errorf("flood: errors %q, --version took %v", fl.ProbeErrors, fl.StartupCost)
			}
			for n, v := range map[string]string{"forker": "forker 1.0", "escaper": "escaper 2.0", "noargs": "noargs 1.0"} {
				if got := byName[n].Version; got != v {
					t.Errorf("%s: version %q, want %q", n, got, v)
				}
			}
			if r := byName["reader"]; len(r.ProbeErrors) != 0 || r.StartupCost >= hostileTimeout {
				t.Errorf("reader (stdin must be /dev/null): errors %q, took %v", r.ProbeErrors, r.StartupCost)
			}

			// The writer wrote only inside its probe directory, now removed.
			w := byName["writer"].Version
			home, _, _ := strings.Cut(strings.TrimPrefix(w[strings.Index(w, "home=")+5:], ""), " ")
			if !strings.HasPrefix(home, tmp+"/") || !strings.Contains(w, "pwd="+home) {
				t.Errorf("writer: %q, want HOME and working directory under %s", w, tmp)
			}
			if _, err := os.Stat(home); !os.IsNotExist(err) {
				t.Errorf("probe directory %s still exists (%v)", home, err)
			}
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Errorf("scan left %d entries in its temporary directory: %v", len(left), left)
			}

			// The environment was scrubbed.
			env := byName["envdump"].Help
			for _, want := range []string{"HOME=" + tmp, "LANG=C", "LC_ALL=C", "TERM=dumb", "TMPDIR=" + tmp, "XDG_CONFIG_HOME=" + tmp, "PATH="} {
				if !strings.Contains(env, want) {
					t.Errorf("probe environment lacks %q:\n%s", want, env)
				}
			}
			if strings.Contains(env, "s3cr3t") || strings.Contains(env, "TCPREPORT_TEST_SECRET") {
				t.Errorf("a secret reached the probe:\n%s", env)
			}

			// Never-execute fakes were analysed, never run.
			for _, n := range []string{"rm", "shutdown", "dd", "mkfs.ext4", "systemd-fake", "reboot-now", "killall", "systemctl", "innocent", "harmless"} {
				tl, ok := byName[n]
				if !ok || tl.Probed || tl.Isolation != IsolationNeverExec || tl.Version != "" || tl.StartupCost != 0 {
					t.Errorf("%s: found %v probed %v isolation %q version %q", n, ok, tl.Probed, tl.Isolation, tl.Version)
				}
			}
			if rm := byName["rm"]; rm.SecurityLevel < CriticalFloor {
				t.Errorf("rm: level %d", rm.SecurityLevel)
			}

			if !mode.noSandbox {
				if _, err := os.Stat(filepath.Join(h.outside, "escaped")); !os.IsNotExist(err) {
					t.Errorf("a sandboxed fake wrote outside its directory (%v)", err)
				}
				if _, err := os.Stat("/var/tmp/tcpreport-" + h.token); !os.IsNotExist(err) {
					t.Errorf("a sandboxed fake wrote to /var/tmp (%v)", err)
				}
				if byName["trespasser"].Version != "trespasser 1.0" {
					t.Errorf("trespasser did not run: %+v", byName["trespasser"])
				}
			}

			// No process of a fake is left. The kernel finishes killing a
			// pid namespace asynchronously, so allow it a moment.
			deadline := time.Now().Add(2 * time.Second)
			for len(h.survivors()) > 0 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if s := h.survivors(); len(s) > 0 {
				t.Errorf("processes left behind:\n%s", strings.Join(s, "\n"))
			}

			time.Sleep(100 * time.Millisecond) // let the FIFO reader catch up
			h.mu.Lock()
			defer h.mu.Unlock()
			if len(h.ran) > 0 {
				t.Errorf("fakes that must never run ran:\n%s", strings.Join(h.ran, "\n"))
			}
		})
	}
}

func hasError(t Tool, part string) bool {
	for _, e := range t.ProbeErrors {
		if strings.Contains(e, part) {
			return true
		}
	}
	return false
}

// requireBwrap fails the test when bubblewrap is missing: it is a declared
// dependency (make deps installs it), not an optional one.
func requireBwrap(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("bwrap"); err != nil {
		t.Fatal("bwrap not found: install bubblewrap (make deps)")
	}
}
