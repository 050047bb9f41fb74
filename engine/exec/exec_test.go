package exec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tcpreport/tcpreport/engine"
)

func shard(i int) *Shard {
	return &Shard{Protocol: Protocol, Version: engine.Version, ID: "exp", Kind: "experiment", Index: i, Count: 3,
		Inputs: []File{NewFile("labels.tsv", []byte("SAFE\tls\n"))}}
}

// answer is a worker's correct answer to s.
func answer(s *Shard) *Result {
	payload, series, _ := Pack(&engine.Result{Values: map[string]engine.Value{"i": engine.Num(float64(s.Index), "")},
		Series: []engine.Series{{Name: "x", Values: []float64{1, 2}}}})
	r := &Result{Protocol: Protocol, Version: engine.Version, ID: s.ID, Index: s.Index, Host: "h", Payload: payload, Series: series}
	r.Seal()
	return r
}

func TestCheck(t *testing.T) {
	s := shard(1)
	for _, tc := range []struct {
		name   string
		change func(*Result)
		want   string
	}{
		{"good", func(*Result) {}, ""},
		{"version", func(r *Result) { r.Version = "9.9.9" }, "worker is tcpreport 9.9.9"},
		{"other shard", func(r *Result) { r.Index = 2 }, "answers shard exp/2, not exp/1"},
		{"damaged", func(r *Result) { r.Series[0].Values[1] = 3 }, "checksum mismatch"},
		{"failed", func(r *Result) { r.Error = "boom" }, "shard 1 of exp failed on h: boom"},
		{"protocol", func(r *Result) { r.Protocol = 7 }, "protocol 7"},
	} {
		r := answer(s)
		tc.change(r)
		err := Check(s, r)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// A result without series survives the trip through JSON: the worker's
// empty list of series arrives as none.
func TestCheckNoSeries(t *testing.T) {
	s := shard(0)
	payload, series, _ := Pack(&engine.Result{Values: map[string]engine.Value{"i": engine.Num(0, "")}})
	r := &Result{Protocol: Protocol, Version: engine.Version, ID: s.ID, Index: s.Index, Host: "h", Payload: payload, Series: series}
	r.Seal()
	b, _ := json.Marshal(r)
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(s, got); err != nil {
		t.Errorf("round trip of a result without series: %v", err)
	}
}

func TestPackRoundTrip(t *testing.T) {
	in := &engine.Result{Values: map[string]engine.Value{"a": engine.Num(1, "s")}, Series: []engine.Series{{Name: "ns", Unit: "ns", Values: []float64{3, 1, 2}}},
		Files: []engine.File{{Name: "f", Data: []byte("data")}}}
	f, err := InputFile("tbl-x", in)
	if err != nil {
		t.Fatal(err)
	}
	s := &Shard{Inputs: []File{f, NewFile("labels.tsv", []byte("x"))}}
	results, files, err := Inputs(s)
	if err != nil {
		t.Fatal(err)
	}
	got := results["tbl-x"]
	if got == nil || got.Values["a"].Num != 1 || len(got.Series) != 1 || got.Series[0].Values[2] != 2 || string(got.Files[0].Data) != "data" {
		t.Errorf("round trip: %+v", got)
	}
	if string(files["labels.tsv"]) != "x" {
		t.Errorf("files %v", files)
	}
}

// flaky fails the first attempts of every shard, then answers.
type flaky struct {
	failures int
	calls    atomic.Int32
	attempts map[int]*atomic.Int32
}

func (f *flaky) Name() string { return "flaky" }
func (f *flaky) Run(ctx context.Context, s *Shard) (*Result, error) {
	f.calls.Add(1)
	if f.attempts[s.Index].Add(1) <= int32(f.failures) {
		if s.Index == 1 {
			return &Result{Protocol: Protocol, Version: engine.Version, ID: s.ID, Index: s.Index, Payload: []byte(`{}`), SHA256: "bad"}, nil
		}
		return nil, errors.New("host unreachable")
	}
	return answer(s), nil
}

func TestRunAllRetriesAndNeverMergesPartial(t *testing.T) {
	shards := []*Shard{shard(0), shard(1), shard(2)}
	newFlaky := func(n int) *flaky {
		return &flaky{failures: n, attempts: map[int]*atomic.Int32{0: {}, 1: {}, 2: {}}}
	}
	f := newFlaky(1)
	rs, err := RunAll(context.Background(), f, shards, 1, 2)
	if err != nil || len(rs) != 3 || f.calls.Load() != 6 {
		t.Fatalf("one retry: %v, %d results, %d calls", err, len(rs), f.calls.Load())
	}
	for i, r := range rs {
		if r.Index != i || r.Executor != "flaky" {
			t.Errorf("result %d: %+v", i, r)
		}
	}
	f = newFlaky(2)
	rs, err = RunAll(context.Background(), f, shards, 1, 3)
	var fail *Failure
	if rs != nil || !errors.As(err, &fail) || fail.Attempts != 2 {
		t.Fatalf("too few retries: %d results, %v", len(rs), err)
	}
	if msg := err.Error(); !strings.Contains(msg, "shard 0 on flaky failed after 2 attempt(s): host unreachable") || !strings.Contains(msg, "checksum mismatch") {
		t.Errorf("error does not name every failed shard: %v", msg)
	}
}

// batcher runs batches, failing shard 1 in its first batch.
type batcher struct {
	batches [][]int
}

func (b *batcher) Name() string { return "batcher" }
func (b *batcher) Run(ctx context.Context, s *Shard) (*Result, error) {
	rs, es := b.RunBatch(ctx, []*Shard{s})
	return rs[0], es[0]
}
func (b *batcher) RunBatch(ctx context.Context, shards []*Shard) ([]*Result, []error) {
	var idx []int
	rs, es := make([]*Result, len(shards)), make([]error, len(shards))
	for j, s := range shards {
		idx = append(idx, s.Index)
		if s.Index == 1 && len(b.batches) == 0 {
			es[j] = errors.New("task 1 FAILED")
			continue
		}
		rs[j] = answer(s)
	}
	b.batches = append(b.batches, idx)
	return rs, es
}

func TestRunAllBatches(t *testing.T) {
	shards := []*Shard{shard(0), shard(1), shard(2)}
	b := &batcher{}
	rs, err := RunAll(context.Background(), b, shards, 1, 1)
	if err != nil || len(rs) != 3 {
		t.Fatalf("%v, %d results", err, len(rs))
	}
	if fmt.Sprint(b.batches) != "[[0 1 2] [1]]" {
		t.Errorf("batches %v, want every shard once, then the failed one", b.batches)
	}
	for i, r := range rs {
		if r.Index != i || r.Executor != "batcher" {
			t.Errorf("result %d: %+v", i, r)
		}
	}
	b = &batcher{}
	rs, err = RunAll(context.Background(), b, shards, 0, 1)
	if rs != nil || err == nil || !strings.Contains(err.Error(), "shard 1 on batcher failed after 1 attempt(s): task 1 FAILED") {
		t.Errorf("no retries: %d results, %v", len(rs), err)
	}
}

func TestLocalWorkerProcess(t *testing.T) {
	dir := t.TempDir()
	script := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755)
		return p
	}
	s := shard(0)
	good, _ := json.Marshal(answer(s))
	os.WriteFile(filepath.Join(dir, "good.json"), good, 0o644)
	for _, tc := range []struct {
		name, body, want string
	}{
		{"answers", `[ "$1 $2" = "worker --shard" ] && [ -s "$3" ] && cp ` + filepath.Join(dir, "good.json") + ` "$5"`, ""},
		{"crashes", `echo "panic: worker exploded" >&2; exit 2`, "panic: worker exploded"},
		{"garbage", `echo 'not json' > "$5"`, "worker output is not a result"},
		{"no output", `exit 0`, "worker wrote no result"},
	} {
		l := &Local{Worker: script(tc.name, tc.body)}
		r, err := l.Run(context.Background(), s)
		if err == nil {
			err = Check(s, r)
		}
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	// Cancelling kills the worker's whole process group.
	ctx, cancel := context.WithCancel(context.Background())
	l := &Local{Worker: script("hangs", "sleep 4242.4242 & wait")}
	done := make(chan error)
	go func() { _, err := l.Run(ctx, s); done <- err }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled worker: %v", err)
	}
}

func TestOpen(t *testing.T) {
	o := Openers{"local": OpenLocal}
	if ex, err := o.Open("local", nil); err != nil || ex.Name() != "local" {
		t.Errorf("local: %v %v", ex, err)
	}
	if _, err := o.Open("docker:img", nil); err == nil || !strings.Contains(err.Error(), `unknown type "docker" (known: local)`) {
		t.Errorf("unknown type: %v", err)
	}
	if _, err := o.Open("local:x", nil); err == nil {
		t.Error("local with a target: no error")
	}
	if _, err := o.Open("local:lab", map[string]map[string]string{"lab": {"type": "ssh"}}); err == nil || !strings.Contains(err.Error(), "declared with type ssh") {
		t.Errorf("type mismatch: %v", err)
	}
}
