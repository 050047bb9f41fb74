package render

import (
	"cmp"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/tcpreport/tcpreport/engine/doc"
)

// proseOut is a Prose node cut into the author's Markdown and the
// substitutions of its roles and references.
type proseOut struct {
	p    *doc.Prose
	segs []segment
}

// segment is one piece of prose: literal Markdown written by the author,
// an escaped substitution, or a cross reference.
type segment struct {
	lit  string
	md   string // substitution for the Markdown output
	html string // substitution for the HTML source
	ref  *doc.Ref
}

// substitute resolves the roles of every Prose node. References are
// resolved later, once the headings are known.
func (r *renderer) substitute() {
	for _, n := range r.doc.Nodes {
		if p, ok := n.(*doc.Prose); ok {
			r.prose = append(r.prose, r.substituteProse(p))
		}
	}
}

func (r *renderer) substituteProse(p *doc.Prose) *proseOut {
	type event struct {
		start, end int
		role       *doc.Role
		ref        *doc.Ref
		pos        doc.Pos
	}
	var evs []event
	for i := range p.Roles {
		ro := &p.Roles[i]
		evs = append(evs, event{start: ro.Start, end: ro.End, role: ro, pos: ro.Pos})
	}
	for i := range p.Refs {
		rf := &p.Refs[i]
		evs = append(evs, event{start: rf.Start, end: rf.End, ref: rf, pos: rf.Pos})
	}
	slices.SortStableFunc(evs, func(a, b event) int { return cmp.Compare(a.start, b.start) })

	out := &proseOut{p: p}
	text, prev := p.Text, 0
	for _, e := range evs {
		if e.start < prev || e.start > e.end || e.end > len(text) {
			r.errorf(e.pos, nil, "role or reference at bytes %d..%d of the prose overlaps another or lies outside it", e.start, e.end)
			continue
		}
		out.segs = append(out.segs, segment{lit: text[prev:e.start]})
		if e.ref != nil {
			out.segs = append(out.segs, segment{ref: e.ref})
		} else {
			md, h := r.role(e.role, atLineStart(text, e.start))
			out.segs = append(out.segs, segment{md: md, html: h})
		}
		prev = e.end
	}
	out.segs = append(out.segs, segment{lit: text[prev:]})
	return out
}

// lineLead matches what may precede the first text of a line: indentation,
// blockquote markers and list markers.
var lineLead = regexp.MustCompile(`^(?:[ \t>]|[-+*][ \t]|[0-9]+[.)][ \t])*$`)

// atLineStart reports whether offset i of text begins the text of a line.
func atLineStart(text string, i int) bool {
	lead := text[strings.LastIndexByte(text[:i], '\n')+1 : i]
	return lineLead.MatchString(lead)
}

// role returns the substitution of an inline role, escaped for the
// Markdown output and for the HTML source.
func (r *renderer) role(ro *doc.Role, lineStart bool) (md, h string) {
	src := fmt.Sprintf("{%s}`%s`", ro.Name, ro.Content)
	switch ro.Name {
	case "val":
		target, field, format := ro.Target, ro.Field, ro.Format
		if target == "" && field == "" {
			target, field, format = splitVal(ro.Content)
		}
		bl := r.byID[target]
		if bl == nil {
			r.errorf(ro.Pos, nil, "%s: no directive %q in this report (directives: %s)", src, target, r.blockIDs())
			return src, src
		}
		v, ok := bl.res.Values[field]
		if !ok {
			if len(bl.res.Values) == 0 {
				r.errorf(ro.Pos, nil, "%s: %s has no value %q (%s has no values)", src, target, field, target)
			} else {
				r.errorf(ro.Pos, nil, "%s: %s has no value %q (values of %s: %s)", src, target, field, target,
					strings.Join(slices.Sorted(maps.Keys(bl.res.Values)), ", "))
			}
			return src, src
		}
		s := v.Format(format)
		if format != "" && strings.Contains(s, "%!") && !strings.Contains(v.Text, "%!") {
			kind := "a number"
			if v.Text != "" {
				kind = "a text"
			}
			r.errorf(ro.Pos, nil, "%s: format %q does not fit %s.%s, which is %s (numbers take verbs like %%.2f or %%d, texts %%s)",
				src, format, target, field, kind)
			return src, src
		}
		if format == "" && v.Unit != "" {
			if v.Unit == "%" {
				s += v.Unit
			} else {
				s += " " + v.Unit
			}
		}
		md = escapeText(s, lineStart)
		h = md
		if v.Projection {
			r.projection = true
			md += " (projection)"
			h += ` [(projection)](#projection)`
		}
		return md, h
	case "param":
		name := strings.TrimSpace(cmp.Or(ro.Content, ro.Target))
		v, ok := r.params[name]
		if !ok {
			if len(r.params) == 0 {
				r.errorf(ro.Pos, nil, "%s: no parameter %q (the report has none; declare it under params: in the front matter)", src, name)
			} else {
				r.errorf(ro.Pos, nil, "%s: no parameter %q (parameters: %s)", src, name,
					strings.Join(slices.Sorted(maps.Keys(r.params)), ", "))
			}
			return src, src
		}
		s := escapeText(v, lineStart)
		return s, s
	default:
		r.errorf(ro.Pos, nil, "%s: unknown role {%s} (known roles: param, val)", src, ro.Name)
		return src, src
	}
}

// splitVal splits "id.field:format".
func splitVal(s string) (target, field, format string) {
	s, format, _ = strings.Cut(strings.TrimSpace(s), ":")
	target, field, _ = strings.Cut(s, ".")
	return target, field, format
}

func (r *renderer) blockIDs() string {
	var ids []string
	for _, bl := range r.blocks {
		if bl.b.ID != "" {
			ids = append(ids, bl.b.ID)
		}
	}
	if len(ids) == 0 {
		return "none"
	}
	slices.Sort(ids)
	return strings.Join(ids, ", ")
}
