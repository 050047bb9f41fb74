package render

import (
	"bytes"
	"cmp"
	"fmt"
	"html/template"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	gmrenderer "github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"github.com/tcpreport/tcpreport/engine/doc"
	"github.com/tcpreport/tcpreport/templates"
)

// markdown converts prose to HTML. Raw HTML in the source is omitted (the
// default; never html.WithUnsafe): with the substitutions escaped, nothing
// from a result can become markup.
var markdown = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	goldmark.WithParserOptions(parser.WithAutoHeadingID()),
	goldmark.WithRendererOptions(gmrenderer.WithNodeRenderers(
		util.Prioritized(builtRenderer{}, 100))),
)

var kindBuilt = ast.NewNodeKind("RenderBuiltHTML")

// built is HTML the renderer built itself, escaping everything it took
// from results: a directive block's output or a list of warnings.
type built struct {
	ast.BaseBlock
	html  string
	notes []note // the warnings marked in html
}

func (n *built) Kind() ast.NodeKind { return kindBuilt }

func (n *built) Dump(src []byte, level int) { ast.DumpHelper(n, src, level, nil, nil) }

type builtRenderer struct{}

func (builtRenderer) RegisterFuncs(reg gmrenderer.NodeRendererFuncRegisterer) {
	reg.Register(kindBuilt, func(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			_, _ = w.WriteString(n.(*built).html)
			_ = w.WriteByte('\n')
		}
		return ast.WalkSkipChildren, nil
	})
}

var (
	pageOnce sync.Once
	page     *template.Template
	pageCSS  template.CSS
	pageErr  error
)

func loadPage() (*template.Template, template.CSS, error) {
	pageOnce.Do(func() {
		page, pageErr = template.ParseFS(templates.FS, "report.html.tmpl")
		if pageErr != nil {
			return
		}
		var css []byte
		css, pageErr = templates.FS.ReadFile("style.css")
		// The style sheet is ours, embedded at build time.
		pageCSS = template.CSS(css)
	})
	return page, pageCSS, pageErr
}

// pageData is what report.html.tmpl is executed with.
type pageData struct {
	Title     string
	Authors   []string
	Abstract  template.HTML
	TOC       []tocEntry
	Body      template.HTML
	CSS       template.CSS
	Generator string
	Prov      provData
}

type tocEntry struct {
	ID, Title string
	Children  []tocEntry
}

// htmlSource is the Markdown that goldmark turns into the HTML body:
// the prose with its substitutions, references as links to placeholder
// anchors, and each shown block as a placeholder paragraph.
func (r *renderer) htmlSource() (src []byte, refs []*doc.Ref) {
	var parts []string
	pi, bi := 0, 0
	for _, n := range r.doc.Nodes {
		switch n.(type) {
		case *doc.Prose:
			var b strings.Builder
			for _, s := range r.prose[pi].segs {
				switch {
				case s.ref != nil:
					fmt.Fprintf(&b, "[%s](#%sref%d)", escapeText("@"+s.ref.Label, false), r.nonce, len(refs))
					refs = append(refs, s.ref)
				case s.lit != "":
					b.WriteString(s.lit)
				default:
					b.WriteString(s.html)
				}
			}
			parts = append(parts, b.String())
			pi++
		case *doc.Block:
			if bl := r.blocks[bi]; bl.html != "" {
				parts = append(parts, bl.token)
			}
			bi++
		}
	}
	return []byte(joinParts(parts)), refs
}

// joinParts joins pieces of Markdown with a blank line between them.
func joinParts(parts []string) string {
	var b strings.Builder
	for _, p := range parts {
		p = strings.Trim(p, "\n")
		if strings.TrimSpace(p) == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(p)
	}
	if b.Len() > 0 {
		b.WriteByte('\n')
	}
	return b.String()
}

