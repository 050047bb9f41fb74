package quality

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// MissingToolError says an external tool is not installed, and how to
// install it.
type MissingToolError struct {
	Tool   string
	Module string // module@version 'make deps' installs
	Err    error
}

// Error names the tool and the make deps step that installs it.
func (e *MissingToolError) Error() string {
	return fmt.Sprintf("%s not found: install it with 'make deps' (go install %s)", e.Tool, e.Module)
}

// Unwrap returns exec.ErrNotFound.
func (e *MissingToolError) Unwrap() error { return e.Err }

// runner runs the go command and the tools in the module directory.
type runner struct {
	cfg Config
}

// output is what a command wrote.
type output struct {
	stdout, stderr []byte
}

// run runs name with args in the module directory. The command and its
// children (test binaries) are killed when ctx is done.
func (r *runner) run(ctx context.Context, name string, args ...string) (output, error) {
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = r.cfg.Dir
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	return output{out.Bytes(), errb.Bytes()}, err
}

// lookTool finds an installed tool: in cfg.ToolDir only when set,
// otherwise in $(go env GOPATH)/bin, where 'make deps' installs it, then
// on PATH.
func (r *runner) lookTool(ctx context.Context, tool, module string) (string, error) {
	var dirs []string
	if r.cfg.ToolDir != "" {
		dirs = []string{r.cfg.ToolDir}
	} else if o, err := r.run(ctx, r.cfg.Go, "env", "GOPATH"); err == nil {
		for _, d := range filepath.SplitList(strings.TrimSpace(string(o.stdout))) {
			dirs = append(dirs, filepath.Join(d, "bin"))
		}
	}
	for _, d := range dirs {
		p := filepath.Join(d, tool)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	if r.cfg.ToolDir == "" {
		if p, err := exec.LookPath(tool); err == nil {
			return p, nil
		}
	}
	return "", &MissingToolError{Tool: tool, Module: module, Err: exec.ErrNotFound}
}

// toolFailed describes a tool that exited with an error without output
// that could be read.
func toolFailed(tool string, o output, err error) string {
	msg := lastLines(string(o.stderr), 3)
	if msg == "" {
		msg = lastLines(string(o.stdout), 3)
	}
	if msg == "" {
		return fmt.Sprintf("%s failed to run: %v", tool, err)
	}
	return fmt.Sprintf("%s failed to run: %v: %s", tool, err, msg)
}

// lastLines returns the last n non-empty lines of s, joined by "; ".
func lastLines(s string, n int) string {
	var ls []string
	for l := range strings.SplitSeq(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			ls = append(ls, l)
		}
	}
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, "; ")
}

// exitErr reports whether err is a non-zero exit (the tool ran).
func exitErr(err error) bool {
	var ee *exec.ExitError
	return errors.As(err, &ee)
}

// relPath makes p relative to dir when it lies inside it.
func relPath(dir, p string) string {
	if !filepath.IsAbs(p) {
		return filepath.ToSlash(filepath.Clean(p))
	}
	if r, err := filepath.Rel(dir, p); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return p
}

// lookPath is exec.LookPath with a MissingToolError for gofmt.
func lookPath(tool string) (string, error) {
	p, err := exec.LookPath(tool)
	if err != nil {
		return "", fmt.Errorf("%s not found: install Go (it ships gofmt): %w", tool, err)
	}
	return p, nil
}
