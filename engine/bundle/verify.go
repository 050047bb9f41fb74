package bundle

import (
	"archive/tar"
	"bufio"
	"cmp"
	"compress/gzip"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
)

// Kinds of Problem.
const (
	KindMismatch = "mismatch" // a file's content differs from its manifest entry
	KindMissing  = "missing"  // the manifest lists a file the bundle lacks
	KindExtra    = "extra"    // the bundle holds a file or directory the manifest does not list
	KindManifest = "manifest" // MANIFEST.json is missing or invalid, or one of its entries is
	KindUnsafe   = "unsafe"   // an entry that could escape the bundle or is not a plain file or directory
)

// Problem is one way a bundle differs from its manifest.
type Problem struct {
	Path string // slash path relative to the bundle directory; for unsafe archive entries, the entry's name
	Kind string // one of the Kind constants
	Msg  string
}

func (p Problem) String() string { return p.Path + ": " + p.Kind + ": " + p.Msg }

// Report is the outcome of verifying a bundle.
type Report struct {
	Manifest *Manifest // nil if MANIFEST.json is missing or invalid
	Files    int       // the number of files the manifest lists
	Problems []Problem // sorted by path
}

// OK reports whether the bundle matches its manifest exactly.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// ErrNotBundle is returned (wrapped) for a path that is neither a directory
// nor a gzip-compressed archive.
var ErrNotBundle = errors.New("not a bundle")

// Limits on what Verify reads from an archive, so that a hostile archive
// cannot exhaust memory or time. Variables so that tests can lower them.
var (
	maxArchiveBytes   int64 = 4 << 30 // decompressed, all entries together
	maxArchiveEntries       = 100_000
	maxManifestBytes  int64 = 64 << 20
)

// Verify checks the bundle at path, a bundle directory or its .tar.gz,
// without network or cache: it re-hashes every file and lists every file
// that differs from the manifest, is missing or is not in it, and every
// problem with MANIFEST.json itself, as Problems sorted by path.
//
// An archive is read as a stream and never extracted. Entries that are
// absolute, contain "..", or are links or devices are reported as unsafe;
// an archive that expands beyond 4 GiB or holds more than 100,000 entries
// is reported unsafe and not read further. The archive's top directory must
// be the report's name; a bundle directory's own name is not checked, since
// a reviewer may have renamed it.
//
// Verify returns an error only when path cannot be read or is not a bundle
// (wrapping ErrNotBundle); what is wrong inside a bundle goes into the
// Report.
func Verify(path string) (*Report, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	if fi.IsDir() {
		inv, err := scanDir(path)
		if err != nil {
			return nil, fmt.Errorf("bundle: %s: %w", path, err)
		}
		return inv.check(""), nil
	}
	if !fi.Mode().IsRegular() {
		return nil, notBundle(path)
	}
	inv, err := readArchive(path, false)
	if err != nil {
		return nil, err
	}
	return inv.check(inv.top), nil
}

// ReadManifest reads and validates the MANIFEST.json of the bundle at path,
// a bundle directory or its .tar.gz. It does not check the files.
func ReadManifest(path string) (*Manifest, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	var data []byte
	top := ""
	if fi.IsDir() {
		data, err = readDirManifest(path)
		if err != nil {
			return nil, fmt.Errorf("bundle: %s: %w", path, err)
		}
	} else if !fi.Mode().IsRegular() {
		return nil, notBundle(path)
	} else {
		inv, err := readArchive(path, true)
		if err != nil {
			return nil, err
		}
		if !inv.hasManifest {
			return nil, fmt.Errorf("bundle: %s: no %s/%s in the archive", path, inv.top, ManifestName)
		}
		data, top = inv.manifest, inv.top
	}
	m, err := decodeManifest(data)
	if err != nil {
		return nil, fmt.Errorf("bundle: %s: %s: %w", path, ManifestName, err)
	}
	if top != "" && m.Report != top {
		return nil, fmt.Errorf("bundle: %s: %s", path, topMismatch(m.Report, top))
	}
	return m, nil
}

