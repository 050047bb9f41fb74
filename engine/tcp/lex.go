package tcp

import (
	"errors"
	"fmt"
)

// MaxLineLen is the longest command line Decide accepts, in bytes.
const MaxLineLen = 1 << 20

// Errors of Decide for command lines it cannot read, matched with
// errors.Is; the returned error is a *SyntaxError with the position.
var (
	ErrEmpty   = errors.New("empty command line")
	ErrTooLong = errors.New("command line too long")
	ErrNUL     = errors.New("NUL byte in command line")
	ErrQuote   = errors.New("unbalanced quote")
	ErrEscape  = errors.New("unfinished escape")
	ErrSyntax  = errors.New("shell syntax error")
	ErrNesting = errors.New("nested too deeply")
)

// SyntaxError is a command line Decide cannot read. Offset is the 0-based
// byte offset of the problem in the line given to Decide; Col is Offset+1.
type SyntaxError struct {
	Offset int
	Err    error // ErrEmpty, ErrTooLong, ErrNUL, ErrQuote, ErrEscape, ErrSyntax, ErrNesting
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("command line: col %d: %s", e.Offset+1, e.Msg)
}

func (e *SyntaxError) Unwrap() error { return e.Err }

// tokKind is the kind of a shell token.
type tokKind uint8

const (
	tEOF   tokKind = iota
	tWord          // a word, quotes removed
	tPipe          // | or |&
	tAnd           // &&
	tOr            // ||
	tSep           // ; & or newline
	tOpen          // (
	tClose         // )
	tRedir         // > >> < 2> &> >& <<< … (op holds the operator)
)

// span is a byte range of the lexer's source.
type span struct{ start, end int }

// token is one token; for words, s aliases the source unless the word had
// quotes or escapes that had to be removed.
type token struct {
	kind tokKind
	s    string // word text, or the operator
	pos  int    // offset in the lexer's source
}

// lexer splits a command line into shell tokens: words with POSIX quote
// removal ('…', "…", \x), and the control and redirection operators. It
// does not expand anything: $VAR, globs and ~ stay as written. Command and
// process substitutions ($(…), `…`, <(…), >(…)) stay in the word's text and
// their spans are recorded in subs so the caller can decide them too.
type lexer struct {
	src string
	pos int
	// The substitutions in the last word: the first few in an array (a
	// slice into the lexer would make it escape to the heap), the rest in
	// more.
	subArr [4]span
	nsub   int
	more   []span
	buf    []byte
}

// addSub records a substitution of the current word.
func (l *lexer) addSub(s span) {
	if l.nsub < len(l.subArr) {
		l.subArr[l.nsub] = s
	} else {
		l.more = append(l.more, s)
	}
	l.nsub++
}

// sub returns the i-th substitution of the last word.
func (l *lexer) sub(i int) span {
	if i < len(l.subArr) {
		return l.subArr[i]
	}
	return l.more[i-len(l.subArr)]
}

func (l *lexer) errorf(pos int, err error, format string, args ...any) error {
	return &SyntaxError{Offset: pos, Err: err, Msg: fmt.Sprintf(format, args...)}
}

// isMeta reports whether c ends an unquoted word.
func isMeta(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', ';', '&', '|', '(', ')', '<', '>':
		return true
	}
	return false
}

// next returns the next token.
func (l *lexer) next() (token, error) {
	src := l.src
	i := l.pos
	for i < len(src) && (src[i] == ' ' || src[i] == '\t' || src[i] == '\r') {
		i++
	}
	if i < len(src) && src[i] == '#' { // a comment runs to the end of the line
		for i < len(src) && src[i] != '\n' {
			i++
		}
	}
	l.pos = i
	if i >= len(src) {
		return token{kind: tEOF, pos: i}, nil
	}
	c := src[i]
	two := ""
	if i+1 < len(src) {
		two = src[i : i+2]
	}
	switch c {
	case '\n', ';':
		l.pos = i + 1
		return token{kind: tSep, s: src[i : i+1], pos: i}, nil
	case '(':
		l.pos = i + 1
		return token{kind: tOpen, s: "(", pos: i}, nil
	case ')':
		l.pos = i + 1
		return token{kind: tClose, s: ")", pos: i}, nil
	case '|':
		switch two {
		case "||":
			l.pos = i + 2
			return token{kind: tOr, s: two, pos: i}, nil
		case "|&":
			l.pos = i + 2
			return token{kind: tPipe, s: two, pos: i}, nil
		}
		l.pos = i + 1
		return token{kind: tPipe, s: "|", pos: i}, nil
	case '&':
		switch {
		case two == "&&":
			l.pos = i + 2
			return token{kind: tAnd, s: two, pos: i}, nil
		case two == "&>":
			n := 2
			if i+2 < len(src) && src[i+2] == '>' {
				n = 3
			}
			l.pos = i + n
			return token{kind: tRedir, s: src[i : i+n], pos: i}, nil
		}
		l.pos = i + 1
		return token{kind: tSep, s: "&", pos: i}, nil
	case '<', '>':
		if two == "<(" || two == ">(" { // process substitution: a word
			return l.word(i)
		}
		return l.redir(i, i), nil
	}
	// An all-digit word directly followed by < or > is a file descriptor
	// number of a redirection (2>/dev/null).
	j := i
	for j < len(src) && src[j] >= '0' && src[j] <= '9' {
		j++
	}
	if j > i && j < len(src) && (src[j] == '<' || src[j] == '>') && (j+1 >= len(src) || src[j+1] != '(') {
		return l.redir(i, j), nil
	}
	return l.word(i)
}

