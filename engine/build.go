package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Builder runs plans. Its zero value is not usable: Cache is required.
type Builder struct {
	Cache Cache
	// Log records runs and executions; nil records nothing.
	Log RunLog
	// Observer is told when directives start and finish; nil is silent.
	Observer Observer
	// Env is the environment fingerprint of this machine.
	Env []Fact
	// Jobs bounds how many directives run at once; 0 means runtime.NumCPU().
	Jobs int
	// Frozen never executes: results come from the cache, drifted ones
	// marked stale; a directive with no cached result at all is an error.
	Frozen bool
	// Rerun executes these directives, and those that read their results,
	// even when cached; RerunAll executes all.
	Rerun    []string
	RerunAll bool
	// Publish, if set, is called with a successful build before the run is
	// recorded as finished, so that a build whose rendering fails is
	// recorded as failed.
	Publish func(ctx context.Context, b *Build) error
	// Redactor removes secrets from results and errors before they are
	// stored or shown; nil redacts nothing.
	Redactor *Redactor
	// Host and Executor are recorded with every execution.
	Host, Executor string
	// Now returns the time; nil means time.Now.
	Now func() time.Time
}

// RunLog records the history of builds. cmd adapts store.DB to it.
type RunLog interface {
	BeginRun(ctx context.Context, r *RunRecord) error
	Executed(ctx context.Context, runID string, d *DirectiveRun, err error) error
	FinishRun(ctx context.Context, r *RunRecord) error
}

// RunRecord describes one build.
type RunRecord struct {
	ID, Report, ProtocolHash string
	Seed                     int64
	Env                      []Fact
	Version, VCS             string
	Started, Finished        time.Time
	Status                   string // running, ok, failed, canceled
	Executed, Cached, Stale  int
}

// Observer follows a build as it goes, e.g. to show progress.
type Observer interface {
	Started(id, kind string)
	Finished(d *DirectiveRun, err error)
}

// Build is the outcome of a build.
type Build struct {
	Plan    *Plan
	Run     *RunRecord
	Results map[string]*Result
	Prov    *Provenance
}

// StepError is the failure of one directive.
type StepError struct {
	Step *Step
	Err  error
}

func (e *StepError) Error() string {
	b := e.Step.Block
	return fmt.Sprintf("%s: %s %s: %v", b.Pos, b.Kind, b.ID, e.Err)
}

func (e *StepError) Unwrap() error { return e.Err }

// BuildError holds the failures of a build, in plan order.
type BuildError []*StepError

func (e BuildError) Error() string {
	s := ""
	for i, se := range e {
		if i > 0 {
			s += "\n"
		}
		s += se.Error()
	}
	return s
}

func (e BuildError) Unwrap() []error {
	errs := make([]error, len(e))
	for i, se := range e {
		errs[i] = se
	}
	return errs
}

// CanceledError is a build stopped by its context (Ctrl-C).
type CanceledError struct {
	Done, Total int
	Err         error
}

func (e *CanceledError) Error() string {
	return fmt.Sprintf("build interrupted: %d of %d directives have results, kept in the store; the others run in the next build", e.Done, e.Total)
}

func (e *CanceledError) Unwrap() error { return e.Err }

// Meta keys the engine sets on every result it stores.
const (
	metaRunID    = "run_id"
	metaStarted  = "started"
	metaDuration = "duration_ns"
)

type stepState struct {
	key   string
	comps map[string]string
	prov  DirectiveRun
	res   *Result
	err   error
	done  chan struct{}
}

