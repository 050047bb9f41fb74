package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/tcpreport/tcpreport/engine/quality"
)

func newQualityCmd(g *globals) *cobra.Command {
	cfg := quality.Defaults(".")
	var (
		asJSON bool
		gates  []string
	)
	cmd := &cobra.Command{
		Use:   "quality [--json] [flags] [MODULE_DIR]",
		Short: "Measure the quality gates of a Go module",
		Long: `Quality measures the quality gates of the Go module in MODULE_DIR (default .)
with the real tools and prints each gate's measured value, its threshold and
whether it passed:

  gofmt             files 'gofmt -l' lists                     0 files
  vet               'go vet ./...' findings                    0 findings
  tests             'go test -json ./...': share passing      --min-pass-rate 100
  coverage          statements covered (-coverprofile)        --min-coverage 80
  doc-coverage      exported identifiers with a doc comment   --min-doc-coverage 90
  staticcheck       'staticcheck ./...' findings              --max-staticcheck 0
  govulncheck       known vulnerabilities the code calls      --max-vulns 0
  bench-regression  benchmarks significantly slower than the
                    baseline (Mann-Whitney U, p < --alpha) by
                    more than --max-regression percent         5

The tests and coverage come from one 'go test' run; --test-timeout stops
each package's tests, so a hanging test fails the gate. Documentation
coverage counts exported package-level names outside package main and
_test.go files. staticcheck and govulncheck are installed, pinned, by
'make deps'. govulncheck needs its vulnerability database (vuln.go.dev, or
--vuln-db); when it cannot be reached the gate is "not available".

The regression gate runs 'go test -run ^$ -bench PATTERN -count N' and
compares each benchmark's ns/op with --bench-baseline, a file of earlier
'go test -bench' output; make one with
  go test -run '^$' -bench . -count 10 ./... > bench-baseline.txt

A gate whose tool is missing or fails is "not available", and never passes.
The findings (file:line) follow the table.

Exit status: 0 every gate passed, 1 a gate did not pass or the module could
not be measured (not a module, does not build), 2 usage error.`,
		Example: `  tcpreport quality
  tcpreport quality --json .
  tcpreport quality --gates gofmt,vet,tests ../other-module
  tcpreport quality --bench-baseline bench-baseline.txt --bench Validate --bench-count 10 .`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageError{fmt.Errorf("quality: give at most one module directory, got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				cfg.Dir = args[0]
			}
			cfg.Gates = gates
			if cfg.BenchCount < 1 {
				return usageError{fmt.Errorf("quality: --bench-count is %d; give 1 or more", cfg.BenchCount)}
			}
			if cfg.Alpha <= 0 || cfg.Alpha >= 1 {
				return usageError{fmt.Errorf("quality: --alpha is %g; give a level between 0 and 1", cfg.Alpha)}
			}
			rep, err := quality.Run(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			if asJSON {
				if err := printQualityJSON(g, rep); err != nil {
					return err
				}
			} else if !g.quiet {
				printQuality(g, rep)
			}
			if !rep.AllPassed() {
				failed := 0
				for _, gt := range rep.Gates {
					if !gt.Passed() {
						failed++
					}
				}
				return fmt.Errorf("quality: %d of %d gates did not pass", failed, len(rep.Gates))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "print one JSON object: gates (name, value, threshold, passed, ...), all_passed, findings")
	f.StringSliceVar(&gates, "gates", nil, "gates to run, comma-separated (default all: "+strings.Join(quality.GateNames, ",")+")")
	f.Float64Var(&cfg.MinPassRate, "min-pass-rate", cfg.MinPassRate, "percent of tests that must pass")
	f.Float64Var(&cfg.MinCoverage, "min-coverage", cfg.MinCoverage, "percent of statements the tests must cover")
	f.Float64Var(&cfg.MinDocCoverage, "min-doc-coverage", cfg.MinDocCoverage, "percent of exported identifiers that must be documented")
	f.IntVar(&cfg.MaxStaticcheck, "max-staticcheck", 0, "staticcheck findings allowed")
	f.IntVar(&cfg.MaxVulns, "max-vulns", 0, "known vulnerabilities in reachable code allowed")
	f.Float64Var(&cfg.MaxRegression, "max-regression", cfg.MaxRegression, "percent a benchmark may get significantly slower")
	f.Float64Var(&cfg.Alpha, "alpha", cfg.Alpha, "significance level of the Mann-Whitney U test")
	f.DurationVar(&cfg.TestTimeout, "test-timeout", cfg.TestTimeout, "go test -timeout, per package")
	f.StringVar(&cfg.BenchBaseline, "bench-baseline", "", "baseline 'go test -bench' output `file`")
	f.StringVar(&cfg.Bench, "bench", cfg.Bench, "go test -bench `pattern`")
	f.IntVar(&cfg.BenchCount, "bench-count", cfg.BenchCount, "go test -count for the benchmarks")
	f.StringVar(&cfg.BenchTime, "bench-time", "", "go test -benchtime (default go test's)")
	f.StringSliceVar(&cfg.BenchPackages, "bench-packages", cfg.BenchPackages, "packages to benchmark")
	f.StringVar(&cfg.VulnDB, "vuln-db", "", "govulncheck -db `URL` (https://... or file:///path)")
	return cmd
}

// qualityGateJSON is one gate of 'quality --json'.
type qualityGateJSON struct {
	Name      string   `json:"name"`
	Value     *float64 `json:"value"` // null when not available
	Unit      string   `json:"unit,omitempty"`
	Measured  string   `json:"measured"`
	Threshold string   `json:"threshold"`
	Passed    bool     `json:"passed"`
	Outcome   string   `json:"outcome"` // pass, fail, not available
	Reason    string   `json:"reason,omitempty"`
}

// qualityJSON is the object 'quality --json' prints.
type qualityJSON struct {
	Module    string              `json:"module"`
	GoVersion string              `json:"go_version"`
	Gates     []qualityGateJSON   `json:"gates"`
	AllPassed bool                `json:"all_passed"`
	Findings  []quality.Finding   `json:"findings"`
	Tests     quality.TestSummary `json:"tests"`
	Warnings  []string            `json:"warnings,omitempty"`
}

func printQualityJSON(g *globals, rep *quality.Report) error {
	out := qualityJSON{Module: rep.Module, GoVersion: rep.GoVersion, AllPassed: rep.AllPassed(),
		Findings: rep.Findings, Tests: rep.Tests, Warnings: rep.Warnings, Gates: []qualityGateJSON{}}
	if out.Findings == nil {
		out.Findings = []quality.Finding{}
	}
	for _, gt := range rep.Gates {
		j := qualityGateJSON{Name: gt.Name, Unit: gt.Unit, Measured: gt.Measured, Threshold: gt.Threshold,
			Passed: gt.Passed(), Outcome: gt.Outcome.String(), Reason: gt.Reason}
		if gt.Outcome != quality.NotAvailable {
			v := gt.Value
			j.Value = &v
		}
		out.Gates = append(out.Gates, j)
	}
	enc := json.NewEncoder(g.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func printQuality(g *globals, rep *quality.Report) {
	fmt.Fprintf(g.stdout, "%s (%s)\n\n", rep.Module, rep.GoVersion)
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "GATE\tMEASURED\tTHRESHOLD\tRESULT")
	for _, gt := range rep.Gates {
		res := gt.Outcome.String()
		if gt.Reason != "" {
			res += ": " + gt.Reason
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", gt.Name, gt.Measured, gt.Threshold, res)
	}
	tw.Flush()
	if len(rep.Findings) > 0 {
		fmt.Fprintf(g.stdout, "\n%d findings:\n", len(rep.Findings))
		for _, f := range rep.Findings {
			fmt.Fprintln(g.stdout, f)
		}
	}
	for _, w := range rep.Warnings {
		fmt.Fprintln(g.stderr, "warning:", w)
	}
}
