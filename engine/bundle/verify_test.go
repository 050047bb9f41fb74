package bundle

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// want is an expected Problem: its path, kind and a part of its message.
type want struct{ path, kind, msg string }

func checkProblems(t *testing.T, got []Problem, wants []want) {
	t.Helper()
	ok := len(got) == len(wants)
	for i := 0; ok && i < len(got); i++ {
		ok = got[i].Path == wants[i].path && got[i].Kind == wants[i].kind && strings.Contains(got[i].Msg, wants[i].msg)
	}
	if !ok {
		var b strings.Builder
		for _, p := range got {
			fmt.Fprintf(&b, "\t%s\n", p)
		}
		t.Errorf("problems:\n%swant %q", b.String(), wants)
	}
}

// readTree returns every regular file under dir by slash path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	tree := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		tree[filepath.ToSlash(rel)], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func cloneTree(tree map[string][]byte) map[string][]byte {
	c := make(map[string][]byte, len(tree))
	for k, v := range tree {
		c[k] = slices.Clone(v)
	}
	return c
}

// tamperDir applies edit to the files of the bundle directory dir.
func tamperDir(t *testing.T, dir string, edit func(map[string][]byte)) {
	t.Helper()
	old := readTree(t, dir)
	tree := cloneTree(old)
	edit(tree)
	for name := range old {
		if _, ok := tree[name]; !ok {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, data := range tree {
		if prev, ok := old[name]; ok && bytes.Equal(prev, data) {
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// tamperArchive rewrites the archive with edit applied to its files,
// keeping the order and headers of the entries it keeps and adding new
// files at the end.
func tamperArchive(t *testing.T, archive, top string, edit func(map[string][]byte)) {
	t.Helper()
	entries := readEntries(t, archive)
	old := map[string][]byte{}
	for _, e := range entries {
		if e.hdr.Typeflag == tar.TypeReg {
			old[strings.TrimPrefix(e.hdr.Name, top+"/")] = e.data
		}
	}
	tree := cloneTree(old)
	edit(tree)
	var out []tarEntry
	for _, e := range entries {
		if e.hdr.Typeflag == tar.TypeReg {
			data, ok := tree[strings.TrimPrefix(e.hdr.Name, top+"/")]
			if !ok {
				continue
			}
			e.data = data
		}
		out = append(out, e)
	}
	for _, name := range slices.Sorted(maps.Keys(tree)) {
		if _, ok := old[name]; !ok {
			out = append(out, tarEntry{tar.Header{Name: top + "/" + name, Typeflag: tar.TypeReg, Mode: 0o644}, tree[name]})
		}
	}
	writeEntries(t, archive, out)
}

// A tampered bundle, directory or archive, reports exactly what changed.
func TestVerifyTampered(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(tree map[string][]byte)
		wants []want
	}{
		{
			name:  "one byte changed",
			edit:  func(tree map[string][]byte) { tree["figures/fig-throughput.svg"][3] ^= 1 },
			wants: []want{{"figures/fig-throughput.svg", KindMismatch, "(47 bytes); the manifest says"}},
		},
		{
			name:  "one byte added",
			edit:  func(tree map[string][]byte) { tree["gate8.md"] = append(tree["gate8.md"], '\n') },
			wants: []want{{"gate8.md", KindMismatch, "(32 bytes); the manifest says"}},
		},
		{
			name:  "file deleted",
			edit:  func(tree map[string][]byte) { delete(tree, "data/samples.csv") },
			wants: []want{{"data/samples.csv", KindMissing, "listed in the manifest but not in the bundle"}},
		},
		{
			name:  "file added",
			edit:  func(tree map[string][]byte) { tree["data/extra.csv"] = []byte("x\n") },
			wants: []want{{"data/extra.csv", KindExtra, "not listed in the manifest"}},
		},
		{
			name:  "file added in a new directory",
			edit:  func(tree map[string][]byte) { tree["notes/todo.txt"] = []byte("x\n") },
			wants: []want{{"notes/todo.txt", KindExtra, "not listed in the manifest"}},
		},
		{
			name:  "manifest not JSON",
			edit:  func(tree map[string][]byte) { tree[ManifestName] = []byte(`{"format": 1,`) },
			wants: []want{{ManifestName, KindManifest, "not valid JSON: unexpected end of JSON input"}},
		},
		{
			name:  "manifest deleted",
			edit:  func(tree map[string][]byte) { delete(tree, ManifestName) },
			wants: []want{{ManifestName, KindManifest, "missing; without it the bundle cannot be verified"}},
		},
		{
			name: "manifest of a newer format",
			edit: func(tree map[string][]byte) {
				tree[ManifestName] = bytes.Replace(tree[ManifestName], []byte(`"format": 1`), []byte(`"format": 2`), 1)
			},
			wants: []want{{ManifestName, KindManifest, "format 2 is not supported; this tcpreport reads format 1"}},
		},
		{
			name: "manifest lists a path outside the bundle",
			edit: func(tree map[string][]byte) {
				tree[ManifestName] = bytes.Replace(tree[ManifestName], []byte(`"data/samples.csv"`), []byte(`"../samples.csv"`), 1)
			},
			wants: []want{
				{"../samples.csv", KindUnsafe, `listed in the manifest: ".." in path`},
				{"data/samples.csv", KindExtra, "not listed in the manifest"},
			},
		},
		{
			name: "manifest with a bad sum",
			edit: func(tree map[string][]byte) {
				var m Manifest
				if err := json.Unmarshal(tree[ManifestName], &m); err != nil {
					panic(err)
				}
				m.Files["gate8.md"] = FileSum{SHA256: "XYZ", Size: 1}
				tree[ManifestName], _ = json.Marshal(m)
			},
			wants: []want{{"gate8.md", KindManifest, `invalid sum: sha256 "XYZ", size 1`}},
		},
		{
			name: "several problems, sorted by path",
			edit: func(tree map[string][]byte) {
				delete(tree, "gate8.md")
				tree["a.txt"] = []byte("a")
				tree["data/raw/run-1.json"][0] = '['
			},
			wants: []want{
				{"a.txt", KindExtra, "not listed"},
				{"data/raw/run-1.json", KindMismatch, "the manifest says"},
				{"gate8.md", KindMissing, "not in the bundle"},
			},
		},
	}
	for _, tc := range tests {
		for _, target := range []string{"directory", "archive"} {
			t.Run(tc.name+"/"+target, func(t *testing.T) {
				dir, archive := writeFixture(t, t.TempDir())
				p := dir
				if target == "directory" {
					tamperDir(t, dir, tc.edit)
				} else {
					tamperArchive(t, archive, "gate8", tc.edit)
					p = archive
				}
				rep, err := Verify(p)
				if err != nil {
					t.Fatal(err)
				}
				checkProblems(t, rep.Problems, tc.wants)
				if rep.OK() {
					t.Error("OK() on a tampered bundle")
				}
			})
		}
	}
}

// A bundle directory holding links or stray directories reports them.
func TestVerifyDirUnsafe(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(t *testing.T, dir string)
		wants []want
	}{
		{
			name: "file replaced by a link",
			edit: func(t *testing.T, dir string) {
				p := filepath.Join(dir, "gate8.md")
				if err := os.Remove(p); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink("gate8.html", p); err != nil {
					t.Fatal(err)
				}
			},
			wants: []want{{"gate8.md", KindUnsafe, "symbolic link; a bundle holds only regular files and directories"}},
		},
		{
			name: "link out of the bundle",
			edit: func(t *testing.T, dir string) {
				if err := os.Symlink("/etc", filepath.Join(dir, "data", "etc")); err != nil {
					t.Fatal(err)
				}
			},
			wants: []want{{"data/etc", KindUnsafe, "symbolic link"}},
		},
		{
			name: "manifest is a link",
			edit: func(t *testing.T, dir string) {
				p := filepath.Join(dir, ManifestName)
				if err := os.Rename(p, p+".orig"); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(ManifestName+".orig", p); err != nil {
					t.Fatal(err)
				}
			},
			wants: []want{{ManifestName, KindUnsafe, "symbolic link"}},
		},
		{
			name: "empty directory",
			edit: func(t *testing.T, dir string) {
				if err := os.Mkdir(filepath.Join(dir, "figures", "old"), 0o755); err != nil {
					t.Fatal(err)
				}
			},
			wants: []want{{"figures/old", KindExtra, "directory holds no file the manifest lists"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir, _ := writeFixture(t, t.TempDir())
			tc.edit(t, dir)
			rep, err := Verify(dir)
			if err != nil {
				t.Fatal(err)
			}
			checkProblems(t, rep.Problems, tc.wants)
		})
	}
}

// hostileEntries is an archive that tries to write outside its directory
// and to plant links and devices, around a valid, empty bundle.
func hostileEntries() []tarEntry {
	manifest, err := json.Marshal(&Manifest{Format: Format, Report: "gate8", Files: map[string]FileSum{}})
	if err != nil {
		panic(err)
	}
	reg := func(name, data string) tarEntry {
		return tarEntry{tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644}, []byte(data)}
	}
	return []tarEntry{
		{hdr: tar.Header{Name: "gate8/", Typeflag: tar.TypeDir, Mode: 0o755}},
		reg("gate8/MANIFEST.json", string(manifest)),
		reg("../evil", "pwned\n"),
		reg("gate8/../../evil2", "pwned\n"),
		reg("/tmp/evil3", "pwned\n"),
		reg(`gate8\..\evil4`, "pwned\n"),
		{hdr: tar.Header{Name: "gate8/link", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}},
		{hdr: tar.Header{Name: "gate8/hard", Typeflag: tar.TypeLink, Linkname: "/etc/passwd"}},
		{hdr: tar.Header{Name: "gate8/null", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3}},
		reg("other/x", "x\n"),
	}
}

// A hostile archive is reported, not extracted.
func TestVerifyHostileArchive(t *testing.T) {
	wants := []want{
		{"../evil", KindUnsafe, `".." in path`},
		{"/tmp/evil3", KindUnsafe, "absolute path"},
		{"gate8/../../evil2", KindUnsafe, `".." in path`},
		{`gate8\..\evil4`, KindUnsafe, "backslash in path"},
		{"hard", KindUnsafe, "hard link; a bundle holds only regular files and directories"},
		{"link", KindUnsafe, "symbolic link; a bundle holds only regular files and directories"},
		{"null", KindUnsafe, "device"},
		{"other/x", KindExtra, "outside the archive's top directory gate8/"},
	}
	for _, godebug := range []string{"", "tarinsecurepath=0"} {
		t.Run("GODEBUG="+godebug, func(t *testing.T) {
			t.Setenv("GODEBUG", godebug)
			parent := t.TempDir()
			dir := filepath.Join(parent, "in")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			archive := filepath.Join(dir, "gate8.tar.gz")
			writeEntries(t, archive, hostileEntries())
			before := snapshot(t, parent)
			rep, err := Verify(archive)
			if err != nil {
				t.Fatal(err)
			}
			checkProblems(t, rep.Problems, wants)
			if _, err := ReadManifest(archive); err != nil {
				t.Errorf("ReadManifest: %v", err)
			}
			if after := snapshot(t, parent); !maps.Equal(before, after) {
				t.Errorf("verifying wrote to disk: %q", slices.Sorted(maps.Keys(after)))
			}
			for _, p := range []string{"evil", "evil2", "/tmp/evil3", "evil4"} {
				if _, err := os.Lstat(p); err == nil {
					t.Errorf("%s exists", p)
				}
			}
		})
	}
}

// setLimits lowers the archive limits for one test.
func setLimits(t testing.TB, bytes int64, entries int) {
	oldBytes, oldEntries := maxArchiveBytes, maxArchiveEntries
	maxArchiveBytes, maxArchiveEntries = bytes, entries
	t.Cleanup(func() { maxArchiveBytes, maxArchiveEntries = oldBytes, oldEntries })
}

// An archive beyond the limits is reported unsafe and not read further.
func TestVerifyArchiveLimits(t *testing.T) {
	big := strings.Repeat("\x00", 3<<20) // compresses to a few KiB
	reg := func(name, data string) tarEntry {
		return tarEntry{tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644}, []byte(data)}
	}
	dirEntry := tarEntry{hdr: tar.Header{Name: "gate8/", Typeflag: tar.TypeDir, Mode: 0o755}}
	tests := []struct {
		name    string
		entries []tarEntry
		wants   []want
	}{
		{
			name:    "one large file",
			entries: []tarEntry{dirEntry, reg("gate8/data/zeros", big)},
			wants:   []want{{"gate8/data/zeros", KindUnsafe, "the archive expands beyond 1048576 bytes; not read further"}},
		},
		{
			name:    "large files together",
			entries: []tarEntry{dirEntry, reg("gate8/a", big[:600<<10]), reg("gate8/b", big[:600<<10])},
			wants:   []want{{"gate8/b", KindUnsafe, "the archive expands beyond 1048576 bytes"}},
		},
		{
			name:    "large entry that is skipped",
			entries: []tarEntry{dirEntry, reg("../zeros", big), reg("gate8/a", "a")},
			wants: []want{
				{"../zeros", KindUnsafe, `".." in path`},
				{"../zeros", KindUnsafe, "the archive expands beyond 1048576 bytes"},
			},
		},
		{
			name: "many entries",
			entries: []tarEntry{dirEntry, reg("gate8/1", ""), reg("gate8/2", ""), reg("gate8/3", ""),
				reg("gate8/4", "")},
			wants: []want{{"gate8/4", KindUnsafe, "the archive holds more than 4 entries; not read further"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			setLimits(t, 1<<20, 4)
			archive := filepath.Join(t.TempDir(), "gate8.tar.gz")
			writeEntries(t, archive, tc.entries)
			rep, err := Verify(archive)
			if err != nil {
				t.Fatal(err)
			}
			checkProblems(t, rep.Problems, tc.wants)
		})
	}
}

// Paths that are not bundles, and archives that are broken, are errors.
func TestVerifyErrors(t *testing.T) {
	dir := t.TempDir()
	_, archive := writeFixture(t, dir)
	good, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	file := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flipped := slices.Clone(good)
	flipped[len(flipped)-6] ^= 1 // inside the gzip trailer's CRC-32
	tests := []struct {
		name    string
		path    string
		is      error
		wantErr string
	}{
		{"missing", filepath.Join(dir, "nope"), fs.ErrNotExist, "no such file or directory"},
		{"device", os.DevNull, ErrNotBundle, "bundle: /dev/null: not a bundle: neither a bundle directory nor a .tar.gz archive"},
		{"text file", file("notes.txt", []byte("hello\n")), ErrNotBundle,
			": not a bundle: neither a bundle directory nor a .tar.gz archive; pass artifacts/<report> or artifacts/<report>.tar.gz"},
		{"truncated archive", file("cut.tar.gz", good[:len(good)/2]), nil, "corrupt archive: unexpected EOF"},
		{"bad checksum", file("crc.tar.gz", flipped), nil, "corrupt archive: gzip: invalid checksum"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, f := range []func(string) (any, error){
				func(p string) (any, error) { return Verify(p) },
				func(p string) (any, error) { return ReadManifest(p) },
			} {
				_, err := f(tc.path)
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error %v; want one containing %q", err, tc.wantErr)
				}
				if tc.is != nil && !errors.Is(err, tc.is) {
					t.Errorf("error %v is not %v", err, tc.is)
				}
				if tc.name == "bad checksum" {
					break // ReadManifest stops before the trailer
				}
			}
		})
	}
}

// ReadManifest refuses an archive whose top directory is another report's.
func TestReadManifestTopMismatch(t *testing.T) {
	_, archive := writeFixture(t, t.TempDir())
	entries := readEntries(t, archive)
	for i := range entries {
		entries[i].hdr.Name = "gate9" + strings.TrimPrefix(entries[i].hdr.Name, "gate8")
	}
	renamed := filepath.Join(t.TempDir(), "gate9.tar.gz")
	writeEntries(t, renamed, entries)
	const wantMsg = `report "gate8" does not match the archive's top directory "gate9"`
	if _, err := ReadManifest(renamed); err == nil || !strings.HasSuffix(err.Error(), wantMsg) {
		t.Errorf("ReadManifest error %v; want one ending %q", err, wantMsg)
	}
	rep, err := Verify(renamed)
	if err != nil {
		t.Fatal(err)
	}
	checkProblems(t, rep.Problems, []want{{ManifestName, KindManifest, wantMsg}})
}

// The archive decoder never panics on arbitrary input, and what it reports
// is sorted and consistent. It reads from memory: it has no way to write.
func FuzzScanArchive(f *testing.F) {
	m, files := fixture()
	dir, err := Write(f.TempDir(), m, files)
	if err != nil {
		f.Fatal(err)
	}
	good, err := os.ReadFile(dir + ".tar.gz")
	if err != nil {
		f.Fatal(err)
	}
	hostile := filepath.Join(f.TempDir(), "hostile.tar.gz")
	writeEntries(f, hostile, hostileEntries())
	bad, err := os.ReadFile(hostile)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(bad)
	f.Add([]byte("\x1f\x8b"))
	f.Fuzz(func(t *testing.T, data []byte) {
		setLimits(t, 8<<20, 1000)
		inv, err := scanArchive(bytes.NewReader(data), false)
		if err != nil {
			return
		}
		// The manifest scan reads a prefix of what the full scan read.
		mo, err := scanArchive(bytes.NewReader(data), true)
		if err != nil {
			t.Fatalf("the full scan passed, the manifest scan failed: %v", err)
		}
		if inv.hasManifest && (!mo.hasManifest || !bytes.Equal(inv.manifest, mo.manifest)) {
			t.Errorf("the manifest scan found manifest %v %q, the full scan %q", mo.hasManifest, mo.manifest, inv.manifest)
		}
		rep := inv.check(inv.top)
		if !slices.IsSortedFunc(rep.Problems, func(a, b Problem) int { return strings.Compare(a.Path, b.Path) }) {
			t.Errorf("problems not sorted: %v", rep.Problems)
		}
		if rep.OK() && (rep.Manifest == nil || rep.Files != len(inv.files)) {
			t.Errorf("OK with manifest %v and %d files found", rep.Manifest, len(inv.files))
		}
	})
}
