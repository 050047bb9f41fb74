package directives

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/host"
)

const (
	defaultMaxOutput = 1 << 20
	// maxStderr is how much of the end of stderr a run keeps.
	maxStderr = 64 << 10
	// stderrLines and stderrBytes bound the stderr quoted in an error.
	stderrLines = 20
	stderrBytes = 4 << 10
	// killGrace is how long a process group has between SIGTERM and
	// SIGKILL.
	killGrace = 500 * time.Millisecond
	// outputDelay is how long output is still read after the command
	// exited, from processes it left behind holding stdout or stderr.
	outputDelay = 2 * time.Second
)

// Run is the {run} directive: it runs a command on this machine and keeps
// its output as text, a table or values.
type Run struct{}

// NewRun returns the {run} directive.
func NewRun() *Run { return &Run{} }

// Kind returns "run".
func (*Run) Kind() string { return "run" }

// Version returns the implementation version.
func (*Run) Version() int { return 1 }

// Options declares command, shell, format, allow-fail, max-output and dir.
func (*Run) Options() []engine.OptionSpec {
	return []engine.OptionSpec{
		{Name: "command", Type: engine.String, Required: true,
			Help: `the program and its arguments, split like a shell does: whitespace separates, '...' and "..." group, \ escapes; no shell runs unless :shell: is true`},
		{Name: "shell", Type: engine.Bool, Default: "false",
			Help: "run the command with /bin/sh -c, for pipes, redirections and variables"},
		{Name: "format", Type: engine.Enum, Default: "text", Enum: []string{"text", "csv", "json"},
			Help: "how to read stdout: text as is, csv as a table with a header row, json as a table (array of objects) or values (object of scalars)"},
		{Name: "allow-fail", Type: engine.Bool, Default: "false",
			Help: "keep the result of a command that exits non-zero, with a warning"},
		{Name: "max-output", Type: engine.Size, Default: "1MiB",
			Help: "how much of stdout to keep; the rest is dropped with a warning"},
		{Name: "dir", Type: engine.String,
			Help: "working directory, relative to the report (default: the report's directory)"},
		{Name: "inputs", Type: engine.List,
			Help: "files the command reads, relative to the report: editing one re-runs the directive"},
		{Name: "env", Type: engine.List,
			Help: "environment fingerprint facts the output depends on (e.g. kernel, go.version): a change re-runs the directive"},
	}
}

// InputFiles returns the :inputs: files, whose contents enter the cache key.
func (*Run) InputFiles(opts engine.Options) []string { return opts.List("inputs") }

// EnvFields returns the :env: facts, which enter the cache key.
func (*Run) EnvFields(opts engine.Options) []string { return opts.List("env") }

