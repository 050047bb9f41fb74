package stats

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode"
)

// SyntaxError is a line of a sample file that is not a finite number.
// Line 0 means the file as a whole.
type SyntaxError struct {
	File string
	Line int
	Msg  string
}

// Error returns "file:line: message", or "file: message" for Line 0.
func (e *SyntaxError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// maxSyntaxErrors is how many bad lines ParseSamples reports before it
// summarises the rest.
const maxSyntaxErrors = 10

// ParseSamples reads a sample file: one number per line, in any notation
// strconv.ParseFloat accepts (1.5, 2e-3, 0x1p-4); blank lines are skipped
// and # starts a comment, on its own line or after the number. file names
// the input in errors.
//
// Every bad line is reported, as a *SyntaxError naming file:line and the
// fix, up to 10 of them (then one saying how many more); they are joined
// with errors.Join, in line order. A file without any number is an error
// too.
func ParseSamples(r io.Reader, file string) ([]float64, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	var (
		x    []float64
		errs []error
		bad  int
	)
	for line := 1; len(data) > 0; line++ {
		var l []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			l, data = data[:i], data[i+1:]
		} else {
			l, data = data, nil
		}
		if i := bytes.IndexByte(l, '#'); i >= 0 {
			l = l[:i]
		}
		l = bytes.TrimSpace(l)
		if len(l) == 0 {
			continue
		}
		v, msg := parseSample(string(l))
		if msg != "" {
			bad++
			if bad <= maxSyntaxErrors {
				errs = append(errs, &SyntaxError{File: file, Line: line, Msg: msg})
			}
			continue
		}
		x = append(x, v)
	}
	if bad > maxSyntaxErrors {
		errs = append(errs, &SyntaxError{File: file, Msg: fmt.Sprintf("and %d more lines that are not numbers", bad-maxSyntaxErrors)})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(x) == 0 {
		return nil, &SyntaxError{File: file, Msg: "no numbers found; write one number per line (# starts a comment)"}
	}
	return x, nil
}

// parseSample parses one trimmed, non-empty field, or says what is wrong
// with it.
func parseSample(s string) (float64, string) {
	v, err := strconv.ParseFloat(s, 64)
	if err == nil && !math.IsNaN(v) && !math.IsInf(v, 0) {
		return v, ""
	}
	q := strconv.Quote(s)
	if len(q) > 62 {
		q = q[:58] + `..."`
	}
	if f := strings.Fields(s); len(f) > 1 {
		return 0, fmt.Sprintf("%s has %d fields; write one number per line", q, len(f))
	}
	if err == nil {
		return 0, fmt.Sprintf("%s is not a finite number; remove the line or measure again", q)
	}
	if errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Sprintf("%s is out of the range of float64 (about ±1.8e308); rescale the unit", q)
	}
	if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
		if _, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64); err == nil {
			return 0, fmt.Sprintf("%s is not a number; use a dot for decimals (%s)", q, strings.Replace(s, ",", ".", 1))
		}
	}
	// A number followed by a unit, such as 12ms.
	if i := strings.IndexFunc(s, unicode.IsLetter); i > 0 {
		if _, err := strconv.ParseFloat(s[:i], 64); err == nil {
			return 0, fmt.Sprintf("%s is not a number; drop the unit %q and write every value in the same unit", q, s[i:])
		}
	}
	return 0, fmt.Sprintf("%s is not a number; write one number per line, like 1.5 or 2e-3", q)
}
