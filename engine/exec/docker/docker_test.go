package docker_test

import (
	"context"
	"errors"
	"os"
	osexec "os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/exec"
	"github.com/tcpreport/tcpreport/engine/exec/docker"
	"github.com/tcpreport/tcpreport/engine/exec/docker/dockertest"
)

func TestMain(m *testing.M) { os.Exit(dockertest.Main(m)) }

// shard returns a shard of kind for directive id.
func shard(kind string, index int) *exec.Shard {
	return &exec.Shard{Protocol: exec.Protocol, Version: engine.Version, ID: "env-" + kind, Kind: kind,
		Options: map[string]string{}, Index: index, Count: 2}
}

// TestExecutor runs shards in containers of an image built from scratch:
// a real worker's result, then a worker that crashes, prints garbage,
// writes nothing or hangs until cancelled. No container survives any of
// them.
func TestExecutor(t *testing.T) {
	cli := dockertest.Engine(t)
	const image = "tcpreport-test-exec-scratch"
	dockertest.Scratch(t, cli, image)

	images, err := docker.List(t.Context(), cli)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, im := range images {
		found = found || im.Name == image && im.From == docker.FromScratch
	}
	if !found {
		t.Errorf("List does not show %s from scratch: %+v", image, images)
	}

	t.Run("success", func(t *testing.T) {
		e, err := docker.New(image, map[string]string{"worker": dockertest.Worker(t)})
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		if e.Name() != "docker:"+image {
			t.Errorf("Name() = %q", e.Name())
		}
		s := shard("environment", 1)
		r, err := e.Run(t.Context(), s)
		if err != nil {
			t.Fatal(err)
		}
		if err := exec.Check(s, r); err != nil {
			t.Fatal(err)
		}
		res, err := exec.Unpack(r.Payload, r.Series)
		if err != nil {
			t.Fatal(err)
		}
		// The worker ran in the container: its host name is the
		// container's, and the loopback round trips were timed there.
		if host, _ := os.Hostname(); r.Host == host || r.Host == "" {
			t.Errorf("result host %q, want the container's", r.Host)
		}
		if res.Values["rtt_p50_us"].Num <= 0 && len(res.Series) == 0 {
			t.Errorf("no round trips measured: %+v", res.Values)
		}
		dockertest.NoContainers(t, cli)
	})

	fake, err := dockertest.Build("./engine/exec/docker/testdata/fakeworker", "fakeworker")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		kind string
		want []string
	}{
		{"crash", []string{"docker:" + image + ": shard 0: worker exited with status 3: ", "fakeworker: line 20; panic: fakeworker crashed"}},
		{"garbage", []string{"docker:" + image + ": shard 0: invalid shard result: worker output is not a result", "<html>not a result</html>"}},
		{"silent", []string{"docker:" + image + ": shard 0: the worker wrote no result: "}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			e, _ := docker.New(image, map[string]string{"worker": fake})
			defer e.Close()
			r, err := e.Run(t.Context(), shard(tc.kind, 0))
			if err == nil {
				t.Fatalf("no error, result %+v", r)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
			if tc.kind == "crash" && strings.Contains(err.Error(), "line 10;") {
				t.Errorf("error quotes more than the last lines: %q", err)
			}
			dockertest.NoContainers(t, cli)
		})
	}

	t.Run("cancel", func(t *testing.T) {
		e, _ := docker.New(image, map[string]string{"worker": fake})
		defer e.Close()
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() {
			_, err := e.Run(ctx, shard("hang", 0))
			done <- err
		}()
		// Cancel once the worker is running, as Ctrl-C would.
		deadline := time.Now().Add(30 * time.Second)
		for !running(t, cli) {
			if time.Now().After(deadline) {
				t.Fatal("the hanging worker's container never ran")
			}
			time.Sleep(50 * time.Millisecond)
		}
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "docker:"+image+": ") {
				t.Errorf("err = %v, want context.Canceled naming the executor", err)
			}
		case <-time.After(time.Minute):
			t.Fatal("Run did not return after cancellation")
		}
		dockertest.NoContainers(t, cli)
	})

	t.Run("stale", func(t *testing.T) {
		// A container left by a run whose process is gone is removed when
		// the next run starts; one of a live run is not.
		p := osexec.Command("true")
		if err := p.Run(); err != nil {
			t.Fatal(err)
		}
		host, _ := os.Hostname()
		boot, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")
		labels := func(pid int) map[string]string {
			return map[string]string{docker.LabelRun: "crashed", docker.LabelHost: host,
				docker.LabelBoot: strings.TrimSpace(string(boot)), docker.LabelPID: strconv.Itoa(pid)}
		}
		stale := create(t, cli, image, labels(p.Process.Pid))
		live := create(t, cli, image, labels(os.Getppid()))
		defer cli.ContainerRemove(context.Background(), live, client.ContainerRemoveOptions{Force: true})

		e, _ := docker.New(image, map[string]string{"worker": dockertest.Worker(t)})
		defer e.Close()
		if _, err := e.Run(t.Context(), shard("environment", 0)); err != nil {
			t.Fatal(err)
		}
		if got := e.Removed(); len(got) != 1 || got[0] != stale {
			t.Errorf("Removed() = %.12s, want [%.12s]", got, stale)
		}
		if _, err := cli.ContainerInspect(t.Context(), live, client.ContainerInspectOptions{}); err != nil {
			t.Errorf("the live run's container: %v", err)
		}
	})
}