// renderHTML renders the HTML page. Along the way it learns the section
// headings, which resolves the references of both outputs.
func (r *renderer) renderHTML() ([]byte, error) {
	src, refs := r.htmlSource()
	ctx := parser.NewContext()
	for _, id := range slices.Sorted(maps.Keys(r.anchors)) {
		// Headings get other ids than the renderer's own.
		ctx.IDs().Put([]byte(id))
	}
	root := markdown.Parser().Parse(text.NewReader(src), parser.WithContext(ctx))

	tokens := map[string]*block{}
	for _, bl := range r.blocks {
		if bl.html != "" {
			tokens[bl.token] = bl
		}
	}
	refPrefix := "#" + r.nonce + "ref"
	var (
		headings []*ast.Heading
		links    = map[int]*ast.Link{}
		paras    []*ast.Paragraph
	)
	_ = ast.Walk(root, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Heading:
			headings = append(headings, n)
		case *ast.Link:
			if d := string(n.Destination); strings.HasPrefix(d, refPrefix) {
				var k int
				if _, err := fmt.Sscanf(d[len(refPrefix):], "%d", &k); err == nil && k >= 0 && k < len(refs) {
					links[k] = n
				}
			}
		case *ast.Paragraph:
			if _, ok := tokens[paraText(n, src)]; ok {
				paras = append(paras, n)
			}
		}
		return ast.WalkContinue, nil
	})

	// Figures and tables first, so that a heading that names one reads
	// well as a section title.
	for k, rf := range refs {
		if l := r.labels[rf.Label]; l != nil {
			setLink(links[k], l)
		}
	}
	for _, h := range headings {
		id, _ := h.AttributeString("id")
		idb, _ := id.([]byte)
		if len(idb) == 0 {
			continue
		}
		lbl := "sec-" + string(idb)
		if _, dup := r.labels[lbl]; !dup {
			r.labels[lbl] = &label{kind: kindSection, anchor: string(idb), title: plainText(h, src)}
		}
	}
	r.refText = map[*doc.Ref]string{}
	for k, rf := range refs {
		l := r.labels[rf.Label]
		if l == nil {
			r.unknownRef(rf)
			continue
		}
		setLink(links[k], l)
		r.refText[rf] = l.text()
	}

	// Blocks take the place of their placeholders.
	for _, p := range paras {
		bl := tokens[paraText(p, src)]
		p.Parent().ReplaceChild(p.Parent(), p, &built{html: bl.html, notes: bl.notes})
		delete(tokens, bl.token)
	}
	for _, bl := range r.blocks {
		if _, lost := tokens[bl.token]; lost {
			r.errorf(bl.b.Pos, bl.b, "cannot place the result: the prose before the block leaves a code block or HTML block open")
		}
	}
	if len(r.errs) > 0 {
		return nil, r.errs.Err()
	}

	placeNotes(root)
	toc := tableOfContents(root, src)

	var body bytes.Buffer
	if err := markdown.Renderer().Render(&body, src, root); err != nil {
		return nil, fmt.Errorf("render: HTML body: %w", err)
	}
	var abstract bytes.Buffer
	if a := r.doc.Front.Abstract; strings.TrimSpace(a) != "" {
		if err := markdown.Convert([]byte(a), &abstract); err != nil {
			return nil, fmt.Errorf("render: abstract: %w", err)
		}
	}

	tmpl, css, err := loadPage()
	if err != nil {
		return nil, fmt.Errorf("render: page template: %w", err)
	}
	data := pageData{
		Title:   r.title(),
		Authors: r.doc.Front.Authors,
		// Safe: goldmark omits raw HTML, and the renderer escaped every
		// substitution and built every block from escaped text.
		Abstract:  template.HTML(abstract.String()),
		TOC:       toc,
		Body:      template.HTML(body.String()),
		CSS:       css,
		Generator: r.generator(),
		Prov:      r.provData(),
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, data); err != nil {
		return nil, fmt.Errorf("render: page template: %w", err)
	}
	return out.Bytes(), nil
}

