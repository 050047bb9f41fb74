package directives

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/tcpreport/tcpreport/engine"
)

// Plot is the {plot} directive: it turns a table or the raw series of its
// :from: input into a figure, drawn at render time.
type Plot struct{}

// NewPlot returns the {plot} directive.
func NewPlot() *Plot { return &Plot{} }

// Kind returns "plot".
func (*Plot) Kind() string { return "plot" }

// Version returns the implementation version.
func (*Plot) Version() int { return 1 }

// Options declares x, y, kind, logx, logy, table, series, xlabel and ylabel.
func (*Plot) Options() []engine.OptionSpec {
	return []engine.OptionSpec{
		{Name: "x", Type: engine.String,
			Help: "the column of x values (line) or of categories (bar)"},
		{Name: "y", Type: engine.List,
			Help: "the columns to plot: one line or bar group each, or one distribution each (box, hist, ecdf)"},
		{Name: "kind", Type: engine.Enum, Default: engine.Line,
			Enum: []string{engine.Line, engine.Bar, engine.Box, engine.Hist, engine.ECDF},
			Help: "line, bar, box, hist or ecdf"},
		{Name: "logx", Type: engine.Bool, Default: "false", Help: "logarithmic x axis"},
		{Name: "logy", Type: engine.Bool, Default: "false", Help: "logarithmic y axis"},
		{Name: "table", Type: engine.String,
			Help: "which table of the input, by name (default: the first)"},
		{Name: "series", Type: engine.List,
			Help: "raw sample series of the input to plot, by name (box, hist, ecdf)"},
		{Name: "xlabel", Type: engine.String, Help: "the x axis label"},
		{Name: "ylabel", Type: engine.String, Help: "the y axis label"},
	}
}

// Run builds the figure, named after the directive's id.
func (*Plot) Run(ctx context.Context, req *engine.Request) (*engine.Result, error) {
	in, err := req.Input()
	if err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if in == nil {
		return nil, fmt.Errorf("from: the input %s has no result", req.From[0])
	}
	if in.NotAvailable != "" {
		return &engine.Result{NotAvailable: in.NotAvailable}, nil
	}
	o := req.Opts
	kind := o.String("kind")
	if kind == "" {
		kind = engine.Line
	}
	x, ys, series := o.String("x"), o.List("y"), o.List("series")
	fig := engine.Figure{
		Name:   req.ID,
		Kind:   kind,
		LogX:   o.Bool("logx"),
		LogY:   o.Bool("logy"),
		Series: []engine.FigureData{},
	}
	from := req.From[0]

	// positive lists the data that must be > 0 on a log axis.
	type check struct {
		opt, label, unit string // unit: "row" or "sample"
		vals             []float64
	}
	var checks []check
	var xlabel, ylabel string

	switch kind {
	case engine.Line, engine.Bar:
		if x == "" {
			return nil, fmt.Errorf("x: missing; %s plot needs the column of its %s (:x: column)", article(kind),
				map[string]string{engine.Line: "x values", engine.Bar: "categories"}[kind])
		}
		if len(ys) == 0 {
			return nil, fmt.Errorf("y: missing; name the columns to plot (:y: a, b)")
		}
		if len(series) > 0 {
			return nil, fmt.Errorf("series: %s plot draws table columns; raw series go in box, hist or ecdf plots", article(kind))
		}
		t, err := plotTable(in, o.String("table"), from)
		if err != nil {
			return nil, err
		}
		xc, err := plotColumn(t, "x", x)
		if err != nil {
			return nil, err
		}
		var xs []float64
		if kind == engine.Line {
			if xs, err = numbers(t, "x", xc); err != nil {
				return nil, err
			}
			checks = append(checks, check{"logx", fmt.Sprintf("column %q", x), "row", xs})
		} else {
			for _, row := range t.Rows {
				fig.Categories = append(fig.Categories, cell(row, xc))
			}
		}
		for _, y := range ys {
			vals, err := columnNumbers(t, y)
			if err != nil {
				return nil, err
			}
			fig.Series = append(fig.Series, engine.FigureData{Name: y, X: xs, Y: vals})
			checks = append(checks, check{"logy", fmt.Sprintf("column %q", y), "row", vals})
		}
		xlabel = x
		if len(ys) == 1 {
			ylabel = ys[0]
		}

	case engine.Box, engine.Hist, engine.ECDF:
		if x != "" {
			return nil, fmt.Errorf("x: %s plot draws the distribution of :y: columns or :series: and has no x column; remove the :x: option", article(kind))
		}
		if len(ys) == 0 && len(series) == 0 {
			return nil, fmt.Errorf("y: missing; %s plot needs :y: columns of the input's table or :series: names of its raw series", article(kind))
		}
		axis := "logx"
		if kind == engine.Box {
			axis = "logy"
		}
		var labels []string
		if len(ys) > 0 {
			t, err := plotTable(in, o.String("table"), from)
			if err != nil {
				return nil, err
			}
			for _, y := range ys {
				vals, err := columnNumbers(t, y)
				if err != nil {
					return nil, err
				}
				fig.Series = append(fig.Series, engine.FigureData{Name: y, Y: vals})
				checks = append(checks, check{axis, fmt.Sprintf("column %q", y), "row", vals})
				labels = append(labels, y)
			}
		}
		for _, name := range series {
			s, err := findSeries(in, name, from)
			if err != nil {
				return nil, err
			}
			if len(s.Values) == 0 {
				return nil, fmt.Errorf("series: %q of %s holds no samples", name, from)
			}
			fig.Series = append(fig.Series, engine.FigureData{Name: name, Y: s.Values})
			checks = append(checks, check{axis, fmt.Sprintf("series %q", name), "sample", s.Values})
			label := name
			if s.Unit != "" {
				label += " (" + s.Unit + ")"
			}
			labels = append(labels, label)
		}
		single := ""
		if len(labels) == 1 {
			single = labels[0]
		}
		switch kind {
		case engine.Box:
			ylabel = single
		case engine.Hist:
			xlabel, ylabel = single, "count"
		case engine.ECDF:
			xlabel, ylabel = single, "cumulative fraction"
		}

	default:
		return nil, fmt.Errorf("kind: %q is not one of line, bar, box, hist, ecdf", kind)
	}

	for _, c := range checks {
		if !o.Bool(c.opt) {
			continue
		}
		for i, v := range c.vals {
			if v <= 0 {
				return nil, fmt.Errorf("%s: a logarithmic axis needs values above 0, but %s has %g at %s %d; remove the :%s: option",
					c.opt, c.label, v, c.unit, i+1, c.opt)
			}
		}
	}
	fig.XLabel, fig.YLabel = xlabel, ylabel
	if o.String("xlabel") != "" {
		fig.XLabel = o.String("xlabel")
	}
	if o.String("ylabel") != "" {
		fig.YLabel = o.String("ylabel")
	}
	return &engine.Result{Figures: []engine.Figure{fig}}, nil
}

