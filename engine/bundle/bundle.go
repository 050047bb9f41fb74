// Package bundle writes a report's artifact bundle atomically and verifies one
// offline.
//
// The bundle of report gate8 is the directory <root>/gate8/, holding the
// rendered report, its figures and data, and MANIFEST.json, plus the archive
// <root>/gate8.tar.gz holding the same tree under the top directory gate8/.
// MANIFEST.json records the report's provenance and the SHA-256 and size of
// every other file, so a reviewer can check the bundle without tcpreport's
// cache or network.
package bundle

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Format is the manifest format this package writes and reads.
const Format = 1

// ManifestName is the name of the manifest file at the top of a bundle.
const ManifestName = "MANIFEST.json"

// Manifest is the content of MANIFEST.json.
type Manifest struct {
	Format       int               `json:"format"`
	Report       string            `json:"report"` // the report's name, e.g. "gate8"
	Version      string            `json:"tcpreport_version"`
	VCS          string            `json:"vcs_revision,omitempty"`
	RunID        string            `json:"run_id"`
	ProtocolHash string            `json:"protocol_hash"`
	Seed         int64             `json:"seed"`
	Environment  map[string]string `json:"environment"`    // environment fingerprint
	Keys         map[string]string `json:"directive_keys"` // directive id -> cache key
	// Status is each directive's status in the build: ran, cached or stale.
	Status map[string]string `json:"directive_status"`
	// Files maps the slash path of every file in the bundle, relative to
	// the bundle directory and MANIFEST.json excluded, to its sum.
	Files map[string]FileSum `json:"files"`
}

// FileSum is the content hash and size of one file.
type FileSum struct {
	SHA256 string `json:"sha256"` // lowercase hex
	Size   int64  `json:"size"`
}

// archiveTime is the modification time of every archive entry: a fixed time,
// so that the same bundle always archives to the same bytes.
var archiveTime = time.Unix(0, 0).UTC()

// Fault-injection points for tests; both wrap the real operations.
var (
	// afterStage runs once the staging directory and the archive are
	// complete and synced, before anything outside the staging directory
	// changes.
	afterStage = func(stage string) error { return nil }
	rename     = os.Rename
)

