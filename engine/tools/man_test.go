package tools

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestReadManPage(t *testing.T) {
	root := filepath.Join("testdata", "man")
	text, err := ReadManPage(filepath.Join(root, "man1", "ls.1.gz"), root)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"NAME\nls - list directory contents\n",
		"SYNOPSIS\nls\n[OPTION]... [FILE]...\n",
		"-a, --all\ndo not ignore entries starting with .\n",
		"--block-size=SIZE\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("ls.1 text lacks %q", want)
		}
	}
	for _, bad := range []string{`\f`, `\-`, ".TP", ".SH", `.\"`, "help2man"} {
		if strings.Contains(text, bad) {
			t.Errorf("ls.1 text keeps %q", bad)
		}
	}
	if got := manNameLine(text); got != "ls - list directory contents" {
		t.Errorf("manNameLine = %q", got)
	}
	if d := manSection(text, "DESCRIPTION", 1<<20); !strings.HasPrefix(strings.TrimSpace(d), "List information about the FILEs") {
		t.Errorf("DESCRIPTION starts %.60q", strings.TrimSpace(d))
	}

	// A .so page reads its target.
	dir, err := ReadManPage(filepath.Join(root, "man1", "dir.1.gz"), root)
	if err != nil || dir != text {
		t.Errorf(".so page: err %v, same text %v", err, dir == text)
	}

	// An asciidoctor page with macro definitions and conditionals.
	mkfs, err := ReadManPage(filepath.Join(root, "man8", "mkfs.8.gz"), root)
	if err != nil {
		t.Fatal(err)
	}
	if got := manNameLine(mkfs); got != "mkfs - build a Linux filesystem" {
		t.Errorf("mkfs NAME = %q", got)
	}
	for _, bad := range []string{"mso www.tmac", "LINKSTYLE", `\\$2`} {
		if strings.Contains(mkfs, bad) {
			t.Errorf("mkfs.8 text keeps %q", bad)
		}
	}
}

func TestReadManPageErrors(t *testing.T) {
	dir := t.TempDir()
	loop := filepath.Join(dir, "man1", "loop.1")
	os.MkdirAll(filepath.Dir(loop), 0o755)
	os.WriteFile(loop, []byte(".so man1/loop.1\n"), 0o644)
	if _, err := ReadManPage(loop, dir); err == nil || !strings.Contains(err.Error(), "more than 3 .so references") {
		t.Errorf("loop: err = %v", err)
	}
	missing := filepath.Join(dir, "man1", "missing.1")
	os.WriteFile(missing, []byte(".so man1/nothere.1\n"), 0o644)
	if _, err := ReadManPage(missing, dir); err == nil || !strings.Contains(err.Error(), ".so man1/nothere.1") {
		t.Errorf("missing target: err = %v", err)
	}
	bad := filepath.Join(dir, "man1", "bad.1.gz")
	os.WriteFile(bad, []byte{0x1f, 0x8b, 0, 1, 2}, 0o644)
	if _, err := ReadManPage(bad, dir); err == nil {
		t.Errorf("corrupt gzip read without error")
	}
}

func TestIndexMan(t *testing.T) {
	idx := indexMan([]string{filepath.Join("testdata", "man"), "/nonexistent"})
	for name, want := range map[string]string{"ls": "man1/ls.1.gz", "dir": "man1/dir.1.gz", "mkfs": "man8/mkfs.8.gz", "mkfs.ext4": "man8/mkfs.ext4.8.gz"} {
		if got := idx[name].path; !strings.HasSuffix(got, want) {
			t.Errorf("index[%s] = %q, want .../%s", name, got, want)
		}
	}
}

func TestStripRoff(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"fonts and dashes", `\fB\-\-all\fR and \fIfile\fP`, "--all and file\n"},
		{"comment", ".\\\" a comment\ntext \\\" trailing\n", "text\n"},
		{"alternating fonts", ".BR ls (1),\n", "ls(1),\n"},
		{"quoted args", ".SH \"SEE ALSO\"\n", "SEE ALSO\n"},
		{"special chars", `\(aqq\(aq \(em \[u00E9] \*(lqx\*(rq`, "'q' -- é \"x\"\n"},
		{"size and colour", `\s-2small\s+2 \m[blue]link\m[]`, "small link\n"},
		{"macro definition skipped", ".de XX\nhidden\n..\nshown\n", "shown\n"},
		{"conditional block skipped", ".if n \\{\\\nhidden\n.\\}\nshown\n", "shown\n"},
		{"paragraphs", "a\n.PP\nb\n.sp\n.sp\nc\n", "a\n\nb\n\nc\n"},
		{"mdoc", ".Nm ls\n.Op Fl a\n", "ls\n-a\n"},
		{"table spec skipped", ".TS\nl l.\na\tb\n.TE\n", "a    b\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := StripRoff(tt.in); got != tt.want {
				t.Errorf("StripRoff(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzStripRoff(f *testing.F) {
	f.Add(".TH X 1\n.SH NAME\nx \\- y\n")
	f.Add(`\f(BIx\s(12\*[foo]\[u12\h'3'\`)
	f.Add(".de\n")
	f.Add(".if \\{\\\n")
	f.Add("\\")
	f.Add(`\(`)
	f.Add(`\s`)
	f.Fuzz(func(t *testing.T, src string) {
		out := StripRoff(src)
		if !utf8.ValidString(out) {
			t.Fatalf("StripRoff returned invalid UTF-8: %q", out)
		}
		manSection(out, "NAME", 100)
	})
}
