package hdl

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Lint is the outcome of linting the design with Verilator.
type Lint struct {
	Engines  int
	Command  string // the verilator command line, sources by file name
	Clean    bool   // no warning and no error
	Warnings int    // %Warning- lines
	Errors   int    // %Error lines other than Verilator's closing "Exiting due to"
	Output   string // what verilator printed
}

// LintDesign runs verilator --lint-only -Wall on the design with
// PARALLEL_ENGINES = engines. Findings are data (Clean false, the counts and
// the output); errors are a missing verilator and a run that fails without
// findings.
func LintDesign(ctx context.Context, engines int) (*Lint, error) {
	files, err := Sources(engines, false)
	if err != nil {
		return nil, err
	}
	return lintFiles(ctx, engines, files)
}

func lintFiles(ctx context.Context, engines int, files []File) (*Lint, error) {
	if _, err := lookTool("verilator"); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "tcpreport-hdl-lint-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if _, err := writeFiles(dir, files); err != nil {
		return nil, err
	}
	args := []string{"--lint-only", "-Wall", "--top-module", Top, fmt.Sprintf("-GPARALLEL_ENGINES=%d", engines)}
	for _, f := range files {
		args = append(args, filepath.Base(f.Name))
	}
	l := &Lint{Engines: engines, Command: "verilator " + strings.Join(args, " ")}
	out, err := runTool(ctx, dir, "verilator", args...)
	l.Output = out
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "%Warning-"):
			l.Warnings++
		case strings.HasPrefix(line, "%Error") && !strings.HasPrefix(line, "%Error: Exiting due to"):
			l.Errors++
		}
	}
	var te *ToolError
	if err != nil && !(errors.As(err, &te) && l.Warnings+l.Errors > 0) {
		return nil, err
	}
	l.Clean = err == nil && l.Warnings == 0 && l.Errors == 0
	return l, nil
}
