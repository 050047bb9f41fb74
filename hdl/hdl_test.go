package hdl

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpreport/tcpreport/engine/tcp"
)

var update = flag.Bool("update", false, "rewrite verilog/tcp_checksum.v from the Go checksum matrix")

// The tests run the real tools. A machine without them fails here with the
// install message: make deps installs iverilog, verilator and yosys.
func requireTools(t *testing.T) {
	t.Helper()
	if _, err := ToolVersions(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestChecksumMatrix(t *testing.T) {
	m := NewChecksumMatrix()
	// The known vector of DESIGN §6: bytes 0–21 of the rm descriptor give
	// bytes 22–23 fd61.
	known, _ := hex.DecodeString("544350020002d67f249b0000022f138801f400320002")
	var d [checksumBytes]byte
	copy(d[:], known)
	if got := m.Checksum(d); got != 0xfd61 {
		t.Errorf("known vector: checksum %#04x, want 0xfd61", got)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		for i := range d {
			d[i] = byte(r.UintN(256))
		}
		if got, want := m.Checksum(d), uint16(crc32.ChecksumIEEE(d[:])); got != want {
			t.Fatalf("%x: parallel form %#04x, crc32 %#04x", d, got, want)
		}
	}
	for k := range 16 {
		if n := m.Terms(k); n < 60 || n > 110 {
			t.Errorf("checksum bit %d has %d terms; a CRC column mixes about half the 176 bits", k, n)
		}
	}
}

func TestChecksumSourceUpToDate(t *testing.T) {
	path := filepath.Join("verilog", "tcp_checksum.v")
	want := NewChecksumMatrix().Verilog()
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from hdl.NewChecksumMatrix().Verilog(); run go test ./hdl -run TestChecksumSourceUpToDate -update", path)
	}
}

func TestVectors(t *testing.T) {
	vs := Vectors(DefaultVectors)
	if len(vs) != DefaultVectors.Total() || len(vs) < 10000 {
		t.Fatalf("%d vectors, Total says %d; the proof needs at least 10,000", len(vs), DefaultVectors.Total())
	}
	again := Vectors(DefaultVectors)
	kinds := map[string][2]int{} // kind -> [valid, invalid]
	for i, v := range vs {
		if v != again[i] {
			t.Fatalf("vector %d differs between two calls: Vectors must be deterministic", i)
		}
		if v.Valid != tcp.Valid(v.Bytes[:]) {
			t.Fatalf("vector %d: Valid %v disagrees with tcp.Valid", i, v.Valid)
		}
		c := kinds[v.Kind]
		if v.Valid {
			c[0]++
		} else {
			c[1]++
		}
		kinds[v.Kind] = c
	}
	tests := []struct {
		kind           string
		valid, invalid int // -1: some, not a fixed number
	}{
		{KindEdge, 1, 2},
		{KindValid, DefaultVectors.Valid, 0},
		{KindRandom, 0, DefaultVectors.Random},
		{KindRandomMagic, -1, -1},
		{KindRandomValid, DefaultVectors.RandomValid, 0},
		// CRC-32 catches every single-bit error, and its low 16 bits do here.
		{KindBitFlip, 0, DefaultVectors.Flipped * 192},
		{KindWrongMagic, 0, DefaultVectors.WrongMagic},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			c := kinds[tt.kind]
			if tt.valid >= 0 && c[0] != tt.valid || tt.invalid >= 0 && c[1] != tt.invalid || c[0]+c[1] == 0 {
				t.Errorf("%d valid, %d invalid; want %d and %d", c[0], c[1], tt.valid, tt.invalid)
			}
		})
	}
	lines := bytes.Split(bytes.TrimSpace(HexFile(vs[:3])), []byte("\n"))
	if len(lines) != 3 || string(lines[2]) != hex.EncodeToString(vs[2].Bytes[:])+"1" || len(lines[0]) != 49 {
		t.Errorf("vectors.hex lines: %q", lines)
	}
}

