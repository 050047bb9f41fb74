package doc

import (
	"fmt"
	"sort"
	"strings"
)

// Parse parses the report source src read from file. It reads the whole
// source even after errors: the error, when not nil, is an ErrorList of every
// syntax error found, sorted by position. The Document is returned in either
// case and holds what could be read.
//
// Lines end with "\n"; a "\r" before it is ignored everywhere except in
// Prose.Text, which is the source verbatim. Block bodies therefore always use
// "\n".
func Parse(file string, src []byte) (*Document, error) {
	p := &parser{
		file: file,
		s:    string(src),
		doc:  &Document{File: file, Source: src},
		ids:  make(map[string]*Block),
	}
	p.splitLines()
	first := p.frontMatter()
	p.body(first)
	return p.doc, p.errs.Err()
}

type parser struct {
	file  string
	s     string // the source
	lines []line
	doc   *Document
	errs  ErrorList
	ids   map[string]*Block // blocks by id, for duplicate ids
	// frontEnd is the index of the line closing the front matter.
	frontEnd int
}

// line is one line of the source: s[start:end] is its text without the line
// feed, next is where the following line starts.
type line struct{ start, end, next int }

func (p *parser) splitLines() {
	for i := 0; i < len(p.s); {
		j := strings.IndexByte(p.s[i:], '\n')
		if j < 0 {
			p.lines = append(p.lines, line{i, len(p.s), len(p.s)})
			break
		}
		p.lines = append(p.lines, line{i, i + j, i + j + 1})
		i += j + 1
	}
}

// content returns line i without its line ending ("\n", "\r\n", and any
// further trailing "\r").
func (p *parser) content(i int) string {
	l := p.lines[i]
	return strings.TrimRight(p.s[l.start:l.end], "\r")
}

// pos returns the position of byte offset off of the source. The offset just
// past a final line feed is the start of the line after the last one.
func (p *parser) pos(off int) Pos {
	i := sort.Search(len(p.lines), func(i int) bool { return p.lines[i].start > off }) - 1
	if i < 0 {
		return Pos{File: p.file, Line: 1, Col: 1}
	}
	if off >= p.lines[i].next && p.lines[i].next > p.lines[i].end {
		return Pos{File: p.file, Line: i + 2, Col: 1}
	}
	return Pos{File: p.file, Line: i + 1, Col: off - p.lines[i].start + 1}
}

// lineStart returns the position of the start of line i, or of the end of
// the source when i is past the last line.
func (p *parser) lineStart(i int) Pos {
	if i < len(p.lines) {
		return Pos{File: p.file, Line: i + 1, Col: 1}
	}
	return p.pos(len(p.s))
}

func (p *parser) errorf(pos Pos, b *Block, format string, args ...any) {
	p.errs = append(p.errs, Errorf(pos, b, format, args...))
}

// body parses lines [i, len(lines)) into prose and directive blocks.
func (p *parser) body(i int) {
	prose := -1 // first line of the pending prose, or -1
	flush := func(end int) {
		if prose >= 0 {
			p.prose(prose, end)
			prose = -1
		}
	}
	for i < len(p.lines) {
		f, ok := parseFence(p.content(i))
		switch {
		case !ok:
			if prose < 0 {
				prose = i
			}
			i++
		case f.directive():
			flush(i)
			i = p.block(i, f)
		default:
			if prose < 0 {
				prose = i
			}
			i = p.skipCode(i, f)
		}
	}
	flush(len(p.lines))
}

// skipCode returns the line after the ordinary fenced code block that opens
// with fence f on line i. Its content is not parsed, except that a directive
// fence that would close it (same character, at least as long) ends it with
// an error: the author forgot the closing fence, and reading on would hide
// the directive in the code.
func (p *parser) skipCode(i int, f fence) int {
	open := i
	for i++; i < len(p.lines); i++ {
		c := p.content(i)
		if isClosing(c, f.ch, f.n) {
			return i + 1
		}
		if opensDirective(c, f.ch, f.n) {
			p.errorf(p.pos(p.lines[open].start+f.indent), nil,
				"unterminated code block: add a closing %s line before line %d", f.str(), i+1)
			return i
		}
	}
	return i
}

