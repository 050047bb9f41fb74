package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildBinary compiles tcpreport for tests that need a real process.
func buildBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tcpreport")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

const slow = "```{run} quick\n:command: echo quick\n```\n\n```{run} slow\n:from: quick\n:command: sh -c 'echo $$$$ > pid; sleep 60'\n```\n"

// startSlowBuild starts a build of a report whose second directive sleeps,
// after a first build has written a bundle, and waits until the sleeper runs.
func startSlowBuild(t *testing.T, bin string) (cmd *exec.Cmd, stderr *bytes.Buffer, report, out string) {
	t.Helper()
	report, _, out = project(t, small)
	buildJSON(t, report)
	if err := os.WriteFile(report, []byte(slow), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command(bin, "build", report)
	cmd.Dir = filepath.Dir(report)
	stderr = &bytes.Buffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(filepath.Dir(report), "pid")
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if b, _ := os.ReadFile(pidFile); len(bytes.TrimSpace(b)) > 0 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the slow directive never started: %s", stderr)
		}
	}
	return cmd, stderr, report, out
}

func TestInterruptedBuild(t *testing.T) {
	bin := buildBinary(t)
	tests := []struct {
		name   string
		signal syscall.Signal
	}{
		{"ctrl-c", syscall.SIGINT},
		{"killed", syscall.SIGKILL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd, stderr, report, out := startSlowBuild(t, bin)
			before, _ := os.ReadFile(filepath.Join(out, "small.tar.gz"))
			start := time.Now()
			cmd.Process.Signal(tt.signal)
			err := cmd.Wait()
			if err == nil {
				t.Fatal("interrupted build exited 0")
			}
			if tt.signal == syscall.SIGINT {
				if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
					t.Errorf("exit: %v, want status 1", err)
				}
				if !strings.Contains(stderr.String(), "build interrupted: 1 of 2 directives have results, kept in the store") {
					t.Errorf("stderr does not say the build was cancelled: %q", stderr)
				}
				if d := time.Since(start); d > 5*time.Second {
					t.Errorf("Ctrl-C took %v to stop the build", d)
				}
				b, _ := os.ReadFile(filepath.Join(filepath.Dir(report), "pid"))
				pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
				if pid <= 0 || syscall.Kill(pid, 0) != syscall.ESRCH {
					t.Errorf("the directive's process %d outlived Ctrl-C", pid)
				}
			}
			// The previous bundle is intact, the store consistent and
			// unlocked, and what finished before the interruption is kept.
			after, _ := os.ReadFile(filepath.Join(out, "small.tar.gz"))
			if !bytes.Equal(before, after) {
				t.Error("the interrupted build changed the previous bundle")
			}
			if code, _, stderr := cli(t, "verify", filepath.Join(out, "small")); code != 0 {
				t.Errorf("previous bundle does not verify: %s", stderr)
			}
			if code, stdout, stderr := cli(t, "store", "verify", filepath.Join(filepath.Dir(report), "small.md")); code != 0 {
				t.Errorf("store verify: %s%s", stdout, stderr)
			}
			os.WriteFile(report, []byte(strings.Replace(slow, "sleep 60", "true", 1)), 0o644)
			s := buildJSON(t, "--lock-wait", "2s", report)
			if s.Cached != 1 || s.Executed != 1 {
				t.Errorf("build after interruption: %+v, want quick cached and slow run", s)
			}
			want := map[syscall.Signal]string{syscall.SIGINT: `"Status":"canceled"`, syscall.SIGKILL: `"Status":"killed"`}[tt.signal]
			if _, stdout, _ := cli(t, "runs", "--json", report); !strings.Contains(stdout, want) {
				t.Errorf("runs after the interruption lack %s:\n%s", want, stdout)
			}
		})
	}
}
