package directives

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/tcpreport/tcpreport/engine"
)

// Table is the {table} directive: it shows a table of its :from: input,
// with columns chosen, rows sorted and limited.
type Table struct{}

// NewTable returns the {table} directive.
func NewTable() *Table { return &Table{} }

// Kind returns "table".
func (*Table) Kind() string { return "table" }

// Version returns the implementation version.
func (*Table) Version() int { return 1 }

// Options declares table, columns, sort and limit.
func (*Table) Options() []engine.OptionSpec {
	return []engine.OptionSpec{
		{Name: "table", Type: engine.String,
			Help: "which table of the input, by name (default: the first)"},
		{Name: "columns", Type: engine.List,
			Help: "the columns to show, in this order (default: all)"},
		{Name: "sort", Type: engine.String,
			Help: "the column to sort by, ascending, numbers by value; -column sorts descending"},
		{Name: "limit", Type: engine.Int,
			Help: "show at most this many rows, after sorting"},
	}
}

// Run builds the table.
func (*Table) Run(ctx context.Context, req *engine.Request) (*engine.Result, error) {
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
	src, err := pickTable(in, req.Opts.String("table"), req.From[0])
	if err != nil {
		return nil, err
	}
	t := engine.Table{Name: "table", Columns: src.Columns, Rows: slices.Clone(src.Rows)}
	if t.Rows == nil {
		t.Rows = [][]string{}
	}

	if key := req.Opts.String("sort"); key != "" {
		name, desc := strings.CutPrefix(key, "-")
		c := t.Column(name)
		if c < 0 {
			return nil, fmt.Errorf("sort: unknown column %q (available: %s)", name, strings.Join(t.Columns, ", "))
		}
		slices.SortStableFunc(t.Rows, func(a, b []string) int {
			r := compareCells(cell(a, c), cell(b, c))
			if desc {
				return -r
			}
			return r
		})
	}
	if req.Opts.Has("limit") {
		n := req.Opts.Int("limit")
		if n < 1 {
			return nil, fmt.Errorf("limit: %d; use 1 or more", n)
		}
		t.Rows = t.Rows[:min(n, len(t.Rows))]
	}
	if cols := req.Opts.List("columns"); len(cols) > 0 {
		idx := make([]int, len(cols))
		for i, name := range cols {
			if idx[i] = t.Column(name); idx[i] < 0 {
				return nil, fmt.Errorf("columns: unknown column %q (available: %s)", name, strings.Join(t.Columns, ", "))
			}
		}
		rows := make([][]string, len(t.Rows))
		for r, row := range t.Rows {
			rows[r] = make([]string, len(idx))
			for i, c := range idx {
				rows[r][i] = cell(row, c)
			}
		}
		t.Columns, t.Rows = slices.Clone(cols), rows
	} else {
		t.Columns = slices.Clone(t.Columns)
	}
	return &engine.Result{Tables: []engine.Table{t}}, nil
}

// pickTable returns the table of in named name (the first if name is ""),
// or, if in has no table but has values, a table of its values.
func pickTable(in *engine.Result, name, from string) (*engine.Table, error) {
	if len(in.Tables) == 0 {
		if len(in.Values) == 0 {
			return nil, fmt.Errorf("from: %s has no table and no values to show", from)
		}
		if name != "" {
			return nil, fmt.Errorf("table: %s has no tables, only values; remove :table: to show its values", from)
		}
		return valuesTable(in.Values), nil
	}
	if name == "" {
		return &in.Tables[0], nil
	}
	var names []string
	for i := range in.Tables {
		if in.Tables[i].Name == name {
			return &in.Tables[i], nil
		}
		names = append(names, in.Tables[i].Name)
	}
	return nil, fmt.Errorf("table: %s has no table %q (available: %s)", from, name, strings.Join(names, ", "))
}

// valuesTable lists values by name. A column "source" marks projections,
// when there are any, so that they are never shown as measurements.
func valuesTable(vals map[string]engine.Value) *engine.Table {
	t := &engine.Table{Columns: []string{"name", "value", "unit"}}
	projections := false
	for _, v := range vals {
		projections = projections || v.Projection
	}
	if projections {
		t.Columns = append(t.Columns, "source")
	}
	for _, name := range slices.Sorted(maps.Keys(vals)) {
		v := vals[name]
		row := []string{name, v.Format(""), v.Unit}
		if projections {
			row = append(row, map[bool]string{true: "projection", false: "measured"}[v.Projection])
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

func cell(row []string, c int) string {
	if c < len(row) {
		return row[c]
	}
	return ""
}

// compareCells orders numbers by value before any text, and text
// lexically.
func compareCells(a, b string) int {
	x, errA := strconv.ParseFloat(strings.TrimSpace(a), 64)
	y, errB := strconv.ParseFloat(strings.TrimSpace(b), 64)
	switch {
	case errA == nil && errB == nil:
		return cmp.Compare(x, y)
	case errA == nil:
		return -1
	case errB == nil:
		return 1
	}
	return strings.Compare(a, b)
}
