package docker

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/tcpreport/tcpreport/engine/host"
	"io"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/moby/moby/client"
)

// Image labels: LabelEnv marks an image built by tcpreport env build and
// holds its name; LabelFrom says what it was built from, LabelDetail how.
const (
	LabelEnv    = "tcpreport.env"
	LabelFrom   = "tcpreport.from"
	LabelDetail = "tcpreport.detail"
)

// What an environment image is built from.
const (
	FromDebootstrap = "debootstrap" // a Debian root filesystem
	FromScratch     = "scratch"     // nothing but the static worker
)

// defaultPath is the PATH of a Debian image: an imported root filesystem
// carries no environment of its own.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Image is an environment image on the engine.
type Image struct {
	Name    string
	ID      string
	From    string
	Detail  string
	Created time.Time
	Size    int64
}

// List returns the environment images on the engine, by name.
func List(ctx context.Context, cli *client.Client) ([]Image, error) {
	res, err := cli.ImageList(ctx, client.ImageListOptions{Filters: make(client.Filters).Add("label", LabelEnv)})
	if err != nil {
		return nil, err
	}
	var out []Image
	for _, s := range res.Items {
		out = append(out, Image{Name: s.Labels[LabelEnv], ID: s.ID, From: s.Labels[LabelFrom], Detail: s.Labels[LabelDetail],
			Created: time.Unix(s.Created, 0).UTC(), Size: s.Size})
	}
	slices.SortFunc(out, func(a, b Image) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Import creates image name from rootfs, a tar stream of a root
// filesystem, with the Dockerfile instructions changes, and labels it as
// an environment built from from. It returns the image's ID.
func Import(ctx context.Context, cli *client.Client, name, from, detail string, rootfs io.Reader, changes []string) (string, error) {
	label := fmt.Sprintf("LABEL %s=%s %s=%s %s=%s", LabelEnv, strconv.Quote(name), LabelFrom, strconv.Quote(from), LabelDetail, strconv.Quote(detail))
	body, err := cli.ImageImport(ctx, client.ImageImportSource{Source: rootfs, SourceName: "-"}, name,
		client.ImageImportOptions{Changes: append([]string{label}, changes...), Message: "tcpreport env build " + name})
	if err != nil {
		return "", fmt.Errorf("importing image %s: %w", name, err)
	}
	defer body.Close()
	// The engine answers with a stream of JSON messages; an error arrives
	// as one of them, with status 200.
	dec := json.NewDecoder(body)
	for {
		var m struct {
			Status      string `json:"status"`
			Error       string `json:"error"`
			ErrorDetail *struct {
				Message string `json:"message"`
			} `json:"errorDetail"`
		}
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			return "", fmt.Errorf("importing image %s: %w", name, err)
		}
		if m.Error != "" {
			return "", fmt.Errorf("importing image %s: %s", name, m.Error)
		}
	}
	img, err := cli.ImageInspect(ctx, name)
	if err != nil {
		return "", fmt.Errorf("image %s: %w", name, err)
	}
	return img.ID, nil
}

// BuildScratch creates image name holding only worker, the static
// tcpreport binary, at /tcpreport, and an empty /tmp for its scratch files.
func BuildScratch(ctx context.Context, cli *client.Client, name string, worker []byte) (string, error) {
	var tarball strings.Builder
	if err := writeTar(&tarball, []tarFile{{"/tmp/", nil, 0o1777}, {workerPath, worker, 0o755}}); err != nil {
		return "", err
	}
	return Import(ctx, cli, name, FromScratch, "static worker only", strings.NewReader(tarball.String()),
		[]string{`CMD ["/tcpreport", "--help"]`})
}

// Debootstrap builds Debian root filesystems with debootstrap and caches
// them as tarballs, so that building an image again takes seconds.
type Debootstrap struct {
	Suite   string   // e.g. "bookworm"
	Mirror  string   // e.g. "http://deb.debian.org/debian"
	Variant string   // e.g. "minbase"
	Include []string // packages beyond the variant's, e.g. procps
	// CacheDir holds the tarballs, e.g. .tcpreport/env.
	CacheDir string
	// Log receives debootstrap's output; nil discards it.
	Log io.Writer
}

// Defaults of a Debootstrap.
const (
	DefaultSuite   = "bookworm"
	DefaultMirror  = "http://deb.debian.org/debian"
	DefaultVariant = "minbase"
)

// DefaultInclude are the packages a Debian environment gets beyond minbase,
// so that discovery finds system and network tools there.
var DefaultInclude = []string{"procps", "iproute2"}

// Detail describes the root filesystem, as the image's label keeps it.
func (d *Debootstrap) Detail() string {
	s := d.Suite + " " + d.Variant
	if len(d.Include) > 0 {
		s += " +" + strings.Join(d.Include, ",")
	}
	return s
}

// Tarball returns the path of the cached root filesystem tarball.
func (d *Debootstrap) Tarball() string {
	h := sha256.Sum256([]byte(d.Mirror + "\n" + strings.Join(d.Include, ",")))
	return filepath.Join(d.CacheDir, fmt.Sprintf("rootfs-%s-%s-%s.tar", d.Suite, d.Variant, hex.EncodeToString(h[:4])))
}

// Rootfs returns the path of the root filesystem tarball, running
// debootstrap first unless it is cached; cached says which.
func (d *Debootstrap) Rootfs(ctx context.Context) (path string, cached bool, err error) {
	path = d.Tarball()
	if _, err := os.Stat(path); err == nil {
		return path, true, nil
	}
	bin, err := osexec.LookPath("debootstrap")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/debootstrap"); serr != nil {
			return "", false, errors.New("debootstrap is not installed: run 'make deps' (or apt-get install debootstrap)")
		}
		bin = "/usr/sbin/debootstrap"
	}
	if os.Geteuid() != 0 {
		return "", false, errors.New("debootstrap needs root to build a root filesystem: run tcpreport env build as root (sudo), once; the tarball is cached")
	}
	if err := os.MkdirAll(d.CacheDir, 0o755); err != nil {
		return "", false, err
	}
	// One debootstrap per cache at a time: processes building the same
	// root filesystem (test packages run in parallel) wait for the first.
	unlock, err := lockFile(ctx, filepath.Join(d.CacheDir, ".lock"))
	if err != nil {
		return "", false, err
	}
	defer unlock()
	if _, err := os.Stat(path); err == nil {
		return path, true, nil
	}
	dir, err := os.MkdirTemp(d.CacheDir, "debootstrap-")
	if err != nil {
		return "", false, err
	}
	defer removeRoot(dir)
	root := filepath.Join(dir, "root")
	args := []string{"--variant=" + d.Variant}
	if len(d.Include) > 0 {
		args = append(args, "--include="+strings.Join(d.Include, ","))
	}
	args = append(args, d.Suite, root, d.Mirror)
	if err := runLogged(ctx, d.Log, bin, args...); err != nil {
		return "", false, fmt.Errorf("debootstrap %s: %w", strings.Join(args, " "), err)
	}
	// The downloaded packages and indexes are a third of the tree and no
	// use in an offline environment.
	for _, pattern := range []string{"var/cache/apt/archives/*.deb", "var/lib/apt/lists/*_*"} {
		files, _ := filepath.Glob(filepath.Join(root, pattern))
		for _, f := range files {
			os.Remove(f)
		}
	}
	tmp := filepath.Join(dir, "rootfs.tar")
	if err := runLogged(ctx, d.Log, "tar", "--numeric-owner", "--xattrs", "-C", root, "-cf", tmp, "."); err != nil {
		return "", false, fmt.Errorf("tar of the root filesystem: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", false, err
	}
	return path, false, nil
}

