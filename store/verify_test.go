package store_test

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"testing"

	"github.com/tcpreport/tcpreport/store"
)

func TestPrune(t *testing.T) {
	ctx := context.Background()
	// Each case starts from the same history: a.md ran four times, each run
	// with a result of its own and one shared result; b.md ran twice.
	tests := []struct {
		name     string
		opt      store.PruneOptions
		stats    store.PruneStats // byte counts aside
		runs     []string         // the runs left, newest first
		gone     []string         // keys pruned
		resident []string         // keys kept
	}{
		{
			name:     "keep two per report",
			opt:      store.PruneOptions{KeepRuns: 2},
			stats:    store.PruneStats{Runs: 2, Results: 2, Series: 2},
			runs:     []string{"b2", "a4", "a3", "b1"},
			gone:     []string{"a1", "a2"},
			resident: []string{"a3", "a4", "shared", "b1", "b2"},
		},
		{
			name:     "keep one of one report",
			opt:      store.PruneOptions{KeepRuns: 1, Report: "b.md"},
			stats:    store.PruneStats{Runs: 1, Results: 1, Series: 1},
			runs:     []string{"b2", "a4", "a3", "a2", "a1"},
			gone:     []string{"b1"},
			resident: []string{"a1", "a2", "a3", "a4", "shared", "b2"},
		},
		{
			name:     "keep all",
			opt:      store.PruneOptions{},
			runs:     []string{"b2", "a4", "a3", "a2", "b1", "a1"},
			resident: []string{"a1", "a2", "a3", "a4", "shared", "b1", "b2"},
		},
		{
			name:     "keep one, shared result stays",
			opt:      store.PruneOptions{KeepRuns: 1},
			stats:    store.PruneStats{Runs: 4, Results: 4, Series: 4},
			runs:     []string{"b2", "a4"},
			gone:     []string{"a1", "a2", "a3", "b1"},
			resident: []string{"a4", "shared", "b2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, path := openStore(t, store.Options{})
			put := func(name, report string) {
				err := db.Put(ctx, key(name), report, name, "value", nil, make([]byte, 4096), map[string][]float64{"v": make([]float64, 512)})
				if err != nil {
					t.Fatal(err)
				}
			}
			put("shared", "a.md")
			for _, id := range []string{"a1", "b1", "a2", "a3", "a4", "b2"} {
				report := id[:1] + ".md"
				put(id, report)
				keys := []string{key(id)}
				if report == "a.md" {
					keys = append(keys, key("shared"))
				}
				run(t, db, id, report, keys...)
				if err := db.PutArtifact(ctx, id, id+"/index.html", key(id), 1); err != nil {
					t.Fatal(err)
				}
			}

			st, err := db.Prune(ctx, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if st.BytesBefore <= 0 || st.BytesAfter <= 0 || (tt.stats.Results > 0 && st.BytesAfter >= st.BytesBefore) {
				t.Errorf("Prune bytes %d -> %d, want positive sizes that shrink when results go", st.BytesBefore, st.BytesAfter)
			}
			st.BytesBefore, st.BytesAfter = 0, 0
			if st != tt.stats {
				t.Errorf("Prune = %+v, want %+v", st, tt.stats)
			}

			runs, err := db.Runs(ctx, "", 0)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, r := range runs {
				ids = append(ids, r.ID)
			}
			if !slices.Equal(ids, tt.runs) {
				t.Errorf("runs left = %v, want %v", ids, tt.runs)
			}
			for _, name := range tt.gone {
				if _, _, err := db.Get(ctx, key(name)); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("Get(%s) after Prune = %v, want fs.ErrNotExist", name, err)
				}
				if es, err := db.Executions(ctx, name); err != nil || len(es) > 0 {
					t.Errorf("executions of pruned run %s = %v, %v; want none", name, es, err)
				}
			}
			for _, name := range tt.resident {
				if _, _, err := db.Get(ctx, key(name)); err != nil {
					t.Errorf("Get(%s) after Prune: %v", name, err)
				}
			}
			var artifacts int
			if err := raw(t, path).QueryRow(`SELECT count(*) FROM artifacts`).Scan(&artifacts); err != nil {
				t.Fatal(err)
			}
			if artifacts != len(tt.runs) {
				t.Errorf("%d artifacts left, want one per remaining run, %d", artifacts, len(tt.runs))
			}
			if rep, err := db.Verify(ctx); err != nil || len(rep.Problems) > 0 {
				t.Errorf("Verify after Prune = %+v, %v; want no problems", rep, err)
			}
		})
	}
}

func TestPruneRejectsNegativeKeep(t *testing.T) {
	db, _ := openStore(t, store.Options{})
	if _, err := db.Prune(context.Background(), store.PruneOptions{KeepRuns: -1}); err == nil {
		t.Error("Prune{KeepRuns: -1} succeeded, want an error")
	}
}

// TestVerifyOrphans plants rows without their owner, as a tool that writes
// the file with foreign keys off could, and checks that Verify lists them
// and Prune removes them.
func TestVerifyOrphans(t *testing.T) {
	ctx := context.Background()
	db, path := openStore(t, store.Options{})
	run(t, db, "r1", "a.md")
	if err := db.Put(ctx, key("kept"), "a.md", "x", "value", nil, []byte("p"), nil); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordExecution(ctx, store.Execution{RunID: "r1", DirectiveID: "x", Key: key("kept")}); err != nil {
		t.Fatal(err)
	}
	r := raw(t, path)
	for _, q := range []string{
		`PRAGMA foreign_keys = OFF`,
		`INSERT INTO series (result_key, name, n, data, sha256) VALUES ('gone', 'v', 0, x'', '` + key("") + `')`,
		`INSERT INTO executions (run_id, directive_id, kind, key, status, duration, error, executor, host) VALUES ('ghost', 'fig', 'bench', 'k', 'ran', 0, '', '', '')`,
		`INSERT INTO artifacts (run_id, path, sha256, size) VALUES ('ghost', 'a/index.html', 'h', 1)`,
	} {
		if _, err := r.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	r.Close()

	rep, err := db.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Problem{
		{Table: "series", Key: "gone", Msg: `series "v" has no result`},
		{Table: "executions", Key: "ghost/fig", Msg: "its run does not exist"},
		{Table: "artifacts", Key: "ghost/a/index.html", Msg: "its run does not exist"},
	}
	if !slices.Equal(rep.Problems, want) {
		t.Errorf("Verify problems = %v\nwant %v", rep.Problems, want)
	}
	if rep.Results != 1 || rep.Series != 1 || rep.Runs != 1 {
		t.Errorf("Verify counted %d results, %d series, %d runs; want 1, 1, 1", rep.Results, rep.Series, rep.Runs)
	}

	st, err := db.Prune(ctx, store.PruneOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Series != 1 || st.Results != 0 {
		t.Errorf("Prune = %+v, want the orphaned series removed and nothing else", st)
	}
	if rep, err := db.Verify(ctx); err != nil || len(rep.Problems) > 0 {
		t.Errorf("Verify after Prune = %+v, %v; want no problems", rep, err)
	}
	if _, _, err := db.Get(ctx, key("kept")); err != nil {
		t.Errorf("Get of the referenced result after Prune: %v", err)
	}
}