// Write writes files (relative slash paths to contents) and the manifest m
// into root/<m.Report>/ and root/<m.Report>.tar.gz, and returns the bundle
// directory. On success Write fills in m.Files and sets m.Format.
//
// Everything is first written and synced under a temporary directory
// root/.tmp-<report>-*; only then is the old bundle directory moved aside
// (into that temporary directory), the new one renamed into place, the
// archive renamed over the old one, and the temporary directory removed.
// An error before those renames leaves the previous bundle untouched and no
// temporary files; a failed rename puts the old bundle back. A crash during
// the renames can leave the old directory inside root/.tmp-<report>-*, or a
// new directory beside an old archive; each still verifies on its own.
// Calls for the same root and report must not overlap.
//
// If only removing the temporary directory or syncing root fails, the new
// bundle is in place and Write returns its directory with the error.
func Write(root string, m *Manifest, files map[string][]byte) (dir string, err error) {
	if m == nil {
		return "", errors.New("bundle: nil manifest")
	}
	if m.Format != 0 && m.Format != Format {
		return "", fmt.Errorf("bundle: manifest format %d is not supported; this tcpreport writes format %d", m.Format, Format)
	}
	if msg := reportNameProblem(m.Report); msg != "" {
		return "", fmt.Errorf("bundle: %s", msg)
	}
	names, dirs, err := checkFiles(files)
	if err != nil {
		return "", fmt.Errorf("bundle %s: %w", m.Report, err)
	}

	dst := filepath.Join(root, m.Report)
	arc := dst + ".tar.gz"
	if fi, err := os.Lstat(dst); err == nil && !fi.IsDir() {
		return "", fmt.Errorf("bundle: %s exists and is not a bundle directory; remove it or pass --out", dst)
	}
	if fi, err := os.Lstat(arc); err == nil && !fi.Mode().IsRegular() {
		return "", fmt.Errorf("bundle: %s exists and is not a regular file; remove it or pass --out", arc)
	}

	sums := make(map[string]FileSum, len(files))
	for name, data := range files {
		sum := sha256.Sum256(data)
		sums[name] = FileSum{SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))}
	}
	mm := *m
	mm.Format, mm.Files = Format, sums
	if mm.Environment == nil {
		mm.Environment = map[string]string{}
	}
	if mm.Keys == nil {
		mm.Keys = map[string]string{}
	}
	if mm.Status == nil {
		mm.Status = map[string]string{}
	}
	manifest, err := json.MarshalIndent(&mm, "", "  ")
	if err != nil {
		return "", fmt.Errorf("bundle %s: encoding %s: %w", m.Report, ManifestName, err)
	}
	manifest = append(manifest, '\n')
	all := make(map[string][]byte, len(files)+1)
	maps.Copy(all, files)
	all[ManifestName] = manifest
	names = append(names, ManifestName)
	slices.Sort(names)

	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", unwritable(root, err)
	}
	tmp, err := os.MkdirTemp(root, ".tmp-"+m.Report+"-*")
	if err != nil {
		return "", unwritable(root, err)
	}
	defer func() {
		if rerr := os.RemoveAll(tmp); rerr != nil {
			err = errors.Join(err, fmt.Errorf("bundle: removing %s: %w", tmp, rerr))
		}
	}()

	// The staging directory and the archive live inside tmp, and the old
	// directory is moved there too, so removing tmp cleans up every case.
	stage := filepath.Join(tmp, m.Report)
	tmpArc := filepath.Join(tmp, m.Report+".tar.gz")
	// Compressing the archive takes about as long as writing and syncing
	// the tree, so the two overlap.
	arcErr := make(chan error, 1)
	go func() { arcErr <- writeArchive(tmpArc, m.Report, names, dirs, all) }()
	treeErr := writeTree(stage, names, dirs, all)
	if err := errors.Join(treeErr, <-arcErr); err != nil {
		return "", fmt.Errorf("bundle %s: %w", m.Report, err)
	}
	if err := syncDir(tmp); err != nil {
		return "", fmt.Errorf("bundle %s: %w", m.Report, err)
	}
	if err := afterStage(stage); err != nil {
		return "", fmt.Errorf("bundle %s: %w", m.Report, err)
	}

	if err := swap(tmp, stage, dst, tmpArc, arc); err != nil {
		return "", fmt.Errorf("bundle %s: %w", m.Report, err)
	}
	m.Format, m.Files = Format, sums
	if err := syncDir(root); err != nil {
		return dst, fmt.Errorf("bundle %s: %w", m.Report, err)
	}
	return dst, nil
}

