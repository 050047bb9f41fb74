// Package docker runs shards in containers on a Docker Engine and builds
// the offline images they run in: a container per shard, from a locally
// built image (never pulled), with the static tcpreport worker copied in,
// labelled so that a crashed run's containers can be found, and removed
// whatever happens.
package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/tcpreport/tcpreport/engine/exec"
)

// Labels every container of this package carries. LabelRun marks a
// container as tcpreport's; LabelHost, LabelBoot and LabelPID say which
// process owns it, so that a later run can tell a crashed run's containers
// from those of a run still going.
const (
	LabelRun   = "tcpreport.run"
	LabelShard = "tcpreport.shard"
	LabelID    = "tcpreport.id"
	LabelHost  = "tcpreport.host"
	LabelBoot  = "tcpreport.boot"
	LabelPID   = "tcpreport.pid"
)

// EnvWorker names the environment variable that points to the static
// linux tcpreport binary to copy into containers, when the running binary
// is not one (e.g. under go test).
const EnvWorker = "TCPREPORT_WORKER"

// Paths inside the container.
const (
	workerPath = "/tcpreport"
	shardPath  = "/shard.json"
	resultPath = "/result.json"
)

// removeTimeout bounds the removal of a container, which runs on a fresh
// context so that a cancelled run still cleans up.
const removeTimeout = 30 * time.Second

// Executor runs shards in containers of one image.
type Executor struct {
	// Image is the local image to run, e.g. "debian-bookworm".
	Image string
	// Worker is the path of a static linux tcpreport binary for the
	// image's architecture; empty means $TCPREPORT_WORKER, else this
	// executable.
	Worker string
	// Host is the engine's address (unix:///var/run/docker.sock,
	// tcp://host:2376); empty means $DOCKER_HOST, else the default socket.
	Host string
	// Network is the container's network mode; empty means "none": a
	// shard needs no network, and a probe must not reach one.
	Network string

	run string // this run's label value

	mu      sync.Mutex
	cli     *client.Client
	ready   bool     // the engine answered and stale containers are gone
	worker  []byte   // the worker binary, checked
	removed []string // stale containers removed at start
}

// Settings that a report's front matter may give a docker host:
//
//	hosts:
//	  deb:
//	    type: docker
//	    image: debian-bookworm
//	    docker_host: unix:///var/run/docker.sock
//	    worker: bin/tcpreport
//	    network: none
var settingKeys = []string{"type", "image", "docker_host", "worker", "network"}

// Open is the exec.Opener of "docker:IMAGE". IMAGE may name a host of the
// report's front matter whose settings give the image and the engine.
func Open(target string, settings map[string]string) (exec.Executor, error) {
	return New(target, settings)
}

// New returns the executor of target with settings (see Open).
func New(target string, settings map[string]string) (*Executor, error) {
	if target == "" {
		return nil, errors.New("docker: no image: use docker:IMAGE, e.g. docker:debian-bookworm (see tcpreport env list)")
	}
	for k := range settings {
		if !slices.Contains(settingKeys, k) {
			return nil, fmt.Errorf("docker:%s: unknown setting %q (known: %s)", target, k, strings.Join(settingKeys, ", "))
		}
	}
	e := &Executor{Image: target, Host: settings["docker_host"], Worker: settings["worker"], Network: settings["network"]}
	if img := settings["image"]; img != "" {
		e.Image = img
	}
	return e, nil
}

// Name returns "docker:IMAGE".
func (e *Executor) Name() string { return "docker:" + e.Image }

// errorf returns an error that names the executor and image.
func (e *Executor) errorf(format string, args ...any) error {
	return fmt.Errorf("%s: "+format, append([]any{e.Name()}, args...)...)
}

// Close closes the connection to the engine.
func (e *Executor) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cli == nil {
		return nil
	}
	err := e.cli.Close()
	e.cli, e.ready = nil, false
	return err
}

// Removed returns the IDs of the stale containers of crashed runs that the
// executor removed when it first reached the engine.
func (e *Executor) Removed() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.removed)
}

