package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tcpreport/tcpreport/engine/exec/slurm/slurmtest"
	"github.com/tcpreport/tcpreport/engine/stats"
)

// shardedReport is a small timing experiment: three arms deciding four
// tools in eight blocks, run where executor says.
const shardedReport = `---
title: Sharded experiment
seed: 20261126
hosts:
  debug:
    type: slurm
    shared_dir: %s
    poll: 300ms
---

` + "```{experiment} tbl-exp" + `
:labels: labels.tsv
:tools: ls, cat, date, echo
:arms: tcp, help, man
:blocks: 8
:warmup: 2
%s
` + "```\n"

// equivalenceMargin bounds how much slower or faster a decision may be on
// Slurm than here and still count as the same result. Both runs make the
// same decisions in the same order (the schedule is identical), so each
// trial is compared with itself: the log of its time on Slurm over its
// time here. The median of these per-trial ratios must lie, with its 90%
// distribution-free interval (two one-sided sign tests at 5%), within
// [1/3, 3]. Why that wide: the runs take turns on a shared two-core
// machine whose load average swings by several units within minutes, and
// each shard's worker starts cold on the node, so the same decision takes
// up to about twice as long from one run to the next; the arms themselves
// differ by 10x to 10,000x (µs for tcp, ms for man, tens of ms for help),
// so a factor of 3 still keeps every conclusion the report draws. Pairing
// by trial takes the tools' own differences (a long man page against a
// short one) out of the comparison, which an unpaired ratio of medians
// would leave in.
const equivalenceMargin = 3.0

// TestSlurmShardsMatchLocal is the done-when of the Slurm executor: the
// same experiment built here and as a 4-task job array on a real
// single-node cluster gives the same schedule, the same accuracy and
// sample counts per arm and block, and equivalent timings.
func TestSlurmShardsMatchLocal(t *testing.T) {
	cluster := slurmtest.Start(t)
	bin := buildBinary(t)
	dir := t.TempDir()
	labels, err := os.ReadFile(filepath.Join("..", "..", "reports", "data", "labels.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	shared := filepath.Join(dir, "shared")
	for name, data := range map[string]string{
		"labels.tsv": string(labels),
		"local.md":   fmt.Sprintf(shardedReport, shared, ""),
		"slurm.md":   fmt.Sprintf(shardedReport, shared, ":executor: slurm:debug\n:shards: 4"),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	build := func(report string) time.Duration {
		start := time.Now()
		cmd := exec.Command(bin, "build", report)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("tcpreport build %s: %v\n%s\n%s", report, err, out, cluster.Logs())
		}
		t.Logf("tcpreport build %s:\n%s", report, bytes.TrimSpace(out))
		return time.Since(start)
	}
	t.Logf("local build %v, slurm build %v", build("local.md").Round(time.Millisecond), build("slurm.md").Round(time.Millisecond))
	if jobs, err := cluster.Jobs(); err != nil || len(jobs) != 0 {
		t.Errorf("jobs left in the queue: %v %v", jobs, err)
	}

	data := func(report, name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, "artifacts", report, "data", "tbl-exp-"+name+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if l, s := data("local", "schedule"), data("slurm", "schedule"); !bytes.Equal(l, s) {
		t.Errorf("the schedules differ:\nlocal:\n%s\nslurm:\n%s", l, s)
	}
	// The provenance appendix says where the experiment ran.
	html, _ := os.ReadFile(filepath.Join(dir, "artifacts", "slurm", "slurm.html"))
	if !bytes.Contains(html, []byte("<td>slurm:debug@")) {
		t.Errorf("the report's provenance does not say the experiment ran on slurm:debug")
	}

	local, slurm := readCSV(t, data("local", "arms")), readCSV(t, data("slurm", "arms"))
	for i, arm := range []string{"tcp", "help", "man"} {
		l, s := local[i+1], slurm[i+1]
		// arm, knowledge, decisions, median, accuracy, errors
		if l[0] != arm || s[0] != arm || l[2] != s[2] || l[4] != s[4] || l[5] != s[5] {
			t.Errorf("arm %s: local %q, slurm %q: decisions, accuracy or errors differ", arm, l, s)
		}
		if lb, sb := perBlock(t, data("local", arm+"_block")), perBlock(t, data("slurm", arm+"_block")); lb != sb {
			t.Errorf("arm %s: samples per block %s here, %s on slurm", arm, lb, sb)
		}
		if l, s := data("local", arm+"_block"), data("slurm", arm+"_block"); !bytes.Equal(l, s) {
			t.Errorf("arm %s: the samples are not in the same trial order", arm)
			continue
		}
		ln, sn := column(t, data("local", arm+"_ns")), column(t, data("slurm", arm+"_ns"))
		logRatio := make([]float64, len(ln))
		for i := range ln {
			logRatio[i] = math.Log(sn[i] / ln[i])
		}
		ci, err := stats.MedianCI(logRatio, 0.90)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("arm %-4s median %10.0f ns here, %10.0f ns on slurm; per-trial ratio: median %.2f, 90%% interval [%.2f, %.2f] (margin [%.2f, %.0f])",
			arm, median(ln), median(sn), math.Exp(median(logRatio)), math.Exp(ci.Low), math.Exp(ci.High), 1/equivalenceMargin, equivalenceMargin)
		if math.Exp(ci.Low) < 1/equivalenceMargin || math.Exp(ci.High) > equivalenceMargin {
			t.Errorf("arm %s: timings not equivalent: per-trial ratio %.2f, 90%% interval [%.2f, %.2f] leaves [%.2f, %.0f]",
				arm, math.Exp(median(logRatio)), math.Exp(ci.Low), math.Exp(ci.High), 1/equivalenceMargin, equivalenceMargin)
		}
	}
}

func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// column returns the values of a series file (index,value).
func column(t *testing.T, b []byte) []float64 {
	t.Helper()
	var out []float64
	for _, row := range readCSV(t, b)[1:] {
		v, err := strconv.ParseFloat(row[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// perBlock counts the samples of each block in a block series.
func perBlock(t *testing.T, b []byte) string {
	t.Helper()
	counts := map[float64]int{}
	for _, v := range column(t, b) {
		counts[v]++
	}
	var parts []string
	for _, blk := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%g:%d", blk, counts[blk]))
	}
	return strings.Join(parts, " ")
}

func median(x []float64) float64 {
	m, _ := stats.Median(x)
	return m
}