// Build runs p: every step not served from the cache is executed, inputs
// first, independent steps concurrently. It returns the Build even on
// failure, with the results it has, and a BuildError listing the failed
// directives. Cancelling ctx stops running directives; nothing partial is
// stored.
func (bl *Builder) Build(ctx context.Context, p *Plan) (*Build, error) {
	now := bl.Now
	if now == nil {
		now = time.Now
	}
	run := &RunRecord{
		ID:           newRunID(now()),
		Report:       p.Report,
		ProtocolHash: p.ProtocolHash,
		Seed:         p.Doc.Front.Seed,
		Env:          bl.Env,
		Version:      Version,
		VCS:          VCSRevision(),
		Started:      now(),
		Status:       "running",
	}
	if bl.Log != nil {
		if err := bl.Log.BeginRun(ctx, run); err != nil {
			return nil, err
		}
	}
	states := map[*Step]*stepState{}
	keys := map[string]string{}
	forced := map[*Step]bool{}
	for _, s := range p.Steps {
		// Steps are in dependency order: inputs are decided first.
		forced[s] = bl.RerunAll || slices.Contains(bl.Rerun, s.ID()) || slices.ContainsFunc(s.Inputs, func(in *Step) bool { return forced[in] })
		key, comps, err := keyOf(ctx, Version, s, p.Dir, p.Doc.Front.Seed, keys, bl.Env, p.Doc.Front.APIs)
		if err != nil {
			return nil, bl.finish(ctx, run, "failed", err)
		}
		keys[s.ID()] = key
		states[s] = &stepState{key: key, comps: comps, done: make(chan struct{})}
	}

	jobs := bl.Jobs
	if jobs <= 0 {
		jobs = runtime.NumCPU()
	}
	sem := make(chan struct{}, jobs)
	// Solo directives hold solo exclusively; the others share it.
	var solo sync.RWMutex
	var wg sync.WaitGroup
	for _, s := range p.Steps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := states[s]
			defer close(st.done)
			inputs := map[string]*Result{}
			for _, in := range s.Inputs {
				ist := states[in]
				<-ist.done
				if ist.err != nil {
					st.err = fmt.Errorf("not run: input %q failed", in.ID())
					st.prov = DirectiveRun{ID: s.ID(), Kind: s.Block.Kind, Status: StatusFailed, Key: st.key}
					return
				}
				inputs[in.ID()] = ist.res
			}
			st.res, st.prov, st.err = bl.step(ctx, p, run, s, st, inputs, forced[s], sem, &solo, now)
			if bl.Log != nil {
				if err := bl.Log.Executed(context.WithoutCancel(ctx), run.ID, &st.prov, st.err); err != nil && st.err == nil {
					st.err = err
				}
			}
		}()
	}
	wg.Wait()

	b := &Build{Plan: p, Run: run, Results: map[string]*Result{}}
	var berr BuildError
	var dirs []DirectiveRun
	for _, s := range p.Steps {
		st := states[s]
		dirs = append(dirs, st.prov)
		if st.err != nil {
			berr = append(berr, &StepError{Step: s, Err: st.err})
			continue
		}
		b.Results[s.ID()] = st.res
		switch st.prov.Status {
		case StatusRan:
			run.Executed++
		case StatusCached:
			run.Cached++
		case StatusStale:
			run.Stale++
		}
	}
	b.Prov = provenance(p, run, dirs)
	switch {
	case ctx.Err() != nil:
		return b, bl.finish(ctx, run, "canceled", &CanceledError{Done: len(b.Results), Total: len(p.Steps), Err: ctx.Err()})
	case berr != nil:
		return b, bl.finish(ctx, run, "failed", berr)
	}
	if bl.Publish != nil {
		if err := bl.Publish(ctx, b); err != nil {
			return b, bl.finish(ctx, run, "failed", err)
		}
	}
	return b, bl.finish(ctx, run, "ok", nil)
}

func (bl *Builder) finish(ctx context.Context, run *RunRecord, status string, err error) error {
	run.Status = status
	run.Finished = time.Now()
	if bl.Now != nil {
		run.Finished = bl.Now()
	}
	if bl.Log != nil {
		if lerr := bl.Log.FinishRun(context.WithoutCancel(ctx), run); lerr != nil {
			return errors.Join(err, lerr)
		}
	}
	return err
}

