package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tcpreport/tcpreport/engine/tcp"
)

func TestWilliamsBalance(t *testing.T) {
	for k := 1; k <= 7; k++ {
		rows := Williams(k)
		wantRows := k
		if k%2 == 1 && k > 1 {
			wantRows = 2 * k
		}
		if len(rows) != wantRows {
			t.Fatalf("k=%d: %d rows, want %d", k, len(rows), wantRows)
		}
		pos := make(map[[2]int]int)  // (arm, position) -> count
		pair := make(map[[2]int]int) // (arm, next arm) -> count
		for _, r := range rows {
			if s := slices.Sorted(slices.Values(r)); !slices.Equal(s, identity(k)) {
				t.Fatalf("k=%d: row %v is not a permutation", k, r)
			}
			for i, a := range r {
				pos[[2]int{a, i}]++
				if i+1 < k {
					pair[[2]int{a, r[i+1]}]++
				}
			}
		}
		for a := range k {
			for i := range k {
				if pos[[2]int{a, i}] != len(rows)/k {
					t.Errorf("k=%d: arm %d at position %d %d times, want %d", k, a, i, pos[[2]int{a, i}], len(rows)/k)
				}
				if a != i && k > 1 && pair[[2]int{a, i}] != len(rows)*(k-1)/(k*(k-1)) {
					t.Errorf("k=%d: arm %d before %d %d times", k, a, i, pair[[2]int{a, i}])
				}
			}
		}
	}
}