// swap puts the staged directory and archive in place of dst and arc,
// moving the old directory into tmp. On failure it restores the old state
// as far as it can.
func swap(tmp, stage, dst, tmpArc, arc string) error {
	old := filepath.Join(tmp, "old")
	hadOld := false
	if _, err := os.Lstat(dst); err == nil {
		if err := rename(dst, old); err != nil {
			return fmt.Errorf("moving the old bundle aside: %w", err)
		}
		hadOld = true
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	restore := func(cause error) error {
		if hadOld {
			if err := rename(old, dst); err != nil {
				return errors.Join(cause, fmt.Errorf("restoring the old bundle from %s: %w", old, err))
			}
		}
		return cause
	}
	if err := rename(stage, dst); err != nil {
		return restore(fmt.Errorf("moving the new bundle into place: %w", err))
	}
	if err := rename(tmpArc, arc); err != nil {
		cause := fmt.Errorf("moving the new archive into place: %w", err)
		if err := rename(dst, stage); err != nil {
			return errors.Join(cause, fmt.Errorf("taking the new bundle back out of %s: %w", dst, err))
		}
		return restore(cause)
	}
	return nil
}

func unwritable(root string, err error) error {
	return fmt.Errorf("bundle: cannot write to %s: %w; check its permissions or pass --out to choose another directory", root, err)
}

// reportNameProblem returns why name cannot be a bundle's directory name,
// or "".
func reportNameProblem(name string) string {
	switch {
	case name == "":
		return "manifest has no report name"
	case strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") || strings.ContainsFunc(name, isControl):
		return fmt.Sprintf("report name %q is not a plain file name; name the report like its source file (gate8 for gate8.md)", name)
	}
	return ""
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// checkFiles validates every path and returns the sorted file names and the
// sorted directories they imply. It reports every bad path, sorted.
func checkFiles(files map[string][]byte) (names, dirs []string, err error) {
	names = make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	dirSet := map[string]bool{}
	for _, name := range names {
		if checkPath(name) == "" {
			markParents(dirSet, name)
		}
	}
	var errs []error
	for _, name := range names {
		if msg := checkPath(name); msg != "" {
			errs = append(errs, fmt.Errorf("file %q: %s", name, msg))
		} else if dirSet[name] {
			errs = append(errs, fmt.Errorf("file %q: is also the directory of other files; rename one of them", name))
		}
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	for d := range dirSet {
		dirs = append(dirs, d)
	}
	slices.Sort(dirs)
	return names, dirs, nil
}

// checkPath returns why name cannot be a file of a bundle, or "".
func checkPath(name string) string {
	if msg := unsafePath(name); msg != "" {
		return msg
	}
	if strings.EqualFold(strings.SplitN(name, "/", 2)[0], ManifestName) {
		return "collides with " + ManifestName + ", which Write creates"
	}
	return ""
}

// unsafePath returns why name could escape a directory it is joined to on
// some system, or "".
func unsafePath(name string) string {
	switch {
	case name == "":
		return "empty path"
	case strings.HasPrefix(name, "/"):
		return "absolute path; use a path relative to the bundle directory"
	case strings.Contains(name, `\`):
		return "backslash in path; separate directories with /"
	case strings.ContainsFunc(name, isControl):
		return "control character in path"
	case slices.Contains(strings.Split(name, "/"), ".."):
		return `".." in path; bundle files must stay inside the bundle directory`
	case !fs.ValidPath(name):
		return `not a clean slash path (no ".", empty or trailing elements)`
	}
	return ""
}

// writeTree writes the bundle into the new directory stage and syncs every
// file and directory in it.
func writeTree(stage string, names, dirs []string, files map[string][]byte) error {
	if err := os.Mkdir(stage, 0o755); err != nil {
		return err
	}
	r, err := os.OpenRoot(stage)
	if err != nil {
		return err
	}
	defer r.Close()
	for _, d := range dirs {
		if err := r.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	for _, name := range names {
		if err := writeFile(r, name, files[name]); err != nil {
			return err
		}
	}
	// Sync directories deepest first, so each one's entries are durable
	// before its parent's.
	for _, d := range slices.Backward(dirs) {
		if err := syncRootDir(r, d); err != nil {
			return err
		}
	}
	return syncRootDir(r, ".")
}

func writeFile(r *os.Root, name string, data []byte) error {
	f, err := r.OpenFile(filepath.FromSlash(name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}

func syncRootDir(r *os.Root, name string) error { return syncClose(r.Open(filepath.FromSlash(name))) }

func syncDir(name string) error { return syncClose(os.Open(name)) }

// syncClose syncs and closes a file just opened, returning the first error.
func syncClose(f *os.File, err error) error {
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// writeArchive writes the deterministic tar.gz of the bundle to the new
// file name: entries sorted by name, directories included, fixed modes,
// owners and times, and a gzip header without name or time.
func writeArchive(name, report string, names, dirs []string, files map[string][]byte) error {
	type entry struct {
		name string
		data []byte
		dir  bool
	}
	entries := []entry{{name: report + "/", dir: true}}
	for _, d := range dirs {
		entries = append(entries, entry{name: report + "/" + d + "/", dir: true})
	}
	for _, n := range names {
		entries = append(entries, entry{name: report + "/" + n, data: files[n]})
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.name, b.name) })

	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	// BestSpeed: a bundle is rewritten on every build, and level 6 costs
	// about ten times the time for archives some 8% smaller. The zero
	// Header has no name and no time.
	zw, err := gzip.NewWriterLevel(bw, gzip.BestSpeed)
	if err != nil {
		f.Close()
		return err
	}
	tw := tar.NewWriter(zw)
	err = func() error {
		for _, e := range entries {
			h := &tar.Header{
				Name:    e.name,
				Mode:    0o644,
				ModTime: archiveTime,
			}
			if e.dir {
				h.Typeflag, h.Mode = tar.TypeDir, 0o755
			} else {
				h.Typeflag, h.Size = tar.TypeReg, int64(len(e.data))
			}
			if err := tw.WriteHeader(h); err != nil {
				return err
			}
			if _, err := tw.Write(e.data); err != nil {
				return err
			}
		}
		if err := tw.Close(); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		return f.Sync()
	}()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing the archive: %w", err)
	}
	return nil
}

// sumOf returns the sum of everything r yields.
func sumOf(r io.Reader) (FileSum, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return FileSum{}, err
	}
	return FileSum{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}, nil
}
