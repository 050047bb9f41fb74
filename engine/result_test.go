package engine

import (
	"math"
	"testing"
)

func TestValueFormat(t *testing.T) {
	tests := []struct {
		v      Value
		format string
		want   string
	}{
		{Num(149863532, ""), "", "149863532"},
		{Num(1234567.89, ""), "", "1234568"},
		{Num(10.2, "us"), "", "10.2"},
		{Num(10.199999999, ""), "", "10.2"},
		{Num(0.000123456789, ""), "", "0.000123457"},
		{Num(1e-9, ""), "", "1e-09"},
		{Num(-3, ""), "", "-3"},
		{Num(math.NaN(), ""), "", "NaN"},
		{Num(2.5, ""), "%.2f", "2.50"},
		{Text("bbr"), "", "bbr"},
		{Text("bbr"), "%q", `"bbr"`},
	}
	for _, tt := range tests {
		if got := tt.v.Format(tt.format); got != tt.want {
			t.Errorf("%+v.Format(%q) = %q, want %q", tt.v, tt.format, got, tt.want)
		}
	}
}
