package main

import (
	"bytes"
	"encoding/csv"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	tcpexec "github.com/tcpreport/tcpreport/engine/exec"
)

// localShardsReport decides the same lines locally and as 3 shards run by
// tcpreport worker processes.
const localShardsReport = "---\nseed: 99\n---\n" +
	"```{experiment} tbl-local\n:labels: labels.tsv\n:arms: tcp, help, man\n:blocks: 4\n:warmup: 2\n```\n\n" +
	"```{experiment} tbl-sharded\n:labels: labels.tsv\n:arms: tcp, help, man\n:blocks: 4\n:warmup: 2\n:executor: local\n:shards: 3\n```\n"

func TestShardedExperimentMatchesLocal(t *testing.T) {
	t.Setenv("TCPREPORT_LLM_URL", "")
	bin := buildBinary(t)
	dir := t.TempDir()
	labels := "SAFE\tls -la\nSAFE\tls /\nSAFE\tdate\nSAFE\tcat /etc/hostname\nLOW_RISK\ttouch x\nSAFE\twc -l x\n"
	os.WriteFile(filepath.Join(dir, "labels.tsv"), []byte(labels), 0o644)
	report := filepath.Join(dir, "sharded.md")
	os.WriteFile(report, []byte(localShardsReport), 0o644)
	cmd := exec.Command(bin, "build", "-q", "--store", filepath.Join(dir, "cache.db"), "--out", filepath.Join(dir, "artifacts"), report)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "artifacts", "sharded", "data")
	read := func(name string) [][]string {
		b, err := os.ReadFile(filepath.Join(data, name))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	if l, s := read("tbl-local-schedule.csv"), read("tbl-sharded-schedule.csv"); !slices.EqualFunc(l, s, slices.Equal) {
		t.Errorf("schedules differ:\nlocal   %q\nsharded %q", l[:3], s[:3])
	}
	local, sharded := read("tbl-local-arms.csv"), read("tbl-sharded-arms.csv")
	for i := 1; i < len(local); i++ {
		// arm, knowledge, decisions, median, accuracy, errors: all but the
		// median are exact.
		l, s := local[i], sharded[i]
		if l[0] != s[0] || l[2] != s[2] || l[4] != s[4] || l[5] != s[5] {
			t.Errorf("arm %s: local %q, sharded %q", l[0], l, s)
		}
	}
	// Every block's samples came back, in schedule order.
	for _, arm := range []string{"tcp", "help", "man"} {
		lb, sb := read("tbl-local-"+arm+"_block.csv"), read("tbl-sharded-"+arm+"_block.csv")
		if !slices.EqualFunc(lb, sb, slices.Equal) {
			t.Errorf("%s: block sequence differs", arm)
		}
	}
	// Timings are measurements on a noisy machine: the medians of the
	// sandboxed help arm agree within a factor of 3.
	med := func(name string) float64 {
		rows := read(name)
		var xs []float64
		for _, r := range rows[1:] {
			v, _ := strconv.ParseFloat(r[len(r)-1], 64)
			xs = append(xs, v)
		}
		slices.Sort(xs)
		return xs[len(xs)/2]
	}
	if l, s := med("tbl-local-help_ns.csv"), med("tbl-sharded-help_ns.csv"); s > 3*l || l > 3*s {
		t.Errorf("help medians %v ns local, %v ns sharded", l, s)
	}
	md, _ := os.ReadFile(filepath.Join(dir, "artifacts", "sharded", "sharded.md"))
	if !strings.Contains(string(md), "local") {
		t.Error("report does not name the executor")
	}
}

func TestWorkerRefusesBadShards(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte("{not json"), 0o644)
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), []string{"worker", "--shard", bad}, &stdout, &stderr)
	if exitCode(err, io.Discard) != 2 || !strings.Contains(err.Error(), "not a shard") {
		t.Errorf("garbage shard: exit %d, %v", exitCode(err, io.Discard), err)
	}
	s := &tcpexec.Shard{Protocol: tcpexec.Protocol, Version: "0.0.0-other", ID: "x", Kind: "experiment"}
	old := filepath.Join(dir, "old.json")
	tcpexec.WriteShard(old, s)
	out := filepath.Join(dir, "result.json")
	err = run(t.Context(), []string{"worker", "--shard", old, "--out", out}, &stdout, &stderr)
	if exitCode(err, io.Discard) != 1 {
		t.Errorf("other version: exit %d, %v", exitCode(err, io.Discard), err)
	}
	b, _ := os.ReadFile(out)
	r, derr := tcpexec.Decode(b)
	if derr != nil || !strings.Contains(r.Error, "shard is from tcpreport 0.0.0-other") || r.SHA256 == "" {
		t.Errorf("version refusal not reported in the result: %v %+v", derr, r)
	}
}
