package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/tcpreport/tcpreport/engine/tcp"
	"github.com/tcpreport/tcpreport/engine/tools"
)

func newDiscoverCmd(g *globals) *cobra.Command {
	var (
		all        bool
		categories []string
		path       string
		asJSON     bool
		noCache    bool
		noSandbox  bool
		timeout    time.Duration
	)
	cmd := &cobra.Command{
		Use:   "discover [--all | --category NAME...] [--path DIR[:DIR...]] [--json]",
		Short: "Find, probe and analyse the tools on PATH",
		Long: `Discover scans PATH (or --path) for the research design's categorised tools,
or with --all for every executable, and analyses each: resolved path, dpkg
package, version, help and man page, subcommands, capabilities, security level
(0-10), TCP risk class, flags and 24-byte descriptor.

Probing is safe by construction: tools on the never-execute list (rm, dd,
mkfs*, shutdown, kill, ...) are never run and are analysed from their names
and man pages; the others get single arguments only (--version, --help), with
stdin from /dev/null, a fresh temporary working directory and HOME, a
scrubbed environment, a timeout that kills the whole process group, capped
output, and, when bubblewrap is installed, no network and their own pid
namespace. Each tool's isolation is reported.

Results are cached in .tcpreport/tools-cache.json by (path, size, mtime,
inode): a repeat with an unchanged PATH runs nothing.`,
		Example: `  tcpreport discover
  tcpreport discover --category network --category security
  tcpreport discover --all --json > tools.jsonl
  tcpreport discover --path /usr/local/bin:/usr/bin --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if all && len(categories) > 0 {
				return usageError{errors.New("discover: --all and --category are exclusive; --category already picks from the categorised list")}
			}
			opt := tools.ScanOptions{PATH: path, Categories: categories, NoSandbox: noSandbox, ProbeTimeout: timeout}
			if all {
				opt.Scope = tools.ScopeAll
			}
			for _, c := range categories {
				if _, err := tools.ParseCategory(c); err != nil {
					return usageError{err}
				}
			}
			if !noCache {
				cachePath := filepath.Join(projectRoot("report.md"), ".tcpreport", "tools-cache.json")
				c, err := tools.LoadCache(cachePath)
				if errors.Is(err, fs.ErrNotExist) {
					c, err = tools.NewCache(cachePath), nil
				}
				if err != nil {
					return err
				}
				opt.Cache = c
			}
			if !g.quiet && isTerminal(g.stderr) {
				opt.Progress = func(done, total int) {
					fmt.Fprintf(g.stderr, "\rdiscover: %d/%d tools", done, total)
					if done == total {
						fmt.Fprintln(g.stderr)
					}
				}
			}
			start := time.Now()
			found, err := tools.Scan(cmd.Context(), opt)
			if err != nil {
				return err
			}
			if opt.Cache != nil {
				if err := os.MkdirAll(filepath.Dir(opt.Cache.Path()), 0o755); err != nil {
					return err
				}
				if err := opt.Cache.Save(); err != nil {
					return err
				}
			}
			if asJSON {
				return printToolsJSON(g, found)
			}
			printTools(g, found)
			if !g.quiet {
				fmt.Fprintf(g.stderr, "%d tools in %v\n", len(found), round(time.Since(start)))
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&all, "all", false, "every executable on PATH, not only the categorised list")
	fl.StringArrayVar(&categories, "category", nil, "only this `category` (repeatable): system_admin, network, security, development, file_operations, container, cloud")
	fl.StringVar(&path, "path", "", "search `DIR[:DIR...]` instead of $PATH")
	fl.BoolVar(&asJSON, "json", false, "one JSON object per tool per line")
	fl.BoolVar(&noCache, "no-cache", false, "probe everything again, ignoring .tcpreport/tools-cache.json")
	fl.BoolVar(&noSandbox, "no-sandbox", false, "probe without bubblewrap even when it is installed")
	fl.DurationVar(&timeout, "probe-timeout", tools.DefaultProbeTimeout, "time limit of one probe")
	return cmd
}

// toolJSON is one line of 'discover --json'.
type toolJSON struct {
	Name          string   `json:"name"`
	Path          string   `json:"path"`
	Category      string   `json:"category"`
	Found         bool     `json:"found"`
	Package       string   `json:"package,omitempty"`
	Version       string   `json:"version"`
	Risk          string   `json:"risk"`
	Flags         []string `json:"flags"`
	SecurityLevel int      `json:"security_level"`
	Descriptor    string   `json:"descriptor"`
	Isolation     string   `json:"isolation"`
	Probed        bool     `json:"probed"`
	StartupMS     float64  `json:"startup_ms"`
	Subcommands   []string `json:"subcommands,omitempty"`
}

func printToolsJSON(g *globals, found []tools.Tool) error {
	enc := json.NewEncoder(g.stdout)
	for _, t := range found {
		j := toolJSON{Name: t.Name, Path: t.Path, Category: string(t.Category), Found: t.Found, Package: t.Package,
			Version: t.Version, Isolation: t.Isolation, Probed: t.Probed, Flags: []string{}, Subcommands: t.Subcommands}
		if t.Found {
			e := t.TCPEntry()
			b := tcp.Encode(e.Name, e.Flags, e.ExecMS, e.MemMB, e.OutKB)
			j.Risk, j.Flags, j.SecurityLevel = string(t.Risk), e.Flags.Names(), t.SecurityLevel
			j.Descriptor = hex.EncodeToString(b[:])
			j.StartupMS = float64(t.StartupCost) / float64(time.Millisecond)
		}
		if err := enc.Encode(j); err != nil {
			return err
		}
	}
	return nil
}

func printTools(g *globals, found []tools.Tool) {
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TOOL\tCATEGORY\tLEVEL\tRISK\tFLAGS\tVERSION")
	for _, t := range found {
		if !t.Found {
			fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\tnot installed\n", t.Name, t.Category)
			continue
		}
		v := oneLine(t.Version)
		if !t.Probed {
			v = "(" + t.Isolation + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", t.Name, t.Category, t.SecurityLevel, t.Risk,
			strings.Join(t.TCPFlags().Names(), ","), v)
	}
	tw.Flush()
}
