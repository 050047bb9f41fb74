package render

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/tcpreport/tcpreport/engine"
)

// Figure geometry and typography.
const (
	figWidth  = 16 * vg.Centimeter
	figHeight = 10 * vg.Centimeter
	pngDPI    = 150
	// topMargin keeps the top tick label inside the picture.
	topMargin = 2 * vg.Millimeter

	labelSize  = 12 // axis labels
	tickSize   = 10 // tick labels
	legendSize = 10

	// maxLegendName bounds a legend entry so that a long series name
	// cannot squeeze the plot away.
	maxLegendName = 40
	// maxStepPoints bounds the vertices of one ECDF; the raw samples are
	// in the data files.
	maxStepPoints = 1000
	// maxMarkers is the most points of a line that get a marker each.
	maxMarkers = 50
)

// palette is the Okabe–Ito palette, ordered so that neighbours contrast
// and the first colours survive greyscale printing; yellow comes last.
var palette = []color.RGBA{
	{0x00, 0x72, 0xB2, 0xFF}, // blue
	{0xD5, 0x5E, 0x00, 0xFF}, // vermillion
	{0x00, 0x9E, 0x73, 0xFF}, // bluish green
	{0xE6, 0x9F, 0x00, 0xFF}, // orange
	{0xCC, 0x79, 0xA7, 0xFF}, // reddish purple
	{0x56, 0xB4, 0xE9, 0xFF}, // sky blue
	{0x00, 0x00, 0x00, 0xFF}, // black
	{0xF0, 0xE4, 0x42, 0xFF}, // yellow
}

// dashes tell series apart once the palette wraps around.
var dashes = [][]vg.Length{
	nil,
	{vg.Points(6), vg.Points(3)},
	{vg.Points(2), vg.Points(2)},
	{vg.Points(6), vg.Points(2), vg.Points(2), vg.Points(2)},
}

var glyphs = []draw.GlyphDrawer{
	draw.CircleGlyph{},
	draw.SquareGlyph{},
	draw.TriangleGlyph{},
	draw.PlusGlyph{},
	draw.CrossGlyph{},
	draw.RingGlyph{},
	draw.BoxGlyph{},
	draw.PyramidGlyph{},
}

func seriesColor(i int) color.RGBA { return palette[i%len(palette)] }

func seriesLine(i int) draw.LineStyle {
	return draw.LineStyle{
		Color:  seriesColor(i),
		Width:  vg.Points(1.5),
		Dashes: dashes[(i/len(palette))%len(dashes)],
	}
}

func withAlpha(c color.RGBA, a uint8) color.NRGBA {
	return color.NRGBA{R: c.R, G: c.G, B: c.B, A: a}
}

var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// Draw draws f with gonum/plot and returns it encoded as format, "svg" or
// "png". The same figure always yields the same bytes.
//
// Data that the figure cannot show is an error naming the series, e.g. a
// non-positive value on a log axis or a NaN.
func Draw(f engine.Figure, format string) (out []byte, err error) {
	if format != "svg" && format != "png" {
		return nil, fmt.Errorf("unknown figure format %q (use svg or png)", format)
	}
	// gonum/plot panics on some degenerate input (e.g. a log scale over a
	// range that reaches zero); figures come from untrusted results, so a
	// panic becomes an error rather than taking the build down.
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("cannot draw %s figure: %v", f.Kind, r)
		}
	}()
	p, legend, err := newPlot(f)
	if err != nil {
		return nil, err
	}

	var c vg.CanvasWriterTo
	if format == "svg" {
		c = vgsvg.New(figWidth, figHeight)
	} else {
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(
			vgimg.UseWH(figWidth, figHeight), vgimg.UseDPI(pngDPI))}
	}
	dc := draw.New(c)
	if legend != nil {
		// The legend goes in a column right of the plot, where it
		// cannot hide data. Its width is measured with the embedded
		// font's metrics; a viewer that substitutes a wider font needs
		// the slack.
		r := legend.Rectangle(dc)
		w := (r.Max.X-r.Min.X)*115/100 + 2*vg.Millimeter
		p.Draw(draw.Crop(dc, 0, -w, 0, -topMargin))
		lc := draw.Crop(dc, figWidth-w+vg.Millimeter, 0, 0, -topMargin)
		legend.Draw(lc)
	} else {
		p.Draw(draw.Crop(dc, 0, 0, 0, -topMargin))
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("cannot encode figure as %s: %w", format, err)
	}
	if format == "svg" {
		return fixSVG(buf.Bytes()), nil
	}
	return buf.Bytes(), nil
}