// Run runs the command. The body, if any, is its stdin.
func (*Run) Run(ctx context.Context, req *engine.Request) (*engine.Result, error) {
	o := req.Opts
	command := o.String("command")
	if strings.TrimSpace(command) == "" {
		return nil, errors.New("command: empty; write the program to run and its arguments")
	}
	argv := []string{"/bin/sh", "-c", command}
	if !o.Bool("shell") {
		var err error
		if argv, err = splitArgs(command); err != nil {
			return nil, fmt.Errorf("command: %w", err)
		}
	}
	dir, err := workDir(req)
	if err != nil {
		return nil, err
	}
	maxOut := int64(defaultMaxOutput)
	if o.Has("max-output") {
		maxOut = o.Size("max-output")
	}
	format := o.String("format")
	if format == "" {
		format = "text"
	}

	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = childEnv(os.Environ())
	if req.Body != "" {
		cmd.Stdin = strings.NewReader(req.Body)
	} // else exec connects stdin to /dev/null
	stdout := &headBuffer{max: maxOut}
	stderr := &tailBuffer{max: maxStderr}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = outputDelay

	if ctx.Err() != nil {
		return nil, stopped(ctx, req.Timeout)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return nil, fmt.Errorf("command: %w (is it installed and on PATH?)", err)
		}
		return nil, fmt.Errorf("command: %w", err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	var waitErr error
	var elapsed time.Duration
	select {
	case waitErr = <-waited:
		elapsed = time.Since(start)
		// Processes the command left behind in its group would go on
		// loading the machine while later directives measure it.
		killGroup(cmd, syscall.SIGKILL)
	case <-ctx.Done():
		if err := stop(cmd, waited); err != nil {
			return nil, err
		}
		return nil, stopped(ctx, req.Timeout)
	}

	res := &engine.Result{
		Values: map[string]engine.Value{
			"duration_ms":  engine.Num(float64(elapsed)/float64(time.Millisecond), "ms"),
			"stdout_bytes": engine.Num(float64(stdout.total), "B"),
		},
		Meta: map[string]string{"host": host.Hostname(), "executor": "local"},
	}
	code := 0
	var exitErr *exec.ExitError
	switch {
	case waitErr == nil:
	case errors.Is(waitErr, exec.ErrWaitDelay):
		res.Warnings = append(res.Warnings, fmt.Sprintf(
			"the command exited but processes it started kept its output open; output written more than %v after it exited was not read", outputDelay))
	case errors.As(waitErr, &exitErr):
		code = exitErr.ExitCode() // -1 when a signal ended it
		msg := fmt.Sprintf("%s; stderr: %s", exitErr.ProcessState, stderrTail(stderr.bytes()))
		if !o.Bool("allow-fail") {
			return nil, errors.New(msg)
		}
		res.Warnings = append(res.Warnings, msg+" (allowed by :allow-fail:)")
	default:
		return nil, fmt.Errorf("command: %w", waitErr)
	}
	res.Values["exit_code"] = engine.Num(float64(code), "")

	out := stdout.bytes()
	if stdout.truncated() {
		res.Warnings = append(res.Warnings, fmt.Sprintf(
			"stdout truncated: kept the first %d of %d bytes; raise :max-output: to keep more", len(out), stdout.total))
		if format != "text" {
			return nil, fmt.Errorf("format: cannot read %s from stdout cut at %d of %d bytes; raise the :max-output: option", format, len(out), stdout.total)
		}
	}
	switch format {
	case "text":
		res.Text = string(out)
	case "csv":
		t, err := parseCSV(out)
		if err != nil {
			return nil, err
		}
		res.Tables = []engine.Table{*t}
	case "json":
		if err := parseJSON(out, res); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("format: %q is not one of text, csv, json", format)
	}
	return res, nil
}

// splitArgs splits a command line into arguments the way a POSIX shell
// does, without expanding anything: unquoted whitespace separates
// arguments; '...' keeps everything literally; "..." keeps everything but
// \", \\, \$ and \` (which lose their backslash); outside quotes a
// backslash makes the next character literal; backslash-newline joins
// lines. Errors name the 1-based column of the command.
func splitArgs(s string) ([]string, error) {
	const (
		plain = iota
		single
		double
	)
	var (
		args    []string
		cur     strings.Builder
		inArg   bool // cur holds an argument, maybe an empty one ("")
		state   = plain
		quoteAt int // byte offset of the open quote
	)
	col := func(off int) int { return utf8.RuneCountInString(s[:off]) + 1 }
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch state {
		case plain:
			switch {
			case unicode.IsSpace(r):
				if inArg {
					args = append(args, cur.String())
					cur.Reset()
					inArg = false
				}
			case r == '\'' || r == '"':
				state = map[rune]int{'\'': single, '"': double}[r]
				quoteAt, inArg = i, true
			case r == '\\':
				if i+size == len(s) {
					return nil, fmt.Errorf("trailing backslash at column %d (escape it as \\\\)", col(i))
				}
				next, nsize := utf8.DecodeRuneInString(s[i+size:])
				if next != '\n' {
					cur.WriteRune(next)
					inArg = true
				}
				size += nsize
			default:
				cur.WriteRune(r)
				inArg = true
			}
		case single:
			if r == '\'' {
				state = plain
			} else {
				cur.WriteRune(r)
			}
		case double:
			switch {
			case r == '"':
				state = plain
			case r == '\\' && i+size < len(s) && strings.IndexByte("\"\\$`\n", s[i+size]) >= 0:
				if s[i+size] != '\n' {
					cur.WriteByte(s[i+size])
				}
				size++
			default:
				cur.WriteRune(r)
			}
		}
		i += size
	}
	if state != plain {
		q := map[int]string{single: "'", double: `"`}[state]
		return nil, fmt.Errorf("unbalanced %s opened at column %d (close it, or escape it with a backslash)", q, col(quoteAt))
	}
	if inArg {
		args = append(args, cur.String())
	}
	if len(args) == 0 {
		return nil, errors.New("empty; write the program to run and its arguments")
	}
	return args, nil
}

// workDir resolves :dir: against the report's directory.
func workDir(req *engine.Request) (string, error) {
	dir := req.Dir
	if d := req.Opts.String("dir"); d != "" {
		if filepath.IsAbs(d) {
			dir = d
		} else {
			dir = filepath.Join(req.Dir, d)
		}
	}
	if dir == "" {
		return "", nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return "", fmt.Errorf("dir: %w", err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("dir: %s is not a directory", dir)
	}
	return dir, nil
}

// childEnv returns env without the variables whose names mark secrets. The
// result is never nil: a nil Cmd.Env would hand the child tcpreport's whole
// environment.
func childEnv(env []string) []string {
	out := []string{}
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !engine.IsSecretName(name) {
			out = append(out, kv)
		}
	}
	return out
}

