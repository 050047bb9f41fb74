package doc_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tcpreport/tcpreport/engine/doc"
)

// FuzzParse checks that Parse never panics, that every error lies inside the
// input, and that documents without errors survive Format unchanged.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/*/*.md")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	for _, s := range []string{
		"",
		"---\n---\n---\n",
		"---\ntitle: t\nauthors: a\nparams: {n: 1}\nexecutor: local\n---\ntext\n",
		"´´´{run} a\n:k: v\n\n\nbody\n´´´\n",
		"~~~~{run} a\n´´´{run} b\n´´´\n~~~~\n",
		"´´´\n{val}`x`\n´´´\n{val}`a.b:%d` @fig-x a@tbl-y ``{param}`n` ``\n",
		"´´´{run} a\r\n:k: v\r\n\r\nx\r\r\n´´´\r\n",
		"```python\n```{run} a\n```\n",
		"---\nenvironment: {\"a b\": \"\\t\\u00a0\\x01\", ~: x, \"\": 1}\nexecutor: {name: d, k: &a v, j: *a}\n---\n",
		"---\ntitle: 'it''s'\nauthors: [a, ~, 3]\nabstract: |\n  x\n   y\nseed: -0x10\nparams: {_a-b: 1.50, c: null}\n---\n---\n",
		"---\r\ntitle: \"\\u2028\\N\\L\\_\\e\"\r\n---\r\n",
	} {
		f.Add([]byte(md(s)))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		d, err := doc.Parse("fuzz.md", src)
		if d == nil {
			t.Fatal("Parse returned no document")
		}
		lines := bytes.Split(src, []byte("\n"))
		if err != nil {
			var list doc.ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error %T is not a non-empty ErrorList: %v", err, err)
			}
			for i, e := range list {
				checkPos(t, lines, e.Pos)
				if i > 0 && less(e.Pos, list[i-1].Pos) {
					t.Errorf("errors not sorted: %v before %v", list[i-1], e)
				}
			}
			return
		}
		checkDoc(t, d, lines)
		out := doc.Format(d)
		d2, err := doc.Parse("fuzz.md", out)
		if err != nil {
			t.Fatalf("Format output does not parse: %v\nsource:\n%q\nformatted:\n%q", err, src, out)
		}
		if a, b := summary(d), summary(d2); !reflect.DeepEqual(a, b) {
			t.Fatalf("round trip changed the document\nsource: %q\nformatted: %q\nbefore: %#v\nafter:  %#v", src, out, a, b)
		}
		if out2 := doc.Format(d2); !bytes.Equal(out, out2) {
			t.Fatalf("Format is not idempotent\nfirst:  %q\nsecond: %q", out, out2)
		}
	})
}

// checkPos fails t unless p lies inside a source of the given lines.
func checkPos(t *testing.T, lines [][]byte, p doc.Pos) {
	t.Helper()
	if p.File != "fuzz.md" || p.Line < 1 || p.Line > len(lines) || p.Col < 1 ||
		p.Col > len(lines[p.Line-1])+1 {
		t.Fatalf("position %v (%d:%d) outside the input of %d lines", p, p.Line, p.Col, len(lines))
	}
}

func less(a, b doc.Pos) bool {
	return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
}

// checkDoc checks the positions and offsets of a document parsed without error.
func checkDoc(t *testing.T, d *doc.Document, lines [][]byte) {
	t.Helper()
	for _, p := range d.Front.Pos {
		checkPos(t, lines, p)
	}
	var last doc.Pos
	for _, n := range d.Nodes {
		switch n := n.(type) {
		case *doc.Prose:
			checkPos(t, lines, n.Pos)
			if less(n.Pos, last) {
				t.Fatalf("prose at %v before %v", n.Pos, last)
			}
			last = n.Pos
			off := offset(lines, n.Pos)
			if !strings.HasPrefix(string(d.Source[off:]), n.Text) {
				t.Fatalf("prose at %v is not the source there", n.Pos)
			}
			for _, r := range n.Roles {
				checkPos(t, lines, r.Pos)
				if s := n.Text[r.Start:r.End]; !strings.HasPrefix(s, "{"+r.Name+"}`") || !strings.Contains(s, r.Content) ||
					offset(lines, r.Pos) != off+r.Start {
					t.Fatalf("role %+v does not match its text %q", r, s)
				}
			}
			for _, r := range n.Refs {
				checkPos(t, lines, r.Pos)
				if n.Text[r.Start:r.End] != "@"+r.Label || offset(lines, r.Pos) != off+r.Start {
					t.Fatalf("ref %+v does not match its text", r)
				}
			}
		case *doc.Block:
			for _, p := range []doc.Pos{n.Pos, n.KindPos, n.IDPos, n.BodyPos, n.End} {
				checkPos(t, lines, p)
			}
			for _, o := range n.Options {
				checkPos(t, lines, o.Pos)
				checkPos(t, lines, o.ValuePos)
			}
			if less(n.Pos, last) || less(n.End, n.BodyPos) || less(n.BodyPos, n.Pos) {
				t.Fatalf("block positions out of order: %+v", n)
			}
			last = n.End
		}
	}
}

func offset(lines [][]byte, p doc.Pos) int {
	off := 0
	for _, l := range lines[:p.Line-1] {
		off += len(l) + 1
	}
	return off + p.Col - 1
}

// docSummary is what a Format round trip keeps: everything but positions and
// fences.
type docSummary struct {
	Title, Abstract  string
	Authors          []string
	Seed             int64
	Executor         string
	Params, Settings map[string]string
	Environment      map[string]string
	Keys             []string
	Nodes            []any
}

type blockSummary struct {
	Kind, ID, Body string
	Options        [][2]string
}

type proseSummary struct {
	Text  string
	Roles []doc.Role
	Refs  []doc.Ref
}

func summary(d *doc.Document) docSummary {
	fm := d.Front
	s := docSummary{
		Title: fm.Title, Abstract: fm.Abstract, Authors: fm.Authors, Seed: fm.Seed,
		Executor: fm.Executor, Params: fm.Params, Settings: fm.Settings, Environment: fm.Environment,
	}
	if len(s.Authors) == 0 {
		s.Authors = nil
	}
	for k := range fm.Pos {
		s.Keys = append(s.Keys, k)
	}
	slices.Sort(s.Keys)
	for _, n := range d.Nodes {
		switch n := n.(type) {
		case *doc.Prose:
			ps := proseSummary{Text: n.Text}
			for _, r := range n.Roles {
				r.Pos = doc.Pos{}
				ps.Roles = append(ps.Roles, r)
			}
			for _, r := range n.Refs {
				r.Pos = doc.Pos{}
				ps.Refs = append(ps.Refs, r)
			}
			s.Nodes = append(s.Nodes, ps)
		case *doc.Block:
			bs := blockSummary{Kind: n.Kind, ID: n.ID, Body: n.Body}
			for _, o := range n.Options {
				bs.Options = append(bs.Options, [2]string{o.Key, o.Value})
			}
			s.Nodes = append(s.Nodes, bs)
		}
	}
	return s
}
