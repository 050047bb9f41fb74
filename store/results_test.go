package store_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tcpreport/tcpreport/store"
)

// sameBits reports whether a and b hold the same float64 bit patterns, so
// that NaN equals itself and -0 differs from +0.
func sameBits(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) })
}

func TestPutGet(t *testing.T) {
	ctx := context.Background()
	db, _ := openStore(t, store.Options{})
	tests := []struct {
		name    string
		payload []byte
		series  map[string][]float64
	}{
		{name: "no series", payload: []byte(`{"values":{"n":3}}`)},
		{name: "empty payload", payload: []byte{}},
		{name: "nil payload"},
		{
			name:    "special floats",
			payload: []byte("x"),
			series: map[string][]float64{"special": {
				math.NaN(),
				math.Float64frombits(0x7ff8_0000_0000_beef), // a NaN with a payload
				math.Float64frombits(0xfff0_0000_0000_0001), // a signalling NaN, sign set
				math.Inf(1), math.Inf(-1),
				math.Copysign(0, -1), 0,
				math.SmallestNonzeroFloat64, math.MaxFloat64, -1.5,
			}},
		},
		{name: "empty series", payload: []byte("x"), series: map[string][]float64{"empty": {}}},
		{
			name:    "several series",
			payload: []byte("x"),
			series: map[string][]float64{
				"latency": {1.25, 2.5, 3.75},
				"ops/s":   {1e9},
				"":        {42},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := key(tt.name)
			if err := db.Put(ctx, k, "gate8.md", tt.name, "bench", map[string]string{"kind": "bench"}, tt.payload, tt.series); err != nil {
				t.Fatal(err)
			}
			payload, series, err := db.Get(ctx, k)
			if err != nil {
				t.Fatal(err)
			}
			if string(payload) != string(tt.payload) || payload == nil {
				t.Errorf("payload = %q, want %q (never nil)", payload, tt.payload)
			}
			if series == nil {
				t.Error("series is nil, want a map")
			}
			if !maps.EqualFunc(series, tt.series, sameBits) {
				t.Errorf("series = %v, want %v", series, tt.series)
			}
			for name, v := range series {
				if v == nil {
					t.Errorf("series %q is nil, want an empty slice", name)
				}
			}
		})
	}
}

func TestGetMissing(t *testing.T) {
	db, path := openStore(t, store.Options{})
	_, _, err := db.Get(context.Background(), key("absent"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Get of a missing key = %v, want an error wrapping fs.ErrNotExist", err)
	}
	want := fmt.Sprintf("store %s: no result with key %s…", path, key("absent")[:12])
	if err.Error() != want {
		t.Errorf("error\n\t%v\nwant\n\t%s", err, want)
	}
	_, _, err = db.Latest(context.Background(), "gate8.md", "env")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Latest with no result = %v, want an error wrapping fs.ErrNotExist", err)
	}
}

func TestPutRejects(t *testing.T) {
	db, path := openStore(t, store.Options{})
	k := key("k")
	tests := []struct {
		name                  string
		key, report, id, kind string
		want                  string
	}{
		{"no key", "", "r.md", "x", "value", "store {path}: put result  of r.md/x: empty key; every result needs a key, report, directive id and kind"},
		{"no report", k, "", "x", "value", "store {path}: put result " + k[:12] + "… of /x: empty report; every result needs a key, report, directive id and kind"},
		{"no id", k, "r.md", "", "value", "store {path}: put result " + k[:12] + "… of r.md/: empty directive id; every result needs a key, report, directive id and kind"},
		{"no kind", k, "r.md", "x", "", "store {path}: put result " + k[:12] + "… of r.md/x: empty kind; every result needs a key, report, directive id and kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.Put(context.Background(), tt.key, tt.report, tt.id, tt.kind, nil, nil, nil)
			if want := strings.ReplaceAll(tt.want, "{path}", path); err == nil || err.Error() != want {
				t.Errorf("Put = %v\nwant %s", err, want)
			}
		})
	}
}

