package doc

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Error is a problem in a report source, at a position, optionally about one
// directive. Its text reads
//
//	gate8.md:57:1: bench fig-throughput: sizes: "4KB" is not a size (use 4KiB, 1MiB, ...)
type Error struct {
	Pos  Pos
	Kind string // directive kind, if the error is about a directive
	ID   string // directive id, if known
	Msg  string
	Err  error // the cause, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Pos.String())
	b.WriteString(": ")
	if e.Kind != "" || e.ID != "" {
		b.WriteString(strings.TrimSpace(e.Kind + " " + e.ID))
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error at pos about block b (which may be nil).
func Errorf(pos Pos, b *Block, format string, args ...any) *Error {
	e := &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
	if b != nil {
		e.Kind, e.ID = b.Kind, b.ID
	}
	return e
}

// ErrorList is every error found in a source, sorted by position.
type ErrorList []*Error

func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Sort orders l by file, line and column, keeping the order of errors at the
// same position.
func (l ErrorList) Sort() {
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(
			cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col),
		)
	})
}

// Err returns l sorted as an error, or nil if l is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	l.Sort()
	return l
}
