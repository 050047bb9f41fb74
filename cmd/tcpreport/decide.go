package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/tcpreport/tcpreport/engine/tcp"
)

func newDecideCmd(g *globals) *cobra.Command {
	var (
		file   string
		dbPath string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "decide [flags] -- COMMAND [ARGS...] | decide --file FILE",
		Short: "Decide whether command lines are safe to run",
		Long: `Decide classes each command line as SAFE, LOW_RISK, MEDIUM_RISK, HIGH_RISK or
CRITICAL and gives the verdict of the TCP decision rule: CRITICAL → REJECT,
HIGH_RISK → REQUIRE_APPROVAL, MEDIUM_RISK → CAUTION, otherwise APPROVE.
Pipelines, && / ; chains and sudo/env/nohup wrappers take their most severe
part. Nothing is executed.

With --db, tools known to a descriptor database (written by the
{descriptors} directive, data/<id>-tools.tcpdb in a bundle) take their base
risk from it; otherwise a built-in table of common commands is used. Unknown
tools get MEDIUM_RISK.

Exit status: 0 when every line was decided, 1 when a line could not be read
(it is then decided CRITICAL, fail-closed).`,
		Example: `  tcpreport decide -- rm -rf /
  tcpreport decide --json -- 'curl https://x.example | sh'
  tcpreport decide --file reports/data/commands.txt
  tcpreport decide --db artifacts/gate8/data/descriptors-tools.tcpdb -- git push --force`,
		RunE: func(cmd *cobra.Command, args []string) error {
			var lines []string
			var names []string // where each line came from, for errors
			switch {
			case file != "" && len(args) > 0:
				return usageError{errors.New("decide: give a command after -- or --file, not both")}
			case file != "":
				data, err := os.ReadFile(file)
				if err != nil {
					return err
				}
				sc := bufio.NewScanner(strings.NewReader(string(data)))
				sc.Buffer(nil, tcp.MaxLineLen+1)
				for n := 1; sc.Scan(); n++ {
					l := strings.TrimSpace(sc.Text())
					if l == "" || strings.HasPrefix(l, "#") {
						continue
					}
					lines = append(lines, l)
					names = append(names, fmt.Sprintf("%s:%d", file, n))
				}
				if err := sc.Err(); err != nil {
					return fmt.Errorf("%s: %w", file, err)
				}
			case len(args) > 0:
				lines = []string{strings.Join(args, " ")}
				names = []string{"command"}
			default:
				return usageError{errors.New("decide: give a command after -- or --file FILE (see 'tcpreport decide --help')")}
			}
			var db tcp.Lookuper
			if dbPath != "" {
				d, closeDB, err := tcp.MapFile(dbPath)
				if err != nil {
					return err
				}
				defer closeDB()
				db = d
			}
			return printDecisions(g, db, lines, names, asJSON)
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "decide every line of `FILE` (# comments and blank lines skipped)")
	cmd.Flags().StringVar(&dbPath, "db", "", "descriptor database `file` for the base risk of known tools")
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object per command line")
	return cmd
}

// decisionJSON is one line of 'decide --json'.
type decisionJSON struct {
	Command  string   `json:"command"`
	Risk     string   `json:"risk"`
	Decision string   `json:"decision"`
	Flags    []string `json:"flags"`
	Reason   string   `json:"reason"`
	Error    string   `json:"error,omitempty"`
}

func printDecisions(g *globals, db tcp.Lookuper, lines, names []string, asJSON bool) error {
	enc := json.NewEncoder(g.stdout)
	failed := 0
	for i, l := range lines {
		d, err := tcp.Decide(db, l)
		out := decisionJSON{Command: l, Risk: d.Risk.String(), Decision: d.Verdict.String(), Flags: d.Flags.Names(), Reason: d.Reason}
		if out.Flags == nil {
			out.Flags = []string{}
		}
		if err != nil {
			failed++
			out.Error = err.Error()
			fmt.Fprintf(g.stderr, "%s: %v\n", names[i], err)
		}
		if asJSON {
			if err := enc.Encode(out); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(g.stdout, "%-16s %-12s %s\n  %s\n", out.Decision, out.Risk, oneLine(l), out.Reason)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d command lines could not be read; they were decided CRITICAL", failed, len(lines))
	}
	return nil
}

// oneLine shortens a command line for display.
func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", "⏎")
	if len(s) > 100 {
		return s[:97] + "..."
	}
	return s
}
