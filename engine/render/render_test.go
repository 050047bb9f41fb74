package render

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/doc"
	"github.com/tcpreport/tcpreport/engine/golden"
)

// parse parses a report source with the real parser.
func parse(t testing.TB, file string, src []byte) *doc.Document {
	t.Helper()
	d, err := doc.Parse(file, src)
	if err != nil {
		t.Fatalf("parse %s: %v", file, err)
	}
	return d
}

// sampleResults are the results of testdata/report.md: a table with a
// warning, a figure with values, a text, a not-available block with a
// warning, and a hidden projection.
func sampleResults() map[string]*engine.Result {
	return map[string]*engine.Result{
		"tbl-tools": {
			Tables: []engine.Table{{
				Name:    "tools",
				Caption: "Tools.",
				Columns: []string{"tool", "risk", "descriptors"},
				Rows: [][]string{
					{"rm", "CRITICAL", "1"},
					{"git", "MEDIUM_RISK", "24"},
					{"ls", "SAFE", "1"},
				},
			}},
			Warnings: []string{"2 tools did not answer --help within 2s and were skipped."},
		},
		"fig-throughput": {
			Values: map[string]engine.Value{
				"speedup": engine.Num(3.4567, "x"),
				"median":  engine.Num(12.5, "µs"),
				"best":    engine.Text("parallel"),
			},
			Series: []engine.Series{
				{Name: "scalar", Unit: "descriptors/s", Values: []float64{1.1e6, 1.2e6, 1.15e6}},
				{Name: "parallel", Unit: "descriptors/s", Values: []float64{3.9e6, 4.1e6, 4.0e6}},
			},
			Figures: []engine.Figure{{
				Name:   "throughput",
				Kind:   engine.Line,
				XLabel: "descriptors",
				YLabel: "descriptors/s",
				LogX:   true,
				Series: []engine.FigureData{
					{Name: "scalar", X: []float64{1e3, 1e4, 1e5, 1e6}, Y: []float64{0.9e6, 1.1e6, 1.2e6, 1.2e6}},
					{Name: "parallel", X: []float64{1e3, 1e4, 1e5, 1e6}, Y: []float64{0.5e6, 2.2e6, 3.8e6, 4.1e6}},
				},
			}},
		},
		"fig-latency": latencyResult(),
		"uname": {
			Text: "Linux lab1 6.8.0 #1 SMP x86_64 GNU/Linux\n",
		},
		"fpga": {
			NotAvailable: "no FPGA board answered on /dev/ttyUSB0",
			Warnings:     []string{"The protocol emulator was not used in its place."},
		},
		"model": {
			Values: map[string]engine.Value{
				"rate": {Num: 2.5e9, Unit: "descriptors/s", Projection: true},
			},
			Warnings: []string{"The model assumes a 1 GHz clock; see its inputs."},
		},
	}
}

// latencyResult has two figures of deterministic, skewed samples.
func latencyResult() *engine.Result {
	var scalar, parallel []float64
	for i := range 400 {
		u := (float64(i) + 0.5) / 400
		scalar = append(scalar, 80-20*math.Log(1-u))
		parallel = append(parallel, 30-8*math.Log(1-u))
	}
	return &engine.Result{
		Values: map[string]engine.Value{"p50": engine.Num(30-8*math.Log(0.5), "ns")},
		Series: []engine.Series{
			{Name: "scalar", Unit: "ns", Values: scalar[:5]},
		},
		Figures: []engine.Figure{
			{
				Name: "hist", Kind: engine.Hist, XLabel: "latency (ns)",
				Series: []engine.FigureData{{Name: "scalar", Y: scalar}, {Name: "parallel", Y: parallel}},
			},
			{
				Name: "ecdf", Kind: engine.ECDF, Caption: "Empirical CDF of validation latency.",
				XLabel: "latency (ns)", LogX: true,
				Series: []engine.FigureData{{Name: "scalar", Y: scalar}, {Name: "parallel", Y: parallel}},
			},
		},
	}
}

