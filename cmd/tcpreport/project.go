package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

// projectRoot returns the project a report belongs to: the nearest
// ancestor of its directory holding .tcpreport or .git, else the report's
// own directory.
func projectRoot(report string) string {
	dir, err := filepath.Abs(filepath.Dir(report))
	if err != nil {
		return filepath.Dir(report)
	}
	for d := dir; ; {
		for _, marker := range []string{".tcpreport", ".git"} {
			if _, err := os.Stat(filepath.Join(d, marker)); err == nil {
				return d
			}
		}
		parent := filepath.Dir(d)
		if parent == d {
			return dir
		}
		d = parent
	}
}

// storePath returns the store to use for report: --store, else
// .tcpreport/cache.db in its project.
func (g *globals) storePath(report string) string {
	if g.store != "" {
		return g.store
	}
	root := projectRoot(report)
	if rel, err := filepath.Rel(mustGetwd(), root); err == nil && !strings.HasPrefix(rel, "..") {
		root = rel
	}
	return filepath.Join(root, ".tcpreport", "cache.db")
}

func mustGetwd() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	return wd
}

// exactArgs is cobra.ExactArgs with usage errors that say what to pass.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError{fmt.Errorf("%s: want %s, got %d arguments (see '%s --help')", cmd.CommandPath(), what, len(args), cmd.CommandPath())}
		}
		return nil
	}
}

func isCobraUsage(err error) bool {
	s := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "required flag", "invalid argument"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