func TestSimulate(t *testing.T) {
	requireTools(t)
	vs := Vectors(DefaultVectors)
	for _, engines := range []int{1, 4, 8} {
		s, err := Simulate(t.Context(), engines, vs)
		if err != nil {
			t.Fatalf("engines %d: %v", engines, err)
		}
		t.Logf("engines %d: %d vectors, %d passed, %d failed, testbench %d/%d, %d protocol errors, %d edges, %v",
			engines, s.Vectors, s.Passed, s.Failed, s.BenchPassed, s.BenchFailed, s.CheckErrors, s.Edges, s.Elapsed.Round(1e6))
		if !s.OK() {
			t.Errorf("engines %d: not every result bit equals Go's: %+v\n%s", engines, s.Mismatches, s.Log)
		}
		// One batch per cycle, a short gap after every 7th, and the pipeline
		// drained: the edges simulated stay close to vectors/engines.
		batches := (len(vs) + engines - 1) / engines
		if s.Edges < batches || s.Edges > batches*9/7+20 {
			t.Errorf("engines %d: %d edges for %d batches", engines, s.Edges, batches)
		}
	}
}

// TestSimulateCatchesFaults injects faults into the real sources: the proof
// must fail when the design is wrong.
func TestSimulateCatchesFaults(t *testing.T) {
	requireTools(t)
	vs := Vectors(VectorSet{Seed: 7, Valid: 100, Random: 100, RandomMagic: 50, RandomValid: 50, Flipped: 2, WrongMagic: 100})
	tests := []struct {
		name, file, old, new string
		failed, protocol     bool
	}{
		{"checksum constant", "tcp_checksum.v", "16'hb1e0", "16'hb1e1", true, false},
		// Data bit 1 of byte 21 dropped from checksum bit 3. (Dropping a bit
		// of the magic bytes would go unnoticed, rightly: the magic check
		// fixes those bits whenever the checksum matters.)
		{"checksum term dropped", "tcp_checksum.v", "0e8826; // 83 terms", "0e8824; // 83 terms", true, false},
		{"magic ignored", "tcp_descriptor_validator.v", "magic_ok <= descriptor[191:160] == MAGIC;", "magic_ok <= 1'b1;", true, false},
		{"latency one short", "tcp_validator_wrapper.v", "valid_out    <= stage1_valid;", "valid_out    <= valid_in && ready;", true, true},
		{"counter stuck", "tcp_validator_wrapper.v", "descriptors_processed <= descriptors_processed + ENGINES;", "descriptors_processed <= descriptors_processed;", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, err := Sources(4, true)
			if err != nil {
				t.Fatal(err)
			}
			changed := false
			for i, f := range files {
				if f.Name == tt.file && bytes.Contains(f.Data, []byte(tt.old)) {
					files[i].Data = bytes.Replace(f.Data, []byte(tt.old), []byte(tt.new), 1)
					changed = true
				}
			}
			if !changed {
				t.Fatalf("%q not in %s: the fault no longer applies", tt.old, tt.file)
			}
			s, err := simulateFiles(t.Context(), 4, files, vs)
			if err != nil {
				t.Fatal(err)
			}
			if s.OK() || (s.Failed > 0) != tt.failed || (s.CheckErrors > 0) != tt.protocol {
				t.Errorf("fault went %s: %d failed, %d protocol errors\n%s", map[bool]string{true: "unnoticed", false: "noticed wrongly"}[s.OK()], s.Failed, s.CheckErrors, s.Log)
			}
			if tt.failed && s.BenchFailed != s.Failed {
				t.Errorf("testbench counts %d failed, Go %d", s.BenchFailed, s.Failed)
			}
		})
	}
}