// running reports whether a container of this process is running.
func running(t *testing.T, cli *client.Client) bool {
	list, err := cli.ContainerList(t.Context(), client.ContainerListOptions{
		Filters: make(client.Filters).Add("label", docker.LabelPID+"="+strconv.Itoa(os.Getpid()))})
	if err != nil {
		t.Fatal(err)
	}
	return len(list.Items) > 0
}

// create creates a container of image with labels, as another run would.
func create(t *testing.T, cli *client.Client, image string, labels map[string]string) string {
	t.Helper()
	c, err := cli.ContainerCreate(t.Context(), client.ContainerCreateOptions{
		Config: &container.Config{Image: image, Cmd: []string{"/tcpreport", "--help"}, Labels: labels}})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// TestEngineFaults: an image that is not there and an engine that is not
// running give errors that name the executor and image and say what to do.
func TestEngineFaults(t *testing.T) {
	dockertest.Engine(t)
	for _, tc := range []struct {
		name     string
		target   string
		settings map[string]string
		env      string
		want     string
	}{
		{name: "missing image", target: "tcpreport-test-absent",
			want: "docker:tcpreport-test-absent: image tcpreport-test-absent not found locally: build it with tcpreport env build tcpreport-test-absent (images are never pulled)"},
		{name: "engine down (DOCKER_HOST)", target: "foo", env: "unix:///nonexistent",
			want: "docker:foo: the Docker Engine at unix:///nonexistent is not reachable: "},
		{name: "engine down (docker_host setting)", target: "lab", settings: map[string]string{"image": "foo", "docker_host": "unix:///nonexistent"},
			want: "docker:foo: the Docker Engine at unix:///nonexistent is not reachable: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env != "" {
				t.Setenv("DOCKER_HOST", tc.env)
			}
			e, err := docker.New(tc.target, tc.settings)
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			_, err = e.Run(t.Context(), shard("environment", 0))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("err = %v\nwant prefix %q", err, tc.want)
			}
			if tc.env != "" && !strings.Contains(err.Error(), "start it (sudo systemctl start docker) or point DOCKER_HOST at one") {
				t.Errorf("err = %v, want the fix", err)
			}
		})
	}
	if _, err := docker.New("foo", map[string]string{"cpus": "2"}); err == nil ||
		err.Error() != `docker:foo: unknown setting "cpus" (known: type, image, docker_host, worker, network)` {
		t.Errorf("unknown setting: %v", err)
	}
}

// TestReadWorker: only a static Linux executable for the image's
// architecture may go into a container.
func TestReadWorker(t *testing.T) {
	text := t.TempDir() + "/script"
	os.WriteFile(text, []byte("#!/bin/sh\n"), 0o755)
	for _, tc := range []struct {
		name, path, arch, want string
	}{
		{"dynamic", "/bin/ls", "amd64", "worker /bin/ls is dynamically linked and would not run in a minimal image: build one with 'make build'"},
		{"not ELF", text, "amd64", "worker " + text + " is not a Linux executable"},
		{"other arch", "/bin/ls", "arm64", "worker /bin/ls is built for EM_X86_64, the image is linux/arm64: build it with GOARCH=arm64"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := docker.ReadWorker(tc.path, tc.arch); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("err = %v\nwant prefix %q", err, tc.want)
			}
		})
	}
}

// TestDebian builds a Debian bookworm image from a debootstrap root
// filesystem (cached between runs) and runs a real shard in it.
func TestDebian(t *testing.T) {
	cli := dockertest.Engine(t)
	const image = "tcpreport-test-exec-debian"
	start := time.Now()
	dockertest.Debian(t, cli, image)
	t.Logf("image built in %v", time.Since(start).Round(time.Millisecond))
	images, err := docker.List(t.Context(), cli)
	if err != nil {
		t.Fatal(err)
	}
	var im docker.Image
	for _, i := range images {
		if i.Name == image {
			im = i
		}
	}
	if im.From != docker.FromDebootstrap || im.Detail != "bookworm minbase +procps,iproute2" {
		t.Errorf("List: %+v", im)
	}
	e, _ := docker.New(image, map[string]string{"worker": dockertest.Worker(t)})
	defer e.Close()
	s := shard("environment", 0)
	r, err := e.Run(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	if err := exec.Check(s, r); err != nil {
		t.Fatal(err)
	}
	distro := ""
	for _, f := range r.Env {
		if f.Name == "distro" {
			distro = f.Value
		}
	}
	if !strings.Contains(distro, "Debian GNU/Linux 12") {
		t.Errorf("distro in the container %q, want Debian 12; env %v", distro, r.Env)
	}
	dockertest.NoContainers(t, cli)
}
