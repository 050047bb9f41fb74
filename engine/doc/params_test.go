package doc_test

import (
	"maps"
	"testing"

	"github.com/tcpreport/tcpreport/engine/doc"
)

func TestSetParams(t *testing.T) {
	tests := []struct {
		name      string
		front     string
		overrides map[string]string
		want      map[string]string
		err       string
	}{
		{
			name:      "override",
			front:     "params:\n  n: 10\n  size: 4KiB\n",
			overrides: map[string]string{"n": "20"},
			want:      map[string]string{"n": "20", "size": "4KiB"},
		},
		{
			name:      "unknown names change nothing",
			front:     "params:\n  n: 10\n  size: 4KiB\n",
			overrides: map[string]string{"n": "20", "foo": "1", "bar": "2"},
			want:      map[string]string{"n": "10", "size": "4KiB"},
			err:       "-p bar: unknown param (declared: n, size)\n-p foo: unknown param (declared: n, size)",
		},
		{
			name:      "nothing declared",
			front:     "title: T\n",
			overrides: map[string]string{"n": "1"},
			err:       "-p n: unknown param (declared: none)",
		},
		{
			name:  "no overrides",
			front: "params: {n: 1}\n",
			want:  map[string]string{"n": "1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := doc.Parse("t.md", []byte("---\n"+tt.front+"---\n"))
			if err != nil {
				t.Fatal(err)
			}
			err = d.SetParams(tt.overrides)
			if got := errText(err); got != tt.err {
				t.Errorf("error:\n got %q\nwant %q", got, tt.err)
			}
			if !maps.Equal(d.Front.Params, tt.want) {
				t.Errorf("params = %v, want %v", d.Front.Params, tt.want)
			}
		})
	}
}

func TestExpandParams(t *testing.T) {
	params := map[string]string{"n": "10", "size": "4KiB", "_x-y": "z"}
	tests := []struct {
		name, in, want, err string
	}{
		{name: "none", in: "make all", want: "make all"},
		{name: "one", in: "run -n ${params.n}", want: "run -n 10"},
		{name: "several", in: "${params.n}x${params.size}${params._x-y}", want: "10x4KiBz"},
		{name: "dollar escape", in: "echo $$HOME $${params.n} $$$$", want: "echo $HOME ${params.n} $$"},
		{name: "other dollars stay", in: "echo $HOME ${HOME} $", want: "echo $HOME ${HOME} $"},
		{
			name: "unknown",
			in:   "${params.m} ${params.n} ${params.k}",
			err:  `unknown param "m" in ${params.m} (declared: _x-y, n, size)` + "\n" + `unknown param "k" in ${params.k} (declared: _x-y, n, size)`,
		},
		{name: "malformed", in: "${params.a b}", err: "malformed ${params.a b}: write ${params.name}"},
		{name: "unclosed", in: "x ${params.n", err: "unclosed ${params.n: end it with '}'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := doc.ExpandParams(tt.in, params)
			if errText(err) != tt.err || got != tt.want {
				t.Errorf("ExpandParams(%q) = %q, %q; want %q, %q", tt.in, got, errText(err), tt.want, tt.err)
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