// Client connects to the engine at host ("" for $DOCKER_HOST or the
// default socket).
func Client(host string) (*client.Client, error) {
	opts := []client.Opt{client.FromEnv}
	if host != "" {
		opts = append(opts, client.WithHost(host))
	}
	return client.New(opts...)
}

// HostOf returns the address of the engine that host ("" for the default)
// means, for messages.
func HostOf(host string) string {
	if host != "" {
		return host
	}
	if h := os.Getenv(client.EnvOverrideHost); h != "" {
		return h
	}
	return client.DefaultDockerHost
}

// Unreachable wraps an engine connection error with its fix.
func Unreachable(host string, err error) error {
	return fmt.Errorf("the Docker Engine at %s is not reachable: %w: start it (sudo systemctl start docker) or point DOCKER_HOST at one", HostOf(host), err)
}

// start connects, pings the engine, removes stale containers and loads
// the worker, once; a failure is retried on the next call.
func (e *Executor) start(ctx context.Context) (*client.Client, []byte, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ready {
		return e.cli, e.worker, nil
	}
	if e.run == "" {
		e.run = newRunID()
	}
	if e.cli == nil {
		cli, err := Client(e.Host)
		if err != nil {
			return nil, nil, e.errorf("engine %s: %w", HostOf(e.Host), err)
		}
		e.cli = cli
	}
	if _, err := e.cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		return nil, nil, e.errorf("%w", Unreachable(e.Host, err))
	}
	removed, err := RemoveStale(ctx, e.cli)
	e.removed = append(e.removed, removed...)
	if err != nil {
		return nil, nil, e.errorf("removing stale containers: %w", err)
	}
	img, err := e.cli.ImageInspect(ctx, e.Image)
	if err != nil {
		if cerrdefs.IsNotFound(err) {
			return nil, nil, e.errorf("image %s not found locally: build it with tcpreport env build %s (images are never pulled)", e.Image, e.Image)
		}
		return nil, nil, e.errorf("image %s: %w", e.Image, err)
	}
	path, err := WorkerPath(e.Worker)
	if err != nil {
		return nil, nil, e.errorf("%w", err)
	}
	bin, err := ReadWorker(path, img.Architecture)
	if err != nil {
		return nil, nil, e.errorf("%w", err)
	}
	e.worker, e.ready = bin, true
	return e.cli, e.worker, nil
}

