package directives

import (
	"testing"

	"github.com/tcpreport/tcpreport/engine"
)

func tableInput() *engine.Result {
	return &engine.Result{Tables: []engine.Table{
		{Name: "first", Columns: []string{"tool", "ms", "note"}, Rows: [][]string{
			{"git", "10", "a"},
			{"ls", "9", "b"},
			{"cat", "n/a", "c"},
			{"rm", "2.5", "d"},
		}},
		{Name: "second", Columns: []string{"k"}, Rows: [][]string{{"v"}}},
	}}
}

func TestTable(t *testing.T) {
	tests := []struct {
		name string
		opts map[string]string
		in   *engine.Result
		cols []string
		rows [][]string
		err  string
	}{
		{name: "first table by default", in: tableInput(),
			cols: []string{"tool", "ms", "note"},
			rows: [][]string{{"git", "10", "a"}, {"ls", "9", "b"}, {"cat", "n/a", "c"}, {"rm", "2.5", "d"}}},
		{name: "table by name", opts: map[string]string{"table": "second"}, in: tableInput(),
			cols: []string{"k"}, rows: [][]string{{"v"}}},
		{name: "unknown table", opts: map[string]string{"table": "third"}, in: tableInput(),
			err: `table: in has no table "third" (available: first, second)`},
		{name: "columns select and reorder", opts: map[string]string{"columns": "note, tool"}, in: tableInput(),
			cols: []string{"note", "tool"},
			rows: [][]string{{"a", "git"}, {"b", "ls"}, {"c", "cat"}, {"d", "rm"}}},
		{name: "unknown column", opts: map[string]string{"columns": "tool, speed"}, in: tableInput(),
			err: `columns: unknown column "speed" (available: tool, ms, note)`},
		{name: "sort numbers by value, text last", opts: map[string]string{"sort": "ms", "columns": "tool"}, in: tableInput(),
			cols: []string{"tool"}, rows: [][]string{{"rm"}, {"ls"}, {"git"}, {"cat"}}},
		{name: "sort descending", opts: map[string]string{"sort": "-ms"}, in: tableInput(),
			cols: []string{"tool", "ms", "note"},
			rows: [][]string{{"cat", "n/a", "c"}, {"git", "10", "a"}, {"ls", "9", "b"}, {"rm", "2.5", "d"}}},
		{name: "sort text", opts: map[string]string{"sort": "tool", "columns": "tool"}, in: tableInput(),
			cols: []string{"tool"}, rows: [][]string{{"cat"}, {"git"}, {"ls"}, {"rm"}}},
		{name: "sort unknown column", opts: map[string]string{"sort": "-speed"}, in: tableInput(),
			err: `sort: unknown column "speed" (available: tool, ms, note)`},
		{name: "limit after sort", opts: map[string]string{"sort": "ms", "limit": "2", "columns": "tool"}, in: tableInput(),
			cols: []string{"tool"}, rows: [][]string{{"rm"}, {"ls"}}},
		{name: "limit above row count", opts: map[string]string{"limit": "10", "table": "second"}, in: tableInput(),
			cols: []string{"k"}, rows: [][]string{{"v"}}},
		{name: "limit zero", opts: map[string]string{"limit": "0"}, in: tableInput(),
			err: "limit: 0; use 1 or more"},
		{name: "values become a table",
			in: &engine.Result{Values: map[string]engine.Value{
				"speedup": engine.Num(3.5, ""), "median": engine.Num(12, "ms"), "tool": engine.Text("git")}},
			cols: []string{"name", "value", "unit"},
			rows: [][]string{{"median", "12", "ms"}, {"speedup", "3.5", ""}, {"tool", "git", ""}}},
		{name: "projections are marked",
			in: &engine.Result{Values: map[string]engine.Value{
				"area": {Num: 1.2, Unit: "mm2", Projection: true}, "rate": engine.Num(4, "Hz")}},
			cols: []string{"name", "value", "unit", "source"},
			rows: [][]string{{"area", "1.2", "mm2", "projection"}, {"rate", "4", "Hz", "measured"}}},
		{name: "table of values only", opts: map[string]string{"table": "x"},
			in:  &engine.Result{Values: map[string]engine.Value{"a": engine.Num(1, "")}},
			err: "table: in has no tables, only values; remove :table: to show its values"},
		{name: "nothing to show", in: &engine.Result{Text: "hi"},
			err: "from: in has no table and no values to show"},
		{name: "no input", err: "from: needs exactly one :from: directive, has 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := runWith(t, t.Context(), NewTable(), tt.opts, tt.in)
			if errText(err) != tt.err {
				t.Fatalf("error %q, want %q", errText(err), tt.err)
			}
			if err != nil {
				return
			}
			want := engine.Table{Name: "table", Columns: tt.cols, Rows: tt.rows}
			if len(res.Tables) != 1 || !tableEqual(res.Tables[0], want) {
				t.Errorf("Tables = %+v, want %+v", res.Tables, want)
			}
		})
	}
}

func TestTableKeepsInput(t *testing.T) {
	in := tableInput()
	if _, err := runWith(t, t.Context(), NewTable(), map[string]string{"sort": "-tool", "columns": "ms"}, in); err != nil {
		t.Fatal(err)
	}
	if !tableEqual(in.Tables[0], tableInput().Tables[0]) {
		t.Errorf("the input changed: %+v", in.Tables[0])
	}
}

func TestNotAvailablePropagates(t *testing.T) {
	in := &engine.Result{NotAvailable: "no FPGA on /dev/ttyUSB0"}
	for _, tt := range []struct {
		d    engine.Directive
		opts map[string]string
	}{
		{NewTable(), nil},
		{NewPlot(), map[string]string{"x": "n", "y": "a"}},
	} {
		res, err := runWith(t, t.Context(), tt.d, tt.opts, in)
		if err != nil {
			t.Fatalf("%s: %v", tt.d.Kind(), err)
		}
		if res.NotAvailable != in.NotAvailable || len(res.Tables)+len(res.Figures) != 0 {
			t.Errorf("%s: result %+v, want only NotAvailable %q", tt.d.Kind(), res, in.NotAvailable)
		}
	}
}
