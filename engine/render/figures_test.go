package render

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/tcpreport/tcpreport/engine"
)

// figureOf returns a figure of kind with three series of n points each,
// deterministic and positive.
func figureOf(kind string, logx, logy bool, n int) engine.Figure {
	f := engine.Figure{
		Name: kind, Kind: kind, XLabel: "size (bytes)", YLabel: "time (ns)",
		LogX: logx, LogY: logy,
	}
	if kind == engine.Bar {
		f.Categories = []string{"4KiB", "1MiB", "256MiB"}
		n = len(f.Categories)
	}
	for s, name := range []string{"scalar", "parallel", "mmap"} {
		d := engine.FigureData{Name: name}
		for i := range n {
			x := math.Pow(10, 1+3*float64(i)/float64(max(1, n-1)))
			// A skewed spread, like latencies.
			y := float64(s+1)*10 + 5*math.Exp(math.Sin(float64(i*7+s*3)))
			d.X = append(d.X, x)
			d.Y = append(d.Y, y)
		}
		if kind != engine.Line {
			d.X = nil
		}
		f.Series = append(f.Series, d)
	}
	return f
}

func TestDrawKinds(t *testing.T) {
	for _, kind := range []string{engine.Line, engine.Bar, engine.Box, engine.Hist, engine.ECDF} {
		for _, log := range []struct{ x, y bool }{{false, false}, {false, true}, {true, false}, {true, true}} {
			if (kind == engine.Bar || kind == engine.Box) && log.x {
				continue // categories on x: tested in TestDrawErrors
			}
			name := fmt.Sprintf("%s/logx=%v,logy=%v", kind, log.x, log.y)
			t.Run(name, func(t *testing.T) {
				f := figureOf(kind, log.x, log.y, 40)
				svg, err := Draw(f, "svg")
				if err != nil {
					t.Fatal(err)
				}
				wellFormed(t, name, svg)
				if !bytes.Contains(svg, []byte("<svg")) || !bytes.Contains(svg, []byte("viewBox=")) {
					t.Error("no <svg> with a viewBox")
				}
				if bytes.Contains(svg, []byte("NaN")) || bytes.Contains(svg, []byte("Inf")) {
					t.Error("SVG holds NaN or Inf coordinates")
				}
				again, err := Draw(f, "svg")
				if err != nil || !bytes.Equal(svg, again) {
					t.Error("drawing twice gives different SVG")
				}
				png, err := Draw(f, "png")
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
					t.Errorf("PNG starts with %q", png[:min(8, len(png))])
				}
			})
		}
	}
}

func TestDrawLegend(t *testing.T) {
	svg, err := Draw(figureOf(engine.Line, false, false, 5), "svg")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{">scalar<", ">parallel<", ">mmap<"} {
		if !bytes.Contains(svg, []byte(name)) {
			t.Errorf("legend lacks %s", name)
		}
	}
	if !bytes.Contains(svg, []byte("font-family:'Liberation Sans',Arial")) {
		t.Error("SVG text has no font fallback")
	}
}

