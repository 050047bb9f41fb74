package store_test

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tcpreport/tcpreport/store"
)

// run records a finished run of report that used the results under keys.
func run(t *testing.T, db *store.DB, id, report string, keys ...string) {
	t.Helper()
	ctx := context.Background()
	start := time.Date(2025, 11, 26, 15, 0, 0, 0, time.UTC) // the same for every run
	if err := db.BeginRun(ctx, store.Run{ID: id, Report: report, Started: start}); err != nil {
		t.Fatal(err)
	}
	for i, k := range keys {
		e := store.Execution{RunID: id, DirectiveID: "d" + string(rune('a'+i)), Kind: "value", Key: k, Status: "ran", Started: start, Duration: time.Millisecond}
		if err := db.RecordExecution(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.FinishRun(ctx, store.Run{ID: id, Finished: start.Add(time.Second), Status: store.RunOK, Executed: len(keys)}); err != nil {
		t.Fatal(err)
	}
}

func TestRunProvenance(t *testing.T) {
	ctx := context.Background()
	db, path := openStore(t, store.Options{})
	started := time.Date(2025, 11, 26, 15, 4, 5, 123456789, time.FixedZone("CET", 3600))
	r := store.Run{
		ID: "run-1", Report: "gate8.md", ProtocolHash: key("protocol"), Seed: -42,
		EnvHash: key("env"), Version: "v0.3.0", VCS: "abc123", Started: started,
	}
	if err := db.BeginRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	runs, err := db.Runs(ctx, "gate8.md", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Status != store.RunRunning || !runs[0].Finished.IsZero() || !runs[0].Started.Equal(started) {
		t.Fatalf("Runs after BeginRun = %+v, want one running run started %v", runs, started)
	}

	execs := []store.Execution{
		{RunID: "run-1", DirectiveID: "env", Kind: "env", Key: key("a"), Status: "ran", Started: started, Duration: 1500 * time.Millisecond, Executor: "local", Host: "lab1"},
		{RunID: "run-1", DirectiveID: "fig", Kind: "bench", Key: key("b"), Status: "cached", Started: started.Add(-time.Hour), Duration: time.Minute, Executor: "ssh", Host: "gentoo.local"},
		{RunID: "run-1", DirectiveID: "tbl", Kind: "table", Key: key("c"), Status: "failed", Error: "tbl: no labels file"},
	}
	for _, e := range execs {
		if err := db.RecordExecution(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.Executions(ctx, "run-1")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(got, execs, func(a, b store.Execution) bool {
		return a.Started.Equal(b.Started) && a.RunID == b.RunID && a.DirectiveID == b.DirectiveID && a.Kind == b.Kind &&
			a.Key == b.Key && a.Status == b.Status && a.Duration == b.Duration && a.Error == b.Error &&
			a.Executor == b.Executor && a.Host == b.Host
	}) {
		t.Errorf("Executions = %+v\nwant %+v", got, execs)
	}

	if err := db.PutArtifact(ctx, "run-1", "gate8/index.html", key("html"), 1234); err != nil {
		t.Fatal(err)
	}
	if err := db.PutArtifact(ctx, "run-1", "gate8/index.html", key("html2"), 2345); err != nil {
		t.Fatalf("PutArtifact of the same path again: %v", err)
	}
	var sum string
	var size int64
	if err := raw(t, path).QueryRow(`SELECT sha256, size FROM artifacts WHERE run_id = 'run-1'`).Scan(&sum, &size); err != nil {
		t.Fatal(err)
	}
	if sum != key("html2") || size != 2345 {
		t.Errorf("artifact = %s, %d; want the second PutArtifact's", sum, size)
	}

	facts := []byte(`{"go":"go1.26","cpu":"x86_64"}`)
	for range 2 { // idempotent
		if err := db.PutEnvironment(ctx, key("env"), facts); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := db.Environment(ctx, key("env")); err != nil || string(got) != string(facts) {
		t.Errorf("Environment = %s, %v; want %s", got, err, facts)
	}
	if _, err := db.Environment(ctx, key("none")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Environment of an unknown hash = %v, want fs.ErrNotExist", err)
	}

	finished := started.Add(time.Minute)
	if err := db.FinishRun(ctx, store.Run{ID: "run-1", Finished: finished, Status: store.RunFailed, Executed: 1, Cached: 1, Stale: 0}); err != nil {
		t.Fatal(err)
	}
	runs, err = db.Runs(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	want := r
	want.Finished, want.Status, want.Executed, want.Cached = finished, store.RunFailed, 1, 1
	if len(runs) != 1 || !sameRun(runs[0], want) {
		t.Errorf("Runs after FinishRun = %+v\nwant [%+v]", runs, want)
	}
}

func sameRun(a, b store.Run) bool {
	ok := a.Started.Equal(b.Started) && a.Finished.Equal(b.Finished)
	a.Started, a.Finished, b.Started, b.Finished = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return ok && a == b
}

func TestRunErrors(t *testing.T) {
	ctx := context.Background()
	db, path := openStore(t, store.Options{})
	if err := db.BeginRun(ctx, store.Run{ID: "r", Report: "a.md"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		do       func() error
		want     string
		notExist bool
	}{
		{
			name: "begin twice",
			do:   func() error { return db.BeginRun(ctx, store.Run{ID: "r", Report: "a.md"}) },
			want: "store {path}: begin run r: a run with this id was already begun; give each run a fresh id",
		},
		{
			name: "begin without report",
			do:   func() error { return db.BeginRun(ctx, store.Run{ID: "s"}) },
			want: "store {path}: begin run: empty run id or report; every run needs both",
		},
		{
			name: "begin with unknown status",
			do:   func() error { return db.BeginRun(ctx, store.Run{ID: "s", Report: "a.md", Status: "done"}) },
			want: `store {path}: begin run s: unknown status "done"; use "running", "ok", "failed" or "canceled"`,
		},
		{
			name:     "finish unknown run",
			do:       func() error { return db.FinishRun(ctx, store.Run{ID: "nope", Status: store.RunOK}) },
			want:     "store {path}: finish run nope: no such run; call BeginRun first",
			notExist: true,
		},
		{
			name: "finish as running",
			do:   func() error { return db.FinishRun(ctx, store.Run{ID: "r", Status: store.RunRunning}) },
			want: `store {path}: finish run r: status "running" is not an ending; use "ok", "failed" or "canceled"`,
		},
		{
			name:     "execution of unknown run",
			do:       func() error { return db.RecordExecution(ctx, store.Execution{RunID: "nope", DirectiveID: "fig"}) },
			want:     "store {path}: record execution of fig in run nope: no such run; call BeginRun first",
			notExist: true,
		},
		{
			name:     "artifact of unknown run",
			do:       func() error { return db.PutArtifact(ctx, "nope", "a/index.html", key("x"), 1) },
			want:     "store {path}: put artifact a/index.html of run nope: no such run; call BeginRun first",
			notExist: true,
		},
		{
			name: "environment not JSON",
			do:   func() error { return db.PutEnvironment(ctx, "0123456789abcdef", []byte("go=1.26")) },
			want: "store {path}: put environment 0123456789ab…: facts are not valid JSON; pass them as encoding/json writes them",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if want := strings.ReplaceAll(tt.want, "{path}", path); err == nil || err.Error() != want {
				t.Errorf("error = %v\nwant    %s", err, want)
			}
			if tt.notExist && !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("error %v does not wrap fs.ErrNotExist", err)
			}
		})
	}
}

func TestRunsNewestFirst(t *testing.T) {
	ctx := context.Background()
	db, _ := openStore(t, store.Options{})
	for _, r := range []struct{ id, report string }{{"a1", "a.md"}, {"b1", "b.md"}, {"a2", "a.md"}, {"a3", "a.md"}, {"b2", "b.md"}} {
		run(t, db, r.id, r.report) // all with the same start time
	}
	tests := []struct {
		report string
		limit  int
		want   []string
	}{
		{"a.md", 0, []string{"a3", "a2", "a1"}},
		{"a.md", 2, []string{"a3", "a2"}},
		{"b.md", -1, []string{"b2", "b1"}},
		{"", 0, []string{"b2", "a3", "a2", "b1", "a1"}},
		{"", 1, []string{"b2"}},
		{"c.md", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.report, func(t *testing.T) {
			runs, err := db.Runs(ctx, tt.report, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, r := range runs {
				ids = append(ids, r.ID)
			}
			if !slices.Equal(ids, tt.want) {
				t.Errorf("Runs(%q, %d) = %v, want %v", tt.report, tt.limit, ids, tt.want)
			}
		})
	}
}