// lockFile takes an exclusive lock on path, waiting while ctx lasts, and
// returns its release.
func lockFile(ctx context.Context, path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// DebianChanges are the image settings of a Debian root filesystem.
var DebianChanges = []string{"ENV PATH=" + defaultPath, `CMD ["/bin/bash"]`}

// runLogged runs name with args, its output to log, killing its process
// group when ctx ends.
func runLogged(ctx context.Context, log io.Writer, name string, args ...string) error {
	cmd := osexec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var tail tailWriter
	w := io.Writer(&tail)
	if log != nil {
		w = io.MultiWriter(log, &tail)
	}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w: %s", err, tail.String())
	}
	return nil
}

// tailWriter keeps the last lines written to it, for error messages.
type tailWriter struct{ lines []string }

func (t *tailWriter) Write(p []byte) (int, error) {
	sc := bufio.NewScanner(strings.NewReader(string(p)))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			t.lines = append(t.lines, l)
		}
	}
	if n := len(t.lines); n > stderrLines {
		t.lines = t.lines[n-stderrLines:]
	}
	return len(p), nil
}

func (t *tailWriter) String() string { return strings.Join(t.lines, "; ") }

// removeRoot removes a debootstrap directory, unmounting first what a
// killed debootstrap may have left mounted in it (proc, sys, dev/pts):
// removing files through a live mount would reach the host's.
func removeRoot(dir string) {
	for _, m := range mountsUnder(dir) {
		syscall.Unmount(m, syscall.MNT_DETACH)
	}
	if len(mountsUnder(dir)) > 0 {
		return // leave it rather than recurse into a mount
	}
	os.RemoveAll(dir)
}

// mountsUnder returns the mount points below dir, deepest first.
func mountsUnder(dir string) []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	abs, _ := filepath.Abs(dir)
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		mp := host.UnescapeMount(fields[4])
		if strings.HasPrefix(mp, abs+"/") {
			out = append(out, mp)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}
