package stats

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestParseSamples(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []float64
		errs []string // the error's lines
	}{
		{"plain", "1\n2.5\n-3e-2\n", []float64{1, 2.5, -0.03}, nil},
		{"comments and blanks", "# timings, ns\n\n  12 \n13 # warm\r\n\t\n0x1p-2\n", []float64{12, 13, 0.25}, nil},
		{"no final newline", "4\n5", []float64{4, 5}, nil},
		{"BOM", "\uFEFF7\n", []float64{7}, nil},
		{"empty", "", nil, []string{"a.txt: no numbers found; write one number per line (# starts a comment)"}},
		{"only comments", "# nothing\n\n", nil, []string{"a.txt: no numbers found"}},
		{"comma", "1\n1,5\n", nil, []string{`a.txt:2: "1,5" is not a number; use a dot for decimals (1.5)`}},
		{"unit", "12ms\n", nil, []string{`a.txt:1: "12ms" is not a number; drop the unit "ms" and write every value in the same unit`}},
		{"two fields", "1 2\n", nil, []string{`a.txt:1: "1 2" has 2 fields; write one number per line`}},
		{"word", "x\n", nil, []string{`a.txt:1: "x" is not a number; write one number per line, like 1.5 or 2e-3`}},
		{"NaN", "1\nNaN\n", nil, []string{`a.txt:2: "NaN" is not a finite number; remove the line or measure again`}},
		{"Inf", "-inf\n", nil, []string{`a.txt:1: "-inf" is not a finite number`}},
		{"range", "1e999\n", nil, []string{`a.txt:1: "1e999" is out of the range of float64 (about ±1.8e308); rescale the unit`}},
		{"every bad line, in order", "a\n1\nb\n", nil, []string{`a.txt:1: "a"`, `a.txt:3: "b"`}},
		{"many bad lines", strings.Repeat("z\n", 13), nil, append(slices.Repeat([]string{`"z" is not a number`}, 10), "a.txt: and 3 more lines that are not numbers")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSamples(strings.NewReader(tt.in), "a.txt")
			if tt.errs == nil {
				if err != nil || !slices.Equal(got, tt.want) {
					t.Errorf("ParseSamples = %v, %v; want %v", got, err, tt.want)
				}
				return
			}
			var se *SyntaxError
			if err == nil || !errors.As(err, &se) {
				t.Fatalf("error %v, want *SyntaxError", err)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.errs) {
				t.Fatalf("errors:\n%v\nwant %d", err, len(tt.errs))
			}
			for i, want := range tt.errs {
				if !strings.Contains(lines[i], want) {
					t.Errorf("error %d = %q, want %q", i, lines[i], want)
				}
			}
		})
	}
}

// FuzzParseSamples checks that ParseSamples never panics, that every error
// points inside the input, that every value is finite, and that printing
// the values and parsing them again gives them back.
func FuzzParseSamples(f *testing.F) {
	for _, s := range []string{"1\n2\n", "# c\n1.5 # x\n\n", "1,5\n", "12ms\n", "NaN\n1e999\n", "\uFEFF0x1p-3\r\n", "a b\n\x00\n", strings.Repeat("q\n", 12)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		x, err := ParseSamples(strings.NewReader(in), "f")
		lines := strings.Count(in, "\n") + 1
		if err != nil {
			if x != nil {
				t.Fatalf("values %v with error %v", x, err)
			}
			var joined interface{ Unwrap() []error }
			errs := []error{err}
			if errors.As(err, &joined) {
				errs = joined.Unwrap()
			}
			for _, e := range errs {
				var se *SyntaxError
				if !errors.As(e, &se) || se.File != "f" || se.Line < 0 || se.Line > lines {
					t.Fatalf("error %#v outside the input's %d lines", e, lines)
				}
			}
			return
		}
		var b strings.Builder
		for _, v := range x {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("non-finite value %v", v)
			}
			b.WriteString(strconv.FormatFloat(v, 'g', -1, 64) + "\n")
		}
		again, err := ParseSamples(strings.NewReader(b.String()), "f")
		if err != nil || !slices.Equal(again, x) {
			t.Fatalf("round trip: %v, %v; want %v", again, err, x)
		}
	})
}
