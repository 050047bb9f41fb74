package main

import (
	"os"
	"strings"
	"testing"

	"github.com/tcpreport/tcpreport/engine/exec/docker/dockertest"
)

func TestMain(m *testing.M) { os.Exit(dockertest.Main(m)) }

// TestEnv builds, lists and removes environment images on the real engine.
func TestEnv(t *testing.T) {
	engine := dockertest.Engine(t)
	const scratch, debian = "tcpreport-test-cmd-scratch", "tcpreport-test-cmd-debian"
	dockertest.RemoveImage(t, engine, scratch)
	dockertest.RemoveImage(t, engine, debian)

	code, out, errb := cli(t, "env", "build", scratch, "--from", "scratch", "--worker", dockertest.Worker(t))
	if code != 0 || !strings.HasPrefix(out, "built "+scratch+" (sha256:") {
		t.Fatalf("env build --from scratch: %d %q %q", code, out, errb)
	}
	code, out, errb = cli(t, "env", "build", debian, "--cache", dockertest.CacheDir())
	if code != 0 || !strings.Contains(out, "from debootstrap (bookworm minbase +procps,iproute2)") {
		t.Fatalf("env build: %d %q %q", code, out, errb)
	}
	code, out, _ = cli(t, "env", "list")
	// Columns are as wide as the longest name listed, which depends on the
	// images other tests have built: compare fields, not spacing.
	listed := map[string][]string{}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 1 {
			listed[f[0]] = f[1:]
		}
	}
	if code != 0 || len(listed[scratch]) == 0 || listed[scratch][0] != "scratch" ||
		!strings.HasPrefix(strings.Join(listed[debian], " "), "debootstrap bookworm minbase +procps,iproute2") {
		t.Errorf("env list: %d\n%s", code, out)
	}
	code, out, errb = cli(t, "env", "rm", scratch)
	if code != 0 || out != "removed "+scratch+"\n" {
		t.Errorf("env rm: %d %q %q", code, out, errb)
	}

	for _, tc := range []struct {
		name string
		args []string
		env  string
		code int
		want string
	}{
		{"bad name", []string{"env", "build", "Debian Bookworm"}, "", 2, `tcpreport: env build: "Debian Bookworm" is not an image name: use lower-case letters, digits and . _ - (e.g. debian-bookworm)`},
		{"bad from", []string{"env", "build", "x", "--from", "docker-hub"}, "", 2, `tcpreport: env build: --from "docker-hub": use debootstrap or scratch`},
		{"dynamic worker", []string{"env", "build", "x", "--from", "scratch", "--worker", "/bin/ls"}, "", 1, "tcpreport: env build x: worker /bin/ls is dynamically linked"},
		{"not ours", []string{"env", "rm", "tcpreport-test-absent"}, "", 1, "tcpreport: env rm: tcpreport-test-absent is not an environment image (see tcpreport env list)"},
		{"engine down", []string{"env", "list"}, "unix:///nonexistent", 1, "tcpreport: env list: the Docker Engine at unix:///nonexistent is not reachable: "},
		{"engine down, build", []string{"env", "build", "x"}, "unix:///nonexistent", 1, "tcpreport: env build x: the Docker Engine at unix:///nonexistent is not reachable: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env != "" {
				t.Setenv("DOCKER_HOST", tc.env)
			}
			code, _, errb := cli(t, tc.args...)
			if code != tc.code || !strings.HasPrefix(errb, tc.want) {
				t.Errorf("exit %d, stderr %q\nwant exit %d, %q", code, errb, tc.code, tc.want)
			}
		})
	}
}