// plotTable is pickTable for plots, which need rows.
func plotTable(in *engine.Result, name, from string) (*engine.Table, error) {
	t, err := pickTable(in, name, from)
	if err != nil {
		return nil, err
	}
	if len(t.Rows) == 0 {
		return nil, fmt.Errorf("table: %s's table %q has no rows to plot", from, t.Name)
	}
	return t, nil
}

func plotColumn(t *engine.Table, opt, name string) (int, error) {
	c := t.Column(name)
	if c < 0 {
		return 0, fmt.Errorf("%s: unknown column %q (available: %s)", opt, name, strings.Join(t.Columns, ", "))
	}
	return c, nil
}

// numbers parses column c of t; rows count from 1, after the header.
func numbers(t *engine.Table, opt string, c int) ([]float64, error) {
	vals := make([]float64, len(t.Rows))
	for r, row := range t.Rows {
		s := cell(row, c)
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%s: row %d, column %q: %q is not a number", opt, r+1, t.Columns[c], s)
		}
		vals[r] = v
	}
	return vals, nil
}

func findSeries(in *engine.Result, name, from string) (*engine.Series, error) {
	var names []string
	for i := range in.Series {
		if in.Series[i].Name == name {
			return &in.Series[i], nil
		}
		names = append(names, in.Series[i].Name)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("series: %s has no raw series; plot :y: columns of its table instead", from)
	}
	return nil, fmt.Errorf("series: %s has no series %q (available: %s)", from, name, strings.Join(names, ", "))
}

// article puts "a" or "an" before a figure kind.
func article(kind string) string {
	if kind == engine.ECDF {
		return "an " + kind
	}
	return "a " + kind
}

// columnNumbers returns the numbers of the :y: column named y.
func columnNumbers(t *engine.Table, y string) ([]float64, error) {
	yc, err := plotColumn(t, "y", y)
	if err != nil {
		return nil, err
	}
	return numbers(t, "y", yc)
}
