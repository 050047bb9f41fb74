package engine_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/store"
)

// sum is a test directive: its value is :value: plus the values of its
// inputs. It counts its executions.
type sum struct {
	mu   sync.Mutex
	runs []string
}

func (*sum) Kind() string { return "sum" }
func (*sum) Version() int { return 1 }
func (*sum) Options() []engine.OptionSpec {
	return []engine.OptionSpec{
		{Name: "value", Type: engine.Int, Default: "0"},
		{Name: "size", Type: engine.Size},
		{Name: "mode", Type: engine.Enum, Enum: []string{"fast", "slow"}},
		{Name: "need", Type: engine.String, Required: true, Default: ""},
	}
}

func (d *sum) Run(ctx context.Context, req *engine.Request) (*engine.Result, error) {
	d.mu.Lock()
	d.runs = append(d.runs, req.ID)
	d.mu.Unlock()
	v := float64(req.Opts.Int("value"))
	for _, id := range req.From {
		v += req.Inputs[id].Values["v"].Num
	}
	return &engine.Result{
		Values: map[string]engine.Value{"v": engine.Num(v, "")},
		Series: []engine.Series{{Name: "samples", Unit: "ns", Values: []float64{v, v + 1}}},
	}, nil
}

func (d *sum) executed() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	r := slices.Clone(d.runs)
	d.runs = nil
	slices.Sort(r)
	return r
}

// block is a test directive that waits until its context ends.
type block struct{ started chan string }