// block parses the directive block that opens with fence f on line i and
// returns the line after it.
func (p *parser) block(i int, f fence) int {
	l := p.lines[i]
	b := &Block{Pos: p.pos(l.start + f.indent), Fence: f.str()}
	p.info(b, f, l.start)
	p.doc.Nodes = append(p.doc.Nodes, b)

	// Options.
	seen := make(map[string]int) // option key -> line
	opts := 0
	for i++; i < len(p.lines); i++ {
		c := p.content(i)
		o, kind := parseOption(c)
		if kind == notOption {
			break
		}
		opts++
		start := p.lines[i].start
		o.Pos = p.pos(start + o.keyOff)
		o.ValuePos = p.pos(start + o.valOff)
		if kind == badOption {
			p.errorf(o.Pos, b, "invalid option name %q: use lowercase letters, digits, '_' and '-'%s",
				o.Key, suggestOption(o.Key))
			continue
		}
		if first, dup := seen[o.Key]; dup {
			p.errorf(o.Pos, b, "duplicate option %q (first on line %d): remove one", o.Key, first)
			continue
		}
		seen[o.Key] = i + 1
		b.Options = append(b.Options, o.Option)
	}
	if opts > 0 && i < len(p.lines) && isBlank(p.content(i)) {
		i++
	}

	// Body.
	first := i
	b.BodyPos = p.lineStart(i)
	for ; i < len(p.lines); i++ {
		c := p.content(i)
		if isClosing(c, f.ch, f.n) {
			b.Body = p.join(first, i)
			b.End = p.pos(p.lines[i].start + fenceIndent(c))
			return i + 1
		}
		if opensDirective(c, f.ch, f.n) {
			// Another directive starts where this one should have ended.
			b.Body = p.join(first, i)
			b.End = p.lineStart(i)
			p.errorf(b.Pos, nil, "unterminated %s: add a closing %s line before line %d", describe(b), f.str(), i+1)
			return i
		}
	}
	b.Body = p.join(first, i)
	b.End = p.lineStart(i)
	p.errorf(b.Pos, nil, "unterminated %s: add a closing %s line", describe(b), f.str())
	return i
}

// describe names a block in a message: {run} block "x".
func describe(b *Block) string {
	switch {
	case b.Kind == "":
		return "directive block"
	case b.ID == "":
		return fmt.Sprintf("{%s} block", b.Kind)
	}
	return fmt.Sprintf("{%s} block %q", b.Kind, b.ID)
}

// join returns lines [a, z) joined with "\n", without a final line feed.
func (p *parser) join(a, z int) string {
	if a >= z {
		return ""
	}
	clean := true
	for i := a; i < z; i++ {
		if l := p.lines[i]; l.end > l.start && p.s[l.end-1] == '\r' {
			clean = false
			break
		}
	}
	if clean {
		return p.s[p.lines[a].start:p.lines[z-1].end]
	}
	var sb strings.Builder
	for i := a; i < z; i++ {
		if i > a {
			sb.WriteByte('\n')
		}
		sb.WriteString(p.content(i))
	}
	return sb.String()
}