// redir lexes the redirection operator at op (with an fd number from start).
func (l *lexer) redir(start, op int) token {
	src := l.src
	j := op + 1
	switch {
	case src[op] == '>' && j < len(src) && (src[j] == '>' || src[j] == '|' || src[j] == '&'):
		j++
	case src[op] == '<' && j < len(src) && src[j] == '<':
		j++
		if j < len(src) && (src[j] == '<' || src[j] == '-') {
			j++
		}
	case src[op] == '<' && j < len(src) && (src[j] == '>' || src[j] == '&'):
		j++
	}
	l.pos = j
	return token{kind: tRedir, s: src[start:j], pos: start}
}

// word lexes the word starting at start.
func (l *lexer) word(start int) (token, error) {
	src := l.src
	l.nsub, l.more = 0, l.more[:0]
	// First pass: find the end and whether quote removal is needed.
	plain := true
	i := start
	for i < len(src) {
		c := src[i]
		if isMeta(c) {
			if (c == '<' || c == '>') && i+1 < len(src) && src[i+1] == '(' && i == start {
				end, err := l.parens(i + 1)
				if err != nil {
					return token{}, err
				}
				l.addSub(span{i + 2, end})
				i = end + 1
				continue
			}
			break
		}
		switch c {
		case '\'':
			plain = false
			end := indexByteFrom(src, i+1, '\'')
			if end < 0 {
				return token{}, l.errorf(i, ErrQuote, "unbalanced single quote: no closing ' (close it, or escape it as \\')")
			}
			i = end + 1
		case '"':
			plain = false
			end, err := l.dquote(i)
			if err != nil {
				return token{}, err
			}
			i = end + 1
		case '\\':
			plain = false
			if i+1 >= len(src) {
				return token{}, l.errorf(i, ErrEscape, "backslash at the end of the line escapes nothing (remove it, or write \\\\)")
			}
			i += 2
		case '`':
			end, err := l.backquote(i)
			if err != nil {
				return token{}, err
			}
			l.addSub(span{i + 1, end})
			i = end + 1
		case '$':
			n, err := l.dollar(i)
			if err != nil {
				return token{}, err
			}
			i = n
		default:
			i++
		}
	}
	l.pos = i
	raw := src[start:i]
	if plain {
		return token{kind: tWord, s: raw, pos: start}, nil
	}
	if n := len(raw); n >= 2 && raw[0] == '\'' && raw[n-1] == '\'' && indexByteFrom(raw, 1, '\'') == n-1 {
		return token{kind: tWord, s: raw[1 : n-1], pos: start}, nil // one single-quoted run
	}
	return token{kind: tWord, s: l.unquote(raw), pos: start}, nil
}

