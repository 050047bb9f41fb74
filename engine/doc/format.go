package doc

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// Format writes d back as report source: the front matter in a canonical
// form (known keys in a fixed order, text double-quoted, maps sorted), each
// block as its fence, options and body, and prose verbatim. For a document
// that parsed without error, Parse(Format(d)) yields the same front matter,
// blocks and prose.
func Format(d *Document) []byte {
	var b strings.Builder
	formatFront(&b, &d.Front, needsFront(d))
	for i, n := range d.Nodes {
		switch n := n.(type) {
		case *Prose:
			b.WriteString(n.Text)
			if i < len(d.Nodes)-1 && n.Text != "" && !strings.HasSuffix(n.Text, "\n") {
				b.WriteByte('\n')
			}
		case *Block:
			formatBlock(&b, n)
		}
	}
	return []byte(b.String())
}

// needsFront reports whether d's first line would be read as the start of
// front matter, so that Format must write front matter even if it is empty.
func needsFront(d *Document) bool {
	if len(d.Nodes) == 0 {
		return false
	}
	pr, ok := d.Nodes[0].(*Prose)
	if !ok {
		return false
	}
	first, _, _ := strings.Cut(pr.Text, "\n")
	return isFrontDelim(strings.TrimRight(first, "\r"))
}

func formatFront(b *strings.Builder, fm *FrontMatter, force bool) {
	has := func(key string, set bool) bool {
		_, ok := fm.Pos[key]
		return ok || set
	}
	present := map[string]bool{
		"title":       has("title", fm.Title != ""),
		"authors":     has("authors", len(fm.Authors) > 0),
		"abstract":    has("abstract", fm.Abstract != ""),
		"seed":        has("seed", fm.Seed != 0),
		"params":      has("params", fm.Params != nil),
		"executor":    has("executor", fm.Executor != "" || fm.Settings != nil),
		"environment": has("environment", fm.Environment != nil),
	}
	if !force && !slices.ContainsFunc(frontKeys, func(k string) bool { return present[k] }) {
		return
	}
	b.WriteString("---\n")
	for _, key := range frontKeys {
		if !present[key] {
			continue
		}
		b.WriteString(key)
		b.WriteByte(':')
		switch key {
		case "title":
			b.WriteString(" " + yamlQuote(fm.Title) + "\n")
		case "abstract":
			b.WriteString(" " + yamlQuote(fm.Abstract) + "\n")
		case "authors":
			as := make([]string, len(fm.Authors))
			for i, a := range fm.Authors {
				as[i] = yamlQuote(a)
			}
			b.WriteString(" [" + strings.Join(as, ", ") + "]\n")
		case "seed":
			fmt.Fprintf(b, " %d\n", fm.Seed)
		case "params":
			formatMap(b, fm.Params, false)
		case "environment":
			formatMap(b, fm.Environment, false)
		case "executor":
			if fm.Settings == nil {
				b.WriteString(" " + yamlQuote(fm.Executor) + "\n")
			} else {
				b.WriteString("\n  name: " + yamlQuote(fm.Executor) + "\n")
				formatMap(b, fm.Settings, true)
			}
		}
	}
	b.WriteString("---\n")
}

// formatMap writes m as an indented block mapping after its key, or "{}"
// when empty. For executor settings, which follow the executor's name, it
// leaves out the key "name" and writes neither.
func formatMap(b *strings.Builder, m map[string]string, settings bool) {
	keys := make([]string, 0, len(m))
	for k := range m {
		if !settings || k != "name" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	if !settings {
		if len(keys) == 0 {
			b.WriteString(" {}\n")
			return
		}
		b.WriteByte('\n')
	}
	for _, k := range keys {
		key := k
		if !isName(k) {
			key = yamlQuote(k)
		}
		b.WriteString("  " + key + ": " + yamlQuote(m[k]) + "\n")
	}
}

// yamlQuote returns s as a YAML double-quoted scalar.
func yamlQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == ' ' || r != 0xfeff && unicode.IsPrint(r):
			b.WriteRune(r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			fmt.Fprintf(&b, `\U%08X`, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func formatBlock(b *strings.Builder, blk *Block) {
	fence := blockFence(blk)
	b.WriteString(fence + "{" + blk.Kind + "}")
	if blk.ID != "" {
		b.WriteString(" " + blk.ID)
	}
	b.WriteByte('\n')
	for _, o := range blk.Options {
		b.WriteString(":" + o.Key + ":")
		if o.Value != "" {
			b.WriteString(" " + o.Value)
		}
		b.WriteByte('\n')
	}
	if blk.Body != "" {
		if len(blk.Options) > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(blk.Body + "\n")
	}
	b.WriteString(fence + "\n")
}

// blockFence returns the fence to write blk with: its own if the body cannot
// end it early, else backticks longer than any backtick fence in the body.
func blockFence(blk *Block) string {
	lines := strings.Split(blk.Body, "\n")
	if f := blk.Fence; len(f) >= 3 && (f[0] == '`' || f[0] == '~') && strings.Count(f, f[:1]) == len(f) &&
		!slices.ContainsFunc(lines, func(l string) bool { return endsFence(strings.TrimRight(l, "\r"), f[0], len(f)) }) {
		return f
	}
	n := 3
	for _, l := range lines {
		if i := fenceIndent(l); i <= 3 {
			if r := runLen(l, i, '`'); r >= n {
				n = r + 1
			}
		}
	}
	return strings.Repeat("`", n)
}

// endsFence reports whether line ends a block fenced with n characters ch:
// it closes the fence or opens another directive that would.
func endsFence(line string, ch byte, n int) bool {
	return isClosing(line, ch, n) || opensDirective(line, ch, n)
}
