package doc

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// inline finds the roles and cross references of the paragraph s[from:to] of
// prose pr, whose text starts at offset base. Code spans are skipped; as in
// CommonMark a span opened by n backticks ends at the next run of exactly n
// backticks in the paragraph, and a backslash escapes punctuation outside
// spans.
func (p *parser) inline(pr *Prose, base, from, to int) {
	t := p.s[from:to]
	noCloser := make(map[int]int) // run length -> offset after which none closes
	closer := func(i, n int) int {
		if at, ok := noCloser[n]; ok && i >= at {
			return -1
		}
		j := findRun(t, i, n)
		if j < 0 {
			noCloser[n] = i
		}
		return j
	}
	for i := 0; i < len(t); {
		switch c := t[i]; c {
		case '\\':
			if i+1 < len(t) && isPunct(t[i+1]) {
				i += 2
			} else {
				i++
			}
		case '`':
			n := runLen(t, i, '`')
			if j := closer(i+n, n); j >= 0 {
				i = j + n
			} else {
				i += n
			}
		case '{':
			i = p.role(pr, base, from, t, i, closer)
		case '@':
			i = p.ref(pr, base, from, t, i)
		default:
			i++
		}
	}
}

// role parses a role at t[i] == '{' and returns where scanning goes on.
func (p *parser) role(pr *Prose, base, from int, t string, i int, closer func(i, n int) int) int {
	k := i + 1
	for k < len(t) && isWordByte(t[k]) {
		k++
	}
	if k == i+1 || k+1 >= len(t) || t[k] != '}' || t[k+1] != '`' {
		return i + 1
	}
	name := t[i+1 : k]
	pos := p.pos(from + i)
	n := runLen(t, k+1, '`')
	open := k + 1 + n
	j := closer(open, n)
	if j < 0 {
		p.errorf(pos, nil, "unclosed role {%s}: end it with %s", name, strings.Repeat("`", n))
		return open
	}
	r := Role{
		Name:    name,
		Content: t[open:j],
		Start:   from + i - base,
		End:     from + j + n - base,
		Pos:     pos,
	}
	switch name {
	case "val":
		if msg := parseVal(&r); msg != "" {
			p.errorf(pos, nil, "%s", msg)
			return j + n
		}
	case "param":
		if !isName(r.Content) {
			p.errorf(pos, nil, "malformed {param} role %q: write {param}`name`", r.Content)
			return j + n
		}
	default:
		p.errorf(pos, nil, "unknown role {%s}: the roles are {val} and {param}", name)
		return j + n
	}
	pr.Roles = append(pr.Roles, r)
	return j + n
}

// parseVal splits the content of a val role, "id.field" or
// "id.field:FORMAT", into r, and returns a message if it is malformed.
func parseVal(r *Role) string {
	ref, format, hasFormat := strings.Cut(r.Content, ":")
	target, field, ok := strings.Cut(ref, ".")
	if !ok || !isID(target) || !isName(field) {
		return "malformed {val} role " + strconv.Quote(r.Content) + ": write {val}`id.name` or {val}`id.name:%.2f`"
	}
	if hasFormat && !isVerb(format) {
		return "malformed {val} role " + strconv.Quote(r.Content) + ": the format " + strconv.Quote(format) +
			" is not one printf verb; use e.g. %.2f, %d, %g or %s"
	}
	r.Target, r.Field, r.Format = target, field, format
	return ""
}

// isVerb reports whether s is a single printf verb: %[flags][width][.prec]verb
// with at most two digits of width and precision.
func isVerb(s string) bool {
	if len(s) < 2 || s[0] != '%' {
		return false
	}
	i := 1
	for i < len(s) && strings.IndexByte("+-# 0", s[i]) >= 0 {
		i++
	}
	digits := func() bool {
		j := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		return i-j <= 2
	}
	if !digits() {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	return i == len(s)-1 && strings.IndexByte("bdoxXeEfFgGsqvt", s[i]) >= 0
}

// ref parses a cross reference at t[i] == '@' and returns where scanning
// goes on. A reference is not preceded by a letter, digit, '.' or '_', so
// that e-mail addresses are not read as references.
func (p *parser) ref(pr *Prose, base, from int, t string, i int) int {
	if i > 0 {
		r, _ := utf8.DecodeLastRuneInString(t[:i])
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '_' {
			return i + 1
		}
	}
	rest := t[i+1:]
	if !strings.HasPrefix(rest, "fig-") && !strings.HasPrefix(rest, "tbl-") && !strings.HasPrefix(rest, "sec-") {
		return i + 1
	}
	k := 4
	for k < len(rest) && isWordByte(rest[k]) {
		k++
	}
	for k > 4 && (rest[k-1] == '-' || rest[k-1] == '_') {
		k--
	}
	if k == 4 {
		return i + 1
	}
	pr.Refs = append(pr.Refs, Ref{
		Label: rest[:k],
		Start: from + i - base,
		End:   from + i + 1 + k - base,
		Pos:   p.pos(from + i),
	})
	return i + 1 + k
}

// runLen returns the length of the run of c starting at t[i].
func runLen(t string, i int, c byte) int {
	j := i
	for j < len(t) && t[j] == c {
		j++
	}
	return j - i
}

// findRun returns the offset of the first run of exactly n backticks in t at
// or after i, or -1.
func findRun(t string, i, n int) int {
	for i < len(t) {
		j := strings.IndexByte(t[i:], '`')
		if j < 0 {
			return -1
		}
		i += j
		m := runLen(t, i, '`')
		if m == n {
			return i
		}
		i += m
	}
	return -1
}

func isPunct(c byte) bool {
	return c < utf8.RuneSelf && unicode.IsPunct(rune(c)) || c < utf8.RuneSelf && unicode.IsSymbol(rune(c))
}
