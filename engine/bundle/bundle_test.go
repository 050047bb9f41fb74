package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixture returns the manifest and files of a small bundle.
func fixture() (*Manifest, map[string][]byte) {
	m := &Manifest{
		Report:       "gate8",
		Version:      "0.1.0",
		VCS:          "0123456789abcdef",
		RunID:        "run-20240101-0001",
		ProtocolHash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		Seed:         8,
		Environment:  map[string]string{"goos": "linux", "goarch": "amd64", "cpus": "2"},
		Keys:         map[string]string{"tbl-tools": "k-tools", "fig-throughput": "k-throughput"},
		Status:       map[string]string{"tbl-tools": "cached", "fig-throughput": "ran"},
	}
	files := map[string][]byte{
		"gate8.md":                   []byte("# Gate 8\n\nSee @fig-throughput.\n"),
		"gate8.html":                 []byte("<!doctype html>\n<h1>Gate 8</h1>\n"),
		"figures/fig-throughput.svg": []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>` + "\n"),
		"data/samples.csv":           []byte("size,ns\n4096,118\n4096,121\n"),
		"data/raw/run-1.json":        []byte("{\"samples\":[118,121]}\n"),
	}
	return m, files
}

// writeFixture writes the fixture bundle into root and returns the bundle
// directory and archive.
func writeFixture(t *testing.T, root string) (dir, archive string) {
	t.Helper()
	m, files := fixture()
	dir, err := Write(root, m, files)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return dir, dir + ".tar.gz"
}

// snapshot returns every entry under root: file contents, "dir" for
// directories and "-> target" for links.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	snap := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		switch {
		case d.IsDir():
			snap[rel] = "dir"
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			snap[rel] = "-> " + target
		default:
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			snap[rel] = string(data)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func noTempLeft(t *testing.T, root string) {
	t.Helper()
	left, err := filepath.Glob(filepath.Join(root, ".tmp-*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

type tarEntry struct {
	hdr  tar.Header
	data []byte
}

func readEntries(t testing.TB, name string) []tarEntry {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var entries []tarEntry
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return entries
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, tarEntry{*h, data})
	}
}

func writeEntries(t testing.TB, name string, entries []tarEntry) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		h := e.hdr
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.data))
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Write's output verifies, as a directory and as an archive, and its
// manifest reads back as written.
func TestWriteVerify(t *testing.T) {
	root := t.TempDir()
	m, files := fixture()
	dir, err := Write(root, m, files)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "gate8"); dir != want {
		t.Errorf("Write returned %q, want %q", dir, want)
	}
	if len(m.Files) != len(files) || m.Format != Format {
		t.Errorf("Write left the manifest with %d files, format %d; want %d files, format %d", len(m.Files), m.Format, len(files), Format)
	}
	noTempLeft(t, root)
	for _, tc := range []struct{ name, path string }{
		{"directory", dir},
		{"archive", dir + ".tar.gz"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Verify(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK() {
				t.Errorf("Verify problems: %v", rep.Problems)
			}
			if rep.Files != len(files) {
				t.Errorf("Verify counted %d files, want %d", rep.Files, len(files))
			}
			if !reflect.DeepEqual(rep.Manifest, m) {
				t.Errorf("Verify read manifest\n%+v\nwant\n%+v", rep.Manifest, m)
			}
			got, err := ReadManifest(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, m) {
				t.Errorf("ReadManifest\n%+v\nwant\n%+v", got, m)
			}
		})
	}
}

// MANIFEST.json is indented JSON with sorted keys and a final newline.
func TestManifestGolden(t *testing.T) {
	dir, _ := writeFixture(t, t.TempDir())
	got, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "gate8.MANIFEST.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("MANIFEST.json differs from %s (go test -update refreshes it):\n%s", golden, lineDiff(string(want), string(got)))
	}
}

// lineDiff returns a line diff of want and got: "-" lines only in want, "+"
// lines only in got.
func lineDiff(want, got string) string {
	a, b := strings.SplitAfter(want, "\n"), strings.SplitAfter(got, "\n")
	// lcs[i][j] is the longest common subsequence of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			out.WriteString("  " + a[i])
			i, j = i+1, j+1
		case j < len(b) && (i == len(a) || lcs[i][j+1] >= lcs[i+1][j]):
			out.WriteString("+ " + b[j])
			j++
		default:
			out.WriteString("- " + a[i])
			i++
		}
	}
	return out.String()
}

// The same bundle archives to the same bytes, with fixed metadata.
func TestArchiveDeterministic(t *testing.T) {
	_, arc1 := writeFixture(t, t.TempDir())
	time.Sleep(1100 * time.Millisecond) // a clock leaking into the archive would now show
	_, arc2 := writeFixture(t, t.TempDir())
	a, err := os.ReadFile(arc1)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(arc2)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatalf("two Writes of the same bundle gave different archives (%d and %d bytes)", len(a), len(b))
	}

	zr, err := gzip.NewReader(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	if zr.Header.Name != "" || !zr.Header.ModTime.IsZero() || zr.Header.Comment != "" {
		t.Errorf("gzip header has name %q, time %v, comment %q; want none", zr.Header.Name, zr.Header.ModTime, zr.Header.Comment)
	}
	var names []string
	for _, e := range readEntries(t, arc1) {
		h := e.hdr
		names = append(names, h.Name)
		wantMode, wantType := int64(0o644), byte(tar.TypeReg)
		if strings.HasSuffix(h.Name, "/") {
			wantMode, wantType = 0o755, tar.TypeDir
		}
		if h.Typeflag != wantType || h.Mode != wantMode || h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" || !h.ModTime.Equal(time.Unix(0, 0)) {
			t.Errorf("%s: type %q mode %o uid %d gid %d uname %q gname %q mtime %v; want type %q mode %o, root, no names, epoch",
				h.Name, h.Typeflag, h.Mode, h.Uid, h.Gid, h.Uname, h.Gname, h.ModTime, wantType, wantMode)
		}
	}
	want := []string{
		"gate8/",
		"gate8/MANIFEST.json",
		"gate8/data/",
		"gate8/data/raw/",
		"gate8/data/raw/run-1.json",
		"gate8/data/samples.csv",
		"gate8/figures/",
		"gate8/figures/fig-throughput.svg",
		"gate8/gate8.html",
		"gate8/gate8.md",
	}
	if !slices.Equal(names, want) {
		t.Errorf("archive entries\n%q\nwant\n%q", names, want)
	}
}

// A second Write replaces the bundle wholly: files it no longer has go.
func TestWriteReplaces(t *testing.T) {
	root := t.TempDir()
	dir, arc := writeFixture(t, root)
	m, files := fixture()
	delete(files, "data/raw/run-1.json")
	files["gate8.md"] = []byte("# Gate 8, second build\n")
	if _, err := Write(root, m, files); err != nil {
		t.Fatal(err)
	}
	noTempLeft(t, root)
	if _, err := os.Stat(filepath.Join(dir, "data", "raw")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("data/raw of the first bundle survived: %v", err)
	}
	for _, p := range []string{dir, arc} {
		rep, err := Verify(p)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() || rep.Files != len(files) {
			t.Errorf("%s: %d files, problems %v; want %d files, none", p, rep.Files, rep.Problems, len(files))
		}
	}
}

// A Write that fails leaves the previous bundle as it was, byte for byte,
// and nothing of its own.
func TestWriteAtomic(t *testing.T) {
	injected := errors.New("injected fault")
	tests := []struct {
		name    string
		badPath bool                                        // add the file "../x"
		hook    func(stage string) error                    // replaces afterStage
		rename  func(oldpath, newpath string) (bool, error) // fails the rename when true
		wantErr string
	}{
		{
			name:    "path outside the bundle",
			badPath: true,
			wantErr: `bundle gate8: file "../x": ".." in path; bundle files must stay inside the bundle directory`,
		},
		{
			name: "fault after staging",
			hook: func(stage string) error {
				// The stage is complete: it verifies, but has no archive yet in place.
				if rep, err := Verify(stage); err != nil || !rep.OK() {
					return fmt.Errorf("stage does not verify: %v %v", rep, err)
				}
				return injected
			},
			wantErr: "bundle gate8: injected fault",
		},
		{
			name: "new directory cannot be moved in",
			rename: func(oldpath, newpath string) (bool, error) {
				return filepath.Base(oldpath) == "gate8" && strings.HasPrefix(filepath.Base(filepath.Dir(oldpath)), ".tmp-"), injected
			},
			wantErr: "bundle gate8: moving the new bundle into place: injected fault",
		},
		{
			name: "new archive cannot be moved in",
			rename: func(oldpath, newpath string) (bool, error) {
				return strings.HasSuffix(oldpath, ".tar.gz"), injected
			},
			wantErr: "bundle gate8: moving the new archive into place: injected fault",
		},
	}
	for _, tc := range tests {
		for _, previous := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/previous=%v", tc.name, previous), func(t *testing.T) {
				root := t.TempDir()
				if previous {
					writeFixture(t, root)
				}
				before := snapshot(t, root)
				if tc.hook != nil {
					afterStage = tc.hook
					t.Cleanup(func() { afterStage = func(string) error { return nil } })
				}
				if tc.rename != nil {
					rename = func(oldpath, newpath string) error {
						if fail, err := tc.rename(oldpath, newpath); fail {
							return err
						}
						return os.Rename(oldpath, newpath)
					}
					t.Cleanup(func() { rename = os.Rename })
				}
				m, files := fixture()
				files["gate8.md"] = []byte("# Gate 8, a build that fails\n")
				files["data/new.csv"] = []byte("a,b\n")
				if tc.badPath {
					files["../x"] = []byte("x")
				}
				_, err := Write(root, m, files)
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("Write error:\n%v\nwant\n%s", err, tc.wantErr)
				}
				if !errors.Is(err, injected) && !tc.badPath {
					t.Errorf("Write error %v does not wrap the injected fault", err)
				}
				noTempLeft(t, root)
				after := snapshot(t, root)
				if !maps.Equal(before, after) {
					t.Errorf("a failed Write changed the root:\nbefore %q\nafter  %q", slices.Sorted(maps.Keys(before)), slices.Sorted(maps.Keys(after)))
				}
			})
		}
	}
}

// Write rejects bad paths and names before touching the disk, listing every
// bad path.
func TestWriteRejects(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(m *Manifest, files map[string][]byte)
		wantErr string
	}{
		{"empty path", func(m *Manifest, f map[string][]byte) { f[""] = nil },
			`bundle gate8: file "": empty path`},
		{"absolute", func(m *Manifest, f map[string][]byte) { f["/etc/passwd"] = nil },
			`bundle gate8: file "/etc/passwd": absolute path; use a path relative to the bundle directory`},
		{"backslash", func(m *Manifest, f map[string][]byte) { f[`figures\a.svg`] = nil },
			`bundle gate8: file "figures\\a.svg": backslash in path; separate directories with /`},
		{"dot dot", func(m *Manifest, f map[string][]byte) { f["data/../../x"] = nil },
			`bundle gate8: file "data/../../x": ".." in path; bundle files must stay inside the bundle directory`},
		{"dot", func(m *Manifest, f map[string][]byte) { f["./a"] = nil },
			`bundle gate8: file "./a": not a clean slash path (no ".", empty or trailing elements)`},
		{"empty element", func(m *Manifest, f map[string][]byte) { f["data//a"] = nil },
			`bundle gate8: file "data//a": not a clean slash path (no ".", empty or trailing elements)`},
		{"control character", func(m *Manifest, f map[string][]byte) { f["a\x00b"] = nil },
			`bundle gate8: file "a\x00b": control character in path`},
		{"manifest", func(m *Manifest, f map[string][]byte) { f["MANIFEST.json"] = nil },
			`bundle gate8: file "MANIFEST.json": collides with MANIFEST.json, which Write creates`},
		{"manifest other case", func(m *Manifest, f map[string][]byte) { f["manifest.JSON"] = nil },
			`bundle gate8: file "manifest.JSON": collides with MANIFEST.json, which Write creates`},
		{"manifest as directory", func(m *Manifest, f map[string][]byte) { f["MANIFEST.json/a"] = nil },
			`bundle gate8: file "MANIFEST.json/a": collides with MANIFEST.json, which Write creates`},
		{"file and directory", func(m *Manifest, f map[string][]byte) { f["data"] = nil },
			`bundle gate8: file "data": is also the directory of other files; rename one of them`},
		{"every bad path, sorted", func(m *Manifest, f map[string][]byte) { f["../b"], f["/a"] = nil, nil },
			"bundle gate8: file \"../b\": \"..\" in path; bundle files must stay inside the bundle directory\n" +
				`file "/a": absolute path; use a path relative to the bundle directory`},
		{"no report", func(m *Manifest, f map[string][]byte) { m.Report = "" },
			`bundle: manifest has no report name`},
		{"report with slash", func(m *Manifest, f map[string][]byte) { m.Report = "a/b" },
			`bundle: report name "a/b" is not a plain file name; name the report like its source file (gate8 for gate8.md)`},
		{"hidden report", func(m *Manifest, f map[string][]byte) { m.Report = ".." },
			`bundle: report name ".." is not a plain file name; name the report like its source file (gate8 for gate8.md)`},
		{"format", func(m *Manifest, f map[string][]byte) { m.Format = 2 },
			`bundle: manifest format 2 is not supported; this tcpreport writes format 1`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			m, files := fixture()
			tc.edit(m, files)
			_, err := Write(root, m, files)
			if err == nil || err.Error() != tc.wantErr {
				t.Fatalf("Write error:\n%v\nwant\n%s", err, tc.wantErr)
			}
			if entries, _ := os.ReadDir(root); len(entries) > 0 {
				t.Errorf("a rejected Write left %v in the root", entries)
			}
			if m.Files != nil {
				t.Errorf("a rejected Write filled in the manifest's files")
			}
		})
	}
}

// An unusable root gives an error that names it and says what to do.
func TestWriteUnwritableRoot(t *testing.T) {
	t.Run("root is a file", func(t *testing.T) {
		root := filepath.Join(t.TempDir(), "artifacts")
		if err := os.WriteFile(root, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		m, files := fixture()
		_, err := Write(root, m, files)
		want := fmt.Sprintf("bundle: cannot write to %s: mkdir %s: not a directory; check its permissions or pass --out to choose another directory", root, root)
		if err == nil || err.Error() != want {
			t.Fatalf("Write error:\n%v\nwant\n%s", err, want)
		}
	})
	t.Run("read-only root", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("running as root, whom directory permissions do not stop; the root-is-a-file case covers the error")
		}
		root := t.TempDir()
		if err := os.Chmod(root, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(root, 0o755) })
		m, files := fixture()
		_, err := Write(root, m, files)
		if err == nil || !strings.Contains(err.Error(), "cannot write to "+root) || !strings.HasSuffix(err.Error(), "pass --out to choose another directory") {
			t.Fatalf("Write error %v; want one naming %s and the fix", err, root)
		}
	})
}

// benchBundle returns about 5 MiB of bundle: text, data and incompressible
// figure bytes, from a fixed seed.
func benchBundle() (*Manifest, map[string][]byte, int64) {
	m, files := fixture()
	rng := rand.New(rand.NewChaCha8([32]byte{'t', 'c', 'p'}))
	for i := range 8 {
		fig := make([]byte, 256<<10)
		for j := range fig {
			fig[j] = byte(rng.Uint32())
		}
		files[fmt.Sprintf("figures/fig-%d.png", i)] = fig
	}
	var csv bytes.Buffer
	csv.WriteString("size,ns\n")
	for csv.Len() < 2<<20 {
		fmt.Fprintf(&csv, "%d,%d\n", 4096<<rng.IntN(16), 100+rng.IntN(900))
	}
	files["data/samples.csv"] = csv.Bytes()
	files["gate8.html"] = bytes.Repeat([]byte("<p>Descriptor validation throughput, median and 95% CI.</p>\n"), (1<<20)/61)
	var total int64
	for _, data := range files {
		total += int64(len(data))
	}
	return m, files, total
}

func BenchmarkBundle(b *testing.B) {
	m, files, total := benchBundle()
	root := b.TempDir()
	dir, err := Write(root, m, files)
	if err != nil {
		b.Fatal(err)
	}
	verify := func(b *testing.B, p string) {
		rep, err := Verify(p)
		if err != nil {
			b.Fatal(err)
		}
		if !rep.OK() {
			b.Fatal(rep.Problems)
		}
	}
	b.Run("Write", func(b *testing.B) {
		b.SetBytes(total)
		for b.Loop() {
			if _, err := Write(root, m, files); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("VerifyDir", func(b *testing.B) {
		b.SetBytes(total)
		for b.Loop() {
			verify(b, dir)
		}
	})
	b.Run("VerifyArchive", func(b *testing.B) {
		b.SetBytes(total)
		for b.Loop() {
			verify(b, dir+".tar.gz")
		}
	})
	b.Run("WriteVerify", func(b *testing.B) {
		b.SetBytes(total)
		for b.Loop() {
			if _, err := Write(root, m, files); err != nil {
				b.Fatal(err)
			}
			verify(b, dir)
			verify(b, dir+".tar.gz")
		}
	})
}
