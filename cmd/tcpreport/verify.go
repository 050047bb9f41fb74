package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/tcpreport/tcpreport/engine/bundle"
)

func newVerifyCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "verify BUNDLE",
		Short: "Check an artifact bundle against its manifest, offline",
		Long: `Verify re-hashes every file of a bundle (a directory such as artifacts/gate8
or an archive such as artifacts/gate8.tar.gz) and compares it with
MANIFEST.json. It lists every mismatched, missing or extra file and exits 1
if there is any. Archives are read in memory and never extracted; entries
that could escape the bundle (absolute paths, "..", links) are reported.

Verify checks integrity: that the files are exactly those the manifest lists,
byte for byte. It cannot prove who made a bundle: whoever can edit the files
can also rewrite the manifest. Compare the protocol hash and run id with the
ones published with the paper.`,
		Example: `  tcpreport verify artifacts/gate8
  tcpreport verify artifacts/gate8.tar.gz`,
		Args: exactArgs(1, "one bundle directory or .tar.gz"),
		RunE: func(cmd *cobra.Command, args []string) error {
			rep, err := bundle.Verify(args[0])
			if err != nil {
				return err
			}
			for _, p := range rep.Problems {
				fmt.Fprintf(g.stdout, "%-8s %s: %s\n", p.Kind, p.Path, p.Msg)
			}
			if !rep.OK() {
				fmt.Fprintf(g.stderr, "%s: %d problems in %d files\n", args[0], len(rep.Problems), rep.Files)
				return errSilent
			}
			if !g.quiet {
				m := rep.Manifest
				fmt.Fprintf(g.stdout, "%s: OK, %d files match MANIFEST.json (run %s, protocol %s)\n",
					args[0], rep.Files, m.RunID, short(m.ProtocolHash))
			}
			return nil
		},
	}
}

func short(hash string) string {
	if len(hash) > 12 {
		return hash[:12]
	}
	return hash
}
