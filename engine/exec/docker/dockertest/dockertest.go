// Package dockertest gives tests the real Docker Engine of the machine, a
// static tcpreport worker built from this module, environment images
// built for the test, and a check that no container was leaked. A test
// that needs the engine fails, never skips, when the engine is not there.
package dockertest

import (
	"context"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/tcpreport/tcpreport/engine/exec/docker"
)

var (
	dir     string // Main's temporary directory
	once    sync.Once
	worker  string
	workErr error
	debOnce sync.Mutex
)

// Main runs a package's tests (call it from TestMain) with a temporary
// directory for the worker Worker builds, and removes it afterwards.
func Main(m *testing.M) int {
	var err error
	dir, err = os.MkdirTemp("", "tcpreport-dockertest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "dockertest:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	return m.Run()
}

// Engine returns a client of the machine's Docker Engine, failing the test
// with what to do when it does not answer.
func Engine(t testing.TB) *client.Client {
	t.Helper()
	cli, err := docker.Client("")
	if err != nil {
		t.Fatalf("docker client: %v", err)
	}
	t.Cleanup(func() { cli.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		t.Fatalf("these tests run against the real Docker Engine, and %v (make deps installs docker.io)", docker.Unreachable("", err))
	}
	return cli
}

// Worker returns a static linux tcpreport built from this module for the
// tests, with CGO_ENABLED=0 as 'make build' does.
func Worker(t testing.TB) string {
	t.Helper()
	once.Do(func() { worker, workErr = Build("./cmd/tcpreport", "tcpreport") })
	if workErr != nil {
		t.Fatal(workErr)
	}
	return worker
}

// Build builds the main package pkg (relative to the module root) as a
// static linux binary called name in Main's directory.
func Build(pkg, name string) (string, error) {
	if dir == "" {
		return "", fmt.Errorf("dockertest: call dockertest.Main from TestMain")
	}
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, name)
	cmd := osexec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return out, nil
}

func moduleRoot() (string, error) {
	b, err := osexec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(b))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("dockertest: not inside a module")
	}
	return filepath.Dir(mod), nil
}

// Scratch builds the image name from scratch with the test worker, and
// removes it when the test ends.
func Scratch(t testing.TB, cli *client.Client, name string) {
	t.Helper()
	bin, err := os.ReadFile(Worker(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := docker.BuildScratch(context.Background(), cli, name, bin); err != nil {
		t.Fatal(err)
	}
	RemoveImage(t, cli, name)
}

// CacheDir is where the tests keep the Debian root filesystem tarball
// between runs, so that only the first run downloads it.
func CacheDir() string {
	if d := os.Getenv("TCPREPORT_TEST_CACHE"); d != "" {
		return d
	}
	d, err := os.UserCacheDir()
	if err != nil {
		d = os.TempDir()
	}
	return filepath.Join(d, "tcpreport", "env")
}

// Debian builds the image name from a Debian bookworm root filesystem made
// by debootstrap (minbase, procps, iproute2; cached under CacheDir), and
// removes it when the test ends.
func Debian(t testing.TB, cli *client.Client, name string) {
	t.Helper()
	debOnce.Lock() // one debootstrap at a time in this process
	defer debOnce.Unlock()
	d := &docker.Debootstrap{Suite: docker.DefaultSuite, Mirror: docker.DefaultMirror, Variant: docker.DefaultVariant,
		Include: docker.DefaultInclude, CacheDir: CacheDir()}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	path, cached, err := d.Rootfs(ctx)
	if err != nil {
		t.Fatalf("debian root filesystem: %v", err)
	}
	if !cached {
		t.Logf("built %s with debootstrap", path)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := docker.Import(ctx, cli, name, docker.FromDebootstrap, d.Detail(), f, docker.DebianChanges); err != nil {
		t.Fatal(err)
	}
	RemoveImage(t, cli, name)
}

// RemoveImage removes image name when the test ends.
func RemoveImage(t testing.TB, cli *client.Client, name string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := cli.ImageRemove(ctx, name, client.ImageRemoveOptions{Force: true, PruneChildren: true}); err != nil && !cerrdefs.IsNotFound(err) {
			t.Errorf("removing image %s: %v", name, err)
		}
	})
}

// Containers returns the IDs of the tcpreport containers of this process
// on the engine.
func Containers(t testing.TB, cli *client.Client) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	list, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true,
		Filters: make(client.Filters).Add("label", fmt.Sprintf("%s=%d", docker.LabelPID, os.Getpid()))})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range list.Items {
		ids = append(ids, c.ID)
	}
	return ids
}

// NoContainers fails the test when a tcpreport container of this process
// remains.
func NoContainers(t testing.TB, cli *client.Client) {
	t.Helper()
	if ids := Containers(t, cli); len(ids) > 0 {
		t.Errorf("leaked %d container(s): %.12s", len(ids), ids)
	}
}
