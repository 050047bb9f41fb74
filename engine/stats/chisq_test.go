package stats

import (
	"encoding/json"
	"errors"
	"os"
	"testing"
)

// testdata/chisq.json is written by testdata/gen_chisq.py (Debian's
// /usr/bin/python3 with python3-scipy):
// scipy.stats.chi2_contingency(table, correction=False).
func TestChiSquareIndependenceAgainstSciPy(t *testing.T) {
	data, err := os.ReadFile("testdata/chisq.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Table     [][]float64
		Statistic float64
		P         float64
		DF        float64
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		got, err := ChiSquareIndependence(c.Table)
		if err != nil {
			t.Fatalf("%v: %v", c.Table, err)
		}
		if got.DF != c.DF || !chisqClose(got.Statistic, c.Statistic, 1e-9) || !chisqClose(got.P, c.P, 1e-9) {
			t.Errorf("%v: χ² %v df %v p %v, SciPy %v df %v p %v", c.Table, got.Statistic, got.DF, got.P, c.Statistic, c.DF, c.P)
		}
	}
}

func TestChiSquareIndependenceErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		table [][]float64
		kind  error
	}{
		{"empty", nil, ErrTooFew},
		{"ragged", [][]float64{{1, 2}, {3}}, ErrParam},
		{"negative", [][]float64{{1, -2}, {3, 4}}, ErrParam},
		{"one row left", [][]float64{{1, 2}, {0, 0}}, ErrTooFew},
	} {
		if _, err := ChiSquareIndependence(tc.table); !errors.Is(err, tc.kind) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.kind)
		}
	}
}

func chisqClose(a, b, tol float64) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	m := b
	if m < 0 {
		m = -m
	}
	return d <= tol*m || d <= 1e-300
}
