package doc_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/tcpreport/tcpreport/engine/doc"
)

func pos(line, col int) doc.Pos { return doc.Pos{File: "t.md", Line: line, Col: col} }

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		src   string // ´ stands for a backtick
		front doc.FrontMatter
		nodes []doc.Node
	}{
		{
			name: "empty",
			src:  "",
		},
		{
			name: "prose with roles and refs",
			src:  "# Results\n\nThe speedup is {val}´exp.speedup:%.1f´x (see @fig-tput).\n{param}´n´ runs, {val}´exp.n´; mail a@fig-x.org.\n",
			nodes: []doc.Node{&doc.Prose{
				Text: "# Results\n\nThe speedup is {val}`exp.speedup:%.1f`x (see @fig-tput).\n{param}`n` runs, {val}`exp.n`; mail a@fig-x.org.\n",
				Pos:  pos(1, 1),
				Roles: []doc.Role{
					{Name: "val", Content: "exp.speedup:%.1f", Target: "exp", Field: "speedup", Format: "%.1f", Start: 26, End: 49, Pos: pos(3, 16)},
					{Name: "param", Content: "n", Start: 68, End: 78, Pos: pos(4, 1)},
					{Name: "val", Content: "exp.n", Target: "exp", Field: "n", Start: 85, End: 97, Pos: pos(4, 18)},
				},
				Refs: []doc.Ref{{Label: "fig-tput", Start: 56, End: 65, Pos: pos(3, 46)}},
			}},
		},
		{
			name: "refs end before punctuation and need a label",
			src:  "@tbl-a_b. @sec-x-1- @fig- x.@fig-y _@fig-z (@fig-w)",
			nodes: []doc.Node{&doc.Prose{
				Text: "@tbl-a_b. @sec-x-1- @fig- x.@fig-y _@fig-z (@fig-w)",
				Pos:  pos(1, 1),
				Refs: []doc.Ref{
					{Label: "tbl-a_b", Start: 0, End: 8, Pos: pos(1, 1)},
					{Label: "sec-x-1", Start: 10, End: 18, Pos: pos(1, 11)},
					{Label: "fig-w", Start: 44, End: 50, Pos: pos(1, 45)},
				},
			}},
		},
		{
			name: "code spans and code blocks are skipped",
			src:  "´´{val}´x´ ´´ ´´ {val}´y´ ´´ \\{val}´z´ {val}´a.b´\n´´´go\n{val}´c´ @fig-c\n´´´\n~~~\n´´´{run} in-code\n~~~\n",
			nodes: []doc.Node{&doc.Prose{
				Text:  md("´´{val}´x´ ´´ ´´ {val}´y´ ´´ \\{val}´z´ {val}´a.b´\n´´´go\n{val}´c´ @fig-c\n´´´\n~~~\n´´´{run} in-code\n~~~\n"),
				Pos:   pos(1, 1),
				Roles: []doc.Role{{Name: "val", Content: "a.b", Target: "a", Field: "b", Start: 39, End: 49, Pos: pos(1, 40)}},
			}},
		},
		{
			name: "front matter",
			src: "---\ntitle: Gate 8\nauthors: Ada Lovelace\nabstract: |\n  Short.\nseed: 42\nparams:\n  n: 10\n  size: 4KiB\n  empty:\n" +
				"executor: local\nenvironment:\n  image: \"tcpreport:1\"\n---\nText\n",
			front: doc.FrontMatter{
				Title:       "Gate 8",
				Authors:     []string{"Ada Lovelace"},
				Abstract:    "Short.\n",
				Seed:        42,
				Params:      map[string]string{"n": "10", "size": "4KiB", "empty": ""},
				Executor:    "local",
				Environment: map[string]string{"image": "tcpreport:1"},
				Pos: map[string]doc.Pos{
					"title": pos(2, 1), "authors": pos(3, 1), "abstract": pos(4, 1), "seed": pos(6, 1),
					"params": pos(7, 1), "params.n": pos(8, 3), "params.size": pos(9, 3), "params.empty": pos(10, 3),
					"executor": pos(11, 1), "environment": pos(12, 1), "environment.image": pos(13, 3),
				},
			},
			nodes: []doc.Node{&doc.Prose{Text: "Text\n", Pos: pos(15, 1)}},
		},
		{
			name: "front matter with executor settings and author list",
			src:  "---\nauthors: [Ada, \"Grace H.\"]\nexecutor:\n  name: docker\n  image: x:1\n  cpus: 2\n---\n",
			front: doc.FrontMatter{
				Authors:  []string{"Ada", "Grace H."},
				Executor: "docker",
				Settings: map[string]string{"image": "x:1", "cpus": "2"},
				Pos: map[string]doc.Pos{
					"authors": pos(2, 1), "executor": pos(3, 1),
					"executor.name": pos(4, 3), "executor.image": pos(5, 3), "executor.cpus": pos(6, 3),
				},
			},
		},
		{
			name: "front matter positions count bytes",
			src:  "---\ntitle: \"Ünïcode\"\nenvironment: {é: 1, n: 2}\n---\n",
			front: doc.FrontMatter{
				Title:       "Ünïcode",
				Environment: map[string]string{"é": "1", "n": "2"},
				Pos: map[string]doc.Pos{
					"title": pos(2, 1), "environment": pos(3, 1),
					"environment.é": pos(3, 15), "environment.n": pos(3, 22),
				},
			},
		},
		{
			name:  "empty front matter",
			src:   "---\n---\n---\n",
			front: doc.FrontMatter{Pos: map[string]doc.Pos{}},
			nodes: []doc.Node{&doc.Prose{Text: "---\n", Pos: pos(3, 1)}},
		},
		{
			name: "block",
			src:  "Intro.\n´´´{bench} fig-throughput\n:sizes: 4KiB, 1MiB\n:caption:   Median: 95% CI.  \n:empty:\n\nline 1\n\nline 3\n´´´\nAfter.",
			nodes: []doc.Node{
				&doc.Prose{Text: "Intro.\n", Pos: pos(1, 1)},
				&doc.Block{
					Kind: "bench", ID: "fig-throughput", Fence: "```",
					Pos: pos(2, 1), KindPos: pos(2, 5), IDPos: pos(2, 12),
					Options: []doc.Option{
						{Key: "sizes", Value: "4KiB, 1MiB", Pos: pos(3, 2), ValuePos: pos(3, 9)},
						{Key: "caption", Value: "Median: 95% CI.", Pos: pos(4, 2), ValuePos: pos(4, 13)},
						{Key: "empty", Value: "", Pos: pos(5, 2), ValuePos: pos(5, 8)},
					},
					Body: "line 1\n\nline 3", BodyPos: pos(7, 1), End: pos(10, 1),
				},
				&doc.Prose{Text: "After.", Pos: pos(11, 1)},
			},
		},
		{
			name: "only one blank line after the options is dropped",
			src:  "´´´{run} a\n:cmd: x\n\n\nbody\n´´´\n",
			nodes: []doc.Node{&doc.Block{
				Kind: "run", ID: "a", Fence: "```", Pos: pos(1, 1), KindPos: pos(1, 5), IDPos: pos(1, 10),
				Options: []doc.Option{{Key: "cmd", Value: "x", Pos: pos(2, 2), ValuePos: pos(2, 7)}},
				Body:    "\nbody", BodyPos: pos(4, 1), End: pos(6, 1),
			}},
		},
		{
			name: "without options a blank line is body",
			src:  "´´´{run} a\n\n:cmd: x\n´´´\n´´´{run} b\n´´´",
			nodes: []doc.Node{
				&doc.Block{
					Kind: "run", ID: "a", Fence: "```", Pos: pos(1, 1), KindPos: pos(1, 5), IDPos: pos(1, 10),
					Body: "\n:cmd: x", BodyPos: pos(2, 1), End: pos(4, 1),
				},
				&doc.Block{
					Kind: "run", ID: "b", Fence: "```", Pos: pos(5, 1), KindPos: pos(5, 5), IDPos: pos(5, 10),
					BodyPos: pos(6, 1), End: pos(6, 1),
				},
			},
		},
		{
			name: "tilde fence, indented, longer closing fence",
			src:  "  ~~~~ {table}   tbl-tools  \n:from: discover\nx\n´´´\n ~~~~~~  \n",
			nodes: []doc.Node{&doc.Block{
				Kind: "table", ID: "tbl-tools", Fence: "~~~~", Pos: pos(1, 3), KindPos: pos(1, 9), IDPos: pos(1, 18),
				Options: []doc.Option{{Key: "from", Value: "discover", Pos: pos(2, 2), ValuePos: pos(2, 8)}},
				Body:    "x\n```", BodyPos: pos(3, 1), End: pos(5, 2),
			}},
		},
		{
			name: "a longer fence holds a nested directive",
			src:  "´´´´{note} n\n´´´{run} inner\n´´´\n´´´´\n",
			nodes: []doc.Node{&doc.Block{
				Kind: "note", ID: "n", Fence: "````", Pos: pos(1, 1), KindPos: pos(1, 6), IDPos: pos(1, 12),
				Body: "```{run} inner\n```", BodyPos: pos(2, 1), End: pos(4, 1),
			}},
		},
		{
			name: "CRLF line endings",
			src:  "´´´{run} a\r\n:cmd: make\r\n\r\nx\r\ny\r\n´´´\r\nText\r\n",
			nodes: []doc.Node{
				&doc.Block{
					Kind: "run", ID: "a", Fence: "```", Pos: pos(1, 1), KindPos: pos(1, 5), IDPos: pos(1, 10),
					Options: []doc.Option{{Key: "cmd", Value: "make", Pos: pos(2, 2), ValuePos: pos(2, 7)}},
					Body:    "x\ny", BodyPos: pos(4, 1), End: pos(6, 1),
				},
				&doc.Prose{Text: "Text\r\n", Pos: pos(7, 1)},
			},
		},
		{
			name:  "a fence indented four spaces is prose",
			src:   "    ´´´{run} a\n    ´´´\n",
			nodes: []doc.Node{&doc.Prose{Text: "    ```{run} a\n    ```\n", Pos: pos(1, 1)}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := md(tt.src)
			d, err := doc.Parse("t.md", []byte(src))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if d.File != "t.md" || string(d.Source) != src {
				t.Errorf("File, Source = %q, %q", d.File, d.Source)
			}
			if !reflect.DeepEqual(d.Front, tt.front) {
				t.Errorf("front matter:\n got %s\nwant %s", dump(d.Front), dump(tt.front))
			}
			if !reflect.DeepEqual(d.Nodes, tt.nodes) {
				t.Errorf("nodes:\n got %s\nwant %s", dump(d.Nodes), dump(tt.nodes))
			}
		})
	}
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "    ", "  ")
	return string(b)
}