// killGroup signals the process group of cmd, whose id is the pid of its
// leader (Setpgid). While any member of the group lives, even as a zombie,
// the kernel does not reuse the id, so only the command's own processes can
// receive the signal.
func killGroup(cmd *exec.Cmd, sig syscall.Signal) {
	_ = syscall.Kill(-cmd.Process.Pid, sig)
}

// stop ends a command whose context is done: SIGTERM to its process group,
// killGrace to exit, then SIGKILL to the group and to the leader (in case it
// left the group). It returns an error only if the command's Wait does not
// return even then.
func stop(cmd *exec.Cmd, waited <-chan error) error {
	killGroup(cmd, syscall.SIGTERM)
	grace := time.NewTimer(killGrace)
	defer grace.Stop()
	select {
	case <-waited:
		killGroup(cmd, syscall.SIGKILL)
		return nil
	case <-grace.C:
	}
	killGroup(cmd, syscall.SIGKILL)
	_ = cmd.Process.Kill()
	bound := time.NewTimer(outputDelay + time.Second)
	defer bound.Stop()
	select {
	case <-waited:
		return nil
	case <-bound.C:
		return fmt.Errorf("the command (pid %d) did not exit after SIGKILL", cmd.Process.Pid)
	}
}

// stopped is the error of a command whose context ended it.
func stopped(ctx context.Context, timeout time.Duration) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		after := ""
		if timeout > 0 {
			after = " after " + timeout.String()
		}
		return fmt.Errorf("timed out%s; the command's process group was killed; raise :timeout: if it needs longer: %w", after, ctx.Err())
	}
	return fmt.Errorf("canceled; the command's process group was killed: %w", ctx.Err())
}

// headBuffer keeps the first max bytes written to it and counts the rest.
type headBuffer struct {
	buf   []byte
	max   int64
	total int64
}

func (h *headBuffer) Write(p []byte) (int, error) {
	h.total += int64(len(p))
	if room := h.max - int64(len(h.buf)); room > 0 {
		h.buf = append(h.buf, p[:min(room, int64(len(p)))]...)
	}
	return len(p), nil
}

func (h *headBuffer) truncated() bool { return h.total > int64(len(h.buf)) }

// bytes returns what was kept, without a character cut in half at the end.
func (h *headBuffer) bytes() []byte {
	b := h.buf
	if h.truncated() {
		for i := 1; i < utf8.UTFMax && i <= len(b); i++ {
			if utf8.RuneStart(b[len(b)-i]) {
				if !utf8.FullRune(b[len(b)-i:]) {
					b = b[:len(b)-i]
				}
				break
			}
		}
	}
	return b
}

// tailBuffer keeps the last max bytes written to it: the end of stderr is
// what explains a failure.
type tailBuffer struct {
	buf []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) bytes() []byte {
	if len(t.buf) > t.max {
		return t.buf[len(t.buf)-t.max:]
	}
	return t.buf
}

// stderrTail returns the last stderrLines lines of stderr, at most
// stderrBytes of them, for an error message.
func stderrTail(b []byte) string {
	s := strings.TrimRight(string(b), "\n")
	if strings.TrimSpace(s) == "" {
		return "(empty)"
	}
	lines := strings.Split(s, "\n")
	if len(lines) > stderrLines {
		lines = lines[len(lines)-stderrLines:]
	}
	s = strings.Join(lines, "\n")
	if len(s) > stderrBytes {
		s = s[len(s)-stderrBytes:]
		for len(s) > 0 && !utf8.RuneStart(s[0]) {
			s = s[1:]
		}
		s = "..." + s
	}
	return s
}

// parseCSV reads stdout as CSV whose first row names the columns.
func parseCSV(out []byte) (*engine.Table, error) {
	recs, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("format csv: stdout is not CSV: %w", err)
	}
	if len(recs) == 0 {
		return nil, errors.New("format csv: the command printed nothing; a header row naming the columns is needed")
	}
	rows := recs[1:]
	if rows == nil {
		rows = [][]string{}
	}
	return &engine.Table{Name: "output", Columns: recs[0], Rows: rows}, nil
}

const jsonShapes = "an array of objects (a table) or an object whose values are numbers, strings or booleans (values)"