func sampleProv() *engine.Provenance {
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	return &engine.Provenance{
		RunID:        "20250102T030405Z-a075332d",
		ProtocolHash: "9f2c1a7e5b3d4c6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f",
		Seed:         42,
		Version:      "v0.1.0",
		VCS:          "3e1f0c2",
		Env: []engine.Fact{
			{Name: "cpu", Value: "AMD EPYC 7B13 (2 cores)"},
			{Name: "go", Value: "go1.26.8"},
			{Name: "os", Value: "linux/amd64"},
		},
		Directives: []engine.DirectiveRun{
			{ID: "tbl-tools", Kind: "tools", Status: engine.StatusCached, Key: "a1b2c3d4e5f6a7b8c9d0", RunID: "20241231T120000Z-5c1e9a07", Started: t0, Duration: 1234 * time.Millisecond, Executor: "local", Host: "lab1"},
			{ID: "fig-throughput", Kind: "bench", Status: engine.StatusRan, Key: "0123456789abcdef0123", RunID: "20250102T030405Z-a075332d", Started: t0, Duration: 95 * time.Second, Executor: "local", Host: "lab1"},
			{ID: "fig-latency", Kind: "bench", Status: engine.StatusRan, Key: "5566778899aabbccddee", RunID: "20250102T030405Z-a075332d", Started: t0, Duration: 41 * time.Second, Executor: "ssh", Host: "gentoo.local"},
			{ID: "uname", Kind: "environment", Status: engine.StatusStale, Key: "fedcba9876543210fedc", RunID: "20241231T120000Z-5c1e9a07", Started: t0, Duration: 850 * time.Microsecond, Executor: "local", Host: "lab1", Changed: []string{"environment"}},
			{ID: "fpga", Kind: "fpga", Status: engine.StatusRan, Key: "00112233445566778899", RunID: "20250102T030405Z-a075332d", Started: t0, Duration: 12 * time.Millisecond, Executor: "local", Host: "lab1"},
			{ID: "model", Kind: "model", Status: engine.StatusCached, Key: "99887766554433221100", RunID: "20241231T120000Z-5c1e9a07", Started: t0, Duration: 3 * time.Millisecond, Executor: "local", Host: "lab1"},
		},
	}
}

func sampleInput(t testing.TB) *Input {
	t.Helper()
	src, err := os.ReadFile("testdata/report.md")
	if err != nil {
		t.Fatal(err)
	}
	return &Input{
		Doc:     parse(t, "report.md", src),
		Results: sampleResults(),
		Prov:    sampleProv(),
		Params:  map[string]string{"backend": "mmap"},
	}
}

func TestRenderGolden(t *testing.T) {
	out, err := Render(sampleInput(t))
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/report.golden.md", out.Markdown)
	golden.Check(t, "testdata/report.golden.html", out.HTML)

	// The data files, in full, and the figures by name.
	var files bytes.Buffer
	for _, name := range slices.Sorted(maps.Keys(out.Files)) {
		if strings.HasPrefix(name, "data/") {
			fmt.Fprintf(&files, "== %s\n%s", name, out.Files[name])
		} else {
			fmt.Fprintf(&files, "== %s (%d bytes)\n", name, len(out.Files[name]))
		}
	}
	golden.Check(t, "testdata/report.golden.files", files.Bytes())

	html := string(out.HTML)
	for _, want := range []string{
		`<title>Gate 8: descriptor validation</title>`,
		`<a href="#tbl-tools">Table 1</a>`,
		`<a href="#fig-throughput">Figure 1</a>`,
		`<a href="#method">Method</a>`,
		`<figure class="figure" id="fig-throughput">`,
		`<svg id="fig-throughput-svg"`,
		`<li id="warn-1" value="1">`,
		`<a href="#projection">(projection)</a>`,
		`<p class="stale">`,
		`<div class="not-available" role="note"><strong>Not available:</strong> no FPGA board answered`,
		`<a href="#appendix-provenance">Appendix: Provenance</a>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %s", want)
		}
	}
	ids := map[string]bool{}
	for _, m := range regexp.MustCompile(` id="([^"]*)"`).FindAllStringSubmatch(html, -1) {
		if ids[m[1]] {
			t.Errorf("HTML id %q is used twice", m[1])
		}
		ids[m[1]] = true
	}
	if strings.Contains(html, "<?xml") {
		t.Error("HTML holds an XML prolog")
	}
	if m := regexp.MustCompile(`(?i)(src|href)="(https?:)?//`).FindString(html); m != "" {
		t.Errorf("HTML loads an external resource: %s", m)
	}
	md := string(out.Markdown)
	for _, want := range []string{
		"3.5 times\nfaster",
		"12.5 µs",
		"2500000000 (projection)",
		"Table 1 lists",
		"Method describes",
		"![Figure 1: Validation throughput by descriptor count.](figures/fig-throughput.svg)",
		"**Stale:** this result of `uname`",
		"Warnings from `model`[^warn-3]",
		"**Not available:** no FPGA board answered on /dev/ttyUSB0",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
}

