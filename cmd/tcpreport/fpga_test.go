package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tcpreport/tcpreport/engine/tcp"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader in
// different goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startEmulator runs 'tcpreport fpga emulate --link' in-process until the
// test ends and returns the link and the emulator's standard error.
func startEmulator(t *testing.T, args ...string) (link string, stderr *syncBuffer) {
	t.Helper()
	link = filepath.Join(t.TempDir(), "fpga0")
	ctx, cancel := context.WithCancel(context.Background())
	var stdout syncBuffer
	stderr = &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		err := run(ctx, append([]string{"fpga", "emulate", "--link", link}, args...), &stdout, stderr)
		done <- exitCode(err, stderr)
	}()
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(stdout.String(), link); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the emulator printed no path: %s", stderr)
		}
	}
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("fpga emulate exited %d: %s", code, stderr)
			}
		case <-time.After(5 * time.Second):
			t.Error("fpga emulate did not stop on cancellation")
		}
		if _, err := os.Lstat(link); err == nil {
			t.Errorf("%s left behind", link)
		}
	})
	return link, stderr
}

// writeDB writes a descriptor database of n tools.
func writeDB(t *testing.T, n int) string {
	t.Helper()
	var es []tcp.Entry
	for i := range n {
		es = append(es, tcp.Entry{Name: fmt.Sprintf("tool-%d", i), Flags: tcp.Flags(1 << (i % 12)), ExecMS: i})
	}
	path := filepath.Join(t.TempDir(), "tools.tcpdb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := tcp.WriteDB(f, es); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFpgaValidateThroughEmulator(t *testing.T) {
	link, emuLog := startEmulator(t)
	db := writeDB(t, 3000)

	code, stdout, stderr := cli(t, "fpga", "validate", "--device", link, "--corrupt-every", "3", db)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"    12     2816    184",
		"tcpreport fpga emulator 1 — emulated: protocol check, not hardware timing",
		"3000 descriptors (1000 with a flipped bit) in 12 batches, 0 re-sent: device 2000 valid, 1000 invalid; engine/tcp 2000 valid",
		"the device agrees with engine/tcp on 3000 of 3000 descriptors",
		"model cycles (emulated: protocol check, not hardware timing)",
		"error count 1000",
		"counters agree with the verdicts received",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}

	code, stdout, stderr = cli(t, "fpga", "validate", "--device", link, "--json", "--batch", "1024", db)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var sum summaryJSON
	if len(lines) != 4 || json.Unmarshal([]byte(lines[3]), &sum) != nil {
		t.Fatalf("JSON lines:\n%s", stdout)
	}
	if sum.Type != "summary" || !sum.Emulated || sum.Label != "emulated: protocol check, not hardware timing" ||
		sum.Descriptors != 3000 || sum.Agree != 3000 || sum.Stats.Descriptors != 3000 || sum.Stats.TotalCycles != 3*16+(2*512+476)*3 {
		t.Errorf("summary %+v", sum)
	}
	var b batchJSON
	if err := json.Unmarshal([]byte(lines[2]), &b); err != nil || b.Type != "batch" || b.Count != 952 || b.Disagree == nil {
		t.Errorf("batch line %q: %+v %v", lines[2], b, err)
	}
	if !strings.Contains(emuLog.String(), "validate request 15: 952 descriptors, 952 valid, 1444 model cycles") {
		t.Errorf("emulator log:\n%s", emuLog)
	}
}

func TestFpgaFaults(t *testing.T) {
	db := writeDB(t, 1000)
	tests := []struct {
		name    string
		fault   string
		retries string
		code    int
		stdout  []string
		stderr  string
	}{
		{"drop without retries", "drop@2", "0", 1, []string{"     1        0    256"}, "batch 2 of 4 (records 256–511) not validated: fpga: %s: validate 256 descriptors: no valid response before the deadline"},
		{"corrupt without retries", "corrupt@1", "0", 1, nil, "batch 1 of 4 (records 0–255) not validated: fpga: %s: validate 256 descriptors: no valid response before the deadline: waited 243ms; meanwhile 265 bytes were skipped while resynchronising, 1 frames failed their CRC, 0 answered an earlier request"},
		{"corrupt recovered", "corrupt@3", "2", 0, []string{"     3      512    256    256        0    256         2", "1 re-sent", "counters not compared: 1 requests were sent again"}, ""},
		{"disconnect", "disconnect@2", "2", 1, []string{"     1        0    256"}, "batch 2 of 4 (records 256–511) not validated: fpga: %s: validate 256 descriptors: device disconnected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			link, _ := startEmulator(t, "--fault", tt.fault)
			code, stdout, stderr := cli(t, "fpga", "validate", "--device", link, "--retries", tt.retries, "--baud", "3000000", "--timeout", "200ms", db)
			if want := strings.ReplaceAll(tt.stderr, "%s", link); code != tt.code || !strings.Contains(stderr, want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tt.code, want)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout)
				}
			}
			if tt.code != 0 && strings.Contains(stdout, "agrees with engine/tcp") {
				t.Errorf("a failed run printed a summary:\n%s", stdout)
			}
		})
	}
}