// parseJSON reads stdout as JSON into res: an array of objects becomes the
// table "output", with the union of the objects' keys as columns in the
// order first seen; an object of scalars becomes values.
func parseJSON(out []byte, res *engine.Result) error {
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	tok, err := dec.Token()
	if err == io.EOF {
		return fmt.Errorf("format json: the command printed nothing; print %s", jsonShapes)
	}
	if err != nil {
		return fmt.Errorf("format json: stdout is not JSON: %w", err)
	}
	switch tok {
	case json.Delim('['):
		if err := jsonTable(dec, res); err != nil {
			return err
		}
	case json.Delim('{'):
		if err := jsonValues(dec, res); err != nil {
			return err
		}
	default:
		return fmt.Errorf("format json: stdout is a JSON %s; supported are %s", jsonKind(tok), jsonShapes)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("format json: more follows the first JSON value; print a single value, %s", jsonShapes)
	}
	return nil
}

type jsonField struct {
	key string
	raw json.RawMessage
}

// jsonObject reads the members of an object whose '{' was read, in order.
func jsonObject(dec *json.Decoder) ([]jsonField, error) {
	var fs []jsonField
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		fs = append(fs, jsonField{tok.(string), raw})
	}
	_, err := dec.Token() // '}'
	return fs, err
}

func jsonTable(dec *json.Decoder, res *engine.Result) error {
	t := engine.Table{Name: "output", Rows: [][]string{}}
	col := map[string]int{}
	var objs [][]jsonField
	for i := 1; dec.More(); i++ {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("format json: stdout is not JSON: %w", err)
		}
		if tok != json.Delim('{') {
			return fmt.Errorf("format json: element %d of the array is a %s; supported are %s", i, jsonKind(tok), jsonShapes)
		}
		fs, err := jsonObject(dec)
		if err != nil {
			return fmt.Errorf("format json: stdout is not JSON: %w", err)
		}
		for _, f := range fs {
			if _, ok := col[f.key]; !ok {
				col[f.key] = len(t.Columns)
				t.Columns = append(t.Columns, f.key)
			}
		}
		objs = append(objs, fs)
	}
	if _, err := dec.Token(); err != nil { // ']'
		return fmt.Errorf("format json: stdout is not JSON: %w", err)
	}
	if len(objs) == 0 {
		res.Warnings = append(res.Warnings, "the command printed an empty JSON array: no table")
		return nil
	}
	for _, fs := range objs {
		row := make([]string, len(t.Columns))
		for _, f := range fs {
			row[col[f.key]] = jsonCell(f.raw)
		}
		t.Rows = append(t.Rows, row)
	}
	res.Tables = []engine.Table{t}
	return nil
}

// jsonCell formats a value for a table cell: strings as they are, numbers
// and booleans as written, null as an empty cell, arrays and objects as
// compact JSON.
func jsonCell(raw json.RawMessage) string {
	switch raw[0] {
	case '"':
		var s string
		_ = json.Unmarshal(raw, &s)
		return s
	case '{', '[':
		var b bytes.Buffer
		_ = json.Compact(&b, raw)
		return b.String()
	case 'n':
		return ""
	}
	return string(raw)
}

func jsonValues(dec *json.Decoder, res *engine.Result) error {
	fs, err := jsonObject(dec)
	if err != nil {
		return fmt.Errorf("format json: stdout is not JSON: %w", err)
	}
	for _, f := range fs {
		if _, clash := res.Values[f.key]; clash {
			return fmt.Errorf("format json: key %q is also a value that run sets itself (exit_code, duration_ms, stdout_bytes); rename it", f.key)
		}
	}
	for _, f := range fs {
		switch c := f.raw[0]; {
		case c == '"':
			var s string
			_ = json.Unmarshal(f.raw, &s)
			if s == "" {
				// An empty Text would read as the number 0.
				res.Warnings = append(res.Warnings, fmt.Sprintf("json key %q is an empty string: no value", f.key))
				continue
			}
			res.Values[f.key] = engine.Text(s)
		case c == 't' || c == 'f':
			res.Values[f.key] = engine.Text(string(f.raw))
		case c == 'n':
			res.Warnings = append(res.Warnings, fmt.Sprintf("json key %q is null: no value", f.key))
		case c == '{' || c == '[':
			return fmt.Errorf("format json: key %q holds an %s; supported are %s",
				f.key, map[byte]string{'{': "object", '[': "array"}[c], jsonShapes)
		default:
			var n json.Number
			if err := json.Unmarshal(f.raw, &n); err != nil {
				return fmt.Errorf("format json: key %q: %w", f.key, err)
			}
			x, err := n.Float64()
			if err != nil {
				return fmt.Errorf("format json: key %q: %s is out of range for a float64", f.key, n)
			}
			res.Values[f.key] = engine.Num(x, "")
		}
	}
	return nil
}

func jsonKind(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		if v == '[' {
			return "array"
		}
		return "object"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	}
	return "null"
}