// unquote removes quotes and escapes from a raw word that word has already
// checked. It walks the word with the same scanners as word (on a lexer
// over raw), so both agree on where quotes and substitutions end; the
// text of substitutions is kept as written.
func (l *lexer) unquote(raw string) string {
	t := lexer{src: raw}
	// skip returns the end of the construct at j that scan finds, never
	// less than j+1 so that the walk always advances.
	skip := func(j, end int, err error) int {
		if err != nil || end <= j {
			return len(raw)
		}
		return end
	}
	b := l.buf[:0]
	for i := 0; i < len(raw); {
		switch c := raw[i]; {
		case c == '\\':
			if i+1 < len(raw) && raw[i+1] != '\n' { // backslash-newline continues the line
				b = append(b, raw[i+1])
			}
			i += 2
		case c == '\'':
			end := indexByteFrom(raw, i+1, '\'')
			if end < 0 {
				end = len(raw)
			}
			b = append(b, raw[i+1:end]...)
			i = end + 1
		case c == '"':
			end, err := t.dquote(i)
			end = skip(i, end, err)
			for j := i + 1; j < end; {
				switch raw[j] {
				case '\\':
					if j+1 < end {
						switch raw[j+1] {
						case '$', '`', '"', '\\':
							b = append(b, raw[j+1])
							j += 2
							continue
						case '\n':
							j += 2
							continue
						}
					}
					b = append(b, '\\')
					j++
				case '$':
					n, err := t.dollar(j)
					n = skip(j, n, err)
					b = append(b, raw[j:min(n, end)]...)
					j = n
				case '`':
					e, err := t.backquote(j)
					e = skip(j, e+1, err)
					b = append(b, raw[j:min(e, end)]...)
					j = e
				default:
					b = append(b, raw[j])
					j++
				}
			}
			i = end + 1
		case c == '$':
			n, err := t.dollar(i)
			n = skip(i, n, err)
			b = append(b, raw[i:n]...)
			i = n
		case c == '`':
			e, err := t.backquote(i)
			e = skip(i, e+1, err)
			b = append(b, raw[i:e]...)
			i = e
		case (c == '<' || c == '>') && i+1 < len(raw) && raw[i+1] == '(':
			e, err := t.parens(i + 1)
			e = skip(i, e+1, err)
			b = append(b, raw[i:e]...)
			i = e
		default:
			b = append(b, c)
			i++
		}
	}
	l.buf = b
	return string(b)
}

func indexByteFrom(s string, from int, c byte) int {
	for i := from; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// dquote returns the offset of the " closing the double-quoted string that
// opens at i, recording substitutions inside it.
func (l *lexer) dquote(i int) (int, error) {
	src := l.src
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '"':
			return j, nil
		case '\\':
			j++
		case '`':
			end, err := l.backquote(j)
			if err != nil {
				return 0, err
			}
			l.addSub(span{j + 1, end})
			j = end
		case '$':
			n, err := l.dollar(j)
			if err != nil {
				return 0, err
			}
			j = n - 1
		}
	}
	return 0, l.errorf(i, ErrQuote, "unbalanced double quote: no closing \" (close it, or escape it as \\\")")
}

// backquote returns the offset of the ` closing the one at i.
func (l *lexer) backquote(i int) (int, error) {
	src := l.src
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			j++
		case '`':
			return j, nil
		}
	}
	return 0, l.errorf(i, ErrQuote, "unbalanced backquote: no closing ` (close the command substitution)")
}

// dollar handles the $ at i and returns the offset after what it starts:
// $(…) records a command substitution, $((…)) is arithmetic, ${…} a
// parameter expansion; anything else is the plain $.
func (l *lexer) dollar(i int) (int, error) {
	src := l.src
	if i+1 >= len(src) {
		return i + 1, nil
	}
	switch src[i+1] {
	case '(':
		end, err := l.parens(i + 1)
		if err != nil {
			return 0, err
		}
		if i+2 < len(src) && src[i+2] == '(' && end > i+3 && src[end-1] == ')' {
			return end + 1, nil // $((arithmetic)): not a command
		}
		l.addSub(span{i + 2, end})
		return end + 1, nil
	case '{':
		depth := 0
		for j := i + 1; j < len(src); j++ {
			switch src[j] {
			case '{':
				depth++
			case '}':
				if depth--; depth == 0 {
					return j + 1, nil
				}
			case '\\':
				j++
			case '\'':
				if end := indexByteFrom(src, j+1, '\''); end > 0 {
					j = end
				}
			}
		}
		return 0, l.errorf(i, ErrSyntax, "unclosed ${ (add the closing })")
	}
	return i + 1, nil
}

// parens returns the offset of the ) that closes the ( at open, skipping
// quoted text and nested parentheses.
func (l *lexer) parens(open int) (int, error) {
	src := l.src
	depth := 0
	for j := open; j < len(src); j++ {
		switch src[j] {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return j, nil
			}
		case '\\':
			j++
		case '\'':
			end := indexByteFrom(src, j+1, '\'')
			if end < 0 {
				return 0, l.errorf(j, ErrQuote, "unbalanced single quote inside $( … ) (close it)")
			}
			j = end
		case '"':
			for j++; j < len(src) && src[j] != '"'; j++ {
				if src[j] == '\\' {
					j++
				}
			}
			if j >= len(src) {
				return 0, l.errorf(open, ErrQuote, "unbalanced double quote inside $( … ) (close it)")
			}
		case '`':
			end, err := l.backquote(j)
			if err != nil {
				return 0, err
			}
			j = end
		}
	}
	return 0, l.errorf(open-1, ErrSyntax, "unclosed command substitution: no ) for this ( (close it)")
}
