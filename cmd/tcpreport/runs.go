package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/tcpreport/tcpreport/store"
)

func newRunsCmd(g *globals) *cobra.Command {
	var (
		limit  int
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "runs [REPORT.md]",
		Short: "List past builds, newest first",
		Long: `Runs lists the builds recorded in the store: run id, report, status, when it
started, how long it took, how many directives ran, came from the cache or
were stale, and the protocol hash. With REPORT.md, only that report's runs.`,
		Example: `  tcpreport runs
  tcpreport runs --limit 5 reports/gate8.md
  tcpreport runs --json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := store.Open(cmd.Context(), g.storePath(reportArg(args)), store.Options{ReadOnly: true})
			if err != nil {
				return err
			}
			defer db.Close()
			report := ""
			if len(args) == 1 {
				report = filepath.Base(args[0])
			}
			runs, err := db.Runs(cmd.Context(), report, limit)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(g.stdout)
				for _, r := range runs {
					if err := enc.Encode(r); err != nil {
						return err
					}
				}
				return nil
			}
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "RUN\tREPORT\tSTATUS\tSTARTED\tTOOK\tRAN\tCACHED\tSTALE\tPROTOCOL")
			for _, r := range runs {
				took := "-"
				if !r.Finished.IsZero() {
					took = r.Finished.Sub(r.Started).Round(time.Millisecond).String()
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n", r.ID, r.Report, r.Status,
					r.Started.Local().Format("2006-01-02 15:04:05"), took, r.Executed, r.Cached, r.Stale, short(r.ProtocolHash))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().IntVarP(&limit, "limit", "n", 20, "show at most `n` runs (0: all)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object per run")
	return cmd
}