// Run runs s in a fresh container and returns the worker's result. The
// container is removed before Run returns, whether the shard succeeded,
// failed or was cancelled.
func (e *Executor) Run(ctx context.Context, s *exec.Shard) (res *exec.Result, err error) {
	cli, worker, err := e.start(ctx)
	if err != nil {
		return nil, err
	}
	shard, err := encodeShard(s)
	if err != nil {
		return nil, e.errorf("shard %d: %w", s.Index, err)
	}
	network := e.Network
	if network == "" {
		network = "none"
	}
	labels := ownerLabels(e.run)
	labels[LabelShard] = strconv.Itoa(s.Index)
	labels[LabelID] = s.ID
	created, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config: &container.Config{
			Image:      e.Image,
			Cmd:        []string{workerPath, "worker", "--shard", shardPath, "--out", resultPath},
			WorkingDir: "/",
			Labels:     labels,
		},
		HostConfig: &container.HostConfig{NetworkMode: container.NetworkMode(network)},
	})
	if err != nil {
		if cerrdefs.IsNotFound(err) {
			return nil, e.errorf("image %s not found locally: build it with tcpreport env build %s (images are never pulled)", e.Image, e.Image)
		}
		if ctx.Err() != nil {
			// Cancelled while the engine was creating it: the container
			// may exist without our knowing its ID.
			removeLabelled(ctx, cli, labels)
		}
		return nil, e.canceled(ctx, fmt.Errorf("creating the container of shard %d: %w", s.Index, err))
	}
	id := created.ID
	defer func() {
		// A fresh context: the caller's may be cancelled (Ctrl-C), and the
		// container must go all the same.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), removeTimeout)
		defer cancel()
		_, rerr := cli.ContainerRemove(rctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
		if rerr != nil && !cerrdefs.IsNotFound(rerr) {
			res = nil
			err = errors.Join(err, e.errorf("removing container %.12s: %w", id, rerr))
		}
	}()

	in, err := tarFiles([]tarFile{{workerPath, worker, 0o755}, {shardPath, shard, 0o644}})
	if err != nil {
		return nil, e.errorf("shard %d: %w", s.Index, err)
	}
	if _, err := cli.CopyToContainer(ctx, id, client.CopyToContainerOptions{DestinationPath: "/", Content: bytes.NewReader(in)}); err != nil {
		return nil, e.canceled(ctx, fmt.Errorf("copying the worker and shard %d into container %.12s: %w", s.Index, id, err))
	}
	wait := cli.ContainerWait(ctx, id, client.ContainerWaitOptions{Condition: container.WaitConditionNextExit})
	if _, err := cli.ContainerStart(ctx, id, client.ContainerStartOptions{}); err != nil {
		return nil, e.canceled(ctx, fmt.Errorf("starting container %.12s: %w", id, err))
	}
	var code int64
	select {
	case w := <-wait.Result:
		if w.Error != nil && w.Error.Message != "" {
			return nil, e.errorf("container %.12s: %s", id, w.Error.Message)
		}
		code = w.StatusCode
	case err := <-wait.Error:
		return nil, e.canceled(ctx, fmt.Errorf("waiting for container %.12s: %w", id, err))
	case <-ctx.Done():
		return nil, e.canceled(ctx, ctx.Err())
	}
	if code != 0 {
		return nil, e.errorf("shard %d: worker exited with status %d%s", s.Index, code, e.stderrTail(ctx, cli, id))
	}
	data, err := copyOut(ctx, cli, id, resultPath)
	if err != nil {
		return nil, e.canceled(ctx, fmt.Errorf("shard %d: the worker wrote no result: %w", s.Index, err))
	}
	r, err := exec.Decode(data)
	if err != nil {
		return nil, e.errorf("shard %d: %w", s.Index, err)
	}
	return r, nil
}

// removeLabelled removes, on a fresh context, the containers carrying
// labels' run and shard.
func removeLabelled(ctx context.Context, cli *client.Client, labels map[string]string) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), removeTimeout)
	defer cancel()
	f := make(client.Filters).Add("label", LabelRun+"="+labels[LabelRun])
	list, err := cli.ContainerList(rctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return
	}
	for _, c := range list.Items {
		if c.Labels[LabelShard] == labels[LabelShard] {
			cli.ContainerRemove(rctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
		}
	}
}

// canceled returns ctx's error when the run was cancelled, else err, both
// naming the executor.
func (e *Executor) canceled(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return e.errorf("%w", ctx.Err())
	}
	return e.errorf("%w", err)
}

// stderrLines is how many of a failed worker's last output lines an error
// quotes.
const stderrLines = 8

// stderrTail returns ": " and the last lines a container wrote to its
// standard error, or "" when it wrote none.
func (e *Executor) stderrTail(ctx context.Context, cli *client.Client, id string) string {
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	logs, err := cli.ContainerLogs(lctx, id, client.ContainerLogsOptions{ShowStderr: true, Tail: strconv.Itoa(stderrLines)})
	if err != nil {
		return ""
	}
	defer logs.Close()
	var stderr bytes.Buffer
	if _, err := stdcopy.StdCopy(io.Discard, &stderr, io.LimitReader(logs, 64<<10)); err != nil && stderr.Len() == 0 {
		return ""
	}
	s := strings.TrimSpace(stderr.String())
	if s == "" {
		return ""
	}
	return ": " + strings.ReplaceAll(s, "\n", "; ")
}

