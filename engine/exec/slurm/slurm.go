// Package slurm runs shards on a Slurm cluster: the shards of an attempt
// are one job array, each task runs `tcpreport worker` on one shard file
// in a directory every node shares, and the coordinator waits for the
// array, collects the results and names every task that failed.
package slurm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tcpreport/tcpreport/engine/exec"
)

// Settings are the keys a host declared with type slurm may set.
var Settings = []string{
	"type",       // slurm
	"partition",  // default: the target (slurm:PARTITION)
	"shared_dir", // a directory every node mounts; default: the system's temporary directory (enough for one node)
	"worker",     // the tcpreport binary the nodes run; default: this executable, copied into shared_dir
	"time",       // each task's time limit (sbatch --time), e.g. 30:00
	"poll",       // how often the job's state is read; default 2s
	"exclusive",  // true (default): each task has its node to itself (sbatch --exclusive); false: tasks may share nodes
}

// Cluster submits shards to one partition of a Slurm cluster with the
// cluster's own commands (sbatch, scontrol, squeue, scancel), which find
// the cluster as they always do (slurm.conf, SLURM_CONF).
type Cluster struct {
	name      string // as the report names it: slurm:NAME
	partition string
	dir       string
	worker    string
	timeLimit string
	poll      time.Duration
	exclusive bool

	mu        sync.Mutex
	installed string // the worker binary in the shared directory, once there
}

// Open is the exec.Opener of "slurm": target is a partition, or a host of
// the report's front matter declared with type slurm (see Settings).
func Open(target string, settings map[string]string) (exec.Executor, error) {
	return New(target, settings)
}

// New returns the executor of target with settings (see Settings).
func New(target string, settings map[string]string) (*Cluster, error) {
	fail := func(format string, args ...any) (*Cluster, error) {
		return nil, fmt.Errorf("executor slurm:%s: %s", target, fmt.Sprintf(format, args...))
	}
	if target == "" {
		return fail("name a partition (slurm:PARTITION) or a host declared with type slurm")
	}
	for k := range settings {
		if !slices.Contains(Settings, k) {
			return fail("unknown setting %q (known: %s)", k, strings.Join(Settings, ", "))
		}
	}
	c := &Cluster{name: target, partition: settings["partition"], dir: settings["shared_dir"], worker: settings["worker"],
		timeLimit: settings["time"], poll: 2 * time.Second, exclusive: true}
	if c.partition == "" {
		c.partition = target
	}
	if c.dir == "" {
		c.dir = os.TempDir()
	}
	if !filepath.IsAbs(c.dir) {
		abs, err := filepath.Abs(c.dir)
		if err != nil {
			return fail("shared_dir: %v", err)
		}
		c.dir = abs
	}
	// Shards of a timing experiment that share a node slow each other
	// down, so by default each task gets a node of its own.
	switch v := settings["exclusive"]; v {
	case "", "true", "yes":
	case "false", "no":
		c.exclusive = false
	default:
		return fail("exclusive: %q is not true or false", v)
	}
	if v := settings["poll"]; v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fail("poll: %q is not a duration (use e.g. 2s)", v)
		}
		c.poll = d
	}
	return c, nil
}

// Name returns "slurm:NAME".
func (c *Cluster) Name() string { return "slurm:" + c.name }

// errorf returns an error naming the executor and the partition.
func (c *Cluster) errorf(format string, args ...any) error {
	return fmt.Errorf("%s (partition %s): %w", c.Name(), c.partition, fmt.Errorf(format, args...))
}

// Run runs one shard as an array of one task.
func (c *Cluster) Run(ctx context.Context, s *exec.Shard) (*exec.Result, error) {
	rs, errs := c.RunBatch(ctx, []*exec.Shard{s})
	return rs[0], errs[0]
}

// TaskError is a task of a job array that did not end with a result.
type TaskError struct {
	Job   string
	Task  int    // the array index
	Shard int    // the shard the task ran
	State string // Slurm's: FAILED, CANCELLED, TIMEOUT, NODE_FAIL, ...
	Exit  string // the exit code as Slurm gives it, status:signal
	Log   string // the end of the task's output
}

func (e *TaskError) Error() string {
	var why string
	switch {
	case strings.HasPrefix(e.State, "CANCELLED"):
		why = "cancelled (scancel, or an administrator)"
	case e.State == "TIMEOUT":
		why = "ran past its time limit; raise the host's time setting"
	case e.State == "FAILED":
		why = "the worker failed"
		if e.Exit != "" {
			why += " with exit code " + e.Exit
		}
	case e.State == "COMPLETED":
		why = "completed without a result"
	default:
		why = strings.ToLower(e.State)
	}
	msg := fmt.Sprintf("job %s task %d (shard %d): %s: %s", e.Job, e.Task, e.Shard, e.State, why)
	if e.Log != "" {
		msg += ": " + e.Log
	}
	return msg
}

