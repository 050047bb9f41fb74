package experiment

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tcpreport/tcpreport/engine/tcp"
	"golang.org/x/sys/unix"
)

// Item is one tool of an experiment with the labelled command lines that
// use it. Block b decides line b mod len(Lines), so successive blocks cycle
// through all of them.
type Item struct {
	Tool  string
	Lines []tcp.Labelled
}

// line returns the labelled line the item contributes to block b.
func (it *Item) line(b int) int { return b % len(it.Lines) }

// Arm is one way of deciding a command line: from a descriptor, from the
// tool's help text, from its man page, from a language model. An arm must
// not cache what it learns between calls: each call is the whole cost of
// one decision.
type Arm interface {
	Name() string
	Decide(ctx context.Context, tool, line string) (tcp.Risk, error)
}

// Config is one experiment run.
type Config struct {
	Schedule *Schedule
	Items    []Item
	Arms     []Arm
	// Warmup decisions per arm run before the first block, over the
	// schedule's first items, and are discarded.
	Warmup int
	// LoadAvg reads the 1-minute load average; default /proc/loadavg.
	LoadAvg func() (float64, error)
	// Progress, when set, is called after each trial with the trials done
	// and the total.
	Progress func(done, total int)
	// Blocks, when set, runs only these blocks of the schedule (a shard of
	// the experiment); the samples keep their trial numbers, so the shards'
	// outcomes merge into the outcome of the whole schedule.
	Blocks []int
}

// Sample is one timed decision.
type Sample struct {
	Arm   int     // index into Config.Arms
	Trial int     // index into Schedule.Trials; -1 for warm-up
	Block int     // the trial's block
	Item  int     // index into Config.Items
	Line  int     // index into the item's Lines
	Slot  int     // the arm's position in the trial's order, 0-based
	Ns    float64 // wall time of the decision on the monotonic clock
	Risk  tcp.Risk
	Err   string // the arm's error; the decision then does not count
}

// Load is the load average around one block.
type Load struct {
	Block         int
	Before, After float64
}

// Outcome is what Run measured.
type Outcome struct {
	Samples []Sample // in the order they were taken, warm-up excluded
	Warmup  []Sample // the discarded warm-up decisions
	Loads   []Load
	Timer   Timer
}

