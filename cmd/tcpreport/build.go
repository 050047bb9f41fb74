package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/bundle"
	"github.com/tcpreport/tcpreport/engine/directives"
	"github.com/tcpreport/tcpreport/engine/host"
	"github.com/tcpreport/tcpreport/engine/publish"
	"github.com/tcpreport/tcpreport/store"
)

type buildFlags struct {
	params   []string
	jobs     int
	frozen   bool
	explain  bool
	rerun    []string
	rerunAll bool
	json     bool
	out      string
	png      bool
	lockWait time.Duration
}

func newBuildCmd(g *globals) *cobra.Command {
	var f buildFlags
	cmd := &cobra.Command{
		Use:   "build [flags] REPORT.md",
		Short: "Run a report's directives and write its artifact bundle",
		Long: `Build runs every directive of REPORT.md whose result is not in the cache, then
renders the report and writes artifacts/<report>/ (Markdown, HTML, figures/,
data/, MANIFEST.json) and artifacts/<report>.tar.gz. The bundle is written to
a temporary directory and renamed into place: a failed build leaves the
previous bundle as it was.

A directive is served from the cache when its cache key is unchanged. The key
covers the tcpreport version, the directive kind and implementation version,
its options and body, the keys of its :from: inputs, the content of its
input files and the environment facts it depends on. Editing prose never
re-runs anything.

Progress goes to stderr: a live display on a terminal, plain lines otherwise.`,
		Example: `  # Build, running only what is not cached
  tcpreport build reports/gate8.md

  # Say for each directive why it ran or was served from the cache
  tcpreport build --explain reports/gate8.md

  # Never execute; fail if a result is missing, mark drifted ones stale
  tcpreport build --frozen reports/gate8.md

  # Override a front-matter param and re-run one directive (and what reads it)
  tcpreport build -p rtt_samples=5000 --rerun tbl-environment reports/gate8.md

  # One JSON summary object on stdout
  tcpreport build --json reports/gate8.md`,
		Args: exactArgs(1, "one report file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBuild(cmd, g, &f, args[0])
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&f.params, "param", "p", nil, "override a front-matter param (`key=value`, repeatable)")
	fl.IntVarP(&f.jobs, "jobs", "j", 0, "directives to run at once (default: number of CPUs)")
	fl.BoolVar(&f.frozen, "frozen", false, "never execute: serve every result from the cache")
	fl.BoolVar(&f.explain, "explain", false, "print for each directive why it ran or was served from the cache")
	fl.StringSliceVar(&f.rerun, "rerun", nil, "re-execute these directive `ids` even if cached")
	fl.BoolVar(&f.rerunAll, "rerun-all", false, "re-execute every directive")
	fl.BoolVar(&f.json, "json", false, "print one JSON summary object on stdout")
	fl.StringVarP(&f.out, "out", "o", "", "artifacts `dir` (default: artifacts/ in the report's project)")
	fl.BoolVar(&f.png, "png", false, "also write PNG figures")
	fl.DurationVar(&f.lockWait, "lock-wait", 10*time.Second, "how long to wait for a store another build holds")
	return cmd
}

// buildSummary is what --json prints.
type buildSummary struct {
	RunID        string `json:"run_id"`
	ProtocolHash string `json:"protocol_hash"`
	Executed     int    `json:"executed"`
	Cached       int    `json:"cached"`
	Stale        int    `json:"stale"`
	Artifacts    string `json:"artifacts"`
	// Error is set when the build failed; Artifacts is then empty.
	Error string `json:"error,omitempty"`
}

func runBuild(cmd *cobra.Command, g *globals, f *buildFlags, report string) error {
	ctx := cmd.Context()
	start := time.Now()
	if f.frozen && (f.rerunAll || len(f.rerun) > 0) {
		return usageError{errors.New("--frozen never executes: it cannot be combined with --rerun or --rerun-all")}
	}
	src, err := os.ReadFile(report)
	if err != nil {
		return err
	}
	params, err := engine.ParseParams(f.params)
	if err != nil {
		return usageError{err}
	}
	reg := engine.NewRegistry(directives.All(openers())...)
	plan, err := engine.Load(reg, report, src, params)
	var perr *engine.ParamError
	if errors.As(err, &perr) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	for _, id := range f.rerun {
		if plan.Step(id) == nil {
			return usageError{fmt.Errorf("--rerun %s: no directive with that id in %s", id, report)}
		}
	}

	// A frozen build never executes, so it never writes: it reads the
	// store as it is, and a mistyped --store is an error, not a new store.
	db, err := store.Open(ctx, g.storePath(report), store.Options{Exclusive: !f.frozen, ReadOnly: f.frozen, LockWait: f.lockWait})
	if err != nil {
		return err
	}
	defer db.Close()
	var log engine.RunLog
	if !f.frozen {
		log = storeLog{db}
		if _, err := db.MarkKilled(ctx); err != nil {
			return err
		}
	}

	out := f.out
	if out == "" {
		out = filepath.Join(projectRoot(report), "artifacts")
	}
	var dir string
	hostname, _ := os.Hostname()
	prog := newProgress(g, len(plan.Steps))
	b := &engine.Builder{
		Cache:    db,
		Log:      log,
		Observer: prog,
		Env:      facts(host.Fingerprint()),
		Jobs:     f.jobs,
		Frozen:   f.frozen,
		Rerun:    f.rerun,
		RerunAll: f.rerunAll,
		Redactor: engine.NewRedactor(os.Environ()),
		Host:     hostname,
		Executor: "local",
		Publish: func(ctx context.Context, b *engine.Build) error {
			var m *bundle.Manifest
			var err error
			if dir, m, err = publish.Write(b, out, f.png); err != nil {
				return err
			}
			if f.frozen {
				return nil
			}
			return recordArtifacts(ctx, db, b.Run.ID, m)
		},
	}
	build, berr := b.Build(ctx, plan)
	prog.Wait()
	if f.explain && build != nil {
		printExplain(g, build)
	}
	if f.json && build != nil {
		run := build.Run
		s := buildSummary{run.ID, run.ProtocolHash, run.Executed, run.Cached, run.Stale, rel(dir), ""}
		if berr != nil {
			s.Error = berr.Error()
		}
		if err := json.NewEncoder(g.stdout).Encode(s); err != nil {
			return err
		}
	}
	if berr != nil {
		return berr
	}
	run := build.Run
	if f.json {
		return nil
	}
	if !g.quiet {
		fmt.Fprintf(g.stderr, "built %s: %d ran, %d cached, %d stale in %v → %s\n",
			plan.Report, run.Executed, run.Cached, run.Stale, round(time.Since(start)), rel(dir))
	}
	return nil
}

// printExplain prints, per directive, why it ran or came from the cache.
func printExplain(g *globals, b *engine.Build) {
	for _, d := range b.Prov.Directives {
		why := ""
		if len(d.Changed) > 0 {
			why = " (" + strings.Join(d.Changed, "; ") + ")"
		}
		fmt.Fprintf(g.stderr, "%-24s %-12s %-7s%s\n", d.ID, d.Kind, g.colorStatus(d.Status), why)
	}
}

func facts(fs []host.Fact) []engine.Fact {
	out := make([]engine.Fact, len(fs))
	for i, f := range fs {
		out[i] = engine.Fact{Name: f.Name, Value: f.Value}
	}
	return out
}

// rel returns path relative to the working directory when it is below it.
func rel(path string) string {
	if r, err := filepath.Rel(mustGetwd(), path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}
