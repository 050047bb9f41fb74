package doc_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tcpreport/tcpreport/engine/doc"
	"github.com/tcpreport/tcpreport/engine/golden"
)

func TestFormat(t *testing.T) {
	tests := []struct {
		name, src, want string // ´ stands for a backtick
	}{
		{
			name: "canonical front matter",
			src: "---\nenvironment: {B: 2, A: \"x y\"}\nseed: 0x10\ntitle: T\nauthors: Ada\nabstract: |\n  a \"quoted\"\\ line\n" +
				"params: {b: 2, a: '1.50', c: ~}\nexecutor: {image: \"x:1\", name: docker}\n---\nText\n",
			want: "---\ntitle: \"T\"\nauthors: [\"Ada\"]\nabstract: \"a \\\"quoted\\\"\\\\ line\\n\"\nseed: 16\n" +
				"params:\n  a: \"1.50\"\n  b: \"2\"\n  c: \"\"\nexecutor:\n  name: \"docker\"\n  image: \"x:1\"\n" +
				"environment:\n  A: \"x y\"\n  B: \"2\"\n---\nText\n",
		},
		{
			name: "executor name, empty mappings, odd keys",
			src:  "---\nexecutor: local\nparams:\nenvironment: {\"a b\": \"\\t\\u00a0\\x01\"}\n---\n",
			want: "---\nparams: {}\nexecutor: \"local\"\nenvironment:\n  \"a b\": \"\\t\\u00A0\\u0001\"\n---\n",
		},
		{
			name: "empty front matter is dropped",
			src:  "---\n---\nText\n",
			want: "Text\n",
		},
		{
			name: "empty front matter is kept before a --- line",
			src:  "---\n---\n---\nText\n",
			want: "---\n---\n---\nText\n",
		},
		{
			name: "blocks",
			src:  "Intro\n  ~~~~ {bench}  b \n:x:  1 \n:y:\n\nbody\n~~~~~\n´´´{run} r\n\n\nz\n´´´\n",
			want: "Intro\n~~~~{bench} b\n:x: 1\n:y:\n\nbody\n~~~~\n´´´{run} r\n\n\nz\n´´´\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := doc.Parse("t.md", []byte(md(tt.src)))
			if err != nil {
				t.Fatal(err)
			}
			if got := string(doc.Format(d)); got != md(tt.want) {
				t.Errorf("Format:\n got %q\nwant %q", got, md(tt.want))
			}
		})
	}
}

// TestFormatFence checks that Format picks a fence that the body cannot end.
func TestFormatFence(t *testing.T) {
	tests := []struct {
		name, fence, body, want string
	}{
		{"no fence", "", "x", "```"},
		{"own fence", "~~~", "```\n```{run} x", "~~~"},
		{"body closes the fence", "```", "a\n```", "````"},
		{"body opens a directive", "```", "```{run} b", "````"},
		{"longer runs in the body", "", "  `````x\n```", "``````"},
		{"invalid fence", "``", "x", "```"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &doc.Document{Nodes: []doc.Node{&doc.Block{Kind: "run", ID: "a", Fence: tt.fence, Body: tt.body}}}
			want := tt.want + "{run} a\n" + tt.body + "\n" + tt.want + "\n"
			if got := string(doc.Format(d)); got != want {
				t.Errorf("Format:\n got %q\nwant %q", got, want)
			}
		})
	}
}

// TestFormatReport formats each valid report and checks the output against
// its golden file and that it parses to the same document.
func TestFormatReport(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.md")
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			d, err := doc.Parse(name, src)
			if err != nil {
				t.Fatal(err)
			}
			out := doc.Format(d)
			golden.Check(t, strings.TrimSuffix(name, ".md")+".format.golden", out)
			d2, err := doc.Parse(name, out)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := summary(d), summary(d2); !reflect.DeepEqual(a, b) {
				t.Errorf("round trip changed the document:\n%#v\n%#v", a, b)
			}
		})
	}
}

// TestFormatQuotesText checks that text survives Format's YAML quoting.
func TestFormatQuotesText(t *testing.T) {
	texts := []string{
		"", " lead and trail ", "a: b", "# not a comment", "- not a list", "[x]", "{x}", "*alias", "&anchor",
		"!tag", "%directive", "@at", "`tick`", "'single'", `"double"`, `back\slash`, "~", "null", "true", "0x10",
		"multi\nline\n", "\r\n", "\t", "\u0085", "\u00a0", "\u2028\u2029", "\ufeff", "\ufffe", "\U0010ffff", "😀", "---", "...",
	}
	var all strings.Builder
	for r := rune(0); r < 0x100; r++ {
		all.WriteRune(r)
	}
	texts = append(texts, all.String())
	for _, s := range texts {
		d := &doc.Document{Front: doc.FrontMatter{
			Title:       s,
			Authors:     []string{s, "x"},
			Params:      map[string]string{"p": s},
			Environment: map[string]string{s: s},
		}}
		if s == "" {
			d.Front.Environment = nil
		}
		out := doc.Format(d)
		d2, err := doc.Parse("t.md", out)
		if err != nil {
			t.Errorf("%q: %v\n%s", s, err, out)
			continue
		}
		if fm := d2.Front; fm.Title != s || fm.Authors[0] != s || fm.Params["p"] != s || s != "" && fm.Environment[s] != s {
			t.Errorf("%q came back as %+v", s, fm)
		}
	}
}
