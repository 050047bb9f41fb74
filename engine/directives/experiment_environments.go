package directives

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/exec"
	"github.com/tcpreport/tcpreport/engine/host"
)

// environments runs the whole experiment in each environment, one after
// the other so that they do not disturb each other's timings, each with
// the tools eligible there, and returns the first one's result with a
// table comparing them.
func (e *Experiment) environments(ctx context.Context, req *engine.Request, envs []string) (*engine.Result, error) {
	opts := maps.Clone(req.Opts.Map())
	delete(opts, "environments")
	var results []*engine.Result
	var hosts []string
	for i, spec := range envs {
		if slices.Contains(envs[:i], spec) {
			return nil, fmt.Errorf("environments: %s is listed twice", spec)
		}
		var res *engine.Result
		var where string
		var err error
		if spec == "local" {
			sub := *req
			sub.Opts = engine.NewOptions(opts)
			res, err = e.Run(ctx, &sub)
			where = host.Hostname()
		} else {
			res, where, err = e.runIn(ctx, req, opts, spec)
		}
		if err != nil {
			return nil, fmt.Errorf("environments: %s: %w", spec, err)
		}
		results, hosts = append(results, res), append(hosts, where)
	}
	first := results[0]
	res := &engine.Result{
		Values:   maps.Clone(first.Values),
		Tables:   append(slices.Clone(first.Tables), experimentEnvTable(envs, hosts, results)),
		Series:   first.Series,
		Files:    first.Files,
		Meta:     maps.Clone(first.Meta),
		Warnings: slices.Clone(first.Warnings),
	}
	res.Meta["executor"] = strings.Join(envs, ", ")
	res.Meta["host"] = strings.Join(hosts, ", ")
	res.Values["environments"] = engine.Num(float64(len(envs)), "")
	for i, r := range results[1:] {
		for _, w := range r.Warnings {
			res.Warnings = append(res.Warnings, envs[i+1]+": "+w)
		}
	}
	return res, nil
}

// runIn runs the whole experiment as one worker shard on the executor spec
// names. The shard count of 0 asks the worker for the whole result, not for
// a raw outcome.
func (e *Experiment) runIn(ctx context.Context, req *engine.Request, opts map[string]string, spec string) (*engine.Result, string, error) {
	ex, err := e.openers.Open(spec, req.Hosts)
	if err != nil {
		return nil, "", err
	}
	defer closeExecutor(ex)
	inputs, err := shardInputs(req)
	if err != nil {
		return nil, "", err
	}
	s := &exec.Shard{Protocol: exec.Protocol, Version: engine.Version, ID: req.ID, Kind: "experiment",
		Options: opts, Seed: req.Seed, Index: 0, Count: 0, From: req.From, Inputs: inputs}
	results, err := exec.RunAll(ctx, ex, []*exec.Shard{s}, req.Opts.Int("retries"), 1)
	if err != nil {
		return nil, "", err
	}
	res, err := exec.Unpack(results[0].Payload, results[0].Series)
	if err != nil {
		return nil, "", err
	}
	return res, results[0].Host, nil
}

// experimentEnvTable compares the environments' experiments: tools, and per
// arm the median decision time and the accuracy.
func experimentEnvTable(envs, hosts []string, results []*engine.Result) engine.Table {
	arms := splitArms(results[0].Values["arms"].Text)
	t := engine.Table{Name: "environments",
		Caption: "The experiment in each environment: the same labels, arms and seed, with the tools eligible there.",
		Columns: []string{"environment", "host", "tools", "decisions per arm"}}
	for _, a := range arms {
		t.Columns = append(t.Columns, a+" median", a+" accuracy")
	}
	for i, r := range results {
		v := r.Values
		row := []string{envs[i], hosts[i], v["tools"].Format(""), v["n_per_arm"].Format("")}
		for _, a := range arms {
			acc := "n/a"
			if x, ok := v[a+"_accuracy"]; ok {
				acc = fmt.Sprintf("%.3f (%s/%s)", x.Num, v[a+"_correct"].Format(""), v[a+"_lines"].Format(""))
			}
			med := "n/a"
			if x, ok := v[a+"_median_ns"]; ok {
				med = formatNs(x.Num)
			}
			row = append(row, med, acc)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}
