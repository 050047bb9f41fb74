package render

import (
	"bytes"
	"fmt"
	"html"
	"strconv"
	"strings"

	"github.com/tcpreport/tcpreport/engine"
)

// renderBlock renders a block in both outputs, in this order: a stale
// marker, the not-available notice, tables, figures, text. Warnings become
// footnotes marked at the block's first caption or notice. Of a hidden
// block only the warnings show: they are never dropped.
func (r *renderer) renderBlock(bl *block) {
	res := bl.res
	if bl.hidden {
		res = &engine.Result{Warnings: bl.res.Warnings}
	}
	for _, w := range res.Warnings {
		r.nnotes++
		bl.notes = append(bl.notes, note{n: r.nnotes, text: w})
		r.anchors[fmt.Sprintf("warn-%d", r.nnotes)] = true
		r.anchors[fmt.Sprintf("warnref-%d", r.nnotes)] = true
	}
	var md, h []string
	// The footnote marks go on the first notice or caption.
	marked := false
	marks := func() (string, string) {
		if marked || len(bl.notes) == 0 {
			return "", ""
		}
		marked = true
		var m, x strings.Builder
		for _, n := range bl.notes {
			fmt.Fprintf(&m, "[^warn-%d]", n.n)
			fmt.Fprintf(&x, `<sup class="fnref"><a href="#warn-%d" id="warnref-%d">%d</a></sup>`, n.n, n.n, n.n)
		}
		return m.String(), x.String()
	}

	if bl.run != nil && bl.run.Status == engine.StatusStale && !bl.hidden {
		why := ""
		if len(bl.run.Changed) > 0 {
			why = " (changed: " + strings.Join(bl.run.Changed, ", ") + ")"
		}
		md = append(md, "**Stale:** this result of `"+sanitizeCode(bl.b.ID)+"` comes from the cache although its inputs changed"+
			escapeText(why, false)+"; build again without --frozen to refresh it.")
		h = append(h, `<p class="stale"><strong>Stale:</strong> this result of <code>`+html.EscapeString(bl.b.ID)+
			`</code> comes from the cache although its inputs changed`+html.EscapeString(why)+
			`; build again without <code>--frozen</code> to refresh it.</p>`)
	}

	if res.NotAvailable != "" {
		mm, hm := marks()
		md = append(md, "**Not available:** "+escapeText(res.NotAvailable, false)+mm)
		h = append(h, `<div class="not-available" role="note"><strong>Not available:</strong> `+
			html.EscapeString(oneLine(res.NotAvailable))+hm+`</div>`)
	}

	for _, t := range bl.tables {
		mm, hm := marks()
		md = append(md, fmt.Sprintf("**Table %d:** %s%s", t.num, escapeText(t.caption, false), mm))
		if tab := mdTable(t.t.Columns, t.t.Rows); tab != "" {
			md = append(md, tab)
		}
		h = append(h, htmlTable(t, hm))
	}

	for _, fg := range bl.figs {
		mm, hm := marks()
		capt := fmt.Sprintf("Figure %d: %s", fg.num, oneLine(fg.caption))
		md = append(md,
			fmt.Sprintf("![%s](%s.svg)", escapeText(capt, false), fg.file),
			fmt.Sprintf("**Figure %d:** %s%s", fg.num, escapeText(fg.caption, false), mm))
		h = append(h, htmlFigure(fg, capt, hm))
	}

	if res.Text != "" {
		md = append(md, codeBlock(res.Text, "text"))
		h = append(h, `<pre class="output"><code>`+html.EscapeString(res.Text)+`</code></pre>`)
	}

	if mm, hm := marks(); mm != "" {
		// Nothing to hang the marks on: say where the warnings come from.
		md = append(md, "Warnings from `"+sanitizeCode(bl.b.ID)+"`"+mm)
		h = append(h, `<p class="block-note">Warnings from <code>`+html.EscapeString(bl.b.ID)+`</code>`+hm+`</p>`)
	}
	for _, n := range bl.notes {
		md = append(md, fmt.Sprintf("[^warn-%d]: %s", n.n, escapeText(n.text, false)))
	}
	bl.md = strings.Join(md, "\n\n")
	bl.html = strings.Join(h, "\n")
}