func readDirManifest(dir string) ([]byte, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	fi, err := r.Lstat(ManifestName)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", ManifestName)
	}
	f, err := r.Open(ManifestName)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readCapped(f, maxManifestBytes)
}

func readCapped(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", ManifestName, limit)
	}
	return data, nil
}

// decodeManifest parses and validates a manifest. Its errors are Problem
// messages.
func decodeManifest(data []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if m.Format != Format {
		return nil, fmt.Errorf("format %d is not supported; this tcpreport reads format %d", m.Format, Format)
	}
	if msg := reportNameProblem(m.Report); msg != "" {
		return nil, errors.New(msg)
	}
	if m.Files == nil {
		return nil, errors.New(`no "files" object`)
	}
	return &m, nil
}

func topMismatch(report, top string) string {
	return fmt.Sprintf("report %q does not match the archive's top directory %q", report, top)
}

// inventory is what a bundle holds, whether read from a directory or an
// archive.
type inventory struct {
	files       map[string]FileSum // regular files but MANIFEST.json, by slash path
	dirs        map[string]bool    // directories but the bundle's own
	manifest    []byte
	hasManifest bool
	top         string // an archive's top directory
	problems    []Problem
	unsafe      map[string]bool // paths reported unsafe
	stopped     bool            // a limit stopped the scan; the inventory is partial
}

func newInventory() *inventory {
	return &inventory{
		files:  map[string]FileSum{},
		dirs:   map[string]bool{},
		unsafe: map[string]bool{},
	}
}

func (inv *inventory) problem(path, kind, format string, args ...any) {
	inv.problems = append(inv.problems, Problem{Path: path, Kind: kind, Msg: fmt.Sprintf(format, args...)})
	if kind == KindUnsafe {
		inv.unsafe[path] = true
	}
}

// check compares the inventory with its manifest. top, if not empty, is the
// archive's top directory, which must equal the report's name.
func (inv *inventory) check(top string) *Report {
	rep := &Report{}
	defer func() {
		slices.SortFunc(rep.Problems, func(a, b Problem) int {
			return cmp.Or(strings.Compare(a.Path, b.Path), strings.Compare(a.Kind, b.Kind), strings.Compare(a.Msg, b.Msg))
		})
	}()
	rep.Problems = inv.problems
	if inv.stopped {
		return rep
	}
	if !inv.hasManifest {
		if slices.ContainsFunc(rep.Problems, func(p Problem) bool { return p.Path == ManifestName }) {
			return rep // already said what is wrong with it
		}
		rep.Problems = append(rep.Problems, Problem{ManifestName, KindManifest, "missing; without it the bundle cannot be verified (is this a bundle, artifacts/<report> or artifacts/<report>.tar.gz?)"})
		return rep
	}
	m, err := decodeManifest(inv.manifest)
	if err != nil {
		rep.Problems = append(rep.Problems, Problem{ManifestName, KindManifest, err.Error()})
		return rep
	}
	rep.Manifest, rep.Files = m, len(m.Files)
	if top != "" && m.Report != top {
		rep.Problems = append(rep.Problems, Problem{ManifestName, KindManifest, topMismatch(m.Report, top)})
	}
	add := func(path, kind, format string, args ...any) {
		rep.Problems = append(rep.Problems, Problem{path, kind, fmt.Sprintf(format, args...)})
	}
	implied := map[string]bool{}
	for name, want := range m.Files {
		if msg := unsafePath(name); msg != "" {
			add(name, KindUnsafe, "listed in the manifest: %s", msg)
			continue
		}
		if msg := checkPath(name); msg != "" {
			add(name, KindManifest, "listed in the manifest: %s", msg)
			continue
		}
		markParents(implied, name)
		if !validSum(want) {
			add(name, KindManifest, "manifest entry has an invalid sum: sha256 %q, size %d", want.SHA256, want.Size)
			continue
		}
		got, ok := inv.files[name]
		switch {
		case !ok && !inv.unsafe[name]:
			add(name, KindMissing, "listed in the manifest but not in the bundle")
		case ok && got != want:
			add(name, KindMismatch, "has sha256 %s (%d bytes); the manifest says %s (%d bytes)", got.SHA256, got.Size, want.SHA256, want.Size)
		}
	}
	for name := range inv.files {
		if _, ok := m.Files[name]; !ok {
			add(name, KindExtra, "not listed in the manifest")
		}
	}
	// A directory the manifest does not imply is reported only if nothing
	// reported already lies inside it.
	inside := map[string]bool{}
	for name := range inv.files {
		markParents(inside, name)
	}
	for d := range inv.dirs {
		markParents(inside, d)
	}
	for _, p := range rep.Problems {
		markParents(inside, p.Path)
	}
	for d := range inv.dirs {
		if !implied[d] && !inside[d] {
			add(d, KindExtra, "directory holds no file the manifest lists")
		}
	}
	return rep
}