// info parses the info string of a directive fence, "{kind} id", whose line
// starts at offset start.
func (p *parser) info(b *Block, f fence, start int) {
	info := f.info
	off := start + f.infoOff // offset of '{'
	at := func(i int) Pos { return p.pos(off + i) }

	end := strings.IndexByte(info, '}')
	if end < 0 {
		kind, id := "kind", "my-id"
		if fs := strings.Fields(info[1:]); len(fs) > 0 && isID(fs[0]) {
			kind = fs[0]
			if len(fs) > 1 && isID(fs[1]) {
				id = fs[1]
			}
		}
		p.errorf(at(0), nil, "malformed directive %q: close the kind with '}', e.g. %s{%s} %s", info, f.str(), kind, id)
		return
	}
	kind := info[1:end]
	rest := info[end+1:]
	b.KindPos = at(1)
	suggestID := "my-id"
	if fs := strings.Fields(rest); len(fs) > 0 && isID(fs[0]) {
		suggestID = fs[0]
	}
	switch {
	case kind == "":
		p.errorf(at(0), nil, "malformed directive %q: write the kind between the braces, e.g. %s{run} %s", info, f.str(), suggestID)
		return
	case !isID(kind):
		p.errorf(at(1), nil, "invalid directive kind %q: start with a letter and use only letters, digits, '_' and '-'", kind)
		return
	}
	b.Kind = kind
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		p.errorf(at(end+1), nil, "malformed directive %q: put a space between {%s} and the id, e.g. %s{%s} %s", info, kind, f.str(), kind, suggestID)
		return
	}
	i := end + 1
	for i < len(info) && (info[i] == ' ' || info[i] == '\t') {
		i++
	}
	j := i
	for j < len(info) && info[j] != ' ' && info[j] != '\t' {
		j++
	}
	id := info[i:j]
	b.IDPos = at(i)
	switch {
	case id == "":
		p.errorf(at(0), nil, "{%s} block has no id: write %s{%s} my-id", kind, f.str(), kind)
		return
	case !isID(id):
		p.errorf(at(i), nil, "invalid id %q: start with a letter and use only letters, digits, '_' and '-', e.g. %s{%s} my-id", id, f.str(), kind)
		return
	}
	b.ID = id
	if extra := strings.TrimLeft(info[j:], " \t"); extra != "" {
		p.errorf(at(len(info)-len(extra)), nil, "unexpected %q after the id of {%s} block %q: an id is one word, e.g. %s{%s} %s", extra, kind, id, f.str(), kind, id)
		return
	}
	if first, dup := p.ids[id]; dup {
		p.errorf(b.IDPos, b, "id %q is already used by the {%s} block on line %d: give each block its own id", id, first.Kind, first.Pos.Line)
		return
	}
	p.ids[id] = b
}

// prose records lines [a, z) as a Prose node and finds its roles and
// references, skipping fenced code blocks.
func (p *parser) prose(a, z int) {
	start, end := p.lines[a].start, p.lines[z-1].next
	pr := &Prose{Text: p.s[start:end], Pos: p.pos(start)}
	para := -1 // first line of the pending paragraph
	flush := func(i int) {
		if para >= 0 {
			p.inline(pr, start, p.lines[para].start, p.lines[i-1].end)
			para = -1
		}
	}
	for i := a; i < z; {
		c := p.content(i)
		if f, ok := parseFence(c); ok {
			flush(i)
			i = p.skipCodeQuiet(i, f, z)
			continue
		}
		if isBlank(c) {
			flush(i)
		} else if para < 0 {
			para = i
		}
		i++
	}
	flush(z)
	p.doc.Nodes = append(p.doc.Nodes, pr)
}

// skipCodeQuiet is skipCode without errors (body reported them already),
// limited to line z.
func (p *parser) skipCodeQuiet(i int, f fence, z int) int {
	for i++; i < z; i++ {
		c := p.content(i)
		if isClosing(c, f.ch, f.n) {
			return i + 1
		}
		if opensDirective(c, f.ch, f.n) {
			return i
		}
	}
	return z
}

// fence is an opening code fence.
type fence struct {
	indent  int  // spaces before the fence
	ch      byte // '`' or '~'
	n       int  // length
	info    string
	infoOff int // offset of info in the line
}

func (f fence) directive() bool { return strings.HasPrefix(f.info, "{") }
func (f fence) str() string     { return strings.Repeat(string(f.ch), f.n) }