func TestLint(t *testing.T) {
	requireTools(t)
	for _, engines := range []int{1, 4, 8} {
		l, err := LintDesign(t.Context(), engines)
		if err != nil {
			t.Fatal(err)
		}
		if !l.Clean {
			t.Errorf("engines %d: %s: %d warnings, %d errors\n%s", engines, l.Command, l.Warnings, l.Errors, l.Output)
		}
	}
	files, _ := Sources(2, false)
	for i, f := range files {
		if f.Name == Top+".v" {
			files[i].Data = bytes.Replace(f.Data, []byte("    reg stage1_valid;\n"), []byte("    reg stage1_valid;\n    wire [3:0] spare = descriptors_in[3:0];\n"), 1)
		}
	}
	l, err := lintFiles(t.Context(), 2, files)
	if err != nil {
		t.Fatal(err)
	}
	if l.Clean || l.Warnings != 1 || !strings.Contains(l.Output, "UNUSEDSIGNAL") {
		t.Errorf("an unused signal went unnoticed: %+v", l)
	}
}

func TestSynthesize(t *testing.T) {
	requireTools(t)
	var prev *Synthesis
	for _, engines := range []int{1, 2} {
		s, err := Synthesize(t.Context(), engines)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("engines %d: %d cells, longest path %d cells (%s to %s), %v: %v", engines, s.Total, s.PathDepth, s.PathFrom, s.PathTo, s.Elapsed.Round(1e6), s.Cells)
		flops := 0
		for typ, n := range s.Cells {
			if IsFlipFlop(typ) {
				flops += n
			}
		}
		// Per engine: magic_ok, 16 syndrome bits, result. Shared: ready, two
		// valid stages, 64 + 32 counter bits, less those synthesis proves
		// constant.
		if flops < 18*engines+64 || flops > 18*engines+99 {
			t.Errorf("engines %d: %d flip-flops", engines, flops)
		}
		if s.Cells["$_XOR_"]+s.Cells["$_XNOR_"] < 500*engines {
			t.Errorf("engines %d: %d XOR/XNOR cells; the checksum trees alone need more", engines, s.Cells["$_XOR_"]+s.Cells["$_XNOR_"])
		}
		// The deepest stage is an XOR tree of about 90 inputs: at least
		// log2(90) ≈ 7 levels; a ripple counter would show as 60+.
		if s.PathDepth < 7 || s.PathDepth > 16 {
			t.Errorf("engines %d: longest path %d cells\n%s", engines, s.PathDepth, s.Path)
		}
		if s.PathFrom == "" || s.PathTo == "" {
			t.Errorf("engines %d: no ends of the longest path in\n%s", engines, s.Path)
		}
		if prev != nil && s.Total <= prev.Total {
			t.Errorf("%d cells for %d engines, %d for %d", s.Total, engines, prev.Total, prev.Engines)
		}
		prev = s
	}
}

func TestGenerate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	paths, err := Generate(dir, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 4 {
		t.Fatalf("wrote %v", paths)
	}
	w, _ := os.ReadFile(filepath.Join(dir, Top+".v"))
	if !bytes.Contains(w, []byte("parameter PARALLEL_ENGINES = 3,")) {
		t.Errorf("wrapper does not default to 3 engines:\n%s", w)
	}
	for _, n := range []int{0, -1} {
		if _, err := Generate(dir, n); err == nil || !strings.Contains(err.Error(), "at least 1 parallel engine") {
			t.Errorf("engines %d: %v", n, err)
		}
	}
}

func TestMissingTool(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Simulate(t.Context(), 1, Vectors(VectorSet{Valid: 1}))
	var m *MissingToolError
	if !errors.As(err, &m) || !errors.Is(err, exec.ErrNotFound) || !strings.Contains(err.Error(), "install iverilog (make deps") {
		t.Errorf("simulate without iverilog: %v", err)
	}
	if _, err := Synthesize(t.Context(), 1); !IsMissingTool(err) || !strings.Contains(err.Error(), "install yosys") {
		t.Errorf("synthesize without yosys: %v", err)
	}
	if _, err := LintDesign(t.Context(), 1); !IsMissingTool(err) || !strings.Contains(err.Error(), "install verilator") {
		t.Errorf("lint without verilator: %v", err)
	}
}
