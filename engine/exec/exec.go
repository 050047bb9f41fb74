package exec

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
)

// Executor runs shards somewhere.
type Executor interface {
	// Name says where, e.g. "local", "docker:tcpreport-debian", "ssh:lab".
	Name() string
	// Run runs one shard and returns the worker's result, unchecked. An
	// error means the shard did not run to a result (the engine, host or
	// job failed); Run never returns a partial result with it.
	Run(ctx context.Context, s *Shard) (*Result, error)
}

// Batcher is an Executor that runs many shards as one piece of work, such
// as one Slurm job array. RunAll gives it every shard of an attempt at once
// instead of calling Run for each.
type Batcher interface {
	// RunBatch runs shards and returns, index for index, each one's result
	// or why it did not run to one, with Run's guarantees.
	RunBatch(ctx context.Context, shards []*Shard) ([]*Result, []error)
}

// Opener makes the executor of a target ("docker:IMAGE" has target IMAGE)
// with the settings of the host the report declares for it, if any.
type Opener func(target string, settings map[string]string) (Executor, error)

// Openers maps executor types ("local", "docker", "ssh", "slurm") to their
// openers. cmd builds it, so this package needs none of the drivers.
type Openers map[string]Opener

// Open parses spec ("local", "docker:IMAGE", "ssh:HOST", "slurm:PARTITION")
// and opens its executor. hosts are the report's declared hosts; a spec's
// target that names one gets its settings (ssh:lab finds hosts.lab).
func (o Openers) Open(spec string, hosts map[string]map[string]string) (Executor, error) {
	typ, target, _ := strings.Cut(spec, ":")
	open, ok := o[typ]
	if !ok {
		return nil, fmt.Errorf("executor %q: unknown type %q (known: %s)", spec, typ, strings.Join(o.types(), ", "))
	}
	settings := hosts[target]
	if settings != nil && settings["type"] != "" && settings["type"] != typ {
		return nil, fmt.Errorf("executor %q: host %q is declared with type %s, not %s", spec, target, settings["type"], typ)
	}
	return open(target, settings)
}

func (o Openers) types() []string { return slices.Sorted(maps.Keys(o)) }

// Local runs shards as subprocesses of this machine: the tcpreport binary
// Worker (default: this executable) with the worker command.
type Local struct {
	Worker string
}

// OpenLocal is the Opener of "local".
func OpenLocal(target string, _ map[string]string) (Executor, error) {
	if target != "" {
		return nil, fmt.Errorf("executor local takes no target, got %q", target)
	}
	return &Local{}, nil
}

// Name returns "local".
func (*Local) Name() string { return "local" }

// Run writes the shard to a temporary directory, runs the worker on it and
// reads its result.
func (l *Local) Run(ctx context.Context, s *Shard) (*Result, error) {
	worker := l.Worker
	if worker == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("local: %w", err)
		}
		worker = exe
	}
	dir, err := os.MkdirTemp("", "tcpreport-shard-")
	if err != nil {
		return nil, fmt.Errorf("local: %w", err)
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "shard.json"), filepath.Join(dir, "result.json")
	if err := WriteShard(in, s); err != nil {
		return nil, fmt.Errorf("local: %w", err)
	}
	cmd := osexec.CommandContext(ctx, worker, "worker", "--shard", in, "--out", out)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("local: worker: %w: %s", err, strings.TrimSpace(head(stderr.Bytes())))
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("local: worker wrote no result: %w", err)
	}
	return Decode(data)
}

// WriteShard writes s as JSON to path.
func WriteShard(path string, s *Shard) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// ReadShard reads a shard file and checks its input files' checksums.
func ReadShard(path string) (*Shard, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s Shard
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: not a shard: %w", path, err)
	}
	if s.Protocol != Protocol {
		return nil, fmt.Errorf("%s: shard protocol %d, this worker speaks %d", path, s.Protocol, Protocol)
	}
	for _, f := range s.Inputs {
		if NewFile(f.Name, f.Data).SHA256 != f.SHA256 {
			return nil, fmt.Errorf("%s: input %s: checksum mismatch", path, f.Name)
		}
	}
	return &s, nil
}

// Failure is a shard that did not succeed within its attempts.
type Failure struct {
	Executor string
	Shard    int
	Attempts int
	Err      error
}

func (f *Failure) Error() string {
	return fmt.Sprintf("shard %d on %s failed after %d attempt(s): %v", f.Shard, f.Executor, f.Attempts, f.Err)
}

func (f *Failure) Unwrap() error { return f.Err }

// RunAll runs every shard on ex, at most parallel at a time, retrying a
// failed shard up to retries more times. It returns the checked results in
// shard order, or, when any shard still fails, no result at all and every
// failure: partial results are never merged.
//
// A Batcher gets the shards of each attempt as one batch, and parallel is
// left to it (its scheduler decides).
func RunAll(ctx context.Context, ex Executor, shards []*Shard, retries, parallel int) ([]*Result, error) {
	if b, ok := ex.(Batcher); ok {
		return runBatches(ctx, ex.Name(), b, shards, retries)
	}
	if parallel < 1 {
		parallel = 1
	}
	results := make([]*Result, len(shards))
	errs := make([]error, len(shards))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, s := range shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			var err error
			for attempt := 1; attempt <= retries+1; attempt++ {
				var r *Result
				r, err = ex.Run(ctx, s)
				if err == nil {
					err = Check(s, r)
				}
				if err == nil {
					r.Executor = ex.Name()
					results[i], errs[i] = r, nil
					return
				}
				if ctx.Err() != nil {
					errs[i] = ctx.Err()
					return
				}
				errs[i] = &Failure{Executor: ex.Name(), Shard: s.Index, Attempts: attempt, Err: err}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return results, nil
}

// runBatches is RunAll for a Batcher: each attempt runs the shards still
// failing as one batch.
func runBatches(ctx context.Context, name string, b Batcher, shards []*Shard, retries int) ([]*Result, error) {
	results := make([]*Result, len(shards))
	errs := make([]error, len(shards))
	pending := make([]int, len(shards))
	for i := range pending {
		pending[i] = i
	}
	for attempt := 1; attempt <= retries+1 && len(pending) > 0; attempt++ {
		batch := make([]*Shard, len(pending))
		for j, i := range pending {
			batch[j] = shards[i]
		}
		rs, es := b.RunBatch(ctx, batch)
		if len(rs) != len(batch) || len(es) != len(batch) {
			return nil, fmt.Errorf("%s: %d results and %d errors for a batch of %d shards", name, len(rs), len(es), len(batch))
		}
		var failed []int
		for j, i := range pending {
			err := es[j]
			if err == nil && rs[j] == nil {
				err = errors.New("no result")
			}
			if err == nil {
				err = Check(shards[i], rs[j])
			}
			if err == nil {
				rs[j].Executor = name
				results[i], errs[i] = rs[j], nil
				continue
			}
			errs[i] = &Failure{Executor: name, Shard: shards[i].Index, Attempts: attempt, Err: err}
			failed = append(failed, i)
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		pending = failed
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return results, nil
}