// parseFence reports whether line opens a fenced code block: up to three
// spaces, then three or more backticks or tildes, then the info string. As in
// CommonMark, the info string of a backtick fence may hold no backtick;
// directive fences are recognised all the same so that a bad id is reported
// rather than read as prose.
func parseFence(line string) (fence, bool) {
	i := fenceIndent(line)
	if i > 3 || i >= len(line) || (line[i] != '`' && line[i] != '~') {
		return fence{}, false
	}
	ch := line[i]
	j := i
	for j < len(line) && line[j] == ch {
		j++
	}
	if j-i < 3 {
		return fence{}, false
	}
	k := j
	for k < len(line) && (line[k] == ' ' || line[k] == '\t') {
		k++
	}
	f := fence{indent: i, ch: ch, n: j - i, info: strings.TrimRight(line[k:], " \t"), infoOff: k}
	if ch == '`' && !f.directive() && strings.IndexByte(f.info, '`') >= 0 {
		return fence{}, false
	}
	return f, true
}

// opensDirective reports whether line opens a directive block with a fence
// that would also close a fence of n characters ch.
func opensDirective(line string, ch byte, n int) bool {
	f, ok := parseFence(line)
	return ok && f.directive() && f.ch == ch && f.n >= n
}

func fenceIndent(line string) int {
	i := 0
	for i < len(line) && line[i] == ' ' {
		i++
	}
	return i
}

// isClosing reports whether line closes a fence of n characters ch.
func isClosing(line string, ch byte, n int) bool {
	i := fenceIndent(line)
	if i > 3 {
		return false
	}
	j := i
	for j < len(line) && line[j] == ch {
		j++
	}
	return j-i >= n && strings.Trim(line[j:], " \t") == ""
}

func isBlank(line string) bool { return strings.Trim(line, " \t") == "" }

// option is a parsed option line with the offsets of its parts in the line.
type option struct {
	Option
	keyOff, valOff int
}

const (
	notOption = iota
	goodOption
	badOption // looks like an option, but the key is not a valid name
)

// parseOption parses ":key: value", after up to three spaces.
func parseOption(line string) (option, int) {
	i := fenceIndent(line)
	if i > 3 || i >= len(line) || line[i] != ':' {
		return option{}, notOption
	}
	j := strings.IndexByte(line[i+1:], ':')
	if j <= 0 {
		return option{}, notOption
	}
	key := line[i+1 : i+1+j]
	rest := line[i+2+j:]
	v := strings.TrimLeft(rest, spaces)
	o := option{
		Option: Option{Key: key, Value: strings.TrimRight(v, spaces)},
		keyOff: i + 1,
		valOff: len(line) - len(v),
	}
	if isKey(key) {
		return o, goodOption
	}
	if strings.TrimLeft(key, spaces) == key && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
		return o, badOption
	}
	return option{}, notOption
}

const spaces = " \t\r\v\f"

func suggestOption(key string) string {
	s := strings.ToLower(strings.Join(strings.Fields(key), "-"))
	if isKey(s) {
		return fmt.Sprintf(", e.g. :%s:", s)
	}
	return ""
}

// isID reports whether s matches [A-Za-z][A-Za-z0-9_-]*: block ids and kinds.
func isID(s string) bool {
	return s != "" && isLetter(s[0]) && isWord(s[1:])
}

// isName reports whether s matches [A-Za-z_][A-Za-z0-9_-]*: param names and
// result fields.
func isName(s string) bool {
	return s != "" && (isLetter(s[0]) || s[0] == '_') && isWord(s[1:])
}

// isKey reports whether s matches [a-z][a-z0-9_-]*: option keys.
func isKey(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || isDigit(c) || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func isWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isWordByte(s[i]) {
			return false
		}
	}
	return true
}

func isWordByte(c byte) bool { return isLetter(c) || isDigit(c) || c == '_' || c == '-' }
func isLetter(c byte) bool   { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool    { return '0' <= c && c <= '9' }