// RunBatch runs shards as one job array, task i running shards[i], and
// waits for every task. Cancelling ctx cancels the array (scancel) and
// waits until the cluster has let go of it.
func (c *Cluster) RunBatch(ctx context.Context, shards []*exec.Shard) ([]*exec.Result, []error) {
	results := make([]*exec.Result, len(shards))
	errs := make([]error, len(shards))
	all := func(err error) ([]*exec.Result, []error) {
		for i := range errs {
			errs[i] = err
		}
		return results, errs
	}
	if len(shards) == 0 {
		return results, errs
	}
	worker, err := c.install()
	if err != nil {
		return all(err)
	}
	dir, err := os.MkdirTemp(c.dir, "tcpreport-"+safe(shards[0].ID)+"-")
	if err != nil {
		return all(c.errorf("shared_dir: %w", err))
	}
	defer os.RemoveAll(dir)
	for i, s := range shards {
		if err := exec.WriteShard(filepath.Join(dir, fmt.Sprintf("shard-%d.json", i)), s); err != nil {
			return all(c.errorf("%w", err))
		}
	}
	script := filepath.Join(dir, "task.sh")
	if err := os.WriteFile(script, []byte(taskScript(worker, dir)), 0o755); err != nil {
		return all(c.errorf("%w", err))
	}
	args := []string{"--array=0-" + strconv.Itoa(len(shards)-1), "--parsable", "--partition", c.partition,
		"--job-name", "tcpreport-" + safe(shards[0].ID), "--output", filepath.Join(dir, "log-%a.txt"), "--chdir", dir}
	if c.timeLimit != "" {
		args = append(args, "--time", c.timeLimit)
	}
	if c.exclusive {
		args = append(args, "--exclusive")
	}
	out, err := c.command(context.WithoutCancel(ctx), "sbatch", append(args, script)...)
	if err != nil {
		return all(err)
	}
	job, _, _ := strings.Cut(strings.TrimSpace(string(out)), ";")
	if _, err := strconv.Atoi(job); err != nil {
		return all(c.errorf("sbatch printed %q, not a job id", out))
	}

	states, err := c.wait(ctx, job, dir, len(shards))
	if err != nil {
		return all(err)
	}
	for i, s := range shards {
		st := states[i]
		if st.State == "COMPLETED" {
			data, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("result-%d.json", i)))
			if err == nil {
				r, err := exec.Decode(data)
				if err != nil {
					err = c.errorf("job %s task %d (shard %d): %w", job, i, s.Index, err)
				}
				results[i], errs[i] = r, err
				continue
			}
		}
		log, _ := os.ReadFile(filepath.Join(dir, fmt.Sprintf("log-%d.txt", i)))
		errs[i] = c.errorf("%w", &TaskError{Job: job, Task: i, Shard: s.Index, State: st.State, Exit: st.Exit, Log: tail(log)})
	}
	return results, errs
}

// taskScript is the batch script of the array: it runs the worker on the
// task's shard and records the worker's exit status beside the result, for
// when the cluster has forgotten the job.
func taskScript(worker, dir string) string {
	return fmt.Sprintf(`#!/bin/sh
# A task of a tcpreport job array: one shard, run by tcpreport worker.
t=$SLURM_ARRAY_TASK_ID
dir=%s
%s worker --shard "$dir/shard-$t.json" --out "$dir/result-$t.json"
rc=$?
echo $rc > "$dir/exit-$t.tmp" && mv "$dir/exit-$t.tmp" "$dir/exit-$t"
exit $rc
`, quote(dir), quote(worker))
}

// taskState is a task's state as Slurm reports it.
type taskState struct {
	State string
	Exit  string
}

// done says whether a Slurm job state is final.
func done(state string) bool {
	switch strings.Fields(state + " x")[0] {
	case "PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED",
		"RESIZING", "SUSPENDED", "STOPPED", "SIGNALING", "STAGE_OUT", "RESV_DEL_HOLD", "SPECIAL_EXIT", "POWER_UP_NODE", "UPDATE_DB":
		return false
	}
	return true
}

// maxQueryFailures is how many state queries in a row may fail before
// the job is given up.
const maxQueryFailures = 5