// svgFont matches the font families gonum/plot writes into SVG text
// styles, which name only the Liberation font the text was measured with.
var svgFont = regexp.MustCompile(`font-family:Liberation (Sans|Serif|Mono);`)

// fixSVG gives the Liberation fonts metric-compatible fallbacks, so that
// text keeps its measured width where Liberation is not installed.
func fixSVG(svg []byte) []byte {
	return svgFont.ReplaceAllFunc(svg, func(m []byte) []byte {
		switch string(m) {
		case "font-family:Liberation Sans;":
			return []byte("font-family:'Liberation Sans',Arial,Helvetica,sans-serif;")
		case "font-family:Liberation Serif;":
			return []byte("font-family:'Liberation Serif','Times New Roman',Times,serif;")
		default:
			return []byte("font-family:'Liberation Mono','Courier New',Courier,monospace;")
		}
	})
}

// newPlot builds the plot of f and, when f has named series worth telling
// apart, its legend.
func newPlot(f engine.Figure) (*plot.Plot, *plot.Legend, error) {
	if len(f.Series) == 0 {
		return nil, nil, fmt.Errorf("%s figure has no series", f.Kind)
	}
	for i, s := range f.Series {
		name := seriesName(s, i)
		if err := finite(name, "y", s.Y); err != nil {
			return nil, nil, err
		}
		if err := finite(name, "x", s.X); err != nil {
			return nil, nil, err
		}
	}

	p := plot.New()
	styleAxis(&p.X, plotText(f.XLabel))
	styleAxis(&p.Y, plotText(f.YLabel))
	legend := plot.NewLegend()
	legend.TextStyle.Font = font.From(sans, legendSize)
	legend.Top, legend.Left = true, true
	legend.ThumbnailWidth = vg.Points(20)
	legend.Padding = vg.Points(2)

	grid := plotter.NewGrid()
	grid.Vertical = draw.LineStyle{Color: color.Gray{Y: 0xDD}, Width: vg.Points(0.5)}
	grid.Horizontal = grid.Vertical
	if f.Kind == engine.Bar || f.Kind == engine.Box {
		grid.Vertical.Color = nil // the x axis holds categories
	}
	p.Add(grid)

	var err error
	switch f.Kind {
	case engine.Line:
		err = addLines(p, &legend, f)
	case engine.Bar:
		err = addBars(p, &legend, f)
	case engine.Box:
		err = addBoxes(p, f)
	case engine.Hist:
		err = addHists(p, &legend, f)
	case engine.ECDF:
		err = addECDFs(p, &legend, f)
	default:
		err = fmt.Errorf("unknown figure kind %q (known kinds: %s, %s, %s, %s, %s)",
			f.Kind, engine.Bar, engine.Box, engine.ECDF, engine.Hist, engine.Line)
	}
	if err != nil {
		return nil, nil, err
	}
	if f.LogX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = logTicks{}
	}
	if f.LogY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
	}
	headroom(p, f)
	if named(f) {
		return p, &legend, nil
	}
	return p, nil, nil
}

// headroom widens the data range of the y axis a little, so that the
// tallest bar or point does not touch the frame, and an empty range on a
// log x axis to two decades. Bars and histograms keep
// their zero baseline, an ECDF its [0, 1].
func headroom(p *plot.Plot, f engine.Figure) {
	if f.LogX && p.X.Min == p.X.Max && p.X.Min > 0 {
		// gonum/plot widens an empty range by ±1, which can reach zero.
		p.X.Min, p.X.Max = p.X.Min/10, p.X.Max*10
	}
	if f.Kind == engine.ECDF && !f.LogY {
		return
	}
	lo, hi := p.Y.Min, p.Y.Max
	if f.LogY {
		if lo <= 0 || hi <= 0 {
			return // the log scale reports the problem when drawn
		}
		lo, hi = math.Log10(lo), math.Log10(hi)
	}
	pad := 0.05 * (hi - lo)
	if pad == 0 {
		pad = 0.5
	}
	hi += pad
	zeroBased := (f.Kind == engine.Bar || f.Kind == engine.Hist) && !f.LogY && lo >= 0
	if !zeroBased && f.Kind != engine.Hist && f.Kind != engine.Bar {
		lo -= pad
	}
	if f.LogY {
		lo, hi = math.Pow(10, lo), math.Pow(10, hi)
	}
	p.Y.Min, p.Y.Max = lo, hi
}

