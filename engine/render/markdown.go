package render

import (
	"strings"

	"github.com/tcpreport/tcpreport/engine/doc"
)

// mdSpecial are the characters escaped wherever they stand in text from
// results: each could start Markdown or HTML (emphasis, code, links and
// images, raw HTML and entities, headings, tables, strikethrough, MyST
// roles) or, '@', a GFM e-mail autolink.
const mdSpecial = "\\`*_{}[]<>#|!~&@"

// escapeText escapes s, untrusted text from a result, so that it reads as
// literal text wherever inline Markdown is allowed: in a paragraph, a
// heading, a table cell or link text. Line breaks become spaces, so that s
// cannot end the construct it is in. lineStart says that s begins a line,
// where a few more characters would start a block.
func escapeText(s string, lineStart bool) string {
	s = oneLine(s)
	var b strings.Builder
	b.Grow(len(s) + 8)
	if lineStart {
		s = strings.TrimLeft(s, " ")
		// A list item ("- ", "+ ", "1. ", "1) "), a setext underline or
		// thematic break ("=", "-") can only start a line.
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i > 0 && i < len(s) && (s[i] == '.' || s[i] == ')') && (i+1 == len(s) || s[i+1] == ' ') {
			b.WriteString(s[:i])
			b.WriteByte('\\')
			s = s[i:]
		} else if s != "" && strings.IndexByte("-+=", s[0]) >= 0 {
			b.WriteByte('\\')
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case strings.IndexByte(mdSpecial, c) >= 0,
			// After author text ending in "[text]", "(" would open a link
			// destination.
			c == '(' && i == 0,
			// GFM autolinks "http://", "https://", "ftp://" and "www.".
			c == ':' && strings.HasPrefix(s[i+1:], "//"),
			c == '.' && i >= 3 && strings.EqualFold(s[i-3:i], "www"):
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// oneLine replaces line breaks and tabs with spaces.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n\t") {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '\r', '\n', '\t':
			return ' '
		}
		return r
	}, s)
}

// codeSpan returns s as an inline code span, with a fence longer than any
// backtick run in s. In a table cell, '|' is escaped too: GFM splits cells
// before it reads code spans.
func codeSpan(s string, inTable bool) string {
	s = oneLine(s)
	if inTable {
		s = strings.ReplaceAll(s, "|", "\\|")
	}
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") ||
		(strings.HasPrefix(s, " ") && strings.HasSuffix(s, " ") && strings.Trim(s, " ") != "") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// codeBlock returns s as a fenced code block, with a fence longer than any
// backtick run in s, so that no line of s can close it.
func codeBlock(s, info string) string {
	fence := strings.Repeat("`", max(3, longestRun(s, '`')+1))
	if s != "" && !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return fence + info + "\n" + s + fence
}

func longestRun(s string, c byte) int {
	n, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			run++
			n = max(n, run)
		} else {
			run = 0
		}
	}
	return n
}

// mdTable returns a GFM table. Cells are escaped text; numeric columns are
// right-aligned.
func mdTable(columns []string, rows [][]string) string {
	w := len(columns)
	for _, row := range rows {
		w = max(w, len(row))
	}
	if w == 0 {
		return ""
	}
	num := numericColumns(columns, rows, w)
	var b strings.Builder
	row := func(cells []string) {
		b.WriteByte('|')
		for i := range w {
			c := ""
			if i < len(cells) {
				c = escapeText(cells[i], false)
			}
			b.WriteByte(' ')
			b.WriteString(c)
			b.WriteString(" |")
		}
		b.WriteByte('\n')
	}
	row(columns)
	b.WriteByte('|')
	for i := range w {
		if num[i] {
			b.WriteString(" ---: |")
		} else {
			b.WriteString(" --- |")
		}
	}
	b.WriteByte('\n')
	for _, r := range rows {
		row(r)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// blockquote prefixes every line of s with "> ".
func blockquote(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight("> "+l, " ")
	}
	return strings.Join(lines, "\n")
}

// renderMarkdown returns the report as Markdown: a title block, the prose
// with its substitutions and references, each shown block's output, and
// the provenance appendix.
func (r *renderer) renderMarkdown() []byte {
	var parts []string
	head := "# " + escapeText(r.title(), true)
	if len(r.doc.Front.Authors) > 0 {
		head += "\n\n*" + escapeText(strings.Join(r.doc.Front.Authors, ", "), false) + "*"
	}
	parts = append(parts, head)
	if a := strings.TrimSpace(r.doc.Front.Abstract); a != "" {
		parts = append(parts, blockquote("**Abstract.** "+a))
	}
	pi, bi := 0, 0
	for _, n := range r.doc.Nodes {
		switch n.(type) {
		case *doc.Prose:
			var b strings.Builder
			for _, s := range r.prose[pi].segs {
				switch {
				case s.ref != nil:
					b.WriteString(escapeText(r.refText[s.ref], false))
				case s.lit != "":
					b.WriteString(s.lit)
				default:
					b.WriteString(s.md)
				}
			}
			parts = append(parts, b.String())
			pi++
		case *doc.Block:
			if bl := r.blocks[bi]; bl.md != "" {
				parts = append(parts, bl.md)
			}
			bi++
		}
	}
	parts = append(parts, "---", r.mdAppendix())
	return []byte(joinParts(parts))
}
