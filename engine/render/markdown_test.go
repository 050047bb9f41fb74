package render

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzEscapeText checks that escaped text reads back, through the same
// goldmark the HTML comes from, as exactly the text: no markup, no link,
// no entity, nothing lost.
func FuzzEscapeText(f *testing.F) {
	for _, s := range hostile {
		f.Add(s, false)
	}
	f.Add("- 1. item", true)
	f.Add("12) x", true)
	f.Add("www.example.org and https://example.org", false)
	f.Add("a@b.org", false)
	f.Add(`\*not emphasis\*`, false)
	f.Add("[x]: http://example.org", true)
	f.Fuzz(func(t *testing.T, s string, lineStart bool) {
		for i := 0; i < len(s); i++ {
			if s[i] < 0x20 && s[i] != '\n' && s[i] != '\t' || s[i] >= 0x7f {
				return // printable ASCII: Unicode handling is goldmark's
			}
		}
		src := escapeText(s, lineStart)
		if !lineStart {
			src = "x " + src
		}
		var out bytes.Buffer
		if err := markdown.Convert([]byte(src), &out); err != nil {
			t.Fatal(err)
		}
		text := oneLine(s)
		if lineStart {
			text = strings.TrimLeft(text, " ")
		} else {
			text = "x " + text
		}
		text = strings.TrimRight(text, " ")
		want := "<p>" + strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(text) + "</p>\n"
		if text == "" {
			want = ""
		}
		if out.String() != want {
			t.Errorf("escapeText(%q, %v) = %q\nrenders as %q\nwant       %q", s, lineStart, src, out.String(), want)
		}
	})
}
