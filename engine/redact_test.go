package engine

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
)

func TestRedactor(t *testing.T) {
	r := NewRedactor([]string{
		"API_TOKEN=tok-123456789",
		"DATABASE_URL=postgres://user:pa55word-x@db/app",
		"HOME=/root",
		"SHORT_KEY=abc", // too short to redact safely
		"GITHUB_AUTH=tok-123456789-longer",
	})
	tests := []struct{ in, want string }{
		{"token tok-123456789 here", "token [redacted] here"},
		{"tok-123456789-longer", "[redacted]"},
		{"connect postgres://user:pa55word-x@db", "connect postgres://user:[redacted]@db"},
		{"home is /root, key abc", "home is /root, key abc"},
	}
	for _, tt := range tests {
		if got := r.String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}

	res := &Result{
		Text:     "out tok-123456789",
		Warnings: []string{"w tok-123456789"},
		Values:   map[string]Value{"v": Text("tok-123456789")},
		Tables:   []Table{{Columns: []string{"c"}, Rows: [][]string{{"tok-123456789"}}}},
		Meta:     map[string]string{"host": "tok-123456789"},
	}
	r.Result(res)
	for _, s := range []string{res.Text, res.Warnings[0], res.Values["v"].Text, res.Tables[0].Rows[0][0], res.Meta["host"]} {
		if strings.Contains(s, "tok-123456789") {
			t.Errorf("secret left in %q", s)
		}
	}

	err := r.Error(&fs.PathError{Op: "open", Path: "tok-123456789", Err: fs.ErrNotExist})
	if strings.Contains(err.Error(), "tok-123456789") || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Error = %v (chain kept: %v)", err, errors.Is(err, fs.ErrNotExist))
	}
}
