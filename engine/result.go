package engine

import (
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Result is what a directive produces. Everything a report shows comes from
// Results: the renderer reads them and never runs anything.
type Result struct {
	// Values are named scalars, read in prose as {val}`id.name`.
	Values map[string]Value `json:"values,omitempty"`
	// Tables are rendered as GFM/HTML tables and written to data/ as CSV.
	Tables []Table `json:"tables,omitempty"`
	// Series are raw samples. The store keeps them apart from the payload,
	// compactly, so statistics and plots can be recomputed on re-render.
	Series []Series `json:"series,omitempty"`
	// Figures are plot specifications, drawn at render time.
	Figures []Figure `json:"figures,omitempty"`
	// Files are produced files (e.g. a descriptor database); the bundle
	// holds each as data/<id>-<name>.
	Files []File `json:"files,omitempty"`
	// Text is preformatted output (e.g. a command's stdout), shown verbatim
	// and escaped.
	Text string `json:"text,omitempty"`
	// Warnings travel as data and are shown as footnotes.
	Warnings []string `json:"warnings,omitempty"`
	// NotAvailable, when set, says why the directive had nothing to measure
	// (absent hardware or service). The report shows "not available: <reason>".
	NotAvailable string `json:"not_available,omitempty"`
	// Meta holds the provenance facts the directive itself reports, such as
	// the host and executor it ran on.
	Meta map[string]string `json:"meta,omitempty"`
}

// Value is a named scalar: a number with a unit, or a text.
type Value struct {
	Num  float64 `json:"num,omitempty"`
	Unit string  `json:"unit,omitempty"`
	// Text, when non-empty, makes the value textual; Num is then ignored.
	Text string `json:"text,omitempty"`
	// Projection marks a value computed by a declared model rather than
	// measured.
	Projection bool `json:"projection,omitempty"`
}

// Num returns a numeric Value.
func Num(v float64, unit string) Value { return Value{Num: v, Unit: unit} }

// Text returns a textual Value.
func Text(s string) Value { return Value{Text: s} }

// Format renders v with the printf verb format. The default ("") writes
// integers whole, large numbers without an exponent, and others with six
// significant digits: 149863532, 1234568, 10.2, 0.000123457.
func (v Value) Format(format string) string {
	if v.Text != "" {
		if format == "" {
			return v.Text
		}
		return fmt.Sprintf(format, v.Text)
	}
	if format != "" {
		return fmt.Sprintf(format, v.Num)
	}
	abs := math.Abs(v.Num)
	switch {
	case math.IsNaN(v.Num) || math.IsInf(v.Num, 0):
		return fmt.Sprint(v.Num)
	case v.Num == math.Trunc(v.Num) && abs < 1e15, abs >= 1e6 && abs < 1e15:
		return strconv.FormatFloat(v.Num, 'f', 0, 64)
	default:
		return strconv.FormatFloat(v.Num, 'g', 6, 64)
	}
}

// Table is a named table of text cells.
type Table struct {
	Name    string     `json:"name"`
	Caption string     `json:"caption,omitempty"`
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
}

// Column returns the index of the column named name, or -1.
func (t *Table) Column(name string) int { return slices.Index(t.Columns, name) }

// File is a file a directive produced.
type File struct {
	Name string `json:"name"`
	Data []byte `json:"data"`
}

// Series is a raw sample series: measured values with their unit.
type Series struct {
	Name   string    `json:"name"`
	Unit   string    `json:"unit,omitempty"`
	Values []float64 `json:"-"`
}

// Figure kinds.
const (
	Line = "line"
	Bar  = "bar"
	Box  = "box"
	Hist = "hist"
	ECDF = "ecdf"
)

// Figure is a plot specification. The renderer draws it with gonum/plot.
type Figure struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"` // Line, Bar, Box, Hist or ECDF
	Caption string `json:"caption,omitempty"`
	XLabel  string `json:"xlabel,omitempty"`
	YLabel  string `json:"ylabel,omitempty"`
	LogX    bool   `json:"logx,omitempty"`
	LogY    bool   `json:"logy,omitempty"`
	// Categories label the groups of a Bar figure.
	Categories []string     `json:"categories,omitempty"`
	Series     []FigureData `json:"series"`
}

// FigureData is one series of a figure. For Line, X and Y are paired points;
// for Bar, Y holds one value per category; for Box, Hist and ECDF, Y holds
// the samples and X is unused.
type FigureData struct {
	Name string    `json:"name,omitempty"`
	X    []float64 `json:"x,omitempty"`
	Y    []float64 `json:"y"`
}