func TestRenderDeterministic(t *testing.T) {
	in := sampleInput(t)
	in.PNG = true
	a, err := Render(in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Render(sampleInput(t))
	if err != nil {
		t.Fatal(err)
	}
	in2 := sampleInput(t)
	in2.PNG = true
	c, err := Render(in2)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Markdown, b.Markdown) || !bytes.Equal(a.Markdown, c.Markdown) {
		t.Error("Markdown differs between renders")
	}
	if !bytes.Equal(a.HTML, b.HTML) || !bytes.Equal(a.HTML, c.HTML) {
		t.Error("HTML differs between renders")
	}
	if !maps.EqualFunc(a.Files, c.Files, bytes.Equal) {
		t.Error("files differ between renders")
	}
	if _, ok := a.Files["figures/fig-throughput.png"]; !ok {
		t.Errorf("PNG asked for but not written; files: %v", slices.Sorted(maps.Keys(a.Files)))
	}
	if _, ok := b.Files["figures/fig-throughput.png"]; ok {
		t.Error("PNG written though not asked for")
	}
}

// TestRenderConcurrent renders in parallel: the renderer shares its
// goldmark and template between calls.
func TestRenderConcurrent(t *testing.T) {
	want, err := Render(sampleInput(t))
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 4)
	for range 4 {
		in := sampleInput(t)
		go func() {
			got, err := Render(in)
			if err == nil && !bytes.Equal(got.HTML, want.HTML) {
				err = errors.New("HTML differs from a sequential render")
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// hostile strings try to break out of every context a result's text lands in.
var hostile = []string{
	"<script>alert(1)</script>",
	"](javascript:alert(1))",
	"[x](javascript:alert(1))",
	"<img src=x onerror=alert(1)>",
	"| col | col |",
	"``` ` `` tick",
	"line1\nline2\r\n# heading",
	"&lt;script&gt;",
	"*bold* _em_ ~~del~~ [^1] <http://evil.example>",
}

func TestRenderEscapesResults(t *testing.T) {
	src := "---\ntitle: Hostile\n---\n\n" +
		"Value: {val}`evil.text` and {val}`evil.num`. Param: {param}`p`.\n\n" +
		"{val}`evil.text`\n\n" +
		"- {val}`evil.dash`\n\n" +
		"```{evil} evil\n```\n\n" +
		"```{evil} tbl-evil\n```\n"
	h := strings.Join(hostile, " ")
	in := &Input{
		Doc: parse(t, "hostile.md", []byte(src)),
		Results: map[string]*engine.Result{
			"evil": {
				Values: map[string]engine.Value{
					"text": engine.Text(h),
					"num":  {Num: 1, Unit: "<script>alert(1)</script>"},
					"dash": engine.Text("- 1. [x](javascript:alert(1))"),
				},
				Text:     h,
				Warnings: []string{h},
				Figures: []engine.Figure{{
					Name: "<script>", Kind: engine.Bar, Caption: h,
					XLabel: h, Categories: []string{"<script>alert(1)</script>", "b"},
					Series: []engine.FigureData{{Name: h, Y: []float64{1, 2}}},
				}},
			},
			"tbl-evil": {
				Tables: []engine.Table{{
					Name: "../../etc/passwd", Caption: h,
					Columns: []string{"a|b", "<script>"},
					Rows:    [][]string{{hostile[0], hostile[1]}, {hostile[4], hostile[5]}, {hostile[6], hostile[8]}},
				}},
				NotAvailable: h,
			},
		},
		Params: map[string]string{"p": h},
	}
	out, err := Render(in)
	if err != nil {
		t.Fatal(err)
	}
	html := string(out.HTML)
	if i := strings.Index(strings.ToLower(html), "<script"); i >= 0 {
		t.Errorf("HTML holds <script: ...%s...", html[max(0, i-80):min(len(html), i+80)])
	}
	if i := strings.Index(strings.ToLower(html), "<img"); i >= 0 {
		t.Errorf("HTML holds <img: ...%s...", html[max(0, i-80):min(len(html), i+80)])
	}
	if m := regexp.MustCompile(`(?i)href="\s*javascript:`).FindString(html); m != "" {
		t.Errorf("HTML holds a javascript: link: %s", m)
	}
	if m := regexp.MustCompile(`(?i)href="https?:`).FindString(html); m != "" {
		t.Errorf("a result's text became a link: %s", m)
	}
	// Every element the body holds is one the renderer or goldmark's safe
	// subset writes.
	allowed := map[string]bool{}
	for _, e := range strings.Fields("html head meta title style body header h1 h2 h3 p span section nav ol li a main div table caption thead tbody tr th td figure svg g path text figcaption pre code sup strong em ul dl dt dd footer br hr del") {
		allowed[e] = true
	}
	for _, m := range regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9]*)`).FindAllStringSubmatch(html, -1) {
		if !allowed[strings.ToLower(m[1])] {
			t.Errorf("HTML holds an unexpected element <%s>", m[1])
		}
	}

	md := string(out.Markdown)
	// The GFM table keeps its shape: every row has as many unescaped
	// pipes as the header.
	var rows []string
	for _, l := range strings.Split(md, "\n") {
		if strings.HasPrefix(l, "|") {
			rows = append(rows, l)
		}
	}
	if len(rows) < 5 {
		t.Fatalf("Markdown table has %d lines, want 5:\n%s", len(rows), md)
	}
	unescaped := regexp.MustCompile(`(^|[^\\])(\\\\)*\|`)
	for _, r := range rows[:5] {
		if n := len(unescaped.FindAllString(r, -1)); n != 3 {
			t.Errorf("table row has %d cell separators, want 3: %s", n, r)
		}
	}
	// Nothing in the Markdown renders as a link or raw HTML when read back.
	back := new(bytes.Buffer)
	if err := markdown.Convert(out.Markdown, back); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(back.String(), "<script") || strings.Contains(back.String(), `href="javascript`) {
		t.Errorf("the Markdown output renders hostile markup:\n%s", back)
	}
	if strings.Contains(back.String(), "<li>1.") || strings.Count(back.String(), "<ul>") != 1 {
		t.Errorf("a value made a list:\n%s", back)
	}
	// The text's fence is longer than its longest backtick run.
	if !strings.Contains(md, "````text\n") {
		t.Errorf("Markdown code fence does not outrun the text's backticks:\n%s", md)
	}
	// File names from results cannot escape their folder.
	for name := range out.Files {
		if strings.Contains(name, "..") || strings.Count(name, "/") != 1 {
			t.Errorf("file name %q escapes its folder", name)
		}
	}
	// The SVG stays well-formed.
	for name, b := range out.Files {
		if strings.HasSuffix(name, ".svg") {
			wellFormed(t, name, b)
		}
	}
}