// copyOut reads the file at path from container id.
func copyOut(ctx context.Context, cli *client.Client, id, path string) ([]byte, error) {
	out, err := cli.CopyFromContainer(ctx, id, client.CopyFromContainerOptions{SourcePath: path})
	if err != nil {
		return nil, err
	}
	defer out.Content.Close()
	tr := tar.NewReader(out.Content)
	h, err := tr.Next()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if h.Typeflag != tar.TypeReg {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	const maxResult = 1 << 30
	if h.Size > maxResult {
		return nil, fmt.Errorf("%s is %d bytes, more than a result may be", path, h.Size)
	}
	return io.ReadAll(tr)
}

// RemoveStale removes the tcpreport containers of runs that are over: those
// started on this machine by a process that no longer exists, or before it
// last booted. Containers of live runs, here or on other machines sharing
// the engine, are left alone. It returns the IDs it removed.
func RemoveStale(ctx context.Context, cli *client.Client) ([]string, error) {
	list, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("label", LabelRun)})
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	boot := bootID()
	var removed []string
	var errs []error
	for _, c := range list.Items {
		if c.Labels[LabelHost] != host || !runOver(c.Labels[LabelBoot], c.Labels[LabelPID], boot) {
			continue
		}
		if _, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("container %.12s: %w", c.ID, err))
			continue
		}
		removed = append(removed, c.ID)
	}
	return removed, errors.Join(errs...)
}

// runOver reports whether the run of a container labelled with boot and
// pid on this machine has ended.
func runOver(boot, pid, thisBoot string) bool {
	if boot != "" && thisBoot != "" && boot != thisBoot {
		return true
	}
	p, err := strconv.Atoi(pid)
	if err != nil || p <= 0 {
		return true // not ours to keep: a label we never write
	}
	if p == os.Getpid() {
		return false
	}
	return syscall.Kill(p, 0) == syscall.ESRCH
}

// ownerLabels returns the labels that tie a container to this process.
func ownerLabels(run string) map[string]string {
	host, _ := os.Hostname()
	return map[string]string{LabelRun: run, LabelHost: host, LabelBoot: bootID(), LabelPID: strconv.Itoa(os.Getpid())}
}

// bootID returns the kernel's boot ID, or "" where there is none.
func bootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func newRunID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// tarFile is a file for tarFiles.
type tarFile struct {
	name string
	data []byte
	mode int64
}

// tarFiles returns a tar archive holding files.
func tarFiles(files []tarFile) ([]byte, error) {
	var b bytes.Buffer
	if err := writeTar(&b, files); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeTar writes a tar archive of files, owned by root, to w; a name
// ending in "/" is a directory.
func writeTar(w io.Writer, files []tarFile) error {
	tw := tar.NewWriter(w)
	for _, f := range files {
		h := &tar.Header{Name: strings.TrimPrefix(f.name, "/"), Mode: f.mode, Size: int64(len(f.data)), Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)}
		if strings.HasSuffix(f.name, "/") {
			h.Typeflag, h.Size = tar.TypeDir, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := tw.Write(f.data); err != nil {
			return err
		}
	}
	return tw.Close()
}

// encodeShard returns s as the worker reads it.
func encodeShard(s *exec.Shard) ([]byte, error) { return json.Marshal(s) }

// State returns the ID of the image on the engine, so that rebuilding the
// image changes the key of the directives that ran in it.
func (e *Executor) State(ctx context.Context) (string, error) {
	e.mu.Lock()
	if e.cli == nil {
		cli, err := Client(e.Host)
		if err != nil {
			e.mu.Unlock()
			return "", e.errorf("engine %s: %w", HostOf(e.Host), err)
		}
		e.cli = cli
	}
	cli := e.cli
	e.mu.Unlock()
	img, err := cli.ImageInspect(ctx, e.Image)
	switch {
	case cerrdefs.IsNotFound(err):
		return "", e.errorf("image %s not found locally: build it with tcpreport env build %s (images are never pulled)", e.Image, e.Image)
	case client.IsErrConnectionFailed(err):
		return "", e.errorf("%w", Unreachable(e.Host, err))
	case err != nil:
		return "", e.errorf("image %s: %w", e.Image, err)
	}
	return img.ID, nil
}
