package stats

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// The tolerances of the fixture tests, relative: closed-form statistics
// must agree with SciPy to 1e-9, iterative ones (root finding, series) to
// 1e-6.
const (
	relClosed    = 1e-9
	relIterative = 1e-6
)

// readFixture decodes testdata/name, written by testdata/gen.py.
func readFixture(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("%v (regenerate with /usr/bin/python3 testdata/gen.py)", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

var (
	datasetsOnce sync.Once
	datasetsMap  map[string][]float64
)

// dataset returns the named data set of testdata/datasets.json.
func dataset(t testing.TB, name string) []float64 {
	t.Helper()
	datasetsOnce.Do(func() {
		var f struct{ Datasets map[string][]float64 }
		readFixture(t, "datasets.json", &f)
		datasetsMap = f.Datasets
	})
	x, ok := datasetsMap[name]
	if !ok {
		t.Fatalf("no data set %q in testdata/datasets.json", name)
	}
	return x
}

// near reports whether got is within rel of want, relative to the larger
// magnitude; exact zeros must match within rel absolutely.
func near(got, want, rel float64) bool {
	if got == want {
		return true
	}
	scale := math.Max(math.Abs(got), math.Abs(want))
	if scale < 1 && want == 0 {
		scale = 1
	}
	return math.Abs(got-want) <= rel*scale
}

// wantNear fails the test when got is not within rel of want.
func wantNear(t *testing.T, what string, got, want, rel float64) {
	t.Helper()
	if !near(got, want, rel) {
		t.Errorf("%s = %.17g, SciPy %.17g (relative difference %.2g > %.0g)", what, got, want, math.Abs(got-want)/math.Max(math.Abs(want), 1e-300), rel)
	}
}