func wellFormed(t *testing.T, name string, b []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Errorf("%s is not well-formed XML: %v", name, err)
			return
		}
	}
}

func TestRenderErrors(t *testing.T) {
	results := func() map[string]*engine.Result {
		return map[string]*engine.Result{
			"a": {
				Values: map[string]engine.Value{"x": engine.Num(1, "s"), "y": engine.Num(2, "")},
				Tables: []engine.Table{{Name: "t", Columns: []string{"c"}}},
			},
			"fig-f": {Figures: []engine.Figure{{Kind: engine.Line, Series: []engine.FigureData{{Y: []float64{1, 2}}}}}},
			"fig-h": {Figures: []engine.Figure{{Kind: engine.Line, Series: []engine.FigureData{{Y: []float64{1, 2}}}}}},
			"tbl-n": {Text: "no table here"},
		}
	}
	blocks := "\n```{k} a\n```\n\n```{k} fig-f\n```\n\n```{k} fig-h\n:hide: true\n```\n\n```{k} tbl-n\n```\n"
	tests := []struct {
		name   string
		prose  string
		modify func(map[string]*engine.Result)
		params map[string]string
		want   string
	}{
		{
			name:  "unknown value",
			prose: "## Intro\n\nSee {val}`a.z`.\n",
			want:  "e.md:3:5: {val}`a.z`: a has no value \"z\" (values of a: x, y)",
		},
		{
			name:  "unknown directive",
			prose: "See {val}`b.x`.\n",
			want:  "e.md:1:5: {val}`b.x`: no directive \"b\" in this report (directives: a, fig-f, fig-h, tbl-n)",
		},
		{
			name:  "format does not fit",
			prose: "See {val}`a.x:%d`.\n",
			want:  "e.md:1:5: {val}`a.x:%d`: format \"%d\" does not fit a.x, which is a number (numbers take verbs like %.2f or %d, texts %s)",
		},
		{
			name:  "unknown param",
			prose: "Uses {param}`size`.\n",
			want:  "e.md:1:6: {param}`size`: no parameter \"size\" (the report has none; declare it under params: in the front matter)",
		},
		{
			name:   "unknown param among others",
			prose:  "Uses {param}`size`.\n",
			params: map[string]string{"b": "1", "a": "2"},
			want:   "e.md:1:6: {param}`size`: no parameter \"size\" (parameters: a, b)",
		},
		{
			name:  "unknown figure",
			prose: "## Intro\n\nAs @fig-g shows.\n",
			want:  "e.md:3:4: unknown reference @fig-g (known labels: fig-f, sec-intro)",
		},
		{
			name:  "unknown section",
			prose: "# Overview\n\nSee @sec-results.\n",
			want:  "e.md:3:5: unknown reference @sec-results (known labels: fig-f, sec-overview)",
		},
		{
			name:  "hidden figure",
			prose: "As @fig-h shows.\n",
			want:  "e.md:1:4: @fig-h: the block fig-h is hidden (:hide: true) and so has no number; remove :hide: or the reference",
		},
		{
			name:  "table label without a table",
			prose: "As @tbl-n shows.\n",
			want:  "e.md:1:4: @tbl-n: the result of tbl-n has no table to refer to (known labels: fig-f)",
		},
		{
			name:  "missing result",
			prose: "Text.\n",
			modify: func(r map[string]*engine.Result) {
				delete(r, "fig-f")
			},
			want: "e.md:6:1: k fig-f: has no result; run the report again (a --frozen build needs every directive cached)",
		},
		{
			name:  "figure that cannot be drawn",
			prose: "Text.\n",
			modify: func(r map[string]*engine.Result) {
				r["fig-f"].Figures[0].LogY = true
				r["fig-f"].Figures[0].Series[0] = engine.FigureData{Name: "lat", Y: []float64{0, 1}}
			},
			want: "e.md:6:1: k fig-f: figure 1: series \"lat\" has 0 at y[0], which a log y axis cannot show; drop :logy: or leave out the non-positive values",
		},
		{
			name:  "every error, sorted",
			prose: "See @fig-g and {val}`a.z`.\n\nThen {param}`q`.\n",
			want: "e.md:1:5: unknown reference @fig-g (known labels: fig-f)\n" +
				"e.md:1:16: {val}`a.z`: a has no value \"z\" (values of a: x, y)\n" +
				"e.md:3:6: {param}`q`: no parameter \"q\" (the report has none; declare it under params: in the front matter)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := results()
			if tt.modify != nil {
				tt.modify(res)
			}
			src := tt.prose
			if !strings.Contains(tt.name, "missing") && !strings.Contains(tt.name, "drawn") {
				src += blocks
			} else {
				src = tt.prose + "\n```{k} a\n```\n\n```{k} fig-f\n```\n"
			}
			_, err := Render(&Input{Doc: parse(t, "e.md", []byte(src)), Results: res, Params: tt.params})
			if err == nil {
				t.Fatalf("no error, want %s", tt.want)
			}
			var list doc.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error is %T, want doc.ErrorList: %v", err, err)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n%s\nwant:\n%s", err, tt.want)
			}
		})
	}
}