// step serves s from the cache or executes it.
func (bl *Builder) step(ctx context.Context, p *Plan, run *RunRecord, s *Step, st *stepState,
	inputs map[string]*Result, forced bool, sem chan struct{}, solo *sync.RWMutex, now func() time.Time) (*Result, DirectiveRun, error) {
	d := DirectiveRun{ID: s.ID(), Kind: s.Block.Kind, Key: st.key, Executor: bl.Executor, Host: bl.Host}

	if !forced {
		res, err := bl.load(ctx, st.key)
		switch {
		case err == nil:
			d.Status = StatusCached
			fromMeta(res, &d)
			return res, d, nil
		case !errors.Is(err, fs.ErrNotExist):
			d.Status = StatusFailed
			return nil, d, err
		}
	}
	// Not cached (or forced): explain what changed since the last result.
	oldKey, oldComps, lerr := bl.Cache.Latest(ctx, p.Report, s.ID())
	switch {
	case lerr == nil && oldKey != st.key:
		d.Changed = changed(oldComps, st.comps)
	case lerr == nil && forced:
		d.Changed = []string{"rerun requested"}
	case errors.Is(lerr, fs.ErrNotExist):
		d.Changed = []string{"no cached result"}
	case lerr != nil:
		d.Status = StatusFailed
		return nil, d, lerr
	}

	if bl.Frozen {
		if lerr != nil {
			d.Status = StatusFailed
			return nil, d, errors.New("no cached result and --frozen forbids running it; build once without --frozen")
		}
		res, err := bl.load(ctx, oldKey)
		if err != nil {
			d.Status = StatusFailed
			return nil, d, err
		}
		d.Status = StatusCached
		if oldKey != st.key {
			d.Status = StatusStale
			d.Key = oldKey
		}
		fromMeta(res, &d)
		return res, d, nil
	}

	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		d.Status = StatusFailed
		return nil, d, ctx.Err()
	}
	defer func() { <-sem }()
	if _, ok := s.Directive.(Solo); ok {
		solo.Lock()
		defer solo.Unlock()
	} else {
		solo.RLock()
		defer solo.RUnlock()
	}
	if ctx.Err() != nil {
		d.Status = StatusFailed
		return nil, d, ctx.Err()
	}
	if bl.Observer != nil {
		bl.Observer.Started(s.ID(), s.Block.Kind)
	}
	d.RunID = run.ID
	d.Started = now()
	res, err := bl.execute(ctx, p, s, inputs)
	d.Duration = now().Sub(d.Started)
	bl.Redactor.Result(res)
	err = bl.Redactor.Error(err)
	if err == nil {
		err = bl.store(ctx, p, s, st, res, &d)
	}
	if err != nil {
		d.Status = StatusFailed
	} else {
		d.Status = StatusRan
	}
	if bl.Observer != nil {
		bl.Observer.Finished(&d, err)
	}
	return res, d, err
}

func (bl *Builder) execute(ctx context.Context, p *Plan, s *Step, inputs map[string]*Result) (res *Result, err error) {
	if s.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.Timeout)
		defer cancel()
	}
	defer func() {
		if r := recover(); r != nil {
			buf := make([]byte, 4096)
			buf = buf[:runtime.Stack(buf, false)]
			res, err = nil, fmt.Errorf("directive panicked: %v\n%s", r, buf)
		}
	}()
	req := &Request{
		ID:      s.ID(),
		Opts:    s.Opts,
		Body:    s.Block.Body,
		Inputs:  inputs,
		From:    s.From,
		Seed:    p.Doc.Front.Seed,
		Dir:     p.Dir,
		Timeout: s.Timeout,
		Hosts:   p.Doc.Front.Hosts,
		APIs:    p.Doc.Front.APIs,
	}
	res, err = s.Directive.Run(ctx, req)
	if err == nil && res == nil {
		err = errors.New("directive returned no result")
	}
	// Directives that explain their own timeout keep their words; a bare
	// context error gets the engine's.
	if err != nil && s.Timeout > 0 && errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "timed out") {
		err = fmt.Errorf("timed out after %v (raise :timeout:): %w", s.Timeout, err)
	}
	return res, err
}