func TestDrawErrors(t *testing.T) {
	zero := func(kind string, logx, logy bool) engine.Figure {
		f := figureOf(kind, logx, logy, 4)
		f.Series[1].Y[2] = 0
		if kind == engine.Line && logx {
			f.Series[1].Y[2] = 1
			f.Series[1].X[2] = 0
		}
		return f
	}
	tests := []struct {
		name string
		f    engine.Figure
		want string
	}{
		{"line logy zero", zero(engine.Line, false, true),
			`series "parallel" has 0 at y[2], which a log y axis cannot show; drop :logy: or leave out the non-positive values`},
		{"line logx zero", zero(engine.Line, true, false),
			`series "parallel" has 0 at x[2], which a log x axis cannot show; drop :logx: or leave out the non-positive values`},
		{"bar logy zero", zero(engine.Bar, false, true),
			`series "parallel" has 0 at y[2], which a log y axis cannot show; drop :logy:`},
		{"box logy zero", zero(engine.Box, false, true),
			`series "parallel" has 0 at y[2], which a log y axis cannot show; drop :logy:`},
		{"hist logx zero", zero(engine.Hist, true, false),
			`series "parallel" has 0 at x[2], which a log x axis cannot show; drop :logx:`},
		{"ecdf logx zero", zero(engine.ECDF, true, false),
			`series "parallel" has 0 at x[2], which a log x axis cannot show; drop :logx:`},
		{"bar logx", figureOf(engine.Bar, true, false, 3), "drop the :logx: option"},
		{"box logx", figureOf(engine.Box, true, false, 3), "drop the :logx: option"},
		{"nan", func() engine.Figure {
			f := figureOf(engine.Line, false, false, 3)
			f.Series[0].Y[1] = math.NaN()
			return f
		}(), `series "scalar" has NaN at y[1]`},
		{"unpaired", func() engine.Figure {
			f := figureOf(engine.Line, false, false, 3)
			f.Series[2].X = f.Series[2].X[:2]
			return f
		}(), `series "mmap" has 2 x values and 3 y values`},
		{"bar categories", func() engine.Figure {
			f := figureOf(engine.Bar, false, false, 3)
			f.Series[0].Y = f.Series[0].Y[:1]
			return f
		}(), `series "scalar" has 1 values for 3 categories`},
		{"no series", engine.Figure{Kind: engine.Hist}, "hist figure has no series"},
		{"empty series", engine.Figure{Kind: engine.Box, Series: []engine.FigureData{{Name: "a"}}}, `series "a" has no samples`},
		{"unknown kind", engine.Figure{Kind: "pie", Series: []engine.FigureData{{Y: []float64{1}}}},
			`unknown figure kind "pie" (known kinds: bar, box, ecdf, hist, line)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Draw(tt.f, "svg")
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
	if _, err := Draw(figureOf(engine.Line, false, false, 3), "pdf"); err == nil {
		t.Error("Draw accepted format pdf")
	}
}

// TestDrawDegenerate draws data that gonum/plot finds awkward: a single
// point, constant samples, one sample.
func TestDrawDegenerate(t *testing.T) {
	for _, f := range []engine.Figure{
		{Kind: engine.Line, Series: []engine.FigureData{{X: []float64{1}, Y: []float64{1}}}},
		{Kind: engine.Line, LogY: true, LogX: true, Series: []engine.FigureData{{X: []float64{1}, Y: []float64{1}}}},
		{Kind: engine.Hist, Series: []engine.FigureData{{Y: []float64{5, 5, 5}}}},
		{Kind: engine.Hist, LogX: true, LogY: true, Series: []engine.FigureData{{Y: []float64{5}}}},
		{Kind: engine.ECDF, Series: []engine.FigureData{{Y: []float64{2}}}},
		{Kind: engine.Box, Series: []engine.FigureData{{Y: []float64{3}}}},
		{Kind: engine.Bar, Categories: []string{"a"}, Series: []engine.FigureData{{Y: []float64{0}}}},
		{Kind: engine.Bar, LogY: true, Categories: []string{"a"}, Series: []engine.FigureData{{Y: []float64{7}}}},
	} {
		t.Run(f.Kind, func(t *testing.T) {
			svg, err := Draw(f, "svg")
			if err != nil {
				t.Fatal(err)
			}
			wellFormed(t, f.Kind, svg)
		})
	}
}

func TestHistBins(t *testing.T) {
	// A narrow bulk with one far outlier: Freedman–Diaconis asks for
	// thousands of bins.
	var outlier []float64
	for i := range 1000 {
		outlier = append(outlier, float64(i%10))
	}
	outlier = append(outlier, 1e6)
	tests := []struct {
		name    string
		samples []float64
		want    int
	}{
		{"constant", []float64{1, 1, 1}, 10},
		{"few", []float64{1, 2, 3, 4}, 10},
		{"outlier", outlier, 100},
		{"uniform", []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
			20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39}, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, n := histBins(tt.samples); n != tt.want {
				t.Errorf("histBins: %d bins, want %d", n, tt.want)
			}
		})
	}
}