// TestRenderAnchors checks that headings keep clear of the renderer's own
// ids and can be referred to by them.
func TestRenderAnchors(t *testing.T) {
	src := "## fig-a\n\nSee @sec-fig-a-1 and @fig-a.\n\n## Appendix: Provenance\n\nSee @sec-appendix-provenance-1.\n\n```{k} fig-a\n```\n"
	res := map[string]*engine.Result{"fig-a": {Figures: []engine.Figure{
		{Kind: engine.Line, Series: []engine.FigureData{{Y: []float64{1, 2}}}},
	}}}
	out, err := Render(&Input{Doc: parse(t, "a.md", []byte(src)), Results: res})
	if err != nil {
		t.Fatal(err)
	}
	html := string(out.HTML)
	for _, want := range []string{
		`<h2 id="fig-a-1">fig-a</h2>`,
		`<a href="#fig-a-1">fig-a</a> and <a href="#fig-a">Figure 1</a>`,
		`<h2 id="appendix-provenance-1">Appendix: Provenance</h2>`,
		`<a href="#appendix-provenance-1">Appendix: Provenance</a>`,
		`<figure class="figure" id="fig-a">`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %s", want)
		}
	}
	if !strings.Contains(string(out.Markdown), "See fig-a and Figure 1.") {
		t.Errorf("Markdown does not resolve the references:\n%s", out.Markdown)
	}
}