// logTicks marks a log axis at its powers of ten, and falls back to
// ordinary ticks where the range spans too few of them to read.
type logTicks struct{}

func (logTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.LogTicks{Prec: -1}.Ticks(min, max)
	labelled := 0
	for _, t := range ticks {
		if t.Label != "" && t.Value >= min && t.Value <= max {
			labelled++
		}
	}
	if labelled >= 2 {
		return ticks
	}
	var pos []plot.Tick
	for _, t := range (plot.DefaultTicks{}).Ticks(min, max) {
		if t.Value > 0 {
			pos = append(pos, t)
		}
	}
	return pos
}

// named reports whether f gets a legend: a Box figure names its series on
// the X axis, and a single unnamed series needs no legend.
func named(f engine.Figure) bool {
	if f.Kind == engine.Box {
		return false
	}
	for _, s := range f.Series {
		if s.Name != "" {
			return true
		}
	}
	return false
}

func styleAxis(a *plot.Axis, text string) {
	a.Label.Text = text
	a.Label.TextStyle.Font = font.From(sans, labelSize)
	a.Tick.Label.Font = font.From(sans, tickSize)
	a.Padding = vg.Points(4)
}

// plotText makes untrusted text safe to draw: valid UTF-8 without control
// characters (which XML cannot hold), of bounded length.
func plotText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 120 {
		s = string(r[:119]) + "…"
	}
	return s
}

func legendName(s string) string {
	s = plotText(s)
	if r := []rune(s); len(r) > maxLegendName {
		s = string(r[:maxLegendName-1]) + "…"
	}
	return s
}

func seriesName(s engine.FigureData, i int) string {
	if s.Name != "" {
		return s.Name
	}
	return fmt.Sprintf("#%d", i+1)
}

func finite(series, axis string, vs []float64) error {
	for i, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("series %q has %v at %s[%d]; a figure can show only finite values", series, v, axis, i)
		}
	}
	return nil
}

// positive checks that vs can be shown on a log axis.
func positive(series, axis string, vs []float64) error {
	for i, v := range vs {
		if v <= 0 {
			return fmt.Errorf("series %q has %v at %s[%d], which a log %s axis cannot show; drop :log%s: or leave out the non-positive values",
				series, v, axis, i, axis, axis)
		}
	}
	return nil
}

func addLines(p *plot.Plot, legend *plot.Legend, f engine.Figure) error {
	for i, s := range f.Series {
		name := seriesName(s, i)
		x := s.X
		if len(x) == 0 {
			x = make([]float64, len(s.Y))
			for j := range x {
				x[j] = float64(j)
			}
		}
		if len(x) != len(s.Y) {
			return fmt.Errorf("series %q has %d x values and %d y values; a line needs them paired", name, len(x), len(s.Y))
		}
		if len(s.Y) == 0 {
			return fmt.Errorf("series %q has no points", name)
		}
		if f.LogX {
			if err := positive(name, "x", x); err != nil {
				return err
			}
		}
		if f.LogY {
			if err := positive(name, "y", s.Y); err != nil {
				return err
			}
		}
		xys := make(plotter.XYs, len(s.Y))
		for j := range xys {
			xys[j] = plotter.XY{X: x[j], Y: s.Y[j]}
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return fmt.Errorf("series %q: %w", name, err)
		}
		l.LineStyle = seriesLine(i)
		thumbs := []plot.Thumbnailer{l}
		p.Add(l)
		if len(xys) <= maxMarkers {
			// Few points: mark them, with a shape per series that
			// survives greyscale printing.
			pts, err := plotter.NewScatter(xys)
			if err != nil {
				return fmt.Errorf("series %q: %w", name, err)
			}
			pts.GlyphStyle = draw.GlyphStyle{
				Color:  seriesColor(i),
				Radius: vg.Points(2.5),
				Shape:  glyphs[i%len(glyphs)],
			}
			p.Add(pts)
			thumbs = append(thumbs, pts)
		}
		if s.Name != "" {
			legend.Add(legendName(s.Name), thumbs...)
		}
	}
	return nil
}