// markParents sets set[d] for every parent directory d of the slash path name.
func markParents(set map[string]bool, name string) {
	for d := path.Dir(name); d != "." && d != "/" && !set[d]; d = path.Dir(d) {
		set[d] = true
	}
}

func validSum(s FileSum) bool {
	if len(s.SHA256) != 64 || s.Size < 0 || strings.ToLower(s.SHA256) != s.SHA256 {
		return false
	}
	_, err := hex.DecodeString(s.SHA256)
	return err == nil
}

// scanDir hashes every file under dir, following no links.
func scanDir(dir string) (*inventory, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	fsys := r.FS()
	inv := newInventory()
	err = fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if name == "." {
			return nil
		}
		switch t := d.Type(); {
		case t.IsDir():
			inv.dirs[name] = true
		case t.IsRegular():
			f, err := fsys.Open(name)
			if err != nil {
				return err
			}
			defer f.Close()
			if name == ManifestName {
				inv.manifest, err = readCapped(f, maxManifestBytes)
				if err != nil {
					inv.problem(name, KindManifest, "%v", err)
					return nil
				}
				inv.hasManifest = true
				return nil
			}
			sum, err := sumOf(f)
			if err != nil {
				return err
			}
			inv.files[name] = sum
		default:
			inv.problem(name, KindUnsafe, "%s; a bundle holds only regular files and directories", typeName(t))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return inv, nil
}

func typeName(t fs.FileMode) string {
	switch {
	case t&fs.ModeSymlink != 0:
		return "symbolic link"
	case t&fs.ModeDevice != 0:
		return "device"
	case t&fs.ModeNamedPipe != 0:
		return "named pipe"
	case t&fs.ModeSocket != 0:
		return "socket"
	}
	return "irregular file"
}

func notBundle(path string) error {
	return fmt.Errorf("bundle: %s: %w: neither a bundle directory nor a .tar.gz archive; pass artifacts/<report> or artifacts/<report>.tar.gz", path, ErrNotBundle)
}

// readArchive opens the archive at name and scans it.
func readArchive(name string, manifestOnly bool) (*inventory, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	if magic, _ := br.Peek(2); len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		return nil, notBundle(name)
	}
	inv, err := scanArchive(br, manifestOnly)
	if err != nil {
		return nil, fmt.Errorf("bundle: %s: corrupt archive: %w", name, err)
	}
	return inv, nil
}