// TestRenderLostBlock hands the renderer prose that leaves a code block
// open, which swallows the block's place.
func TestRenderLostBlock(t *testing.T) {
	d := &doc.Document{
		File: "lost.md",
		Nodes: []doc.Node{
			&doc.Prose{Text: "~~~\ncode\n", Pos: doc.Pos{File: "lost.md", Line: 1, Col: 1}},
			&doc.Block{Kind: "k", ID: "a", Pos: doc.Pos{File: "lost.md", Line: 3, Col: 1}},
		},
	}
	_, err := Render(&Input{Doc: d, Results: map[string]*engine.Result{"a": {Text: "x"}}})
	want := "lost.md:3:1: k a: cannot place the result: the prose before the block leaves a code block or HTML block open"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

// TestRenderWithoutProvenance renders a report whose build recorded no
// provenance and whose document was built by hand.
func TestRenderWithoutProvenance(t *testing.T) {
	d := &doc.Document{
		File: "hand.md",
		Nodes: []doc.Node{
			&doc.Prose{Text: "Intro.\n", Pos: doc.Pos{File: "hand.md", Line: 1, Col: 1}},
			&doc.Block{Kind: "k", ID: "a", Pos: doc.Pos{File: "hand.md", Line: 3, Col: 1}},
		},
	}
	out, err := Render(&Input{Doc: d, Results: map[string]*engine.Result{"a": {Text: "hi"}}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out.HTML, []byte("no provenance was recorded")) ||
		!bytes.Contains(out.Markdown, []byte("no provenance was recorded")) {
		t.Error("the appendix does not say that provenance is missing")
	}
	if !bytes.Contains(out.HTML, []byte("<title>hand</title>")) {
		t.Error("a page without a title is not named after its file")
	}
}

func TestDataFiles(t *testing.T) {
	d := parse(t, "d.md", []byte("```{k} a\n:hide: true\n```\n\n```{k} b\n```\n"))
	res := map[string]*engine.Result{
		"a": {
			Tables: []engine.Table{
				{Name: "x y", Columns: []string{"c1", "c2"}, Rows: [][]string{{"1", "a,b"}, {"2"}}},
				{Name: "x_y", Columns: []string{"c"}},
			},
			Series: []engine.Series{{Name: "lat", Unit: "ms", Values: []float64{0.1, 2, 1e-9}}},
		},
		"b": {Series: []engine.Series{{Values: []float64{1}}}},
	}
	out, err := Render(&Input{Doc: d, Results: res})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"data/a-x_y.csv":     "c1,c2\n1,\"a,b\"\n2,\n",
		"data/a-x_y-2.csv":   "c\n",
		"data/a-lat.csv":     "index,value (ms)\n0,0.1\n1,2\n2,1e-09\n",
		"data/b-series1.csv": "index,value\n0,1\n",
	}
	if got := slices.Sorted(maps.Keys(out.Files)); !slices.Equal(got, slices.Sorted(maps.Keys(want))) {
		t.Fatalf("files %v, want %v", got, slices.Sorted(maps.Keys(want)))
	}
	for name, w := range want {
		if got := string(out.Files[name]); got != w {
			t.Errorf("%s:\n%s\nwant:\n%s", name, got, w)
		}
		if _, err := csv.NewReader(strings.NewReader(string(out.Files[name]))).ReadAll(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestEscapeText(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		lineStart bool
		want      string
	}{
		{"number", "3.14", false, "3.14"},
		{"negative mid-line", "-2", false, "-2"},
		{"list at line start", "- x", true, `\- x`},
		{"ordered list at line start", "12. x", true, `12\. x`},
		{"heading", "# x", true, `\# x`},
		{"link", "[a](javascript:x)", false, `\[a\](javascript:x)`},
		{"link destination", "(javascript:x)", false, `\(javascript:x)`},
		{"url", "see http://x.org", false, `see http\://x.org`},
		{"time", "12:30", false, "12:30"},
		{"decimal at line start", "12.5 ms", true, "12.5 ms"},
		{"html", "<b>&amp;", false, `\<b\>\&amp;`},
		{"table", "a|b", false, `a\|b`},
		{"code", "`x`", false, "\\`x\\`"},
		{"newline", "a\nb", false, "a b"},
		{"linkify", "www.x.org", false, `www\.x.org`},
		{"email", "a@b.org", false, `a\@b.org`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := escapeText(tt.in, tt.lineStart); got != tt.want {
				t.Errorf("escapeText(%q, %v) = %q, want %q", tt.in, tt.lineStart, got, tt.want)
			}
		})
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                        "0s",
		500:                      "500ns",
		850 * time.Microsecond:   "850µs",
		1234 * time.Millisecond:  "1.23s",
		95 * time.Second:         "1m35s",
		12500 * time.Microsecond: "12.5ms",
	} {
		if got := duration(d); got != want {
			t.Errorf("duration(%v) = %q, want %q", d, got, want)
		}
	}
}

// BenchmarkRender renders a report with 20 tables and 10 figures.
func BenchmarkRender(b *testing.B) {
	var src strings.Builder
	res := map[string]*engine.Result{}
	for i := range 20 {
		id := fmt.Sprintf("tbl-t%d", i)
		fmt.Fprintf(&src, "## Section %d\n\nAs @%s shows, the value is {val}`%s.v:%%.2f`.\n\n```{k} %s\n```\n\n", i, id, id, id)
		rows := make([][]string, 50)
		for j := range rows {
			rows[j] = []string{fmt.Sprint(j), fmt.Sprintf("%.3f", float64(j)*1.5), "text <b>|"}
		}
		res[id] = &engine.Result{
			Values:   map[string]engine.Value{"v": engine.Num(float64(i), "ms")},
			Tables:   []engine.Table{{Name: "t", Columns: []string{"i", "v", "note"}, Rows: rows}},
			Warnings: []string{"a warning"},
		}
	}
	kinds := []string{engine.Line, engine.Bar, engine.Box, engine.Hist, engine.ECDF}
	for i := range 10 {
		id := fmt.Sprintf("fig-f%d", i)
		fmt.Fprintf(&src, "See @%s.\n\n```{k} %s\n```\n\n", id, id)
		res[id] = &engine.Result{Figures: []engine.Figure{figureOf(kinds[i%len(kinds)], false, false, 200)}}
	}
	in := &Input{Doc: parse(b, "bench.md", []byte(src.String())), Results: res}
	b.ReportAllocs()
	var size int
	for b.Loop() {
		out, err := Render(in)
		if err != nil {
			b.Fatal(err)
		}
		size = len(out.HTML)
	}
	b.ReportMetric(float64(size), "html-bytes")
}