// paraText returns the text of a one-line paragraph, "" for others.
func paraText(p *ast.Paragraph, src []byte) string {
	if p.Lines().Len() != 1 {
		return ""
	}
	seg := p.Lines().At(0)
	return string(bytes.TrimSpace(seg.Value(src)))
}

// setLink points a reference link at its label.
func setLink(link *ast.Link, l *label) {
	if link == nil {
		return // the reference is not a link (e.g. inside code)
	}
	link.Destination = []byte("#" + l.anchor)
	for c := link.FirstChild(); c != nil; {
		next := c.NextSibling()
		link.RemoveChild(link, c)
		c = next
	}
	link.AppendChild(link, ast.NewString([]byte(l.text())))
}

func (r *renderer) unknownRef(rf *doc.Ref) {
	switch {
	case r.hidden[rf.Label] != nil:
		r.errorf(rf.Pos, nil, "@%s: the block %s is hidden (:hide: true) and so has no number; remove :hide: or the reference",
			rf.Label, rf.Label)
	case r.noLabel[rf.Label] != nil:
		what := "figure"
		if strings.HasPrefix(rf.Label, "tbl-") {
			what = "table"
		}
		r.errorf(rf.Pos, nil, "@%s: the result of %s has no %s to refer to (known labels: %s)",
			rf.Label, rf.Label, what, r.knownLabels())
	default:
		r.errorf(rf.Pos, nil, "unknown reference @%s (known labels: %s)", rf.Label, r.knownLabels())
	}
}

// placeNotes puts the warnings of each section in a list at the section's
// end: before the next level-1 or level-2 heading, or at the end.
func placeNotes(root ast.Node) {
	var pending []note
	flush := func(before ast.Node) {
		if len(pending) == 0 {
			return
		}
		n := &built{html: notesHTML(pending)}
		if before == nil {
			root.AppendChild(root, n)
		} else {
			root.InsertBefore(root, before, n)
		}
		pending = nil
	}
	for c := root.FirstChild(); c != nil; c = c.NextSibling() {
		if h, ok := c.(*ast.Heading); ok && h.Level <= 2 {
			flush(c)
		}
		_ = ast.Walk(c, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
			if b, ok := n.(*built); ok && entering {
				pending = append(pending, b.notes...)
			}
			return ast.WalkContinue, nil
		})
	}
	flush(nil)
}

// tableOfContents lists the top-level h2 headings with their h3s.
func tableOfContents(root ast.Node, src []byte) []tocEntry {
	var toc []tocEntry
	for c := root.FirstChild(); c != nil; c = c.NextSibling() {
		h, ok := c.(*ast.Heading)
		if !ok || h.Level < 2 || h.Level > 3 {
			continue
		}
		id, _ := h.AttributeString("id")
		idb, _ := id.([]byte)
		e := tocEntry{ID: string(idb), Title: plainText(h, src)}
		if h.Level == 3 && len(toc) > 0 {
			last := &toc[len(toc)-1]
			last.Children = append(last.Children, e)
		} else {
			toc = append(toc, e)
		}
	}
	return toc
}

// plainText returns the text of n without markup.
func plainText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.Text:
			v := c.Value(src)
			if !c.IsRaw() {
				v = util.ResolveEntityNames(util.ResolveNumericReferences(util.UnescapePunctuations(v)))
			}
			b.Write(v)
			if c.SoftLineBreak() || c.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(c.Value)
		case *ast.AutoLink:
			b.Write(c.Label(src))
		}
		return ast.WalkContinue, nil
	})
	return strings.TrimSpace(b.String())
}

func (r *renderer) title() string {
	return cmp.Or(strings.TrimSpace(r.doc.Front.Title), fileBase(r.doc.File), "Report")
}

func (r *renderer) generator() string {
	if r.in.Prov != nil && r.in.Prov.Version != "" {
		return "tcpreport " + r.in.Prov.Version
	}
	return "tcpreport"
}