func addBars(p *plot.Plot, legend *plot.Legend, f engine.Figure) error {
	if f.LogX {
		return fmt.Errorf("a bar figure has categories on its x axis, which cannot be logarithmic; drop the :logx: option")
	}
	if len(f.Categories) == 0 {
		return fmt.Errorf("bar figure has no categories")
	}
	b := &bars{log: f.LogY}
	for i, s := range f.Series {
		name := seriesName(s, i)
		if len(s.Y) != len(f.Categories) {
			return fmt.Errorf("series %q has %d values for %d categories; a bar figure needs one value per category",
				name, len(s.Y), len(f.Categories))
		}
		if f.LogY {
			if err := positive(name, "y", s.Y); err != nil {
				return err
			}
		}
		b.values = append(b.values, s.Y)
	}
	p.Add(b)
	for i, s := range f.Series {
		if s.Name != "" {
			legend.Add(legendName(s.Name), barThumb{seriesColor(i)})
		}
	}
	cats := make([]string, len(f.Categories))
	for i, c := range f.Categories {
		cats[i] = plotText(c)
	}
	p.NominalX(cats...)
	return nil
}

func addBoxes(p *plot.Plot, f engine.Figure) error {
	if f.LogX {
		return fmt.Errorf("a box figure has series on its x axis, which cannot be logarithmic; drop the :logx: option")
	}
	w := figWidth * 0.6 / vg.Length(len(f.Series))
	w = min(w, 1.5*vg.Centimeter)
	names := make([]string, len(f.Series))
	for i, s := range f.Series {
		name := seriesName(s, i)
		names[i] = plotText(name)
		if len(s.Y) == 0 {
			return fmt.Errorf("series %q has no samples", name)
		}
		if f.LogY {
			if err := positive(name, "y", s.Y); err != nil {
				return err
			}
		}
		b, err := plotter.NewBoxPlot(w, float64(i), plotter.Values(s.Y))
		if err != nil {
			return fmt.Errorf("series %q: %w", name, err)
		}
		b.FillColor = withAlpha(seriesColor(i), 0x40)
		b.BoxStyle.Color = seriesColor(i)
		b.BoxStyle.Width = vg.Points(1.2)
		b.MedianStyle.Color = seriesColor(i)
		b.MedianStyle.Width = vg.Points(2)
		b.WhiskerStyle.Color = seriesColor(i)
		b.GlyphStyle.Color = seriesColor(i)
		p.Add(b)
	}
	p.NominalX(names...)
	return nil
}

// addHists draws one histogram per series over shared bin edges, so that
// the series can be compared bin by bin. The bin width follows the
// Freedman–Diaconis rule over all samples, bounded to 10..100 bins; on a
// log x axis the bins are equal in log space.
func addHists(p *plot.Plot, legend *plot.Legend, f engine.Figure) error {
	var all []float64
	for i, s := range f.Series {
		name := seriesName(s, i)
		if len(s.Y) == 0 {
			return fmt.Errorf("series %q has no samples", name)
		}
		if f.LogX {
			if err := positive(name, "x", s.Y); err != nil {
				return err
			}
		}
		all = append(all, s.Y...)
	}
	tr, inv := func(v float64) float64 { return v }, func(v float64) float64 { return v }
	if f.LogX {
		tr, inv = math.Log10, func(v float64) float64 { return math.Pow(10, v) }
	}
	t := make([]float64, len(all))
	for i, v := range all {
		t[i] = tr(v)
	}
	lo, hi, n := histBins(t)
	width := (hi - lo) / float64(n)

	for i, s := range f.Series {
		bins := make([]plotter.HistogramBin, n)
		for j := range bins {
			bins[j].Min = inv(lo + float64(j)*width)
			bins[j].Max = inv(lo + float64(j+1)*width)
		}
		for _, v := range s.Y {
			j := int((tr(v) - lo) / width)
			j = max(0, min(j, n-1))
			bins[j].Weight++
		}
		h := &plotter.Histogram{
			Bins:      bins,
			Width:     width,
			FillColor: withAlpha(seriesColor(i), 0x50),
			LineStyle: draw.LineStyle{Color: seriesColor(i), Width: vg.Points(1)},
			LogY:      f.LogY,
		}
		p.Add(h)
		if s.Name != "" {
			legend.Add(legendName(s.Name), h)
		}
	}
	if p.Y.Label.Text == "" {
		p.Y.Label.Text = "count"
	}
	return nil
}

// histBins returns the range and number of bins for samples: the
// Freedman–Diaconis width 2·IQR·n^(-1/3), bounded to 10..100 bins.
func histBins(samples []float64) (lo, hi float64, n int) {
	s := slices.Clone(samples)
	slices.Sort(s)
	lo, hi = s[0], s[len(s)-1]
	if lo == hi {
		return lo - 0.5, hi + 0.5, 10
	}
	iqr := quantile(s, 0.75) - quantile(s, 0.25)
	n = 10
	if iqr > 0 {
		h := 2 * iqr / math.Cbrt(float64(len(s)))
		n = int(math.Ceil((hi - lo) / h))
	}
	return lo, hi, max(10, min(n, 100))
}