func TestBlocks(t *testing.T) {
	d, err := doc.Parse("t.md", []byte(md("´´´{run} a\n´´´\ntext\n~~~{bench} b\n:repeat: 3\n~~~\n")))
	if err != nil {
		t.Fatal(err)
	}
	bs := d.Blocks()
	if len(bs) != 2 || bs[0].ID != "a" || bs[1].ID != "b" {
		t.Fatalf("Blocks() = %s", dump(bs))
	}
	if o, ok := bs[1].Option("repeat"); !ok || o.Value != "3" {
		t.Errorf("Option(repeat) = %+v, %v", o, ok)
	}
	if _, ok := bs[1].Option("sizes"); ok {
		t.Error("Option(sizes) found")
	}
}

// TestParseErrorKeepsGoing checks that a document with errors still holds
// what could be read.
func TestParseErrorKeepsGoing(t *testing.T) {
	d, err := doc.Parse("t.md", []byte(md("---\nseed: x\ntitle: T\n---\n´´´{run}\n´´´\n´´´{run} b\n:k: v\n´´´\n")))
	if err == nil {
		t.Fatal("no error")
	}
	if d.Front.Title != "T" {
		t.Errorf("Title = %q", d.Front.Title)
	}
	bs := d.Blocks()
	if len(bs) != 2 || bs[1].ID != "b" || len(bs[1].Options) != 1 {
		t.Errorf("blocks = %s", dump(bs))
	}
}

