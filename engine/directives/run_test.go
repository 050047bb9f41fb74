package directives

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tcpreport/tcpreport/engine"
)

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
		err      string
	}{
		{"words", "echo  hello\tworld ", []string{"echo", "hello", "world"}, ""},
		{"single quotes", `printf '%s|' 'a b'`, []string{"printf", "%s|", "a b"}, ""},
		{"single quotes keep backslashes", `echo 'a\"b'`, []string{"echo", `a\"b`}, ""},
		{"double quotes", `echo "a 'b' c"`, []string{"echo", "a 'b' c"}, ""},
		{"double quote escapes", `echo "a\"b\\c\$d\e"`, []string{"echo", `a"b\c$d\e`}, ""},
		{"backslash outside quotes", `echo a\ b \'c`, []string{"echo", "a b", "'c"}, ""},
		{"backslash newline", "echo a\\\nb", []string{"echo", "ab"}, ""},
		{"adjacent parts join", `echo x"y z"'w'`, []string{"echo", "xy zw"}, ""},
		{"empty arguments", `printf "%s|" "" ''`, []string{"printf", "%s|", "", ""}, ""},
		{"no expansion", `echo $HOME * ~`, []string{"echo", "$HOME", "*", "~"}, ""},
		{"unbalanced single", `echo 'abc`, nil, `unbalanced ' opened at column 6 (close it, or escape it with a backslash)`},
		{"unbalanced double", `echo "a" "b`, nil, `unbalanced " opened at column 10 (close it, or escape it with a backslash)`},
		{"column counts characters", `é "x`, nil, `unbalanced " opened at column 3 (close it, or escape it with a backslash)`},
		{"trailing backslash", `echo a\`, nil, `trailing backslash at column 7 (escape it as \\)`},
		{"empty", "  \t ", nil, "empty; write the program to run and its arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := splitArgs(tt.in)
			if errText(err) != tt.err {
				t.Fatalf("error %q, want %q", errText(err), tt.err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("splitArgs(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func run(t *testing.T, vals map[string]string) (*engine.Result, error) {
	t.Helper()
	return runWith(t, t.Context(), NewRun(), vals, nil)
}

func TestRunText(t *testing.T) {
	tests := []struct {
		name string
		opts map[string]string
		want string
	}{
		{"echo", map[string]string{"command": "echo hello world"}, "hello world\n"},
		{"printf with quoting", map[string]string{"command": `printf '%s|' "a b" 'c d' e\ f`}, "a b|c d|e f|"},
		{"no shell expansion", map[string]string{"command": "echo $HOME '*'"}, "$HOME *\n"},
		{"shell", map[string]string{"command": "echo $((1+2)) | tr 3 4", "shell": "true"}, "4\n"},
		{"stdin is /dev/null", map[string]string{"command": "cat"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := run(t, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.Text != tt.want {
				t.Errorf("Text = %q, want %q", res.Text, tt.want)
			}
			if v := res.Values["exit_code"]; v != engine.Num(0, "") {
				t.Errorf("exit_code = %+v, want 0", v)
			}
			if v := res.Values["stdout_bytes"]; v != engine.Num(float64(len(tt.want)), "B") {
				t.Errorf("stdout_bytes = %+v, want %d B", v, len(tt.want))
			}
			if v := res.Values["duration_ms"]; v.Unit != "ms" || v.Num <= 0 {
				t.Errorf("duration_ms = %+v, want a positive time in ms", v)
			}
			host, _ := os.Hostname()
			if res.Meta["host"] != host || res.Meta["executor"] != "local" {
				t.Errorf("Meta = %v, want host %s and executor local", res.Meta, host)
			}
			if len(res.Warnings) != 0 {
				t.Errorf("Warnings = %q", res.Warnings)
			}
		})
	}
}

func TestRunStdinFromBody(t *testing.T) {
	req := &engine.Request{
		ID:   "t",
		Opts: options(t, NewRun(), map[string]string{"command": "tr a-z A-Z"}),
		Body: "line one\nline two\n",
	}
	res, err := NewRun().Run(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "LINE ONE\nLINE TWO\n" {
		t.Errorf("Text = %q", res.Text)
	}
}

func TestRunDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sub", "hi.sh"), []byte("#!/bin/sh\necho hi from $(basename \"$PWD\")\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dir, command, want, err string
	}{
		{"report dir by default", "", "pwd", dir + "\n", ""},
		{"relative dir", "sub", "pwd", filepath.Join(dir, "sub") + "\n", ""},
		{"program relative to dir", "sub", "./hi.sh", "hi from sub\n", ""},
		{"missing dir", "nope", "pwd", "", "dir: stat " + filepath.Join(dir, "nope") + ": no such file or directory"},
		{"not a dir", "sub/hi.sh", "pwd", "", "dir: " + filepath.Join(dir, "sub", "hi.sh") + " is not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vals := map[string]string{"command": tt.command}
			if tt.dir != "" {
				vals["dir"] = tt.dir
			}
			req := &engine.Request{ID: "t", Opts: options(t, NewRun(), vals), Dir: dir}
			res, err := NewRun().Run(t.Context(), req)
			if errText(err) != tt.err {
				t.Fatalf("error %q, want %q", errText(err), tt.err)
			}
			if err == nil && res.Text != tt.want {
				t.Errorf("Text = %q, want %q", res.Text, tt.want)
			}
		})
	}
}

func TestRunCSV(t *testing.T) {
	res, err := run(t, map[string]string{"command": `printf 'name,ms\nparse,1.5\n"a, b",2\n'`, "format": "csv"})
	if err != nil {
		t.Fatal(err)
	}
	want := engine.Table{Name: "output", Columns: []string{"name", "ms"}, Rows: [][]string{{"parse", "1.5"}, {"a, b", "2"}}}
	if len(res.Tables) != 1 || !tableEqual(res.Tables[0], want) {
		t.Errorf("Tables = %+v, want %+v", res.Tables, want)
	}
	if res.Text != "" {
		t.Errorf("Text = %q, want none: the table shows the output", res.Text)
	}
}

func TestRunJSON(t *testing.T) {
	res, err := run(t, map[string]string{"format": "json",
		"command": `printf '[{"a":1,"b":"x"},{"b":"y","c":{"d":[1, 2]}},{"a":null,"e":true}]'`})
	if err != nil {
		t.Fatal(err)
	}
	want := engine.Table{Name: "output", Columns: []string{"a", "b", "c", "e"}, Rows: [][]string{
		{"1", "x", "", ""},
		{"", "y", `{"d":[1,2]}`, ""},
		{"", "", "", "true"},
	}}
	if len(res.Tables) != 1 || !tableEqual(res.Tables[0], want) {
		t.Errorf("Tables = %+v, want %+v", res.Tables, want)
	}

	res, err = run(t, map[string]string{"format": "json",
		"command": `printf '{"speedup": 3.5, "tool": "git", "ok": true, "big": 1e3}'`})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]engine.Value{
		"speedup": engine.Num(3.5, ""),
		"tool":    engine.Text("git"),
		"ok":      engine.Text("true"),
		"big":     engine.Num(1000, ""),
	} {
		if res.Values[k] != v {
			t.Errorf("Values[%s] = %+v, want %+v", k, res.Values[k], v)
		}
	}
}

func TestRunFormatErrors(t *testing.T) {
	tests := []struct {
		name, format, out, err string
	}{
		{"json scalar", "json", `"hi"`, "format json: stdout is a JSON string; supported are " + jsonShapes},
		{"json array of numbers", "json", `[{"a":1}, 2]`, "format json: element 2 of the array is a number; supported are " + jsonShapes},
		{"json nested value", "json", `{"a":{"b":1}}`, `format json: key "a" holds an object; supported are ` + jsonShapes},
		{"json clash", "json", `{"exit_code":1}`, `format json: key "exit_code" is also a value that run sets itself (exit_code, duration_ms, stdout_bytes); rename it`},
		{"json two values", "json", `{} {}`, "format json: more follows the first JSON value; print a single value, " + jsonShapes},
		{"json empty", "json", ``, "format json: the command printed nothing; print " + jsonShapes},
		{"not json", "json", `nope`, "format json: stdout is not JSON: invalid character 'o' in literal null (expecting 'u')"},
		{"csv ragged", "csv", "a,b\n1\n", "format csv: stdout is not CSV: record on line 2: wrong number of fields"},
		{"csv empty", "csv", "", "format csv: the command printed nothing; a header row naming the columns is needed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := run(t, map[string]string{"command": "printf %s '" + tt.out + "'", "format": tt.format})
			if errText(err) != tt.err {
				t.Errorf("error %q,\nwant  %q", errText(err), tt.err)
			}
		})
	}
}

func TestRunExitStatus(t *testing.T) {
	cmd := `echo partial; for i in $(seq 1 30); do echo "line $i" >&2; done; exit 3`
	_, err := run(t, map[string]string{"command": cmd, "shell": "true"})
	var lines []string
	for i := 11; i <= 30; i++ {
		lines = append(lines, "line "+strconv.Itoa(i))
	}
	want := "exit status 3; stderr: " + strings.Join(lines, "\n")
	if errText(err) != want {
		t.Fatalf("error %q,\nwant  %q", errText(err), want)
	}

	res, err := run(t, map[string]string{"command": cmd, "shell": "true", "allow-fail": "true"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Values["exit_code"] != engine.Num(3, "") || res.Text != "partial\n" {
		t.Errorf("exit_code %+v, Text %q", res.Values["exit_code"], res.Text)
	}
	if len(res.Warnings) != 1 || res.Warnings[0] != want+" (allowed by :allow-fail:)" {
		t.Errorf("Warnings = %q", res.Warnings)
	}

	_, err = run(t, map[string]string{"command": "no-such-program-tcpreport"})
	if want := `command: exec: "no-such-program-tcpreport": executable file not found in $PATH (is it installed and on PATH?)`; errText(err) != want {
		t.Errorf("error %q, want %q", errText(err), want)
	}
}

func TestRunTimeoutKillsGroup(t *testing.T) {
	dir := t.TempDir()
	// The shell and its child ignore SIGTERM: only SIGKILL ends them.
	req := &engine.Request{
		ID: "t",
		Opts: options(t, NewRun(), map[string]string{"shell": "true",
			"command": `trap "" TERM; sleep 30 & echo $! > child; echo $$ > leader; wait`}),
		Dir:     dir,
		Timeout: 300 * time.Millisecond,
	}
	ctx, cancel := context.WithTimeout(t.Context(), req.Timeout)
	defer cancel()
	start := time.Now()
	_, err := NewRun().Run(ctx, req)
	took := time.Since(start)

	want := "timed out after 300ms; the command's process group was killed; raise :timeout: if it needs longer: context deadline exceeded"
	if errText(err) != want || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %q, want %q", errText(err), want)
	}
	if took > 2*time.Second {
		t.Errorf("took %v to stop the command, want about 800ms", took)
	}
	for _, name := range []string{"leader", "child"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		waitGone(t, name, pid)
	}
}

// waitGone fails unless process pid is gone (or a zombie: dead, waiting
// for a parent that may never reap it) within a second.
func waitGone(t *testing.T, name string, pid int) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return
		}
		_, rest, _ := strings.Cut(string(stat), ") ")
		if strings.HasPrefix(rest, "Z") {
			return
		}
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("%s (pid %d) still runs: %s", name, pid, stat)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRunOutputCap(t *testing.T) {
	res, err := run(t, map[string]string{"command": "head -c 5000 /dev/zero", "max-output": "1KiB"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Text) != 1024 || res.Values["stdout_bytes"] != engine.Num(5000, "B") {
		t.Errorf("kept %d bytes, stdout_bytes %+v; want 1024 kept of 5000", len(res.Text), res.Values["stdout_bytes"])
	}
	if want := []string{"stdout truncated: kept the first 1024 of 5000 bytes; raise :max-output: to keep more"}; !slices.Equal(res.Warnings, want) {
		t.Errorf("Warnings = %q, want %q", res.Warnings, want)
	}

	_, err = run(t, map[string]string{"command": "head -c 5000 /dev/zero", "max-output": "1KiB", "format": "csv"})
	if want := "format: cannot read csv from stdout cut at 1024 of 5000 bytes; raise the :max-output: option"; errText(err) != want {
		t.Errorf("error %q, want %q", errText(err), want)
	}

	// A character cut in half at the cap is dropped whole.
	res, err = run(t, map[string]string{"command": "printf ééé", "max-output": "3B"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "é" {
		t.Errorf("Text = %q, want %q", res.Text, "é")
	}
}

func TestRunHidesSecrets(t *testing.T) {
	t.Setenv("TCPREPORT_TEST_TOKEN", "s3cret-value")
	t.Setenv("tcpreport_test_api_key", "s3cret-value")
	t.Setenv("TCPREPORT_TEST_PLAIN", "visible")
	res, err := run(t, map[string]string{"command": "env"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(res.Text, "s3cret-value") || strings.Contains(res.Text, "TCPREPORT_TEST_TOKEN") {
		t.Errorf("the child saw a secret:\n%s", res.Text)
	}
	if !strings.Contains(res.Text, "TCPREPORT_TEST_PLAIN=visible") {
		t.Errorf("the child lost an ordinary variable:\n%s", res.Text)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "s3cret-value") {
		t.Errorf("the result holds a secret: %s", b)
	}
}

func TestChildEnv(t *testing.T) {
	got := childEnv([]string{"PATH=/bin", "GITHUB_TOKEN=x", "aws_secret_access_key=y", "DB_Passwd=z",
		"MY_CREDENTIALS=w", "API_KEY=v", "PASSWORD=u", "HOME=/root"})
	if want := []string{"PATH=/bin", "HOME=/root"}; !slices.Equal(got, want) {
		t.Errorf("childEnv = %q, want %q", got, want)
	}
	if got := childEnv([]string{"TOKEN=1"}); got == nil {
		t.Error("childEnv of only secrets is nil, which exec reads as the parent's environment")
	}
}

func tableEqual(a, b engine.Table) bool {
	return a.Name == b.Name && slices.Equal(a.Columns, b.Columns) &&
		slices.EqualFunc(a.Rows, b.Rows, slices.Equal)
}

// FuzzSplitArgs checks that splitting never panics and that an argument
// list written back with single quotes splits to itself.
func FuzzSplitArgs(f *testing.F) {
	for _, s := range []string{`echo "a b" c`, `printf '%s\n' x`, `a\ b`, `"unbalanced`, "x\\\ny"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		args, err := splitArgs(s)
		if err != nil {
			return
		}
		var quoted []string
		for _, a := range args {
			quoted = append(quoted, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
		}
		again, err := splitArgs(strings.Join(quoted, " "))
		if err != nil || !slices.Equal(again, args) {
			t.Fatalf("%q: split %q, quoted and split again %q (%v)", s, args, again, err)
		}
	})
}
