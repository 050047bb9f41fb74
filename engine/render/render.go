// Package render turns a parsed report and its directive results into the
// report's Markdown, a self-contained HTML page, figures and data files. It
// reads Results and never runs anything.
package render

import (
	"cmp"
	"errors"
	"fmt"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/doc"
)

// Input is everything a report is rendered from.
type Input struct {
	Doc *doc.Document
	// Results holds each directive's result by directive id; a block
	// whose result is missing is an error.
	Results map[string]*engine.Result
	Prov    *engine.Provenance
	// Params are the effective parameters (front matter after -p
	// overrides), read in prose as {param}`name`. Nil means the front
	// matter's.
	Params map[string]string
	// PNG asks for a PNG of every figure next to its SVG.
	PNG bool
}

// Output is a rendered report. The same Input always renders to the same
// bytes.
type Output struct {
	Markdown []byte // <report>.md
	HTML     []byte // <report>.html, self-contained
	// Files holds the figures and data files by path relative to the
	// report: figures/<name>.svg (and .png) of the shown blocks, and
	// data/<id>-<table>.csv and data/<id>-<series>.csv of every block,
	// hidden ones included.
	Files map[string][]byte
}

// Render renders in. Problems in the report, such as a {val} role naming a
// value its directive does not have or a reference to an unknown label,
// are returned together as a doc.ErrorList with their positions.
func Render(in *Input) (*Output, error) {
	if in == nil || in.Doc == nil {
		return nil, errors.New("render: no document")
	}
	r := newRenderer(in)
	return r.render()
}

// Label kinds.
const (
	kindFigure  = "Figure"
	kindTable   = "Table"
	kindSection = "Section"
)

// label is a target of cross references: @fig-x, @tbl-x, @sec-x.
type label struct {
	kind   string
	num    int
	anchor string // HTML id
	title  string // section title (plain text)
}

func (l *label) text() string {
	if l.kind == kindSection {
		return l.title
	}
	return fmt.Sprintf("%s %d", l.kind, l.num)
}

// block is a directive block with its result and its rendering.
type block struct {
	b      *doc.Block
	res    *engine.Result
	run    *engine.DirectiveRun // nil if provenance does not know it
	hidden bool
	tables []*table
	figs   []*figure
	notes  []note
	md     string // Markdown of the block, footnote definitions included; "" if none
	html   string // HTML of the block; "" if none
	token  string // placeholder paragraph in the HTML source
}

type table struct {
	t       *engine.Table
	num     int
	anchor  string
	caption string
}

type figure struct {
	f       *engine.Figure
	num     int
	anchor  string
	caption string
	file    string // figures/<name> without extension
	svg     []byte
	png     []byte
	err     error
}

// note is a warning shown as footnote n.
type note struct {
	n    int
	text string
}

type renderer struct {
	in     *Input
	doc    *doc.Document
	params map[string]string
	errs   doc.ErrorList

	blocks  []*block
	byID    map[string]*block
	labels  map[string]*label
	hidden  map[string]*doc.Block // labels of hidden blocks, for errors
	noLabel map[string]*doc.Block // fig-/tbl- blocks without a figure/table
	// anchors holds every HTML id the renderer itself writes, so that
	// heading ids stay clear of them.
	anchors map[string]bool
	files   map[string][]byte
	nnotes  int
	// projection is set when a projection value is shown.
	projection bool
	// nonce prefixes placeholders in the HTML source; no prose contains it.
	nonce string
	prose []*proseOut
	// refText is the text of each resolved reference.
	refText map[*doc.Ref]string
}

func newRenderer(in *Input) *renderer {
	r := &renderer{
		in:      in,
		doc:     in.Doc,
		params:  in.Params,
		byID:    map[string]*block{},
		labels:  map[string]*label{},
		hidden:  map[string]*doc.Block{},
		noLabel: map[string]*doc.Block{},
		anchors: map[string]bool{},
		files:   map[string][]byte{},
	}
	if r.params == nil {
		r.params = in.Doc.Front.Params
	}
	for _, id := range fixedAnchors {
		r.anchors[id] = true
	}
	r.nonce = "tcpreportx"
	for r.inSource(r.nonce) {
		r.nonce += "x"
	}
	return r
}