func TestFpgaBadInput(t *testing.T) {
	db := writeDB(t, 10)
	trunc := filepath.Join(t.TempDir(), "trunc.tcpdb")
	data, _ := os.ReadFile(db)
	os.WriteFile(trunc, data[:len(data)-5], 0o644)
	wrongMagic := filepath.Join(t.TempDir(), "magic.tcpdb")
	os.WriteFile(wrongMagic, append([]byte("TCPDX"), data[5:]...), 0o644)
	notLink := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notLink, nil, 0o644)
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no device flag", []string{"fpga", "validate", db}, 2, `required flag(s) "device" not set`},
		{"no database", []string{"fpga", "validate", "--device", "/dev/null"}, 2, "give one descriptor database file, got 0 arguments"},
		{"batch too large", []string{"fpga", "validate", "--device", "/dev/null", "--batch", "2000", db}, 2, "--batch 2000: use 1 to 1024"},
		{"missing device", []string{"fpga", "validate", "--device", "/dev/ttyTCPREPORT-NONE", db}, 1, "fpga: /dev/ttyTCPREPORT-NONE: no such device (is the board connected?"},
		{"not a serial port", []string{"fpga", "validate", "--device", notLink, db}, 1, "is not a serial port"},
		{"truncated database", []string{"fpga", "validate", "--device", "/dev/null", trunc}, 1, "count 10 needs 240 record bytes at offset 104, the file has 339 bytes (truncated or count wrong)"},
		{"wrong magic", []string{"fpga", "validate", "--device", "/dev/null", wrongMagic}, 1, "bad magic"},
		{"unknown fault", []string{"fpga", "emulate", "--fault", "melt"}, 2, `--fault "melt": the kinds are drop, corrupt, delay and disconnect`},
		{"link over a file", []string{"fpga", "emulate", "--link", notLink}, 1, "exists and is not a symbolic link"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := cli(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tt.code, tt.stderr)
			}
		})
	}
}

func TestFpgaReport(t *testing.T) {
	src := "## FPGA\n\nThe emulator agreed with engine/tcp on {val}`fpga-emu.agree` of {val}`fpga-emu.descriptors` descriptors " +
		"({val}`fpga-emu.label`) and counted {val}`fpga-emu.total_cycles` in total.\n\n" +
		"```{fpga} fpga-emu\n:device: emulator\n:db: tools.tcpdb\n:corrupt-every: 3\n```\n\n" +
		"```{fpga} fpga-board\n:device: /dev/ttyTCPREPORT-NO-BOARD\n:db: tools.tcpdb\n```\n"
	report, _, out := project(t, src)
	db, _ := os.ReadFile(writeDB(t, 600))
	os.WriteFile(filepath.Join(filepath.Dir(report), "tools.tcpdb"), db, 0o644)
	if s := buildJSON(t, report); s.Executed != 2 {
		t.Errorf("build: %+v", s)
	}
	md, _ := os.ReadFile(filepath.Join(out, "small", "small.md"))
	for _, want := range []string{
		"agreed with engine/tcp on 600 of 600 descriptors (emulated: protocol check, not hardware timing)",
		"counted 948 emulated cycles (projection) in total",
		"**Table 1:** emulated: protocol check, not hardware timing. Verdicts of the protocol emulator",
		"**Not available:** no FPGA board at /dev/ttyTCPREPORT-NO-BOARD (the device does not exist)",
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	if s := buildJSON(t, report); s.Executed != 0 {
		t.Errorf("warm build ran %d directives", s.Executed)
	}
}
