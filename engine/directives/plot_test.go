package directives

import (
	"reflect"
	"testing"

	"github.com/tcpreport/tcpreport/engine"
)

func plotInput() *engine.Result {
	return &engine.Result{
		Tables: []engine.Table{
			{Name: "sizes", Columns: []string{"size", "scalar", "simd", "label"}, Rows: [][]string{
				{"4096", "1.5", "0.5", "4KiB"},
				{"1048576", "2", "1", "1MiB"},
			}},
			{Name: "bad", Columns: []string{"n", "a"}, Rows: [][]string{{"1", "2"}, {"2", "abc"}}},
			{Name: "zero", Columns: []string{"n", "a"}, Rows: [][]string{{"0", "2"}}},
			{Name: "empty", Columns: []string{"n", "a"}},
		},
		Series: []engine.Series{
			{Name: "rtt", Unit: "us", Values: []float64{20, 25, 30}},
			{Name: "cold", Values: []float64{0, 1}},
		},
	}
}

func TestPlot(t *testing.T) {
	tests := []struct {
		name string
		opts map[string]string
		want engine.Figure
		err  string
	}{
		{name: "line", opts: map[string]string{"x": "size", "y": "scalar, simd", "logx": "true"},
			want: engine.Figure{Kind: engine.Line, XLabel: "size", LogX: true, Series: []engine.FigureData{
				{Name: "scalar", X: []float64{4096, 1048576}, Y: []float64{1.5, 2}},
				{Name: "simd", X: []float64{4096, 1048576}, Y: []float64{0.5, 1}},
			}}},
		{name: "labels", opts: map[string]string{"x": "size", "y": "simd", "xlabel": "bytes", "ylabel": "seconds"},
			want: engine.Figure{Kind: engine.Line, XLabel: "bytes", YLabel: "seconds", Series: []engine.FigureData{
				{Name: "simd", X: []float64{4096, 1048576}, Y: []float64{0.5, 1}},
			}}},
		{name: "bar", opts: map[string]string{"kind": "bar", "x": "label", "y": "scalar, simd", "logy": "true"},
			want: engine.Figure{Kind: engine.Bar, XLabel: "label", LogY: true, Categories: []string{"4KiB", "1MiB"},
				Series: []engine.FigureData{{Name: "scalar", Y: []float64{1.5, 2}}, {Name: "simd", Y: []float64{0.5, 1}}}}},
		{name: "ecdf of a series", opts: map[string]string{"kind": "ecdf", "series": "rtt", "logx": "true"},
			want: engine.Figure{Kind: engine.ECDF, XLabel: "rtt (us)", YLabel: "cumulative fraction", LogX: true,
				Series: []engine.FigureData{{Name: "rtt", Y: []float64{20, 25, 30}}}}},
		{name: "hist of a column", opts: map[string]string{"kind": "hist", "y": "scalar"},
			want: engine.Figure{Kind: engine.Hist, XLabel: "scalar", YLabel: "count",
				Series: []engine.FigureData{{Name: "scalar", Y: []float64{1.5, 2}}}}},
		{name: "box of columns and series", opts: map[string]string{"kind": "box", "y": "simd", "series": "rtt, cold"},
			want: engine.Figure{Kind: engine.Box, Series: []engine.FigureData{
				{Name: "simd", Y: []float64{0.5, 1}},
				{Name: "rtt", Y: []float64{20, 25, 30}},
				{Name: "cold", Y: []float64{0, 1}},
			}}},
		{name: "line without x", opts: map[string]string{"y": "simd"},
			err: "x: missing; a line plot needs the column of its x values (:x: column)"},
		{name: "bar without x", opts: map[string]string{"kind": "bar", "y": "simd"},
			err: "x: missing; a bar plot needs the column of its categories (:x: column)"},
		{name: "line without y", opts: map[string]string{"x": "size"},
			err: "y: missing; name the columns to plot (:y: a, b)"},
		{name: "line of a series", opts: map[string]string{"x": "size", "y": "simd", "series": "rtt"},
			err: "series: a line plot draws table columns; raw series go in box, hist or ecdf plots"},
		{name: "hist with x", opts: map[string]string{"kind": "hist", "x": "size", "y": "simd"},
			err: "x: a hist plot draws the distribution of :y: columns or :series: and has no x column; remove the :x: option"},
		{name: "ecdf of nothing", opts: map[string]string{"kind": "ecdf"},
			err: "y: missing; an ecdf plot needs :y: columns of the input's table or :series: names of its raw series"},
		{name: "unknown x column", opts: map[string]string{"x": "bytes", "y": "simd"},
			err: `x: unknown column "bytes" (available: size, scalar, simd, label)`},
		{name: "unknown y column", opts: map[string]string{"x": "size", "y": "simd, avx"},
			err: `y: unknown column "avx" (available: size, scalar, simd, label)`},
		{name: "non-numeric cell", opts: map[string]string{"table": "bad", "x": "n", "y": "a"},
			err: `y: row 2, column "a": "abc" is not a number`},
		{name: "non-numeric x", opts: map[string]string{"x": "label", "y": "simd"},
			err: `x: row 1, column "label": "4KiB" is not a number`},
		{name: "unknown table", opts: map[string]string{"table": "nope", "x": "n", "y": "a"},
			err: `table: in has no table "nope" (available: sizes, bad, zero, empty)`},
		{name: "empty table", opts: map[string]string{"table": "empty", "x": "n", "y": "a"},
			err: `table: in's table "empty" has no rows to plot`},
		{name: "unknown series", opts: map[string]string{"kind": "ecdf", "series": "rt"},
			err: `series: in has no series "rt" (available: rtt, cold)`},
		{name: "log x of zero", opts: map[string]string{"table": "zero", "x": "n", "y": "a", "logx": "true"},
			err: `logx: a logarithmic axis needs values above 0, but column "n" has 0 at row 1; remove the :logx: option`},
		{name: "log axis of a series with zero", opts: map[string]string{"kind": "ecdf", "series": "cold", "logx": "true"},
			err: `logx: a logarithmic axis needs values above 0, but series "cold" has 0 at sample 1; remove the :logx: option`},
		{name: "log y of a box", opts: map[string]string{"kind": "box", "series": "cold", "logy": "true"},
			err: `logy: a logarithmic axis needs values above 0, but series "cold" has 0 at sample 1; remove the :logy: option`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := runWith(t, t.Context(), NewPlot(), tt.opts, plotInput())
			if errText(err) != tt.err {
				t.Fatalf("error %q, want %q", errText(err), tt.err)
			}
			if err != nil {
				return
			}
			tt.want.Name = "fig-test"
			if len(res.Figures) != 1 || !reflect.DeepEqual(res.Figures[0], tt.want) {
				t.Errorf("Figures = %+v,\nwant      %+v", res.Figures, tt.want)
			}
		})
	}
}

func TestPlotNoSeries(t *testing.T) {
	in := &engine.Result{Tables: []engine.Table{{Name: "t", Columns: []string{"a"}, Rows: [][]string{{"1"}}}}}
	_, err := runWith(t, t.Context(), NewPlot(), map[string]string{"kind": "hist", "series": "rtt"}, in)
	if want := "series: in has no raw series; plot :y: columns of its table instead"; errText(err) != want {
		t.Errorf("error %q, want %q", errText(err), want)
	}
}