// quantile returns the q-quantile of sorted by linear interpolation.
func quantile(sorted []float64, q float64) float64 {
	pos := q * float64(len(sorted)-1)
	i := int(pos)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (pos-float64(i))*(sorted[i+1]-sorted[i])
}

func addECDFs(p *plot.Plot, legend *plot.Legend, f engine.Figure) error {
	for i, s := range f.Series {
		name := seriesName(s, i)
		if len(s.Y) == 0 {
			return fmt.Errorf("series %q has no samples", name)
		}
		if f.LogX {
			if err := positive(name, "x", s.Y); err != nil {
				return err
			}
		}
		sorted := slices.Clone(s.Y)
		slices.Sort(sorted)
		n := len(sorted)
		step := max(1, n/maxStepPoints)
		var xys plotter.XYs
		if !f.LogY {
			// Start at zero so that the first step shows.
			xys = append(xys, plotter.XY{X: sorted[0], Y: 0})
		}
		for j := 0; j < n; j++ {
			// Keep the last point of each run of equal values: that is
			// where the ECDF has reached its value at x.
			if j+1 < n && sorted[j+1] == sorted[j] {
				continue
			}
			if j%step != 0 && j != n-1 {
				continue
			}
			xys = append(xys, plotter.XY{X: sorted[j], Y: float64(j+1) / float64(n)})
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return fmt.Errorf("series %q: %w", name, err)
		}
		l.StepStyle = plotter.PostStep
		l.LineStyle = seriesLine(i)
		p.Add(l)
		if s.Name != "" {
			legend.Add(legendName(s.Name), l)
		}
	}
	if p.Y.Label.Text == "" {
		p.Y.Label.Text = "cumulative fraction"
	}
	if !f.LogY {
		p.Y.Min, p.Y.Max = 0, 1
	}
	return nil
}

// bars is a grouped bar chart: one group per category, one bar per series.
// Unlike plotter.BarChart it can stand on a log axis: there the bars rise
// from the bottom of the plot rather than from zero.
type bars struct {
	values [][]float64 // [series][category]
	log    bool
}

func (b *bars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	n := len(b.values)
	slot := trX(1) - trX(0)
	group := slot * 0.8
	w := group / vg.Length(n)
	for i, vs := range b.values {
		fill := seriesColor(i)
		outline := draw.LineStyle{Color: color.Black, Width: vg.Points(0.5)}
		for j, v := range vs {
			x0 := trX(float64(j)) - group/2 + vg.Length(i)*w
			x1 := x0 + w
			base := c.Min.Y
			if !b.log {
				base = trY(0)
			}
			top := trY(v)
			pts := []vg.Point{{X: x0, Y: base}, {X: x0, Y: top}, {X: x1, Y: top}, {X: x1, Y: base}}
			c.FillPolygon(fill, c.ClipPolygonY(pts))
			c.StrokeLines(outline, c.ClipLinesY(append(pts, pts[0]))...)
		}
	}
}

func (b *bars) DataRange() (xmin, xmax, ymin, ymax float64) {
	ymin, ymax = math.Inf(1), math.Inf(-1)
	for _, vs := range b.values {
		for _, v := range vs {
			ymin, ymax = math.Min(ymin, v), math.Max(ymax, v)
		}
	}
	if b.log {
		// Leave room below the smallest bar: start at its decade.
		ymin = math.Pow(10, math.Floor(math.Log10(ymin)))
		if ymin == ymax {
			ymin /= 10
		}
	} else {
		ymin, ymax = math.Min(ymin, 0), math.Max(ymax, 0)
	}
	n := 0
	if len(b.values) > 0 {
		n = len(b.values[0])
	}
	return -0.5, float64(n) - 0.5, ymin, ymax
}

// barThumb is the legend swatch of one bar series.
type barThumb struct{ c color.Color }

func (t barThumb) Thumbnail(c *draw.Canvas) {
	pts := []vg.Point{
		{X: c.Min.X, Y: c.Min.Y}, {X: c.Min.X, Y: c.Max.Y},
		{X: c.Max.X, Y: c.Max.Y}, {X: c.Max.X, Y: c.Min.Y},
	}
	c.FillPolygon(t.c, c.ClipPolygonY(pts))
}