func TestLatest(t *testing.T) {
	ctx := context.Background()
	db, _ := openStore(t, store.Options{})
	put := func(k, id, opt string) {
		t.Helper()
		if err := db.Put(ctx, k, "gate8.md", id, "bench", map[string]string{"options": opt}, []byte(opt), nil); err != nil {
			t.Fatal(err)
		}
	}
	// Stored back to back, well within one clock tick of each other on
	// coarse clocks: the order must come from insertion, not from time.
	put(key("old"), "fig", "repeat=10")
	put(key("new"), "fig", "repeat=20")
	put(key("other"), "tbl", "x")

	tests := []struct {
		name, report, id string
		key              string
		components       map[string]string
	}{
		{"newest of two", "gate8.md", "fig", key("new"), map[string]string{"options": "repeat=20"}},
		{"other directive", "gate8.md", "tbl", key("other"), map[string]string{"options": "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, comp, err := db.Latest(ctx, tt.report, tt.id)
			if err != nil {
				t.Fatal(err)
			}
			if k != tt.key || !maps.Equal(comp, tt.components) {
				t.Errorf("Latest = %s, %v; want %s, %v", k, comp, tt.key, tt.components)
			}
		})
	}
}

func TestPutReplaces(t *testing.T) {
	ctx := context.Background()
	db, _ := openStore(t, store.Options{})
	k := key("twice")
	first := map[string][]float64{"a": {1, 2}}
	if err := db.Put(ctx, k, "r.md", "x", "value", map[string]string{"n": "1"}, []byte("first"), first); err != nil {
		t.Fatal(err)
	}
	other := key("other")
	if err := db.Put(ctx, other, "r.md", "x", "value", map[string]string{"n": "9"}, []byte("other"), nil); err != nil {
		t.Fatal(err)
	}
	second := map[string][]float64{"b": {3}}
	if err := db.Put(ctx, k, "r.md", "x", "value", map[string]string{"n": "2"}, []byte("second"), second); err != nil {
		t.Fatalf("second Put of a key: %v, want nil", err)
	}
	payload, series, err := db.Get(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if string(payload) != "second" || !maps.EqualFunc(series, second, sameBits) {
		t.Errorf("Get = %q, %v; want the second Put's %q, %v", payload, series, "second", second)
	}
	if lk, comp, _ := db.Latest(ctx, "r.md", "x"); lk != k || comp["n"] != "2" {
		t.Errorf("Latest = %s %v, want the replaced key as the newest", lk, comp)
	}
	rep, err := db.Verify(ctx)
	if err != nil || len(rep.Problems) != 0 {
		t.Errorf("Verify after replace: %v %+v", err, rep)
	}
	_ = first
}

// flip changes one byte of a blob behind the store's back, as a stray
// UPDATE or a bad disk would.
func flip(t *testing.T, path, table, column, where string, args ...any) {
	t.Helper()
	r := raw(t, path)
	var b []byte
	if err := r.QueryRow(`SELECT `+column+` FROM `+table+` WHERE `+where, args...).Scan(&b); err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x01
	if _, err := r.Exec(`UPDATE `+table+` SET `+column+` = ? WHERE `+where, append([]any{b}, args...)...); err != nil {
		t.Fatal(err)
	}
}

func TestCorrupt(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		damage  func(t *testing.T, path, key string)
		read    string // "get" or "latest": the read that must notice
		table   string
		problem string // the Problem's Msg in Verify
		detail  string // what the error says is wrong
	}{
		{
			name:    "payload",
			damage:  func(t *testing.T, path, k string) { flip(t, path, "results", "payload", "key = ?", k) },
			read:    "get",
			table:   "results",
			problem: "gate8.md/env: payload hash mismatch",
			detail:  "payload hash mismatch",
		},
		{
			name: "series",
			damage: func(t *testing.T, path, k string) {
				flip(t, path, "series", "data", "result_key = ? AND name = 'latency'", k)
			},
			read:    "get",
			table:   "series",
			problem: `gate8.md/env: series "latency" hash mismatch`,
			detail:  `series "latency" hash mismatch`,
		},
		{
			name: "components",
			damage: func(t *testing.T, path, k string) {
				rawExec(t, path, `UPDATE results SET components = '{"tool":' WHERE key = ?`, k)
			},
			read:    "latest",
			table:   "results",
			problem: "gate8.md/env: components are not a JSON object of strings: unexpected end of JSON input",
			detail:  "components are not a JSON object of strings: unexpected end of JSON input",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, path := openStore(t, store.Options{})
			bad, good := key("bad"), key("good")
			series := map[string][]float64{"latency": make([]float64, 100), "ok": {1}}
			for _, k := range []string{good, bad} {
				if err := db.Put(ctx, k, "gate8.md", "env", "env", map[string]string{"tool": "x"}, []byte(strings.Repeat("payload ", 20)), series); err != nil {
					t.Fatal(err)
				}
			}
			run(t, db, "r1", "gate8.md", good, bad) // both referenced: only Corrupt removes bad
			tt.damage(t, path, bad)

			var err error
			if tt.read == "get" {
				_, _, err = db.Get(ctx, bad)
			} else {
				_, _, err = db.Latest(ctx, "gate8.md", "env")
			}
			var ce *store.CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("%s after damage = %v, want a *store.CorruptError", tt.read, err)
			}
			if ce.Table != tt.table || ce.Key != bad {
				t.Errorf("CorruptError{Table: %q, Key: %s}, want {%q, %s}", ce.Table, ce.Key, tt.table, bad)
			}
			want := fmt.Sprintf("store %s: result %s… of gate8.md/env: %s (the row was changed outside tcpreport); run 'tcpreport clean --corrupt' to drop it, then build again", path, bad[:12], tt.detail)
			if err.Error() != want {
				t.Errorf("error\n\t%v\nwant\n\t%s", err, want)
			}
			if _, _, err := db.Get(ctx, good); err != nil {
				t.Errorf("Get of the undamaged result: %v", err)
			}

			rep, err := db.Verify(ctx)
			if err != nil {
				t.Fatal(err)
			}
			wantProblems := []store.Problem{{Table: tt.table, Key: bad, Msg: tt.problem}}
			if !slices.Equal(rep.Problems, wantProblems) {
				t.Errorf("Verify problems = %v, want %v", rep.Problems, wantProblems)
			}

			if st, err := db.Prune(ctx, store.PruneOptions{}); err != nil || st.Results != 0 {
				t.Errorf("Prune without Corrupt = %+v, %v; want nothing removed", st, err)
			}
			st, err := db.Prune(ctx, store.PruneOptions{Corrupt: true})
			if err != nil {
				t.Fatal(err)
			}
			if st.Results != 1 || st.Series != 2 || st.Runs != 0 {
				t.Errorf("Prune{Corrupt} = %+v, want 1 result and its 2 series removed", st)
			}
			if _, _, err := db.Get(ctx, bad); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("Get of the pruned result = %v, want fs.ErrNotExist", err)
			}
			if _, _, err := db.Get(ctx, good); err != nil {
				t.Errorf("Get of the undamaged result after Prune: %v", err)
			}
			if rep, err := db.Verify(ctx); err != nil || len(rep.Problems) > 0 {
				t.Errorf("Verify after Prune = %+v, %v; want no problems", rep, err)
			}
		})
	}
}

