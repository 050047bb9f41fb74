package main

import (
	"context"
	"io"
	"os"

	"github.com/spf13/cobra"
	"github.com/tcpreport/tcpreport/engine"
)

// run runs tcpreport with args, as main does, so tests can call the CLI
// in-process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil && isCobraUsage(err) {
		return usageError{err}
	}
	return err
}

// globals are the flags every command shares.
type globals struct {
	store   string
	quiet   bool
	noColor bool
	stdout  io.Writer
	stderr  io.Writer
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	g := &globals{stdout: stdout, stderr: stderr, noColor: os.Getenv("NO_COLOR") != ""}
	root := &cobra.Command{
		Use:   "tcpreport",
		Short: "Reproducible research reports for the Tool Capability Protocol",
		Long: `tcpreport builds reproducible research reports. A report is a Markdown file
whose directive blocks run real experiments:

    ` + "```{run} uname" + `
    :command: uname -a
    ` + "```" + `

'tcpreport build' runs every directive whose result is not cached, stores raw
measurements and their provenance in SQLite (.tcpreport/cache.db beside the
report's project), and writes Markdown, self-contained HTML, figures, data
and MANIFEST.json to artifacts/<report>/ and artifacts/<report>.tar.gz.
Editing prose re-renders from the cache in milliseconds; changing a
directive re-runs it and what depends on it.

Exit status: 0 success, 1 failure, 2 usage error.
NO_COLOR in the environment turns colour off.`,
		Example: `  tcpreport build reports/gate8.md
  tcpreport build --explain reports/gate8.md
  tcpreport build --frozen reports/gate8.md
  tcpreport verify artifacts/gate8.tar.gz
  tcpreport runs reports/gate8.md`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       engine.Version,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{err}
	})
	pf := root.PersistentFlags()
	pf.StringVar(&g.store, "store", "", "SQLite store `path` (default: .tcpreport/cache.db in the report's project)")
	pf.BoolVarP(&g.quiet, "quiet", "q", false, "print nothing but errors")
	root.AddCommand(
		newBuildCmd(g),
		newVerifyCmd(g),
		newStoreCmd(g),
		newRunsCmd(g),
		newCleanCmd(g),
		newDecideCmd(g),
		newDiscoverCmd(g),
		newWorkerCmd(g),
		newEnvCmd(g),
		newHDLCmd(g),
		newProjectCmd(g),
		newFpgaCmd(g),
		newAnalyzeCmd(g),
		newBenchCmd(g),
		newQualityCmd(g),
	)
	return root
}
