package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want string
	}{
		{
			name: "change in the middle",
			a:    "1\n2\n3\n4\n5\n6\n7\n8\n9\n",
			b:    "1\n2\n3\n4\nfive\n6\n7\n8\n9\n",
			want: "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n",
		},
		{
			name: "insert at start",
			a:    "b\nc\n",
			b:    "a\nb\nc\n",
			want: "@@ -1,2 +1,3 @@\n+a\n b\n c\n",
		},
		{
			name: "insert into empty",
			a:    "",
			b:    "a\n",
			want: "@@ -0,0 +1,1 @@\n+a\n",
		},
		{
			name: "delete everything",
			a:    "a\nb\n",
			b:    "",
			want: "@@ -1,2 +0,0 @@\n-a\n-b\n",
		},
		{
			name: "two hunks",
			a:    "a\n1\n2\n3\n4\n5\n6\n7\n8\nb\n",
			b:    "A\n1\n2\n3\n4\n5\n6\n7\n8\nB\n",
			want: "@@ -1,4 +1,4 @@\n-a\n+A\n 1\n 2\n 3\n@@ -7,4 +7,4 @@\n 6\n 7\n 8\n-b\n+B\n",
		},
		{
			name: "close changes merge",
			a:    "a\n1\n2\n3\n4\n5\n6\nb\n",
			b:    "A\n1\n2\n3\n4\n5\n6\nB\n",
			want: "@@ -1,8 +1,8 @@\n-a\n+A\n 1\n 2\n 3\n 4\n 5\n 6\n-b\n+B\n",
		},
		{
			name: "missing final newline",
			a:    "a\nb\n",
			b:    "a\nb",
			want: "@@ -1,2 +1,2 @@\n a\n-b\n+b\n\\ No newline at end of file\n",
		},
		{
			name: "lines moved",
			a:    "x\ny\nz\n",
			b:    "y\nz\nx\n",
			want: "@@ -1,3 +1,3 @@\n-x\n y\n z\n+x\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := diff("want", tt.a, "got", tt.b)
			want := "--- want\n+++ got\n" + tt.want
			if got != want {
				t.Errorf("diff:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	failed bool
	msg    string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.failed, r.msg = true, fmt.Sprintf(format, args...)
}
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...) }
func (r *recorder) Fatal(args ...any)                 { r.Errorf("%s", fmt.Sprint(args...)) }

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "x.golden")

	r := &recorder{TB: t}
	Check(r, path, []byte("a\n"))
	if !r.failed || !strings.Contains(r.msg, "-update") {
		t.Errorf("missing file: failed=%v msg=%q, want a failure that mentions -update", r.failed, r.msg)
	}

	*update = true
	r = &recorder{TB: t}
	Check(r, path, []byte("a\nb\n"))
	*update = false
	if r.failed {
		t.Fatalf("update failed: %s", r.msg)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "a\nb\n" {
		t.Fatalf("after update: %q, %v", b, err)
	}

	r = &recorder{TB: t}
	Check(r, path, []byte("a\nb\n"))
	if r.failed {
		t.Errorf("same content: %s", r.msg)
	}

	r = &recorder{TB: t}
	Check(r, path, []byte("a\nc\n"))
	if want := "--- " + path + "\n+++ got\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"; !r.failed || !strings.HasSuffix(r.msg, want) {
		t.Errorf("mismatch: failed=%v msg=\n%s\nwant suffix:\n%s", r.failed, r.msg, want)
	}
}