func identity(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func TestScheduleDeterministicPermutations(t *testing.T) {
	a, err := NewSchedule(42, 6, 9, 3)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewSchedule(42, 6, 9, 3)
	c, _ := NewSchedule(43, 6, 9, 3)
	if len(a.Trials) != 54 {
		t.Fatalf("%d trials", len(a.Trials))
	}
	same, differ := true, false
	for i := range a.Trials {
		same = same && a.Trials[i].Item == b.Trials[i].Item && slices.Equal(a.Trials[i].Order, b.Trials[i].Order)
		differ = differ || a.Trials[i].Item != c.Trials[i].Item
	}
	if !same || !differ {
		t.Errorf("same seed same schedule: %v; other seed differs: %v", same, differ)
	}
	firsts := make(map[int]bool)
	for blk := range 6 {
		var items []int
		for _, tr := range a.Trials[blk*9 : blk*9+9] {
			if tr.Block != blk {
				t.Fatalf("trial in block %d, want %d", tr.Block, blk)
			}
			items = append(items, tr.Item)
		}
		firsts[items[0]] = true
		if !slices.Equal(slices.Sorted(slices.Values(items)), identity(9)) {
			t.Errorf("block %d is not a permutation: %v", blk, items)
		}
	}
	if len(firsts) < 2 {
		t.Error("every block starts with the same item: blocks are not permuted afresh")
	}
	// A block is the same whether or not the blocks before it are made.
	one, _ := NewSchedule(42, 6, 9, 3)
	if one.Trials[5*9].Item != a.Trials[5*9].Item {
		t.Error("block 5 depends on the schedule length")
	}
	for _, bad := range [][3]int{{0, 1, 1}, {1, 0, 1}, {1, 1, 0}} {
		if _, err := NewSchedule(1, bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("NewSchedule%v: no error", bad)
		}
	}
}

// counter is an arm that decides everything SAFE after sleeping, and
// counts its calls.
type counter struct {
	name  string
	sleep time.Duration
	calls int
	fail  string // a tool whose decision fails
}

func (c *counter) Name() string { return c.name }
func (c *counter) Decide(_ context.Context, tool, _ string) (tcp.Risk, error) {
	c.calls++
	time.Sleep(c.sleep)
	if tool == c.fail {
		return 0, errors.New("cannot decide " + tool)
	}
	return tcp.Safe, nil
}

func TestRun(t *testing.T) {
	items := []Item{
		{Tool: "ls", Lines: []tcp.Labelled{{Risk: tcp.Safe, Command: "ls -l"}, {Risk: tcp.Safe, Command: "ls /"}}},
		{Tool: "rm", Lines: []tcp.Labelled{{Risk: tcp.HighRisk, Command: "rm -rf build"}}},
		{Tool: "cat", Lines: []tcp.Labelled{{Risk: tcp.Safe, Command: "cat /etc/hostname"}}},
	}
	slow := &counter{name: "slow", sleep: 2 * time.Millisecond, fail: "cat"}
	arms := []Arm{TCP{}, slow}
	s, err := NewSchedule(7, 4, len(items), len(arms))
	if err != nil {
		t.Fatal(err)
	}
	var progress []int
	loads := 0.0
	out, err := Run(context.Background(), Config{
		Schedule: s, Items: items, Arms: arms, Warmup: 2,
		LoadAvg:  func() (float64, error) { loads++; return loads, nil },
		Progress: func(done, total int) { progress = append(progress, done) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Samples) != 4*3*2 || len(out.Warmup) != 2*2 || slow.calls != 4*3+2 {
		t.Fatalf("%d samples, %d warm-up, %d calls", len(out.Samples), len(out.Warmup), slow.calls)
	}
	if len(progress) != 12 || progress[11] != 12 {
		t.Errorf("progress %v", progress)
	}
	if len(out.Loads) != 4 || out.Loads[0] != (Load{0, 1, 2}) || out.Loads[3] != (Load{3, 7, 8}) {
		t.Errorf("loads %+v", out.Loads)
	}
	fast, _ := out.Times(0)
	slowNs, blocks := out.Times(1)
	if len(fast) != 12 || len(slowNs) != 8 || len(blocks) != 8 {
		t.Fatalf("times: %d fast, %d slow", len(fast), len(slowNs))
	}
	for _, ns := range slowNs {
		if ns < float64(2*time.Millisecond) {
			t.Errorf("slow arm timed %v ns, slept 2 ms", ns)
		}
	}
	// The tcp arm decides "rm -rf build" HIGH_RISK and the ls lines SAFE;
	// the counter decides everything SAFE and fails on cat.
	if c, n := out.Accuracy(0, items); n != 4 || c != 4 {
		t.Errorf("tcp accuracy %d/%d, want 4/4", c, n)
	}
	if c, n := out.Accuracy(1, items); n != 3 || c != 2 {
		t.Errorf("slow accuracy %d/%d, want 2/3", c, n)
	}
	for _, smp := range out.Samples {
		tr := s.Trials[smp.Trial]
		if tr.Order[smp.Slot] != smp.Arm || smp.Line != smp.Block%len(items[smp.Item].Lines) {
			t.Fatalf("sample %+v does not follow trial %+v", smp, tr)
		}
	}
	if out.Timer.OverheadNs <= 0 || out.Timer.StepNs <= 0 {
		t.Errorf("timer %+v", out.Timer)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, Config{Schedule: s, Items: items, Arms: arms}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run: %v", err)
	}
	if _, err := Run(context.Background(), Config{Schedule: s, Items: items[:2], Arms: arms}); err == nil {
		t.Error("item count mismatch: no error")
	}
}

func TestLLM(t *testing.T) {
	const key = "sk-test-secret-0123456789"
	var got struct {
		Model    string              `json:"model"`
		Messages []map[string]string `json:"messages"`
	}
	reply := `{"choices":[{"message":{"content":"This is high_risk."}}]}`
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer "+key {
			http.Error(w, "bad request "+r.URL.Path, http.StatusUnauthorized)
			return
		}
		json.NewDecoder(r.Body).Decode(&got)
		w.WriteHeader(status)
		w.Write([]byte(reply))
	}))
	defer srv.Close()
	t.Setenv(EnvLLMURL, srv.URL+"/v1")
	t.Setenv(EnvLLMModel, "test-model")
	t.Setenv(EnvLLMKey, key)
	a, why := LLMFromEnv(time.Second)
	if a == nil {
		t.Fatal(why)
	}
	r, err := a.Decide(context.Background(), "rm", "rm -rf build")
	if err != nil || r != tcp.HighRisk {
		t.Fatalf("decision %v, %v", r, err)
	}
	if got.Model != "test-model" || len(got.Messages) != 2 || got.Messages[1]["content"] != "rm -rf build" {
		t.Errorf("request %+v", got)
	}
	for _, tc := range []struct {
		status      int
		reply, want string
	}{
		{http.StatusTooManyRequests, `{"error":"slow down"}`, "429"},
		{http.StatusOK, `{"choices":[{"message":{"content":"no idea"}}]}`, "names no risk class"},
		{http.StatusOK, `<html>`, "not a chat completion"},
		{http.StatusOK, `{"choices":[]}`, "no choices"},
	} {
		status, reply = tc.status, tc.reply
		_, err := a.Decide(context.Background(), "ls", "ls")
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), key) {
			t.Errorf("reply %d %s: error %v, want %q without the key", tc.status, tc.reply, err, tc.want)
		}
	}
	a.Key = "wrong"
	if _, err := a.Decide(context.Background(), "ls", "ls"); err == nil || strings.Contains(err.Error(), key) {
		t.Errorf("wrong key: %v", err)
	}
	t.Setenv(EnvLLMURL, "")
	if a, why := LLMFromEnv(time.Second); a != nil || !strings.Contains(why, EnvLLMURL) {
		t.Errorf("unset URL: %v %q", a, why)
	}
}
