package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/tcpreport/tcpreport/store"
)

func newStoreCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "store",
		Short: "Inspect the SQLite store",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "verify [REPORT.md]",
		Short: "Check the store's integrity: hashes, orphans, schema version",
		Long: `Store verify runs SQLite's integrity check, re-hashes every stored result
payload and sample series, and looks for orphaned rows. It exits 1 if it finds
any problem. The store is the one of REPORT.md's project, or --store.`,
		Example: `  tcpreport store verify
  tcpreport store verify --store /tmp/cache.db`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := g.storePath(reportArg(args))
			db, err := store.Open(cmd.Context(), path, store.Options{ReadOnly: true})
			if err != nil {
				return err
			}
			defer db.Close()
			rep, err := db.Verify(cmd.Context())
			if err != nil {
				return err
			}
			for _, p := range rep.Problems {
				fmt.Fprintf(g.stdout, "%s %s: %s\n", p.Table, short(p.Key), p.Msg)
			}
			if len(rep.Problems) > 0 {
				fmt.Fprintf(g.stderr, "%s: %d problems (run 'tcpreport clean --corrupt' to drop corrupt results)\n", path, len(rep.Problems))
				return errSilent
			}
			if !g.quiet {
				fmt.Fprintf(g.stdout, "%s: OK, schema %d, %d runs, %d results, %d series\n",
					path, rep.SchemaVersion, rep.Runs, rep.Results, rep.Series)
			}
			return nil
		},
	})
	return cmd
}

// reportArg returns the optional report argument; without one, paths are
// found from the working directory.
func reportArg(args []string) string {
	if len(args) == 1 {
		return args[0]
	}
	return "report.md"
}
