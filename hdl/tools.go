package hdl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// MissingToolError says that an HDL tool is not on PATH and how to get it.
type MissingToolError struct {
	Tool    string // the executable: iverilog, vvp, verilator, yosys
	Package string // the Debian package that installs it
	Err     error  // from exec.LookPath
}

func (e *MissingToolError) Error() string {
	return fmt.Sprintf("hdl: %s not found on PATH: install %s (make deps, or apt-get install %s)", e.Tool, e.Package, e.Package)
}

func (e *MissingToolError) Unwrap() error { return e.Err }

// toolPackage maps each executable to its Debian package.
var toolPackage = map[string]string{
	"iverilog":  "iverilog",
	"vvp":       "iverilog",
	"verilator": "verilator",
	"yosys":     "yosys",
}

// lookTool finds tool on PATH or returns a *MissingToolError.
func lookTool(tool string) (string, error) {
	p, err := exec.LookPath(tool)
	if err != nil {
		return "", &MissingToolError{Tool: tool, Package: toolPackage[tool], Err: err}
	}
	return p, nil
}

// ToolVersions returns the first line of each tool's version output, by
// tool; it fails with a *MissingToolError on the first tool missing.
func ToolVersions(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	for _, t := range []struct{ tool, flag string }{{"iverilog", "-V"}, {"verilator", "--version"}, {"yosys", "-V"}} {
		p, err := lookTool(t.tool)
		if err != nil {
			return nil, err
		}
		// iverilog -V exits 1 when it is given no source; its first line is
		// the version all the same.
		b, _ := exec.CommandContext(ctx, p, t.flag).CombinedOutput()
		line, _, _ := strings.Cut(string(b), "\n")
		if line = strings.TrimSpace(line); line == "" {
			return nil, fmt.Errorf("hdl: %s %s printed no version", t.tool, t.flag)
		}
		out[t.tool] = line
	}
	return out, nil
}

// ToolError is a tool that ran and failed; Output is what it printed.
type ToolError struct {
	Cmd    string
	Output string
	Err    error
}

func (e *ToolError) Error() string {
	return fmt.Sprintf("hdl: %s: %v\n%s", e.Cmd, e.Err, tail(e.Output, 40))
}

func (e *ToolError) Unwrap() error { return e.Err }

// runTool runs tool with args in dir and returns its combined output. A
// failed run is a *ToolError carrying the output.
func runTool(ctx context.Context, dir, tool string, args ...string) (string, error) {
	p, err := lookTool(tool)
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, p, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return out.String(), ctx.Err()
		}
		return out.String(), &ToolError{Cmd: tool + " " + strings.Join(args, " "), Output: out.String(), Err: err}
	}
	return out.String(), nil
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// IsMissingTool reports whether err says that an HDL tool is not installed.
func IsMissingTool(err error) bool {
	var m *MissingToolError
	return errors.As(err, &m)
}
