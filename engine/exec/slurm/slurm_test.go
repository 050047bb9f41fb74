package slurm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/exec"
	"github.com/tcpreport/tcpreport/engine/exec/slurm/slurmtest"
)

// cluster is the package's real single-node cluster, started by TestMain.
var cluster *slurmtest.Cluster

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "slurmtest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cluster, err = slurmtest.New(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	os.Setenv("SLURM_CONF", cluster.Conf)
	code := m.Run()
	if err := cluster.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	if code != 0 {
		fmt.Fprintln(os.Stderr, cluster.Logs())
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// open returns the executor of the test cluster's partition, running
// worker from a shared directory of the test's.
func open(t *testing.T, worker string) *Cluster {
	t.Helper()
	c, err := New(slurmtest.Partition, map[string]string{"shared_dir": t.TempDir(), "worker": worker, "poll": "200ms", "exclusive": "false"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// noJobsLeft fails the test when the cluster still holds a job.
func noJobsLeft(t *testing.T) {
	t.Helper()
	var jobs []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		var err error
		if jobs, err = cluster.Jobs(); err != nil {
			t.Fatal(err)
		} else if len(jobs) == 0 {
			return
		}
	}
	t.Errorf("jobs left in the queue: %v", jobs)
}

// shards returns n shards of a small experiment: the tcp arm deciding ls
// and cat in n blocks, one block a shard.
func shards(n int) []*exec.Shard {
	labels := "SAFE\tls -la\nSAFE\tcat /etc/hostname\n"
	out := make([]*exec.Shard, n)
	for i := range out {
		out[i] = &exec.Shard{Protocol: exec.Protocol, Version: engine.Version, ID: "tbl-exp", Kind: "experiment",
			Options: map[string]string{"labels": "labels.tsv", "tools": "ls, cat", "arms": "tcp", "blocks": fmt.Sprint(n), "warmup": "0",
				"executor": "local", "shards": "1", "retries": "0"},
			Seed: 11, Index: i, Count: n, Inputs: []exec.File{exec.NewFile("labels.tsv", []byte(labels))}}
	}
	return out
}

// answers writes a correct result for each shard, as answer-<index>.json
// in a directory, and returns the directory.
func answers(t *testing.T, ss []*exec.Shard) string {
	t.Helper()
	dir := t.TempDir()
	for _, s := range ss {
		payload, series, _ := exec.Pack(&engine.Result{Values: map[string]engine.Value{"i": engine.Num(float64(s.Index), "")}})
		r := &exec.Result{Protocol: exec.Protocol, Version: engine.Version, ID: s.ID, Index: s.Index, Host: "node", Payload: payload, Series: series}
		r.Seal()
		b, _ := json.Marshal(r)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("answer-%d.json", s.Index)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// script writes a shell script standing in for the worker: "$3" is the
// shard file, "$5" the result file.
func script(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "worker")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// shardIndex is shell that sets $i to the index of the shard in "$3".
const shardIndex = `i=$(sed 's/.*"index":\([0-9]*\).*/\1/' "$3")`

func TestArrayOfRealWorkers(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "tcpreport")
	if out, err := osexec.Command("go", "build", "-o", bin, "github.com/tcpreport/tcpreport/cmd/tcpreport").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	c := open(t, bin)
	ss := shards(4)
	start := time.Now()
	rs, err := exec.RunAll(context.Background(), c, ss, 0, 1)
	if err != nil {
		t.Fatalf("%v\n%s", err, cluster.Logs())
	}
	t.Logf("4-task array ran in %v", time.Since(start).Round(time.Millisecond))
	for i, r := range rs {
		res, err := exec.Unpack(r.Payload, r.Series)
		if err != nil {
			t.Fatal(err)
		}
		var out struct{ Samples []struct{ Block int } }
		for _, f := range res.Files {
			if f.Name == "outcome.json" {
				json.Unmarshal(f.Data, &out)
			}
		}
		// Shard i of 4 runs block i: both tools once.
		if r.Index != i || r.Executor != "slurm:debug" || len(out.Samples) != 2 || out.Samples[0].Block != i {
			t.Errorf("shard %d: index %d, executor %s, samples %+v", i, r.Index, r.Executor, out.Samples)
		}
	}
	// One array, not a job a shard: the cluster numbered 4 tasks of one job.
	noJobsLeft(t)
}

func TestFailedTaskIsNamedAndRetried(t *testing.T) {
	ss := shards(4)
	ans := answers(t, ss)
	mark := filepath.Join(t.TempDir(), "failed-once")
	worker := script(t, shardIndex+`
if [ "$i" = 2 ] && [ ! -e `+mark+` ]; then touch `+mark+`; echo "worker: shard 2 of tbl-exp: boom" >&2; exit 1; fi
cp `+ans+`/answer-$i.json "$5"`)
	c := open(t, worker)

	rs, errs := c.RunBatch(context.Background(), ss)
	for i := range ss {
		if i != 2 && (errs[i] != nil || rs[i] == nil || exec.Check(ss[i], rs[i]) != nil) {
			t.Errorf("task %d: %v", i, errs[i])
		}
	}
	var te *TaskError
	if !errors.As(errs[2], &te) || te.State != "FAILED" || te.Task != 2 || te.Exit != "1:0" {
		t.Fatalf("task 2: %v", errs[2])
	}
	msg := errs[2].Error()
	for _, want := range []string{"slurm:debug (partition debug): job ", " task 2 (shard 2): FAILED: the worker failed with exit code 1:0: worker: shard 2 of tbl-exp: boom"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}

	// RunAll retries only the failed shard, as a second array.
	os.Remove(mark)
	rs, err := exec.RunAll(context.Background(), c, ss, 1, 1)
	if err != nil || len(rs) != 4 {
		t.Fatalf("retried: %v", err)
	}
	os.Remove(mark)
	_, err = exec.RunAll(context.Background(), c, ss, 0, 1)
	if err == nil || !strings.Contains(err.Error(), "shard 2 on slurm:debug failed after 1 attempt(s): slurm:debug (partition debug): job ") {
		t.Errorf("without retries: %v", err)
	}
	noJobsLeft(t)
}

// started waits until a file exists.
func started(t *testing.T, path string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return
		}
	}
	t.Errorf("%s: no task started\n%s", path, cluster.Logs())
}

func TestCancelledJob(t *testing.T) {
	ss := shards(3)
	marks := t.TempDir()
	c := open(t, script(t, shardIndex+`; touch `+marks+`/$i; exec sleep 60`))
	type batch struct {
		rs   []*exec.Result
		errs []error
	}
	done := make(chan batch)
	go func() {
		rs, errs := c.RunBatch(context.Background(), ss)
		done <- batch{rs, errs}
	}()
	started(t, filepath.Join(marks, "0"))
	// Someone cancels the job outside tcpreport.
	if out, err := cluster.Command("scancel", "--name", "tcpreport-tbl-exp").CombinedOutput(); err != nil {
		t.Fatalf("scancel: %v: %s", err, out)
	}
	b := <-done
	for i, err := range b.errs {
		var te *TaskError
		if b.rs[i] != nil || !errors.As(err, &te) || !strings.HasPrefix(te.State, "CANCELLED") ||
			!strings.Contains(err.Error(), fmt.Sprintf("task %d (shard %d): CANCELLED", i, i)) || !strings.Contains(err.Error(), "cancelled (scancel, or an administrator)") {
			t.Errorf("task %d: %v", i, err)
		}
	}
	noJobsLeft(t)
}

func TestContextCancelCancelsTheJob(t *testing.T) {
	ss := shards(2)
	marks := t.TempDir()
	c := open(t, script(t, shardIndex+`; touch `+marks+`/$i; exec sleep 60`))
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		started(t, filepath.Join(marks, "0"))
		cancel()
	}()
	start := time.Now()
	_, errs := c.RunBatch(ctx, ss)
	for i, err := range errs {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("task %d: %v", i, err)
		}
	}
	// RunBatch returns only once the cluster has let go of the job.
	if jobs, err := cluster.Jobs(); err != nil || len(jobs) != 0 {
		t.Errorf("after cancelling: jobs %v (%v)", jobs, err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("cancelling took %v", d)
	}
}

func TestSubmitErrors(t *testing.T) {
	c, err := New("nope", map[string]string{"shared_dir": t.TempDir(), "worker": "/bin/false", "poll": "200ms"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Run(context.Background(), shards(1)[0])
	if err == nil || !strings.Contains(err.Error(), "slurm:nope (partition nope): sbatch: exit status 1: sbatch: error: invalid partition specified: nope") {
		t.Errorf("unknown partition: %v", err)
	}
	for _, tc := range []struct {
		name     string
		target   string
		settings map[string]string
		want     string
	}{
		{"no target", "", nil, "executor slurm:: name a partition"},
		{"typo", "debug", map[string]string{"partiton": "x"}, `executor slurm:debug: unknown setting "partiton"`},
		{"poll", "debug", map[string]string{"poll": "often"}, `poll: "often" is not a duration`},
		{"exclusive", "debug", map[string]string{"exclusive": "maybe"}, `exclusive: "maybe" is not true or false`},
	} {
		if _, err := New(tc.target, tc.settings); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	c, err = New("cluster", map[string]string{"type": "slurm", "partition": "debug"})
	if err != nil || c.Name() != "slurm:cluster" || c.partition != "debug" {
		t.Errorf("declared host: %+v %v", c, err)
	}
}

func TestTaskRange(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int
	}{
		{"3", []int{3}},
		{"0-3", []int{0, 1, 2, 3}},
		{"1,4-5", []int{1, 4, 5}},
		{"0-3%2", []int{0, 1, 2, 3}},
		{"", nil},
		{"x", nil},
		{"3-1", nil},
	} {
		got, _ := taskRange(tc.in)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: %v, want %v", tc.in, got, tc.want)
		}
	}
}
