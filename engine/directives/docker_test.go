package directives

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/exec"
	"github.com/tcpreport/tcpreport/engine/exec/docker"
	"github.com/tcpreport/tcpreport/engine/exec/docker/dockertest"
	"github.com/tcpreport/tcpreport/engine/experiment"
	"github.com/tcpreport/tcpreport/engine/host"
)

func TestMain(m *testing.M) { os.Exit(dockertest.Main(m)) }

var dockerOpeners = exec.Openers{"local": exec.OpenLocal, "docker": docker.Open}

// TestDockerEnvironments runs discovery here and in a Debian container of
// the real engine, and an experiment's blocks as two shards in that
// container, whose schedule must be the local one.
func TestDockerEnvironments(t *testing.T) {
	cli := dockertest.Engine(t)
	const image = "tcpreport-test-directives-debian"
	dockertest.Debian(t, cli, image)
	t.Setenv(docker.EnvWorker, dockertest.Worker(t))

	t.Run("discover", func(t *testing.T) {
		d := NewDiscover(dockerOpeners)
		res, err := runWith(t, t.Context(), d, map[string]string{"categories": "file_operations, system_admin", "environments": "local, docker:" + image}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var envs, diff *engine.Table
		for i := range res.Tables {
			switch res.Tables[i].Name {
			case "environments":
				envs = &res.Tables[i]
			case "environment-tools":
				diff = &res.Tables[i]
			}
		}
		if envs == nil || diff == nil || len(envs.Rows) != 2 {
			t.Fatalf("tables: %+v", res.Tables)
		}
		col := func(row []string, name string) string { return row[slices.Index(envs.Columns, name)] }
		local, ctr := envs.Rows[0], envs.Rows[1]
		if col(local, "environment") != "local" || col(local, "host") != host.Hostname() {
			t.Errorf("local row %q", local)
		}
		if col(ctr, "environment") != "docker:"+image || col(ctr, "host") == host.Hostname() ||
			!strings.Contains(col(ctr, "distribution"), "Debian GNU/Linux 12") {
			t.Errorf("container row %q", ctr)
		}
		// minbase has the coreutils and, with --include, ps; it has no
		// bubblewrap, so probes there are isolated by the container alone.
		if col(ctr, "found") == "0" || col(ctr, "probed") == "0" || strings.Contains(col(ctr, "isolation"), "bwrap") {
			t.Errorf("container row %q", ctr)
		}
		if !slices.Equal(diff.Columns, []string{"tool", "local", "docker:" + image}) {
			t.Errorf("difference columns %q", diff.Columns)
		}
		if res.Values["environments"].Num != 2 || res.Values["env2_found"].Num == 0 || res.Meta["environments"] != "local, docker:"+image {
			t.Errorf("values %v, meta %v", res.Values, res.Meta)
		}
		if fileOf(res, ToolsFile) == nil {
			t.Error("no analysis for {descriptors}")
		}
		dockertest.NoContainers(t, cli)

		// The image's ID enters the state: rebuilding it re-runs discovery.
		opts := options(t, d, map[string]string{"environments": "local, docker:" + image})
		state, err := d.State(t.Context(), opts)
		if err != nil || !strings.Contains(state, "docker:"+image+": sha256:") {
			t.Errorf("state %q, %v", state, err)
		}
	})

	t.Run("discover errors", func(t *testing.T) {
		for _, tc := range []struct{ envs, want string }{
			{"local, docker:tcpreport-test-absent", "environments: docker:tcpreport-test-absent: shard 0 on docker:tcpreport-test-absent failed after 1 attempt(s): docker:tcpreport-test-absent: image tcpreport-test-absent not found locally: build it with tcpreport env build tcpreport-test-absent"},
			{"local, local", "environments: local is listed twice"},
			{"local, vm:x", `environments: executor "vm:x": unknown type "vm" (known: docker, local)`},
		} {
			_, err := runWith(t, t.Context(), NewDiscover(dockerOpeners), map[string]string{"categories": "file_operations", "environments": tc.envs}, nil)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("%s: err %v\nwant %q", tc.envs, err, tc.want)
			}
		}
		dockertest.NoContainers(t, cli)
	})

	t.Run("experiment", func(t *testing.T) {
		t.Setenv(experiment.EnvLLMURL, "")
		dir := t.TempDir()
		labels := "SAFE\tls -la\nSAFE\tcat /etc/hostname\nSAFE\tdate +%s\nSAFE\tls /\n"
		os.WriteFile(filepath.Join(dir, "labels.tsv"), []byte(labels), 0o644)
		d := NewExperiment(dockerOpeners)
		run := func(extra map[string]string) *engine.Result {
			t.Helper()
			vals := map[string]string{"labels": "labels.tsv", "blocks": "4", "warmup": "1", "tools": "ls, cat, date"}
			for k, v := range extra {
				vals[k] = v
				if v == "" {
					delete(vals, k)
				}
			}
			res, err := d.Run(t.Context(), &engine.Request{ID: "exp", Dir: dir, Seed: 7, Opts: options(t, d, vals)})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		local := run(nil)
		ctr := run(map[string]string{"executor": "docker:" + image, "shards": "2"})
		if !bytes.Equal(fileOf(ctr, ScheduleFile), fileOf(local, ScheduleFile)) {
			t.Errorf("schedules differ:\nlocal\n%s\ndocker\n%s", fileOf(local, ScheduleFile), fileOf(ctr, ScheduleFile))
		}
		if ctr.Meta["executor"] != "docker:"+image || ctr.Values["shards"].Num != 2 || ctr.Meta["host"] == host.Hostname() {
			t.Errorf("meta %v, shards %v", ctr.Meta, ctr.Values["shards"])
		}
		for _, name := range []string{"n_per_arm", "tools", "lines", "tcp_correct"} {
			if ctr.Values[name] != local.Values[name] {
				t.Errorf("%s: docker %v, local %v", name, ctr.Values[name], local.Values[name])
			}
		}
		dockertest.NoContainers(t, cli)

		// :environments: runs the whole experiment in each environment,
		// with the tools eligible there, and compares them.
		both := run(map[string]string{"tools": "", "environments": "local, docker:" + image})
		var envs *engine.Table
		for i := range both.Tables {
			if both.Tables[i].Name == "environments" {
				envs = &both.Tables[i]
			}
		}
		if envs == nil || len(envs.Rows) != 2 || envs.Rows[0][0] != "local" || envs.Rows[1][0] != "docker:"+image {
			t.Fatalf("environments table %+v", envs)
		}
		if envs.Rows[1][1] == host.Hostname() || envs.Rows[1][2] == "0" || !strings.Contains(envs.Rows[1][5], "/") {
			t.Errorf("container row %q", envs.Rows[1])
		}
		if !bytes.Equal(fileOf(both, ScheduleFile), fileOf(run(map[string]string{"tools": ""}), ScheduleFile)) {
			t.Error("the first environment's result is not the local experiment")
		}
		if _, err := d.Run(t.Context(), &engine.Request{ID: "exp", Dir: dir, Seed: 7, Opts: options(t, d,
			map[string]string{"labels": "labels.tsv", "environments": "local, docker:" + image, "shards": "2"})}); err == nil || !strings.Contains(err.Error(), "leave :executor: and :shards: out") {
			t.Errorf("environments with shards: %v", err)
		}
		dockertest.NoContainers(t, cli)
	})
}