func TestFrontHostsAndAPIs(t *testing.T) {
	src := "---\nhosts:\n  lab: {type: ssh, address: 127.0.0.1:2222, user: tcp}\n  cluster:\n    type: slurm\n    partition: debug\napis:\n  echo: {url: https://127.0.0.1:8443, auth: bearer, token_env: ECHO_TOKEN}\n---\ntext\n"
	d, err := doc.Parse("h.md", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	f := d.Front
	if f.Hosts["lab"]["address"] != "127.0.0.1:2222" || f.Hosts["cluster"]["partition"] != "debug" || f.APIs["echo"]["token_env"] != "ECHO_TOKEN" {
		t.Errorf("hosts %v apis %v", f.Hosts, f.APIs)
	}
	if p := f.Pos["hosts.cluster"]; p.Line != 4 {
		t.Errorf("hosts.cluster at %v, want line 4", p)
	}
	for _, tc := range []struct{ src, want string }{
		{"---\nhosts: [a, b]\n---\n", "h.md:2:8: hosts: write a mapping of name: {setting: value, ...}, not a list"},
		{"---\nhosts:\n  lab: ssh\n---\n", "h.md:3:8: hosts.lab: write a mapping of name: value, not a value"},
		{"---\napis:\n  a: {}\n  a: {}\n---\n", "h.md:4:3: apis: duplicate name \"a\": remove one"},
	} {
		_, err := doc.Parse("h.md", []byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.src, err, tc.want)
		}
	}
}
