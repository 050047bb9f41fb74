package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/directives"
	"github.com/tcpreport/tcpreport/engine/exec"
	"github.com/tcpreport/tcpreport/engine/exec/docker"
	"github.com/tcpreport/tcpreport/engine/exec/slurm"
	"github.com/tcpreport/tcpreport/engine/exec/ssh"
	"github.com/tcpreport/tcpreport/engine/host"
)

// openers are the executors a report may name in :executor:.
func openers() exec.Openers {
	return exec.Openers{"local": exec.OpenLocal, "docker": docker.Open, "ssh": ssh.Open, "slurm": slurm.Open}
}

func newWorkerCmd(g *globals) *cobra.Command {
	var shardPath, outPath string
	cmd := &cobra.Command{
		Use:   "worker --shard FILE [--out FILE]",
		Short: "Run one shard of a directive (used by executors)",
		Long: `Worker runs one shard of a directive's work and writes its result as JSON.
Executors (local, docker, ssh, slurm) copy this binary and a shard file to
where the work runs and start 'tcpreport worker' there; the coordinator
checks the result (protocol, tcpreport version, shard, SHA-256) before it
stores it. A worker of another tcpreport version refuses the shard.

The result carries the worker's host name and environment fingerprint. When
the directive fails, the result says why and the exit status is 1; an
unreadable shard gives no result and exit status 2.`,
		Example: `  tcpreport worker --shard /tmp/shard-0.json --out /tmp/result-0.json`,
		Hidden:  false,
		RunE: func(cmd *cobra.Command, args []string) error {
			if shardPath == "" {
				return usageError{errors.New("worker: --shard FILE is required")}
			}
			s, err := exec.ReadShard(shardPath)
			if err != nil {
				return usageError{err}
			}
			r := runShard(cmd, s)
			data, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if outPath == "" || outPath == "-" {
				_, err = g.stdout.Write(append(data, '\n'))
			} else {
				err = writeFileAtomic(outPath, data)
			}
			if err != nil {
				return err
			}
			if r.Error != "" {
				return fmt.Errorf("worker: shard %d of %s: %s", s.Index, s.ID, r.Error)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&shardPath, "shard", "", "the shard `file` to run")
	cmd.Flags().StringVar(&outPath, "out", "", "write the result to `file` (default: standard output)")
	return cmd
}

// runShard runs s and returns its sealed result; a failure is recorded in
// the result, not returned.
func runShard(cmd *cobra.Command, s *exec.Shard) *exec.Result {
	r := &exec.Result{Protocol: exec.Protocol, Version: engine.Version, ID: s.ID, Index: s.Index, Started: time.Now().UTC()}
	r.Host, _ = os.Hostname()
	for _, f := range host.Fingerprint() {
		r.Env = append(r.Env, exec.Fact{Name: f.Name, Value: f.Value})
	}
	fail := func(err error) *exec.Result {
		r.Error = err.Error()
		r.Ended = time.Now().UTC()
		r.Seal()
		return r
	}
	if s.Version != engine.Version {
		return fail(fmt.Errorf("shard is from tcpreport %s, this worker is %s", s.Version, engine.Version))
	}
	reg := engine.NewRegistry(directives.All(exec.Openers{"local": exec.OpenLocal})...)
	d, err := reg.Lookup(s.Kind)
	if err != nil {
		return fail(err)
	}
	inputs, files, err := exec.Inputs(s)
	if err != nil {
		return fail(err)
	}
	dir, err := os.MkdirTemp("", "tcpreport-worker-")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(dir)
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if !filepath.IsLocal(filepath.FromSlash(name)) {
			return fail(fmt.Errorf("input %q: not a relative path inside the shard", name))
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fail(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return fail(err)
		}
	}
	req := &engine.Request{ID: s.ID, Opts: engine.NewOptions(s.Options), Body: s.Body, Inputs: inputs, From: s.From,
		Seed: s.Seed, Dir: dir, Shard: s.Index, Shards: s.Count}
	res, err := d.Run(cmd.Context(), req)
	if err == nil && res == nil {
		err = errors.New("directive returned no result")
	}
	if err != nil {
		return fail(err)
	}
	if r.Payload, r.Series, err = exec.Pack(res); err != nil {
		return fail(err)
	}
	r.Ended = time.Now().UTC()
	r.Seal()
	return r
}

// writeFileAtomic writes data to path through a temporary file beside it.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}
