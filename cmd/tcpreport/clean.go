package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/tcpreport/tcpreport/store"
)

func newCleanCmd(g *globals) *cobra.Command {
	var (
		keep    int
		corrupt bool
	)
	cmd := &cobra.Command{
		Use:   "clean [REPORT.md]",
		Short: "Prune old runs and the results no kept run uses",
		Long: `Clean deletes all but the newest --keep runs of each report (of REPORT.md
only, when given), then every cached result that no remaining run used, and
compacts the store. With --corrupt it also drops results whose stored hash no
longer matches, so that the next build re-runs them.`,
		Example: `  tcpreport clean
  tcpreport clean --keep 3 reports/gate8.md
  tcpreport clean --corrupt`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if keep < 1 {
				return usageError{fmt.Errorf("--keep %d: keep at least 1 run, or delete the store file", keep)}
			}
			db, err := store.Open(cmd.Context(), g.storePath(reportArg(args)), store.Options{Exclusive: true})
			if err != nil {
				return err
			}
			defer db.Close()
			opt := store.PruneOptions{KeepRuns: keep, Corrupt: corrupt}
			if len(args) == 1 {
				opt.Report = filepath.Base(args[0])
			}
			st, err := db.Prune(cmd.Context(), opt)
			if err != nil {
				return err
			}
			if !g.quiet {
				fmt.Fprintf(g.stdout, "removed %d runs, %d results, %d series; %d → %d bytes\n",
					st.Runs, st.Results, st.Series, st.BytesBefore, st.BytesAfter)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&keep, "keep", 5, "runs to keep per report")
	cmd.Flags().BoolVar(&corrupt, "corrupt", false, "also drop results whose hash does not match")
	return cmd
}