func TestConcurrentPut(t *testing.T) {
	ctx := context.Background()
	db, _ := openStore(t, store.Options{})
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each*2)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				// Every worker also stores one shared key, racing the others.
				k, payload := key(fmt.Sprint(w, i)), fmt.Sprint(w, i)
				if i == 0 {
					k, payload = key("shared"), "shared"
				}
				if err := db.Put(ctx, k, "c.md", fmt.Sprint("d", i), "value", nil, []byte(payload), map[string][]float64{"v": {float64(w), float64(i)}}); err != nil {
					errs <- err
				}
				if _, _, err := db.Get(ctx, k); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	rep, err := db.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := workers*(each-1) + 1; rep.Results != want || rep.Series != want || len(rep.Problems) > 0 {
		t.Errorf("after concurrent Puts, Verify = %+v; want %d results and series, no problems", rep, want)
	}
}

func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	db, _ := openStore(b, store.Options{})
	payload := []byte(strings.Repeat("0123456789abcdef", 640)) // 10 KiB
	v := make([]float64, 10_000)
	for i := range v {
		v[i] = float64(i) * 1.5
	}
	k := key("bench")
	if err := db.Put(ctx, k, "b.md", "x", "bench", nil, payload, map[string][]float64{"samples": v}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(payload) + 8*len(v)))
	for b.Loop() {
		if _, _, err := db.Get(ctx, k); err != nil {
			b.Fatal(err)
		}
	}
}