// scanArchive reads a tar.gz stream and hashes every regular file in it,
// without writing anything. With manifestOnly it stops at the manifest.
func scanArchive(r io.Reader, manifestOnly bool) (*inventory, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, err
	}
	lr := &limitedReader{r: zr, n: maxArchiveBytes}
	tr := tar.NewReader(lr)
	inv := newInventory()
	budget := maxArchiveBytes // declared sizes, which sparse entries can inflate beyond what lr sees
	stop := func(name, format string, args ...any) (*inventory, error) {
		inv.problem(name, KindUnsafe, format, args...)
		inv.stopped = true
		return inv, nil
	}
	tooLarge := func(name string) (*inventory, error) {
		return stop(name, "the archive expands beyond %d bytes; not read further", maxArchiveBytes)
	}
	last := "" // the name of the entry read last
	for entries := 0; ; entries++ {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if lr.exceeded {
			// Skipping the previous entry's data or reading this
			// header went over.
			return tooLarge(last)
		}
		if err != nil && !(errors.Is(err, tar.ErrInsecurePath) && h != nil) {
			return nil, err
		}
		if entries >= maxArchiveEntries {
			return stop(h.Name, "the archive holds more than %d entries; not read further", maxArchiveEntries)
		}
		last = h.Name
		name := h.Name
		if h.Typeflag == tar.TypeDir {
			name = strings.TrimSuffix(name, "/")
		}
		if msg := unsafePath(name); msg != "" {
			inv.problem(h.Name, KindUnsafe, "%s", msg)
			continue
		}
		top, rel, _ := strings.Cut(name, "/")
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeDir: // Next turns the legacy TypeRegA into these
		default:
			p := h.Name
			if top == inv.top && rel != "" {
				p = rel
			}
			inv.problem(p, KindUnsafe, "%s; a bundle holds only regular files and directories", tarTypeName(h.Typeflag))
			continue
		}
		if inv.top == "" {
			inv.top = top
		}
		switch {
		case top != inv.top:
			inv.problem(h.Name, KindExtra, "outside the archive's top directory %s/", inv.top)
			continue
		case rel == "" && h.Typeflag != tar.TypeDir:
			inv.problem(h.Name, KindUnsafe, "the archive's top entry is a file; a bundle archive holds one directory")
			continue
		case rel == "":
			continue
		case h.Typeflag == tar.TypeDir:
			inv.dirs[rel] = true
			continue
		}
		if _, dup := inv.files[rel]; dup || (rel == ManifestName && inv.hasManifest) {
			inv.problem(rel, KindUnsafe, "duplicate entry; extracting the archive would keep only the last")
			continue
		}
		if h.Size > budget {
			return tooLarge(h.Name)
		}
		budget -= h.Size
		if rel == ManifestName {
			data, err := readCapped(tr, maxManifestBytes)
			if lr.exceeded {
				return tooLarge(h.Name)
			}
			if err != nil {
				inv.problem(rel, KindManifest, "%v", err)
				continue
			}
			inv.manifest, inv.hasManifest = data, true
			if manifestOnly {
				return inv, nil
			}
			continue
		}
		if manifestOnly {
			continue
		}
		sum, err := sumOf(tr)
		if lr.exceeded {
			return tooLarge(h.Name)
		}
		if err != nil {
			return nil, err
		}
		inv.files[rel] = sum
	}
	// Read to the end of the gzip stream, so that its checksum is checked.
	if _, err := io.Copy(io.Discard, lr); err != nil {
		if lr.exceeded {
			return tooLarge(last)
		}
		return nil, err
	}
	return inv, nil
}

func tarTypeName(t byte) string {
	switch t {
	case tar.TypeSymlink:
		return "symbolic link"
	case tar.TypeLink:
		return "hard link"
	case tar.TypeChar, tar.TypeBlock:
		return "device"
	case tar.TypeFifo:
		return "named pipe"
	}
	return fmt.Sprintf("entry of type %q", t)
}

// limitedReader reads at most n bytes from r and then fails, remembering
// that it did.
type limitedReader struct {
	r        io.Reader
	n        int64
	exceeded bool
}

var errTooLarge = errors.New("archive too large")

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// Probe for more data: a stream of exactly n bytes is fine.
		var b [1]byte
		k, err := l.r.Read(b[:])
		if k > 0 {
			l.exceeded = true
			return 0, errTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	k, err := l.r.Read(p)
	l.n -= int64(k)
	return k, err
}