// wait polls the job until every task has ended and returns their states.
// Cancelling ctx cancels the job.
func (c *Cluster) wait(ctx context.Context, job, dir string, n int) ([]taskState, error) {
	tick := time.NewTicker(c.poll)
	defer tick.Stop()
	for failures := 0; ; {
		states, err := c.states(job, dir, n)
		switch {
		case err != nil && failures < maxQueryFailures:
			// A busy controller may not answer one query; it is not
			// a reason to give up the job.
			failures++
		case err != nil:
			c.cancel(job)
			return nil, fmt.Errorf("%w (%d tries; job %s cancelled)", err, failures+1, job)
		case !slices.ContainsFunc(states, func(s taskState) bool { return !done(s.State) }):
			return states, nil
		default:
			failures = 0
		}
		select {
		case <-ctx.Done():
			if err := c.cancel(job); err != nil {
				return nil, fmt.Errorf("%w; and %w", ctx.Err(), err)
			}
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
}

// cancel cancels the job and waits until the cluster no longer runs any
// of its tasks.
func (c *Cluster) cancel(job string) error {
	ctx, stop := context.WithTimeout(context.Background(), 60*time.Second)
	defer stop()
	if _, err := c.command(ctx, "scancel", job); err != nil {
		return err
	}
	for ctx.Err() == nil {
		out, err := c.command(ctx, "squeue", "-h", "-j", job, "-o", "%i %T")
		if err != nil || strings.TrimSpace(string(out)) == "" {
			return nil // squeue forgets a job it no longer runs ("Invalid job id")
		}
		time.Sleep(200 * time.Millisecond)
	}
	return c.errorf("job %s still queued a minute after scancel", job)
}

// states reads the state of each of the job's n tasks from scontrol (sacct
// needs slurmdbd, which many clusters lack). A
// job the controller has already forgotten is read from the exit files
// its tasks wrote.
func (c *Cluster) states(job, dir string, n int) ([]taskState, error) {
	states := make([]taskState, n)
	out, err := c.command(context.Background(), "scontrol", "-o", "show", "job", job)
	if err != nil {
		if !strings.Contains(err.Error(), "Invalid job id") {
			return nil, err
		}
		for i := range states {
			b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("exit-%d", i)))
			switch code := strings.TrimSpace(string(b)); {
			case err != nil:
				states[i] = taskState{State: "VANISHED"}
			case code == "0":
				states[i] = taskState{State: "COMPLETED", Exit: "0:0"}
			default:
				states[i] = taskState{State: "FAILED", Exit: code + ":0"}
			}
		}
		return states, nil
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := fields(line)
		tasks, ok := taskRange(f["ArrayTaskId"])
		if !ok {
			continue
		}
		for _, t := range tasks {
			if t >= 0 && t < n {
				states[t] = taskState{State: f["JobState"], Exit: f["ExitCode"]}
			}
		}
	}
	for i, s := range states {
		if s.State == "" {
			states[i].State = "PENDING" // not listed yet
		}
	}
	return states, nil
}

// fields splits a line of `scontrol show job -o` into its Key=Value fields.
func fields(line string) map[string]string {
	m := map[string]string{}
	for _, kv := range strings.Fields(line) {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

// taskRange parses an ArrayTaskId: "3", "0-3", "1,4-6", "0-7%2".
func taskRange(s string) ([]int, bool) {
	s, _, _ = strings.Cut(s, "%")
	if s == "" {
		return nil, false
	}
	var out []int
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return nil, false
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, false
			}
		}
		for t := a; t <= b; t++ {
			out = append(out, t)
		}
	}
	return out, true
}

// command runs one of Slurm's commands; its error names the executor and
// carries the command's message.
func (c *Cluster) command(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := osexec.CommandContext(ctx, name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if errors.Is(err, osexec.ErrNotFound) {
			return nil, c.errorf("%s: %w: is this a Slurm login node?", name, err)
		}
		return nil, c.errorf("%s: %w: %s", name, err, tail(stderr.Bytes()))
	}
	return out, nil
}

// install puts the worker binary into the shared directory, named by its
// SHA-256, unless it is there already, and returns its path. A worker
// setting is used as it is: it names a binary the nodes have.
func (c *Cluster) install() (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.installed != "" {
		return c.installed, nil
	}
	if c.worker != "" {
		c.installed = c.worker
		return c.installed, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", c.errorf("worker: %w", err)
	}
	sum, err := exec.FileSHA256(exe)
	if err != nil {
		return "", c.errorf("worker: %w", err)
	}
	path := filepath.Join(c.dir, "bin", "tcpreport-"+sum[:16])
	if have, err := exec.FileSHA256(path); err == nil && have == sum {
		c.installed = path
		return path, nil
	}
	if err := copyFile(exe, path); err != nil {
		return "", c.errorf("copy the worker to the shared directory: %w", err)
	}
	if have, err := exec.FileSHA256(path); err != nil || have != sum {
		return "", c.errorf("the worker copied to %s does not have SHA-256 %s", path, sum)
	}
	c.installed = path
	return path, nil
}

// copyFile copies an executable through a temporary file beside dst.
func copyFile(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".tmp-worker-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o755); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}

// safe keeps the letters, digits, '-' and '_' of an id, for file and job names.
func safe(id string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, id)
}

// quote quotes s for a POSIX shell.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// tail is the end of untrusted output, for error messages.
func tail(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 400 {
		b = b[len(b)-400:]
	}
	return strings.Join(strings.Fields(string(b)), " ")
}
