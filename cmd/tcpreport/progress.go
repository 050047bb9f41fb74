package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/tcpreport/tcpreport/engine"
)

// progress shows a build as it goes on stderr: on a terminal, one live line
// per running directive with its elapsed time; otherwise one plain line per
// finished directive; nothing with --quiet.
type progress struct {
	g     *globals
	mu    sync.Mutex
	live  *mpb.Progress
	bars  map[string]*mpb.Bar
	start map[string]time.Time
}

func newProgress(g *globals, steps int) *progress {
	p := &progress{g: g, bars: map[string]*mpb.Bar{}, start: map[string]time.Time{}}
	if !g.quiet && isTerminal(g.stderr) {
		p.live = mpb.New(mpb.WithOutput(g.stderr), mpb.WithWidth(1), mpb.WithRefreshRate(100*time.Millisecond))
	}
	return p
}

func (p *progress) Started(id, kind string) {
	if p.g.quiet {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.start[id] = time.Now()
	if p.live == nil {
		return
	}
	p.bars[id] = p.live.New(1, mpb.SpinnerStyle(),
		mpb.PrependDecorators(decor.Name(fmt.Sprintf("  %-24s %-12s", id, kind)), decor.Elapsed(decor.ET_STYLE_GO)),
	)
}

func (p *progress) Finished(d *engine.DirectiveRun, err error) {
	if p.g.quiet {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	line := fmt.Sprintf("%s %-24s %-12s %v\n", p.g.colorStatus(d.Status), d.ID, d.Kind, round(d.Duration))
	if err != nil {
		line = fmt.Sprintf("%s %-24s %-12s %v\n", p.g.colorStatus(d.Status), d.ID, d.Kind, err)
	}
	if bar := p.bars[d.ID]; bar != nil {
		p.live.Write([]byte(line))
		bar.Abort(true)
		delete(p.bars, d.ID)
		return
	}
	io.WriteString(p.g.stderr, line)
}

// Wait ends the live display.
func (p *progress) Wait() {
	if p.live != nil {
		p.live.Wait()
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// colorStatus colours a directive status on a terminal unless NO_COLOR is
// set.
func (g *globals) colorStatus(s string) string {
	if g.noColor || !isTerminal(g.stderr) {
		return fmt.Sprintf("%-6s", s)
	}
	code := map[string]string{
		engine.StatusRan:    "32",
		engine.StatusCached: "36",
		engine.StatusStale:  "33",
		engine.StatusFailed: "31",
	}[s]
	return fmt.Sprintf("\x1b[%sm%-6s\x1b[0m", code, s)
}

// round shortens a duration for display, keeping two or three significant
// digits: 1.234567s → 1.235s, 1.234567ms → 1.23ms, 12.345µs → 12µs.
func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	default:
		return d.Round(time.Microsecond)
	}
}
