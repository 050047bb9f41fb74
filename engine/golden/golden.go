// Package golden compares test output with golden files under testdata and
// rewrites them when the tests run with -update.
package golden

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files with the output of the tests")

// Check compares got with the golden file at path. Under -update it writes
// got to the file instead. On a mismatch it fails t with a unified diff from
// the file to got.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
		return
	}
	if !bytes.Equal(want, got) {
		t.Errorf("output differs from %s (run go test -update to accept it):\n%s", path, diff(path, string(want), "got", string(got)))
	}
}

// diff returns a unified diff, with three lines of context, from a to b.
func diff(aName, a, bName, b string) string {
	x, y := splitLines(a), splitLines(b)
	// Trim the common prefix and suffix so that the table covers only the
	// changed middle.
	pre := 0
	for pre < len(x) && pre < len(y) && x[pre] == y[pre] {
		pre++
	}
	suf := 0
	for suf < len(x)-pre && suf < len(y)-pre && x[len(x)-1-suf] == y[len(y)-1-suf] {
		suf++
	}
	mx, my := x[pre:len(x)-suf], y[pre:len(y)-suf]
	// lcs[i][j] is the length of the longest common subsequence of mx[i:]
	// and my[j:].
	lcs := make([][]int, len(mx)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(my)+1)
	}
	for i := len(mx) - 1; i >= 0; i-- {
		for j := len(my) - 1; j >= 0; j-- {
			if mx[i] == my[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type edit struct {
		op   byte // ' ', '-' or '+'
		line string
	}
	var es []edit
	for _, l := range x[:pre] {
		es = append(es, edit{' ', l})
	}
	i, j := 0, 0
	for i < len(mx) || j < len(my) {
		switch {
		case i < len(mx) && j < len(my) && mx[i] == my[j]:
			es = append(es, edit{' ', mx[i]})
			i, j = i+1, j+1
		case j == len(my) || i < len(mx) && lcs[i+1][j] >= lcs[i][j+1]:
			es = append(es, edit{'-', mx[i]})
			i++
		default:
			es = append(es, edit{'+', my[j]})
			j++
		}
	}
	for _, l := range x[len(x)-suf:] {
		es = append(es, edit{' ', l})
	}

	// Show each change with ctx lines around it; overlapping stretches merge
	// into one hunk.
	const ctx = 3
	show := make([]bool, len(es))
	for k, e := range es {
		if e.op != ' ' {
			for m := max(0, k-ctx); m < min(len(es), k+ctx+1); m++ {
				show[m] = true
			}
		}
	}
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", aName, bName)
	var hunk strings.Builder
	oldLine, newLine := 1, 1 // line numbers of es[k]
	var o, n, oc, nc int     // start and length of the hunk in each file
	for k, e := range es {
		if show[k] {
			if k == 0 || !show[k-1] {
				o, n, oc, nc = oldLine, newLine, 0, 0
				hunk.Reset()
			}
			hunk.WriteString(string(e.op) + e.line + "\n")
		}
		if e.op != '+' {
			oldLine++
			oc += b2i(show[k])
		}
		if e.op != '-' {
			newLine++
			nc += b2i(show[k])
		}
		if show[k] && (k == len(es)-1 || !show[k+1]) {
			fmt.Fprintf(&out, "@@ -%s +%s @@\n%s", span(o, oc), span(n, nc), hunk.String())
		}
	}
	return out.String()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// span formats a hunk range; an empty range names the line before it.
func span(start, n int) string {
	if n == 0 {
		start--
	}
	return fmt.Sprintf("%d,%d", start, n)
}

// splitLines splits s into lines; a missing final line feed is marked as in
// diff(1) so that it shows in the diff.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	ls := strings.SplitAfter(s, "\n")
	if ls[len(ls)-1] == "" {
		ls = ls[:len(ls)-1]
	}
	for i, l := range ls {
		if strings.HasSuffix(l, "\n") {
			ls[i] = l[:len(l)-1]
		} else {
			ls[i] = l + "\n\\ No newline at end of file"
		}
	}
	return ls
}
