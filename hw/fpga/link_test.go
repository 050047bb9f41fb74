package fpga

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tcpreport/tcpreport/engine/tcp"
)

// fast is a client configuration for tests: a line fast enough that wire
// time is negligible, and a short allowance so that faults show quickly.
var fast = Options{Baud: 3_000_000, Timeout: 300 * time.Millisecond}

var testConfig = RunConfig{Config: Config{ClockMHz: 100, Engines: 4, Banks: 2}, Batch: 256}

// emulate serves e on a new pseudo-terminal until the test ends and
// returns the terminal and a function that waits for Serve's result.
func emulate(t *testing.T, e *Emulator) (*PTY, func() error) {
	t.Helper()
	return serve(t, func(ctx context.Context, p *PTY) error { return e.Serve(ctx, p) })
}

// serve runs peer on a new pseudo-terminal's master side until the test
// ends.
func serve(t *testing.T, peer func(context.Context, *PTY) error) (*PTY, func() error) {
	t.Helper()
	p, err := OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- peer(ctx, p) }()
	wait := sync.OnceValue(func() error {
		select {
		case err := <-done:
			return err
		case <-time.After(5 * time.Second):
			t.Error("the peer did not stop within 5s")
			return nil
		}
	})
	t.Cleanup(func() {
		cancel()
		wait()
		p.Close()
	})
	return p, wait
}