func (*block) Kind() string                 { return "block" }
func (*block) Version() int                 { return 1 }
func (*block) Options() []engine.OptionSpec { return nil }
func (b *block) Run(ctx context.Context, req *engine.Request) (*engine.Result, error) {
	if b.started != nil {
		b.started <- req.ID
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

const chain = `---
title: Chain
seed: 7
---
# Intro

Value {val}` + "`c.v`" + `.

` + "```{sum} a\n:value: A\n:need: x\n```\n\n```{sum} b\n:from: a\n:value: 10\n:need: x\n```\n\n```{sum} c\n:from: b\n:need: x\n:caption: C\n```\n\n```{sum} d\n:value: 5\n:need: x\n```\n"

type fixture struct {
	t   *testing.T
	dir string
	db  *store.DB
	sum *sum
	reg *engine.Registry
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(context.Background(), filepath.Join(dir, "cache.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := &sum{}
	return &fixture{t: t, dir: dir, db: db, sum: s, reg: engine.NewRegistry(s, &block{})}
}

func (f *fixture) plan(src string) *engine.Plan {
	f.t.Helper()
	path := filepath.Join(f.dir, "r.md")
	p, err := engine.Load(f.reg, path, []byte(src), nil)
	if err != nil {
		f.t.Fatalf("Load: %v", err)
	}
	return p
}

func (f *fixture) build(b *engine.Builder, src string) (*engine.Build, error) {
	f.t.Helper()
	b.Cache = f.db
	return b.Build(context.Background(), f.plan(src))
}

func statuses(b *engine.Build) map[string]string {
	m := map[string]string{}
	for _, d := range b.Prov.Directives {
		m[d.ID] = d.Status
	}
	return m
}

func TestRebuildRunsOnlyWhatChanged(t *testing.T) {
	f := newFixture(t)
	src := strings.Replace(chain, ":value: A", ":value: 1", 1)
	tests := []struct {
		name string
		src  string
		want []string // executed directives
	}{
		{"cold", src, []string{"a", "b", "c", "d"}},
		{"warm", src, nil},
		{"prose edited", strings.Replace(src, "# Intro", "# Introduction, rewritten", 1), nil},
		{"caption edited", strings.Replace(src, ":caption: C", ":caption: Another caption", 1), nil},
		{"option of a changed", strings.Replace(src, ":value: 1", ":value: 2", 1), []string{"a", "b", "c"}},
		{"option of c changed", strings.Replace(strings.Replace(src, ":value: 1", ":value: 2", 1), ":from: b\n:need: x", ":from: b\n:value: 3\n:need: x", 1), []string{"c"}},
		{"back to the first", src, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := f.build(&engine.Builder{}, tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.sum.executed(); !slices.Equal(got, tt.want) {
				t.Errorf("executed %v, want %v", got, tt.want)
			}
			if b.Run.Executed != len(tt.want) || b.Run.Executed+b.Run.Cached != 4 {
				t.Errorf("run counts: executed %d cached %d", b.Run.Executed, b.Run.Cached)
			}
		})
	}
	// The cached results carry their raw series and the values computed
	// from their inputs.
	b, err := f.build(&engine.Builder{}, src)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Results["c"].Values["v"].Num; got != 11 {
		t.Errorf("c = %v, want 11", got)
	}
	if s := b.Results["c"].Series; len(s) != 1 || s[0].Unit != "ns" || !slices.Equal(s[0].Values, []float64{11, 12}) {
		t.Errorf("c series = %+v", s)
	}
}

func TestExplainNamesChangedComponent(t *testing.T) {
	f := newFixture(t)
	src := strings.Replace(chain, ":value: A", ":value: 1", 1)
	if _, err := f.build(&engine.Builder{}, src); err != nil {
		t.Fatal(err)
	}
	b, err := f.build(&engine.Builder{}, strings.Replace(src, ":value: 1", ":value: 2", 1))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"a": "option:value changed (1 → 2)",
		"b": "input:a changed",
		"c": "input:b changed",
	}
	for _, d := range b.Prov.Directives {
		if w, ok := want[d.ID]; ok && !slices.Contains(d.Changed, w) {
			t.Errorf("%s: changed = %q, want %q", d.ID, d.Changed, w)
		}
		if d.ID == "d" && (d.Status != engine.StatusCached || len(d.Changed) != 0) {
			t.Errorf("d: status %s changed %q, want cached and nothing", d.Status, d.Changed)
		}
	}
}

func TestFrozenNeverExecutes(t *testing.T) {
	f := newFixture(t)
	src := strings.Replace(chain, ":value: A", ":value: 1", 1)

	b, err := f.build(&engine.Builder{Frozen: true}, src)
	if err == nil {
		t.Fatal("frozen build of an empty cache succeeded")
	}
	if got := f.sum.executed(); len(got) != 0 {
		t.Fatalf("frozen build executed %v", got)
	}
	for _, id := range []string{"a", "d"} {
		if !strings.Contains(err.Error(), "sum "+id+": no cached result and --frozen forbids running it") {
			t.Errorf("error does not name %s: %v", id, err)
		}
	}
	if b == nil || b.Run.Executed != 0 {
		t.Errorf("frozen build reports executions: %+v", b)
	}

	if _, err := f.build(&engine.Builder{}, src); err != nil {
		t.Fatal(err)
	}
	f.sum.executed()
	b, err = f.build(&engine.Builder{Frozen: true}, strings.Replace(src, ":value: 1", ":value: 2", 1))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.sum.executed(); len(got) != 0 {
		t.Fatalf("frozen build executed %v", got)
	}
	want := map[string]string{"a": "stale", "b": "stale", "c": "stale", "d": "cached"}
	if got := statuses(b); !mapsEqual(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
	if b.Run.Stale != 3 || b.Run.Cached != 1 {
		t.Errorf("run counts: stale %d cached %d", b.Run.Stale, b.Run.Cached)
	}
	// The stale result is the one stored, not a recomputation.
	if got := b.Results["c"].Values["v"].Num; got != 11 {
		t.Errorf("stale c = %v, want the cached 11", got)
	}
}

func TestRerun(t *testing.T) {
	f := newFixture(t)
	src := strings.Replace(chain, ":value: A", ":value: 1", 1)
	if _, err := f.build(&engine.Builder{}, src); err != nil {
		t.Fatal(err)
	}
	f.sum.executed()
	if _, err := f.build(&engine.Builder{Rerun: []string{"b"}}, src); err != nil {
		t.Fatal(err)
	}
	if got := f.sum.executed(); !slices.Equal(got, []string{"b", "c"}) {
		t.Errorf("--rerun b executed %v, want b and c, which reads it", got)
	}
	if _, err := f.build(&engine.Builder{RerunAll: true}, src); err != nil {
		t.Fatal(err)
	}
	if got := f.sum.executed(); len(got) != 4 {
		t.Errorf("--rerun-all executed %v", got)
	}
}

// counter is a test directive whose result changes every time it runs, as
// a measurement does.
type counter struct{ n atomic.Int64 }

func (*counter) Kind() string                 { return "counter" }
func (*counter) Version() int                 { return 1 }
func (*counter) Options() []engine.OptionSpec { return nil }
func (c *counter) Run(ctx context.Context, req *engine.Request) (*engine.Result, error) {
	if len(req.From) == 1 {
		return &engine.Result{Values: req.Inputs[req.From[0]].Values}, nil
	}
	v := float64(c.n.Add(1))
	return &engine.Result{Values: map[string]engine.Value{"v": engine.Num(v, "")}}, nil
}

func TestRerunReplacesResultAndDependents(t *testing.T) {
	f := newFixture(t)
	f.reg = engine.NewRegistry(&counter{})
	src := "```{counter} m\n```\n\n```{counter} copy\n:from: m\n```\n"
	value := func(b *engine.Build, id string) float64 { return b.Results[id].Values["v"].Num }

	b, err := f.build(&engine.Builder{}, src)
	if err != nil {
		t.Fatal(err)
	}
	if value(b, "m") != 1 || value(b, "copy") != 1 {
		t.Fatalf("cold: m=%v copy=%v", value(b, "m"), value(b, "copy"))
	}
	b, err = f.build(&engine.Builder{Rerun: []string{"m"}}, src)
	if err != nil {
		t.Fatal(err)
	}
	if value(b, "m") != 2 || value(b, "copy") != 2 {
		t.Errorf("--rerun m: m=%v copy=%v, want the new measurement everywhere", value(b, "m"), value(b, "copy"))
	}
	b, err = f.build(&engine.Builder{}, src)
	if err != nil {
		t.Fatal(err)
	}
	if value(b, "m") != 2 || value(b, "copy") != 2 || b.Run.Executed != 0 {
		t.Errorf("after --rerun: m=%v copy=%v executed %d, want the re-run result served", value(b, "m"), value(b, "copy"), b.Run.Executed)
	}
}

func TestIdenticalBlocksAreSeparateMeasurements(t *testing.T) {
	f := newFixture(t)
	f.reg = engine.NewRegistry(&counter{})
	src := "```{counter} before\n```\n\n```{counter} after\n```\n"
	cold, err := f.build(&engine.Builder{}, src)
	if err != nil {
		t.Fatal(err)
	}
	warm, err := f.build(&engine.Builder{}, src)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"before", "after"} {
		if c, w := cold.Results[id].Values["v"].Num, warm.Results[id].Values["v"].Num; c != w {
			t.Errorf("%s: cold %v, warm %v", id, c, w)
		}
	}
	if cold.Results["before"].Values["v"].Num == cold.Results["after"].Values["v"].Num {
		t.Error("two blocks with the same options share one result")
	}
}

func TestCancelLeavesStoreConsistent(t *testing.T) {
	f := newFixture(t)
	started := make(chan string, 1)
	f.reg = engine.NewRegistry(f.sum, &block{started: started})
	src := "```{sum} fast\n:need: x\n```\n\n```{block} slow\n:from: fast\n```\n"
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	b := &engine.Builder{Cache: f.db}
	_, err := b.Build(ctx, f.plan(src))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	rep, err := f.db.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) > 0 {
		t.Errorf("store problems after cancel: %+v", rep.Problems)
	}
	// The directive that finished is cached; the cancelled one is not.
	f.sum.executed()
	b2, _ := f.build(&engine.Builder{Frozen: true}, src)
	if got := statuses(b2); got["fast"] != "cached" || got["slow"] != "failed" {
		t.Errorf("after cancel: %v", got)
	}
}

func TestTimeout(t *testing.T) {
	f := newFixture(t)
	src := "```{block} slow\n:timeout: 50ms\n```\n"
	start := time.Now()
	_, err := f.build(&engine.Builder{}, src)
	if err == nil || !strings.Contains(err.Error(), "timed out after 50ms (raise :timeout:)") {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("timeout took %v", d)
	}
}

func TestIndependentDirectivesRunConcurrently(t *testing.T) {
	f := newFixture(t)
	var running, peak atomic.Int32
	c := &concurrent{running: &running, peak: &peak}
	f.reg = engine.NewRegistry(c)
	var src strings.Builder
	for i := range 4 {
		fmt.Fprintf(&src, "```{conc} c%d\n```\n\n", i)
	}
	if _, err := f.build(&engine.Builder{Jobs: 2}, src.String()); err != nil {
		t.Fatal(err)
	}
	if p := peak.Load(); p != 2 {
		t.Errorf("peak concurrency %d, want 2 (--jobs 2)", p)
	}
}

type concurrent struct{ running, peak *atomic.Int32 }

func (*concurrent) Kind() string                 { return "conc" }
func (*concurrent) Version() int                 { return 1 }
func (*concurrent) Options() []engine.OptionSpec { return nil }
func (c *concurrent) Run(ctx context.Context, req *engine.Request) (*engine.Result, error) {
	n := c.running.Add(1)
	for {
		p := c.peak.Load()
		if n <= p || c.peak.CompareAndSwap(p, n) {
			break
		}
	}
	time.Sleep(100 * time.Millisecond)
	c.running.Add(-1)
	return &engine.Result{}, nil
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// stateful is a counter whose machine state the test controls.
type stateful struct {
	counter
	state string
}

func (*stateful) Kind() string { return "stateful" }
func (s *stateful) State(context.Context, engine.Options) (string, error) {
	return s.state, nil
}

func TestStateChangeReruns(t *testing.T) {
	f := newFixture(t)
	d := &stateful{state: "tools-v1"}
	f.reg = engine.NewRegistry(d)
	src := "```{stateful} scan\n```\n"
	for i, tt := range []struct {
		state    string
		executed int
		why      string
	}{
		{"tools-v1", 1, "no cached result"},
		{"tools-v1", 0, ""},
		{"tools-v2", 1, "state changed"},
	} {
		d.state = tt.state
		b, err := f.build(&engine.Builder{}, src)
		if err != nil {
			t.Fatal(err)
		}
		if b.Run.Executed != tt.executed || (tt.why != "" && !slices.Contains(b.Prov.Directives[0].Changed, tt.why)) {
			t.Errorf("build %d: executed %d, changed %q; want %d, %q", i, b.Run.Executed, b.Prov.Directives[0].Changed, tt.executed, tt.why)
		}
	}
}

// apiUser is a counter that reads the front matter's API declarations.
type apiUser struct{ counter }

func (*apiUser) Kind() string { return "apiuser" }
func (*apiUser) APIState(_ engine.Options, apis map[string]map[string]string) string {
	return apis["echo"]["url"]
}

func TestAPIDeclarationChangeReruns(t *testing.T) {
	f := newFixture(t)
	f.reg = engine.NewRegistry(&apiUser{})
	for i, tt := range []struct {
		url      string
		executed int
		why      string
	}{
		{"https://127.0.0.1:1", 1, "no cached result"},
		{"https://127.0.0.1:1", 0, ""},
		{"https://127.0.0.1:2", 1, "apis changed"},
	} {
		src := "---\napis:\n  echo: {url: \"" + tt.url + "\"}\n---\n```{apiuser} check\n```\n"
		b, err := f.build(&engine.Builder{}, src)
		if err != nil {
			t.Fatal(err)
		}
		if b.Run.Executed != tt.executed || (tt.why != "" && !slices.Contains(b.Prov.Directives[0].Changed, tt.why)) {
			t.Errorf("build %d: executed %d, changed %q; want %d, %q", i, b.Run.Executed, b.Prov.Directives[0].Changed, tt.executed, tt.why)
		}
	}
}