// sanitizeCode makes a directive id safe inside a one-backtick code span.
func sanitizeCode(s string) string {
	return strings.ReplaceAll(oneLine(s), "`", "'")
}

func htmlTable(t *table, marks string) string {
	cols, rows := t.t.Columns, t.t.Rows
	w := len(cols)
	for _, row := range rows {
		w = max(w, len(row))
	}
	num := numericColumns(cols, rows, w)
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="table-wrap">`+"\n"+`<table id="%s">`+"\n", html.EscapeString(t.anchor))
	fmt.Fprintf(&b, `<caption><span class="caption-label">Table %d:</span> %s%s</caption>`+"\n",
		t.num, html.EscapeString(oneLine(t.caption)), marks)
	cells := func(tag string, row []string, end string) {
		b.WriteString("<tr>")
		for i := range w {
			c := ""
			if i < len(row) {
				c = row[i]
			}
			if num[i] {
				fmt.Fprintf(&b, `<%s class="num">`, tag)
			} else {
				fmt.Fprintf(&b, "<%s>", tag)
			}
			b.WriteString(html.EscapeString(c))
			fmt.Fprintf(&b, "</%s>", tag)
		}
		b.WriteString("</tr>" + end)
	}
	if w > 0 {
		b.WriteString("<thead>")
		cells("th", cols, "</thead>\n<tbody>\n")
		for _, row := range rows {
			cells("td", row, "\n")
		}
		b.WriteString("</tbody>\n")
	}
	b.WriteString("</table>\n</div>")
	return b.String()
}

// htmlFigure inlines the figure's SVG, without its XML prolog, under an id
// of its own.
func htmlFigure(fg *figure, capt, marks string) string {
	svg := fg.svg
	if i := bytes.Index(svg, []byte("<svg")); i >= 0 {
		svg = svg[i+len("<svg"):]
	}
	var b strings.Builder
	anchor := html.EscapeString(fg.anchor)
	fmt.Fprintf(&b, `<figure class="figure" id="%s">`+"\n", anchor)
	fmt.Fprintf(&b, `<svg id="%s-svg" role="img" aria-label="%s"`, anchor, html.EscapeString(capt))
	b.Write(bytes.TrimRight(svg, "\n"))
	fmt.Fprintf(&b, "\n"+`<figcaption><span class="caption-label">Figure %d:</span> %s%s</figcaption>`+"\n</figure>",
		fg.num, html.EscapeString(oneLine(fg.caption)), marks)
	return b.String()
}

// numericColumns reports, per column, whether every non-empty cell is a
// number, so that the column can be right-aligned.
func numericColumns(cols []string, rows [][]string, w int) []bool {
	num := make([]bool, w)
	for i := range w {
		seen := false
		num[i] = true
		for _, row := range rows {
			if i >= len(row) || strings.TrimSpace(row[i]) == "" {
				continue
			}
			seen = true
			if _, err := strconv.ParseFloat(strings.TrimSpace(row[i]), 64); err != nil {
				num[i] = false
				break
			}
		}
		num[i] = num[i] && seen
	}
	return num
}

// notesHTML is the list of a section's warnings, with links back to their
// marks.
func notesHTML(notes []note) string {
	var b strings.Builder
	b.WriteString(`<section class="footnotes" aria-label="Warnings">` + "\n" +
		`<p class="footnotes-label">Warnings</p>` + "\n<ol>\n")
	for _, n := range notes {
		fmt.Fprintf(&b, `<li id="warn-%d" value="%d">%s <a class="backref" href="#warnref-%d" aria-label="Back to mark %d">&#8617;&#xFE0E;</a></li>`+"\n",
			n.n, n.n, html.EscapeString(oneLine(n.text)), n.n, n.n)
	}
	b.WriteString("</ol>\n</section>\n")
	return b.String()
}