func dial(t *testing.T, path string, opt Options) *Client {
	t.Helper()
	c, err := Open(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// testRecords returns n descriptors read back from a real descriptor
// database, every third with one bit flipped and every 500th with its
// magic overwritten, and how many of them engine/tcp accepts.
func testRecords(t testing.TB, n int) ([]byte, int) {
	t.Helper()
	entries := make([]tcp.Entry, n)
	for i := range entries {
		entries[i] = tcp.Entry{Name: fmt.Sprintf("tool-%d", i), Flags: tcp.Flags(1 << (i % 12)), ExecMS: i, MemMB: i % 4096, OutKB: i % 100}
	}
	var buf bytes.Buffer
	if err := tcp.WriteDB(&buf, entries); err != nil {
		t.Fatal(err)
	}
	db, err := tcp.OpenDB(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	recs, _ := FlipBits(db.Records(), 3)
	for i := 499; i < n; i += 500 {
		copy(recs[i*tcp.Size:], "XCP\x02")
	}
	valid := 0
	for i := range n {
		if tcp.Valid(recs[i*tcp.Size : (i+1)*tcp.Size]) {
			valid++
		}
	}
	if valid == n || valid == 0 {
		t.Fatalf("%d of %d valid: the test needs both kinds", valid, n)
	}
	return recs, valid
}

func TestValidateThousandsOverPTY(t *testing.T) {
	recs, valid := testRecords(t, 5000)
	var mu sync.Mutex
	var served []Event
	p, _ := emulate(t, &Emulator{Events: func(ev Event) { mu.Lock(); served = append(served, ev); mu.Unlock() }})
	c := dial(t, p.Path, Options{}) // defaults: 115200 baud, 1 s
	var progress []int
	r, err := ValidateAll(t.Context(), c, recs, testConfig, func(b Batch) { progress = append(progress, b.Index) })
	if err != nil {
		t.Fatal(err)
	}
	if !r.Complete || r.Descriptors != 5000 || r.Agree != 5000 || len(r.Disagree) != 0 || r.Valid != valid || r.ExpectedValid != valid || r.Resent != 0 {
		t.Fatalf("report: complete %v, %d descriptors, %d agree, %d valid (engine/tcp %d), disagree %v, resent %d",
			r.Complete, r.Descriptors, r.Agree, r.Valid, valid, r.Disagree, r.Resent)
	}
	if len(r.Batches) != 20 || len(progress) != 20 || r.Batches[19].First != 19*256 || r.Batches[19].Count != 5000-19*256 {
		t.Fatalf("batches %d, progress %v, last %+v", len(r.Batches), progress, r.Batches[len(r.Batches)-1])
	}
	if !r.Identified || !r.Identity.Emulated || r.Identity.Name != EmulatorName {
		t.Errorf("identity %+v (%v)", r.Identity, r.IdentifyError)
	}
	var cycles uint64
	for _, b := range r.Batches {
		cycles += DefaultModel.Cycles(b.Count, testConfig.Config)
	}
	st := r.Stats
	if st.TotalCycles != cycles || st.Descriptors != 5000 || st.Invalid != uint32(5000-valid) || st.Rejected != 0 || r.StatsMismatch {
		t.Errorf("stats %+v, want %d cycles: %s", st, cycles, r.StatsNote)
	}
	if got, want := st.AvgCycles(), float64(cycles)/5000; got > want || want-got > 1.0/65536 {
		t.Errorf("average %v cycles, want %v", got, want)
	}
	if len(r.Problems()) != 0 {
		t.Errorf("problems: %v", r.Problems())
	}
	// The emulator reports a request after it has answered it, so the last
	// event may land just after the client has its answer.
	deadline := time.Now().Add(2 * time.Second)
	for {
		mu.Lock()
		n := len(served)
		mu.Unlock()
		if n >= 23 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(served) != 23 || served[0].Type != TypeIdentify || served[1].Type != TypeConfigure || served[22].Type != TypeStats {
		t.Errorf("the emulator served %d requests: %+v...", len(served), served[:min(3, len(served))])
	}
}

func TestModelCycles(t *testing.T) {
	tests := []struct {
		n    int
		cfg  Config
		want uint64
	}{
		{1, Config{100, 1, 1}, 16 + 3},
		{256, Config{100, 4, 2}, 16 + 128*3},
		{255, Config{100, 4, 8}, 16 + 64*3},
		{1024, Config{100, 8, 8}, 16 + 128*3},
	}
	for _, tt := range tests {
		if got := DefaultModel.Cycles(tt.n, tt.cfg); got != tt.want {
			t.Errorf("Cycles(%d, %+v) = %d, want %d", tt.n, tt.cfg, got, tt.want)
		}
	}
	if got := avgQ16(3, 2); got != 3<<15 {
		t.Errorf("avgQ16(3, 2) = %#x", got)
	}
	if got := avgQ16(1<<60, 1); got != 1<<32-1 {
		t.Errorf("avgQ16 does not saturate: %#x", got)
	}
}

// TestFaults injects every fault kind into the second validate request.
// Without retries the run fails at batch 2 with a clear error, batch 1
// stays reported and batch 2 is not; with one retry, every fault but a
// disconnect is recovered and the results are complete and correct.
func TestFaults(t *testing.T) {
	recs, valid := testRecords(t, 700)
	tests := []struct {
		kind    FaultKind
		retries int
		err     error
		detail  string
	}{
		{FaultDrop, 0, ErrTimeout, "0 frames failed their CRC"},
		{FaultCorrupt, 0, ErrTimeout, "1 frames failed their CRC"},
		{FaultDelay, 0, ErrTimeout, "waited"},
		{FaultDisconnect, 0, ErrDisconnected, "disconnected"},
		{FaultDrop, 1, nil, ""},
		{FaultCorrupt, 1, nil, ""},
		{FaultDelay, 1, nil, ""},
		{FaultDisconnect, 1, ErrDisconnected, "disconnected"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/retries=%d", tt.kind, tt.retries), func(t *testing.T) {
			// A delayed response must miss the first attempt's deadline and
			// arrive well within the second's: 500 ms allowance, 750 ms late.
			// Without retries it comes long after the client gave up.
			e := &Emulator{Faults: []Fault{{tt.kind, 2}}, Delay: 750 * time.Millisecond}
			if tt.retries == 0 {
				e.Delay = 5 * time.Second
			}
			p, done := emulate(t, e)
			opt := fast
			opt.Timeout = 500 * time.Millisecond
			opt.Retries = tt.retries
			c := dial(t, p.Path, opt)
			start := time.Now()
			r, err := ValidateAll(t.Context(), c, recs, testConfig, nil)
			if elapsed := time.Since(start); elapsed > 3*time.Second {
				t.Errorf("took %v", elapsed)
			}
			if tt.err == nil {
				if err != nil || !r.Complete || r.Agree != 700 || r.Valid != valid || r.Resent != 1 || r.Batches[1].Attempts != 2 {
					t.Fatalf("err %v, report %+v", err, r)
				}
				if !strings.Contains(r.StatsNote, "not compared") {
					t.Errorf("stats note %q", r.StatsNote)
				}
				return
			}
			var le *LinkError
			if !errors.Is(err, tt.err) || !errors.As(err, &le) || !strings.Contains(err.Error(), tt.detail) ||
				!strings.HasPrefix(err.Error(), "batch 2 of 3 (records 256–511) not validated: fpga: "+p.Path+": validate 256 descriptors") {
				t.Fatalf("err = %v, want %v with %q", err, tt.err, tt.detail)
			}
			if r.Complete || len(r.Batches) != 1 || r.Descriptors != 256 || r.Batches[0].Agree != 256 {
				t.Errorf("after the fault: complete %v, %d batches, %d descriptors", r.Complete, len(r.Batches), r.Descriptors)
			}
			if tt.kind == FaultDisconnect {
				if serr := done(); !errors.Is(serr, ErrInjectedDisconnect) {
					t.Errorf("Serve returned %v", serr)
				}
				if _, err := c.Stats(t.Context()); !errors.Is(err, ErrDisconnected) {
					t.Errorf("a later request on the dead line: %v", err)
				}
			}
		})
	}
}

// garbage is line noise with false starts: sync bytes followed by headers
// that exist, and frames that end too soon.
func garbage(i int) []byte {
	g := []byte{0x00, 0xAA, 0xAA, 0x15, 0x00, 0x01, 0x42}
	g = append(g, 0xAA, TypeValidate, 0x01, 0x00, byte(i)) // claims 265 bytes
	g = append(g, Frame{Type: TypeConfigure, Seq: byte(i)}.Append(nil)[:6]...)
	g = append(g, 0xAA, TypeStats, 0x00, StatsSize)
	return g
}

// noisyPort wraps the emulator's end of the line and puts garbage before
// everything it writes.
type noisyPort struct {
	*PTY
	n int
}

func (p *noisyPort) Write(b []byte) (int, error) {
	p.n++
	if _, err := p.PTY.Write(garbage(p.n)); err != nil {
		return 0, err
	}
	return p.PTY.Write(b)
}

func TestGarbageBeforeEveryResponse(t *testing.T) {
	recs, _ := testRecords(t, 600)
	p, _ := serve(t, func(ctx context.Context, p *PTY) error { return (&Emulator{}).Serve(ctx, &noisyPort{PTY: p}) })
	c := dial(t, p.Path, fast)
	r, err := ValidateAll(t.Context(), c, recs, testConfig, nil)
	if err != nil || !r.Complete || r.Agree != 600 || r.Resent != 0 {
		t.Fatalf("err %v, report %+v", err, r)
	}
}

func TestGarbageBeforeRequests(t *testing.T) {
	recs, _ := testRecords(t, 300)
	served := make(chan Event, 100)
	p, _ := emulate(t, &Emulator{Events: func(ev Event) { served <- ev }})
	c := dial(t, p.Path, fast)
	// The host side writes noise first; a false start claiming a full batch
	// holds the emulator until its idle rule gives up on it.
	noise := append(garbage(1), 0xAA, TypeValidate, 0x04, 0x00)
	if _, err := c.port.Write(noise); err != nil {
		t.Fatal(err)
	}
	r, err := ValidateAll(t.Context(), c, recs, testConfig, nil)
	if err != nil || !r.Complete || r.Agree != 300 {
		t.Fatalf("err %v, report %+v", err, r)
	}
	for len(served) > 0 {
		if ev := <-served; ev.NAK != 0 && ev.NAK != NAKChecksum {
			t.Errorf("emulator sent NAK %#x", ev.NAK)
		}
	}
}

func TestGarbagePeer(t *testing.T) {
	// A peer that never answers the protocol: it floods the line with noise
	// and reads nothing.
	p, _ := serve(t, func(ctx context.Context, p *PTY) error {
		for i := 0; ctx.Err() == nil; i++ {
			p.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
			p.Write(garbage(i))
			time.Sleep(time.Millisecond)
		}
		return nil
	})
	opt := fast
	opt.Retries = 2
	c := dial(t, p.Path, opt)
	recs, _ := testRecords(t, 100)
	start := time.Now()
	r, err := ValidateAll(t.Context(), c, recs, testConfig, nil)
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("took %v", elapsed)
	}
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "configure") || !strings.Contains(err.Error(), "bytes were skipped while resynchronising") || !strings.Contains(err.Error(), "(3 attempts)") {
		t.Fatalf("err = %v", err)
	}
	if r == nil || r.Identified || r.IdentifyError == "" || r.Complete || len(r.Batches) != 0 {
		t.Errorf("report %+v", r)
	}
}

func TestDeviceDisappearsMidBatch(t *testing.T) {
	// The emulator holds the response; the line is closed under the
	// client, which must notice at once rather than at its deadline.
	p, _ := emulate(t, &Emulator{Faults: []Fault{{FaultDelay, 1}}, Delay: time.Minute})
	c := dial(t, p.Path, Options{Timeout: 20 * time.Second})
	recs, _ := testRecords(t, 100)
	time.AfterFunc(300*time.Millisecond, func() { p.Close() })
	start := time.Now()
	r, err := ValidateAll(t.Context(), c, recs, testConfig, nil)
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("took %v to notice", elapsed)
	}
	if !errors.Is(err, ErrDisconnected) || !strings.Contains(err.Error(), "batch 1 of 1") || r.Complete || len(r.Batches) != 0 {
		t.Fatalf("err = %v, report %+v", err, r)
	}
}

func TestOpenErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-tty")
	os.WriteFile(file, []byte("x"), 0o644)
	tests := []struct {
		name, device, want string
		is                 error
	}{
		{"missing", "/dev/ttyTCPREPORT-NO-SUCH-DEVICE", "no such device (is the board connected?", fs.ErrNotExist},
		{"regular file", file, "is not a serial port", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Open(tt.device, Options{})
			if err == nil {
				c.Close()
				t.Fatal("opened")
			}
			if !strings.Contains(err.Error(), tt.device) || !strings.Contains(err.Error(), tt.want) || tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func TestNAK(t *testing.T) {
	p, _ := emulate(t, &Emulator{})
	c := dial(t, p.Path, fast)
	recs, _ := testRecords(t, 10)
	if _, _, err := c.Validate(t.Context(), recs); !errors.Is(err, ErrRejected) || !strings.Contains(err.Error(), "not configured") {
		t.Errorf("validate before configure: %v", err)
	}
	if err := c.Configure(t.Context(), Config{ClockMHz: 100, Engines: 0, Banks: 1}); !errors.Is(err, ErrRejected) || !strings.Contains(err.Error(), "configuration out of range") {
		t.Errorf("configure 0 engines: %v", err)
	}
	if _, _, err := c.Validate(t.Context(), recs[:25]); err == nil || !strings.Contains(err.Error(), "whole 24-byte descriptors, got 25 bytes") {
		t.Errorf("ragged batch: %v", err)
	}
	if err := c.Configure(t.Context(), testConfig.Config); err != nil {
		t.Fatal(err)
	}
	st, err := c.Stats(t.Context())
	if err != nil || st != (Stats{}) {
		t.Errorf("statistics after configure: %+v, %v", st, err)
	}
}

func TestCancel(t *testing.T) {
	p, _ := emulate(t, &Emulator{Faults: []Fault{{FaultDrop, 1}}})
	c := dial(t, p.Path, Options{Timeout: time.Minute})
	if err := c.Configure(t.Context(), testConfig.Config); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	recs, _ := testRecords(t, 10)
	start := time.Now()
	if _, _, err := c.Validate(ctx, recs); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Errorf("cancelled validate: %v after %v", err, time.Since(start))
	}
}

func TestParseFault(t *testing.T) {
	tests := []struct {
		in   string
		want Fault
		err  string
	}{
		{"drop", Fault{FaultDrop, 1}, ""},
		{"corrupt@3", Fault{FaultCorrupt, 3}, ""},
		{"disconnect@12", Fault{FaultDisconnect, 12}, ""},
		{"delay@0", Fault{}, "@0 is not a request number"},
		{"melt", Fault{}, "the kinds are drop, corrupt, delay and disconnect"},
	}
	for _, tt := range tests {
		got, err := ParseFault(tt.in)
		if got != tt.want || tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("ParseFault(%q) = %v, %v", tt.in, got, err)
		}
	}
}