// fixedAnchors are the ids of the page template.
var fixedAnchors = []string{
	"top", "toc", "abstract", "appendix-provenance", "appendix-environment",
	"appendix-directives", "projection",
}

func (r *renderer) inSource(s string) bool {
	if strings.Contains(r.doc.Front.Abstract, s) {
		return true
	}
	for _, n := range r.doc.Nodes {
		if p, ok := n.(*doc.Prose); ok && strings.Contains(p.Text, s) {
			return true
		}
	}
	return false
}

func (r *renderer) errorf(pos doc.Pos, b *doc.Block, format string, args ...any) {
	r.errs = append(r.errs, doc.Errorf(pos, b, format, args...))
}

func (r *renderer) render() (*Output, error) {
	runs := map[string]*engine.DirectiveRun{}
	if r.in.Prov != nil {
		for i := range r.in.Prov.Directives {
			d := &r.in.Prov.Directives[i]
			runs[d.ID] = d
		}
	}
	for i, b := range r.doc.Blocks() {
		bl := &block{b: b, run: runs[b.ID], hidden: hidden(b)}
		bl.token = fmt.Sprintf("%sblock%d", r.nonce, i)
		bl.res = r.in.Results[b.ID]
		if bl.res == nil {
			r.errorf(b.Pos, b, "has no result; run the report again (a --frozen build needs every directive cached)")
		}
		r.blocks = append(r.blocks, bl)
		if b.ID != "" {
			r.byID[b.ID] = bl
		}
	}
	if len(r.errs) > 0 {
		return nil, r.errs.Err()
	}

	r.writeData()
	r.number()
	r.drawFigures()
	for _, bl := range r.blocks {
		r.renderBlock(bl)
	}
	r.substitute()

	h, err := r.renderHTML()
	if err != nil {
		return nil, err
	}
	if len(r.errs) > 0 {
		return nil, r.errs.Err()
	}
	out := &Output{
		Markdown: r.renderMarkdown(),
		HTML:     h,
		Files:    r.files,
	}
	return out, nil
}

// hidden reports whether b has :hide: true: its result feeds prose and
// other directives but is not shown.
func hidden(b *doc.Block) bool {
	o, ok := b.Option("hide")
	if !ok {
		return false
	}
	switch strings.ToLower(strings.TrimSpace(o.Value)) {
	case "true", "yes", "on", "1":
		return true
	}
	return false
}

// number numbers the tables and figures of the shown blocks in document
// order, each kind on its own, and records their labels and anchors. A
// block id fig-x labels the block's first figure, tbl-x its first table.
func (r *renderer) number() {
	ntab, nfig := 0, 0
	for _, bl := range r.blocks {
		id := bl.b.ID
		if bl.hidden {
			if isFigTbl(id) {
				r.hidden[id] = bl.b
			}
			continue
		}
		capt, hasCapt := bl.b.Option("caption")
		// :caption: captions the item the block's id labels; for other
		// ids, the first table, or the first figure when there is none.
		captTable := hasCapt && (strings.HasPrefix(id, "tbl-") ||
			!strings.HasPrefix(id, "fig-") && len(bl.res.Tables) > 0)
		captFig := hasCapt && !captTable
		for i := range bl.res.Tables {
			t := &bl.res.Tables[i]
			ntab++
			tb := &table{t: t, num: ntab, caption: cmp.Or(t.Caption, t.Name)}
			if i == 0 && captTable {
				tb.caption = capt.Value
			}
			tb.anchor = fmt.Sprintf("table-%d", ntab)
			if i == 0 && strings.HasPrefix(id, "tbl-") {
				tb.anchor = id
				r.labels[id] = &label{kind: kindTable, num: ntab, anchor: id}
			}
			r.anchors[tb.anchor] = true
			bl.tables = append(bl.tables, tb)
		}
		for i := range bl.res.Figures {
			f := &bl.res.Figures[i]
			nfig++
			fg := &figure{f: f, num: nfig, caption: cmp.Or(f.Caption, f.Name)}
			if i == 0 && captFig {
				fg.caption = capt.Value
			}
			fg.anchor = fmt.Sprintf("figure-%d", nfig)
			if i == 0 && strings.HasPrefix(id, "fig-") {
				fg.anchor = id
				r.labels[id] = &label{kind: kindFigure, num: nfig, anchor: id}
			}
			r.anchors[fg.anchor] = true
			r.anchors[fg.anchor+"-svg"] = true
			name := cmp.Or(id, "figure")
			if len(bl.res.Figures) > 1 {
				name += "-" + cmp.Or(f.Name, fmt.Sprint(i+1))
			}
			fg.file = r.uniqueFile("figures/", name, ".svg")
			bl.figs = append(bl.figs, fg)
		}
		if isFigTbl(id) && r.labels[id] == nil {
			r.noLabel[id] = bl.b
		}
	}
}