// Run runs every trial of cfg.Schedule, after the warm-up. An arm's error
// on one decision is recorded in its Sample and the run goes on; Run fails
// only on a bad configuration, on a load-average read error or when ctx
// ends.
func Run(ctx context.Context, cfg Config) (*Outcome, error) {
	s := cfg.Schedule
	switch {
	case s == nil:
		return nil, errors.New("experiment: no schedule")
	case len(cfg.Items) != s.Items:
		return nil, fmt.Errorf("experiment: %d items for a schedule of %d", len(cfg.Items), s.Items)
	case len(cfg.Arms) != s.Arms:
		return nil, fmt.Errorf("experiment: %d arms for a schedule of %d", len(cfg.Arms), s.Arms)
	case cfg.Warmup < 0:
		return nil, fmt.Errorf("experiment: negative warm-up %d", cfg.Warmup)
	}
	for i, it := range cfg.Items {
		if len(it.Lines) == 0 {
			return nil, fmt.Errorf("experiment: item %d (%s) has no labelled line", i, it.Tool)
		}
	}
	loadAvg := cfg.LoadAvg
	if loadAvg == nil {
		loadAvg = ReadLoadAvg
	}
	out := &Outcome{Timer: MeasureTimer(10000)}
	trials := s.Trials
	if cfg.Blocks != nil {
		trials = nil
		for _, t := range s.Trials {
			if slices.Contains(cfg.Blocks, t.Block) {
				trials = append(trials, t)
			}
		}
		if len(trials) == 0 {
			return nil, fmt.Errorf("experiment: blocks %v are not in a schedule of %d blocks", cfg.Blocks, s.Blocks)
		}
	}
	decide := func(trial int, t Trial, slot, arm int) Sample {
		it := &cfg.Items[t.Item]
		li := it.line(t.Block)
		smp := Sample{Arm: arm, Trial: trial, Block: t.Block, Item: t.Item, Line: li, Slot: slot}
		start := time.Now()
		risk, err := cfg.Arms[arm].Decide(ctx, it.Tool, it.Lines[li].Command)
		smp.Ns = float64(time.Since(start))
		smp.Risk = risk
		if err != nil {
			smp.Err = err.Error()
		}
		return smp
	}

	for w := range cfg.Warmup {
		t := trials[w%len(trials)]
		for slot, arm := range t.Order {
			out.Warmup = append(out.Warmup, decide(-1, t, slot, arm))
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	block := -1
	for n, t := range trials {
		i := t.Block*s.Items + t.Pos // the trial's index in the schedule
		if t.Block != block {
			if block >= 0 {
				if err := endBlock(out, loadAvg); err != nil {
					return nil, err
				}
			}
			block = t.Block
			l, err := loadAvg()
			if err != nil {
				return nil, err
			}
			out.Loads = append(out.Loads, Load{Block: block, Before: l})
		}
		for slot, arm := range t.Order {
			out.Samples = append(out.Samples, decide(i, t, slot, arm))
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if cfg.Progress != nil {
			cfg.Progress(n+1, len(trials))
		}
	}
	if err := endBlock(out, loadAvg); err != nil {
		return nil, err
	}
	return out, nil
}

// endBlock records the load average after the current block.
func endBlock(out *Outcome, loadAvg func() (float64, error)) error {
	l, err := loadAvg()
	if err != nil {
		return err
	}
	out.Loads[len(out.Loads)-1].After = l
	return nil
}

// ReadLoadAvg returns the 1-minute load average from /proc/loadavg.
func ReadLoadAvg() (float64, error) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0, fmt.Errorf("load average: %w", err)
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, fmt.Errorf("load average: /proc/loadavg is empty")
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return 0, fmt.Errorf("load average: %w", err)
	}
	return v, nil
}

// Timer describes the clock the samples were taken with.
type Timer struct {
	// ResolutionNs is the monotonic clock's resolution as the kernel
	// states it (clock_getres); 0 when unknown.
	ResolutionNs float64
	// StepNs is the smallest positive difference seen between two
	// successive readings: an upper bound on the usable resolution.
	StepNs float64
	// OverheadNs is the median time between two successive readings: what
	// timing adds to every sample (not subtracted from the samples).
	OverheadNs float64
}

// MeasureTimer reads the monotonic clock n times back to back.
func MeasureTimer(n int) Timer {
	var t Timer
	var ts unix.Timespec
	if unix.ClockGetres(unix.CLOCK_MONOTONIC, &ts) == nil {
		t.ResolutionNs = float64(ts.Nano())
	}
	d := make([]float64, n)
	for i := range d {
		a := time.Now()
		b := time.Now()
		d[i] = float64(b.Sub(a))
	}
	slices.Sort(d)
	t.OverheadNs = d[len(d)/2]
	for _, v := range d {
		if v > 0 {
			t.StepNs = v
			break
		}
	}
	return t
}

// Merge joins the outcomes of shards that ran disjoint blocks of one
// schedule into the outcome of the blocks they ran together, in schedule
// order. The timer and warm-up of every shard are kept: the timer of the
// first, the warm-ups of all.
func Merge(parts []*Outcome) (*Outcome, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("experiment: nothing to merge")
	}
	out := &Outcome{Timer: parts[0].Timer}
	seen := map[int]bool{}
	for _, p := range parts {
		for _, l := range p.Loads {
			if seen[l.Block] {
				return nil, fmt.Errorf("experiment: block %d ran in two shards", l.Block)
			}
			seen[l.Block] = true
		}
		out.Samples = append(out.Samples, p.Samples...)
		out.Warmup = append(out.Warmup, p.Warmup...)
		out.Loads = append(out.Loads, p.Loads...)
	}
	slices.SortStableFunc(out.Samples, func(a, b Sample) int { return cmp.Or(cmp.Compare(a.Trial, b.Trial), cmp.Compare(a.Slot, b.Slot)) })
	slices.SortFunc(out.Loads, func(a, b Load) int { return cmp.Compare(a.Block, b.Block) })
	return out, nil
}

// Accuracy counts, for arm, the distinct labelled lines whose first
// error-free decision matched the label.
func (o *Outcome) Accuracy(arm int, items []Item) (correct, n int) {
	seen := make(map[[2]int]bool)
	for _, s := range o.Samples {
		k := [2]int{s.Item, s.Line}
		if s.Arm != arm || s.Err != "" || seen[k] {
			continue
		}
		seen[k] = true
		n++
		if s.Risk == items[s.Item].Lines[s.Line].Risk {
			correct++
		}
	}
	return correct, n
}

// Times returns arm's decision times in ns, in the order taken, with the
// block of each; decisions that failed are left out.
func (o *Outcome) Times(arm int) (ns, blocks []float64) {
	for _, s := range o.Samples {
		if s.Arm == arm && s.Err == "" {
			ns = append(ns, s.Ns)
			blocks = append(blocks, float64(s.Block))
		}
	}
	return ns, blocks
}