// store saves a fresh result under its key, with the provenance of its
// execution in Meta so that a cached result reports where it came from.
func (bl *Builder) store(ctx context.Context, p *Plan, s *Step, st *stepState, res *Result, d *DirectiveRun) error {
	if res.Meta == nil {
		res.Meta = map[string]string{}
	}
	res.Meta[metaRunID] = d.RunID
	res.Meta[metaStarted] = d.Started.UTC().Format(time.RFC3339Nano)
	res.Meta[metaDuration] = strconv.FormatInt(int64(d.Duration), 10)
	if h := res.Meta["host"]; h != "" {
		d.Host = h
	}
	if e := res.Meta["executor"]; e != "" {
		d.Executor = e
	}
	payload, err := json.Marshal(res)
	if err != nil {
		return fmt.Errorf("encoding result: %w", err)
	}
	series := make(map[string][]float64, len(res.Series))
	for _, sr := range res.Series {
		if _, dup := series[sr.Name]; dup {
			return fmt.Errorf("two sample series named %q", sr.Name)
		}
		series[sr.Name] = sr.Values
	}
	// A cancelled build must not store half a result, but a finished one is
	// stored even if Ctrl-C arrives now.
	return bl.Cache.Put(context.WithoutCancel(ctx), st.key, p.Report, s.ID(), s.Block.Kind, st.comps, payload, series)
}

// load reads a cached result by key.
func (bl *Builder) load(ctx context.Context, key string) (*Result, error) {
	payload, series, err := bl.Cache.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	return DecodeResult(payload, series)
}

// DecodeResult rebuilds a Result from a cached payload and its series.
func DecodeResult(payload []byte, series map[string][]float64) (*Result, error) {
	var res Result
	if err := json.Unmarshal(payload, &res); err != nil {
		return nil, fmt.Errorf("decoding cached result: %w", err)
	}
	for i := range res.Series {
		vals, ok := series[res.Series[i].Name]
		if !ok {
			return nil, fmt.Errorf("cached result lacks sample series %q", res.Series[i].Name)
		}
		res.Series[i].Values = vals
	}
	return &res, nil
}

func fromMeta(res *Result, d *DirectiveRun) {
	d.RunID = res.Meta[metaRunID]
	d.Started, _ = time.Parse(time.RFC3339Nano, res.Meta[metaStarted])
	ns, _ := strconv.ParseInt(res.Meta[metaDuration], 10, 64)
	d.Duration = time.Duration(ns)
	if h := res.Meta["host"]; h != "" {
		d.Host = h
	}
	if e := res.Meta["executor"]; e != "" {
		d.Executor = e
	}
}

// provenance builds the report's provenance. Its RunID is the run that
// produced the newest result shown, so a build served wholly from the cache
// renders exactly as the build that filled it.
func provenance(p *Plan, run *RunRecord, dirs []DirectiveRun) *Provenance {
	pv := &Provenance{
		ProtocolHash: p.ProtocolHash,
		Seed:         p.Doc.Front.Seed,
		Version:      Version,
		VCS:          run.VCS,
		Env:          run.Env,
		Directives:   dirs,
	}
	var newest time.Time
	for _, d := range dirs {
		if d.RunID != "" && !d.Started.Before(newest) {
			newest, pv.RunID = d.Started, d.RunID
		}
	}
	if pv.RunID == "" {
		pv.RunID = run.ID
	}
	return pv
}

// newRunID returns a sortable, unique run id: UTC time plus random bits.
func newRunID(t time.Time) string {
	var b [4]byte
	rand.Read(b[:])
	return t.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}
