package hdl

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Simulation is the outcome of simulating the wrapper on test vectors.
type Simulation struct {
	Engines int
	Vectors int
	// Passed and Failed count the vectors whose hardware result bit equals,
	// or differs from, Go's verdict, as this package reads results.txt.
	Passed, Failed int
	// Mismatches are the first failed vectors (at most 20).
	Mismatches []Mismatch
	// BenchPassed and BenchFailed are the testbench's own counts; they must
	// agree with Passed and Failed.
	BenchPassed, BenchFailed int
	// CheckErrors counts the testbench's protocol checks that failed:
	// latency, batch order, valid_out, total_cycles, descriptors_processed.
	CheckErrors int
	// Edges is the number of rising clock edges simulated.
	Edges int
	// Log is what iverilog and vvp printed, with the commands run.
	Log string
	// Elapsed is the wall time of compiling and running the simulation.
	Elapsed time.Duration
}

// OK reports whether every vector matched and every protocol check held.
func (s *Simulation) OK() bool {
	return s.Failed == 0 && s.CheckErrors == 0 && s.Passed == s.Vectors &&
		s.BenchPassed == s.Passed && s.BenchFailed == s.Failed
}

// Mismatch is a vector on which the hardware and Go disagree.
type Mismatch struct {
	Index    int
	Kind     string
	Hex      string // the 24 bytes
	Go       bool
	Hardware string // "0", "1", or "x" for an unknown bit
}

var benchSummary = regexp.MustCompile(`tcp_validator_tb: engines=(\d+) vectors=(\d+) passed=(\d+) failed=(\d+) batches=(\d+) edges=(\d+) errors=(\d+)`)

// Simulate compiles the wrapper with PARALLEL_ENGINES = engines and the
// testbench under Icarus Verilog, runs it on vs and compares every result
// bit with Go's verdict. Work files go to a temporary directory that is
// removed afterwards. A design that disagrees with Go is not an error: the
// counts say so. Errors are missing tools, tools that fail, and output that
// cannot be read.
func Simulate(ctx context.Context, engines int, vs []Vector) (*Simulation, error) {
	if len(vs) == 0 {
		return nil, fmt.Errorf("hdl: simulate: no test vectors")
	}
	files, err := Sources(engines, true)
	if err != nil {
		return nil, err
	}
	return simulateFiles(ctx, engines, files, vs)
}

// simulateFiles is Simulate on given sources; tests inject faults with it.
func simulateFiles(ctx context.Context, engines int, files []File, vs []Vector) (*Simulation, error) {
	if _, err := lookTool("iverilog"); err != nil {
		return nil, err
	}
	if _, err := lookTool("vvp"); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "tcpreport-hdl-sim-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	names, err := writeFiles(dir, files)
	if err != nil {
		return nil, err
	}
	for i, p := range names {
		names[i] = filepath.Base(p)
	}
	if err := os.WriteFile(filepath.Join(dir, "vectors.hex"), HexFile(vs), 0o644); err != nil {
		return nil, err
	}

	start := time.Now()
	sim := &Simulation{Engines: engines, Vectors: len(vs)}
	var log strings.Builder
	compile := append([]string{"-g2005", "-Wall", "-o", "sim.vvp", "-s", "tcp_validator_tb",
		fmt.Sprintf("-Ptcp_validator_tb.ENGINES=%d", engines),
		fmt.Sprintf("-Ptcp_validator_tb.NVEC=%d", len(vs))}, names...)
	fmt.Fprintf(&log, "$ iverilog %s\n", strings.Join(compile, " "))
	out, err := runTool(ctx, dir, "iverilog", compile...)
	log.WriteString(out)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(&log, "$ vvp -n sim.vvp\n")
	out, err = runTool(ctx, dir, "vvp", "-n", "sim.vvp")
	log.WriteString(out)
	sim.Elapsed = time.Since(start)
	sim.Log = log.String()
	if err != nil {
		return nil, err
	}

	m := benchSummary.FindStringSubmatch(out)
	if m == nil {
		return nil, &ToolError{Cmd: "vvp -n sim.vvp", Output: out, Err: fmt.Errorf("no summary line from the testbench")}
	}
	n := make([]int, len(m))
	for i := 1; i < len(m); i++ {
		n[i], _ = strconv.Atoi(m[i])
	}
	if n[1] != engines || n[2] != len(vs) {
		return nil, fmt.Errorf("hdl: testbench ran engines=%d vectors=%d, want %d and %d", n[1], n[2], engines, len(vs))
	}
	sim.BenchPassed, sim.BenchFailed, sim.Edges, sim.CheckErrors = n[3], n[4], n[6], n[7]

	results, err := os.ReadFile(filepath.Join(dir, "results.txt"))
	if err != nil {
		return nil, fmt.Errorf("hdl: the testbench wrote no results: %w", err)
	}
	if err := sim.compare(vs, results); err != nil {
		return nil, err
	}
	return sim, nil
}

// compare reads results.txt ("index bit" per line) and counts the vectors
// whose bit equals Go's verdict. A vector the testbench never reported
// counts as failed.
func (s *Simulation) compare(vs []Vector, results []byte) error {
	got := make([]string, len(vs))
	sc := bufio.NewScanner(bytes.NewReader(results))
	for line := 1; sc.Scan(); line++ {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			return fmt.Errorf("hdl: results.txt:%d: %q is not \"index bit\"", line, sc.Text())
		}
		i, err := strconv.Atoi(f[0])
		if err != nil || i < 0 || i >= len(vs) {
			return fmt.Errorf("hdl: results.txt:%d: bad vector index %q", line, f[0])
		}
		if got[i] != "" {
			return fmt.Errorf("hdl: results.txt:%d: vector %d reported twice", line, i)
		}
		got[i] = f[1]
	}
	if err := sc.Err(); err != nil {
		return err
	}
	for i, v := range vs {
		want := "0"
		if v.Valid {
			want = "1"
		}
		if got[i] == want {
			s.Passed++
			continue
		}
		s.Failed++
		if len(s.Mismatches) < 20 {
			hw := got[i]
			if hw == "" {
				hw = "none"
			}
			s.Mismatches = append(s.Mismatches, Mismatch{Index: i, Kind: v.Kind, Hex: hex.EncodeToString(v.Bytes[:]), Go: v.Valid, Hardware: hw})
		}
	}
	return nil
}