func isFigTbl(id string) bool {
	return strings.HasPrefix(id, "fig-") || strings.HasPrefix(id, "tbl-")
}

// drawFigures draws every shown figure, in parallel; each figure's bytes
// depend on it alone, so the order of drawing does not matter.
func (r *renderer) drawFigures() {
	var figs []*figure
	for _, bl := range r.blocks {
		figs = append(figs, bl.figs...)
	}
	work := make(chan *figure)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(figs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for fg := range work {
				fg.svg, fg.err = Draw(*fg.f, "svg")
				if fg.err == nil && r.in.PNG {
					fg.png, fg.err = Draw(*fg.f, "png")
				}
			}
		}()
	}
	for _, fg := range figs {
		work <- fg
	}
	close(work)
	wg.Wait()

	for _, bl := range r.blocks {
		for _, fg := range bl.figs {
			if fg.err != nil {
				name := ""
				if fg.f.Name != "" {
					name = fmt.Sprintf(" (%q)", fg.f.Name)
				}
				r.errorf(bl.b.Pos, bl.b, "figure %d%s: %v", fg.num, name, fg.err)
				continue
			}
			r.files[fg.file+".svg"] = fg.svg
			if fg.png != nil {
				r.files[fg.file+".png"] = fg.png
			}
		}
	}
}

// uniqueFile returns dir + the sanitized name, made unique among the files
// already named, without ext, and reserves it.
func (r *renderer) uniqueFile(dir, name, ext string) string {
	base := dir + sanitize(name)
	p := base
	for i := 2; r.taken(p + ext); i++ {
		p = fmt.Sprintf("%s-%d", base, i)
	}
	r.files[p+ext] = nil // filled in once drawn or written
	return p
}

func (r *renderer) taken(file string) bool {
	_, ok := r.files[file]
	return ok
}

// sanitize maps name to the characters [A-Za-z0-9_.-], without "..", so
// that it is safe as a file name and in a URL.
func sanitize(name string) string {
	b := []byte(name)
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '_', c == '.', c == '-':
		default:
			b[i] = '_'
		}
	}
	s := string(b)
	for strings.Contains(s, "..") {
		s = strings.ReplaceAll(s, "..", ".")
	}
	s = strings.Trim(s, ".")
	if s == "" {
		s = "_"
	}
	return s
}

// knownLabels lists the labels a reference can name, sorted.
func (r *renderer) knownLabels() string {
	ls := make([]string, 0, len(r.labels))
	for l := range r.labels {
		ls = append(ls, l)
	}
	slices.Sort(ls)
	if len(ls) == 0 {
		return "none"
	}
	return strings.Join(ls, ", ")
}

// fileBase returns the name of the report source without directory and
// extension, for a page without a title.
func fileBase(file string) string {
	b := path.Base(strings.ReplaceAll(file, "\\", "/"))
	return strings.TrimSuffix(b, path.Ext(b))
}
