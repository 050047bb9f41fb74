package hdl

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Gates is the generic gate set yosys maps the design to (abc -g); NOT is
// always available besides. Flip-flops stay yosys's internal $_DFF_* and
// $_SDFF*_ cells.
const Gates = "AND,NAND,OR,NOR,XOR,XNOR,MUX"

// ABCScript is the delay-oriented ABC script the mapping uses: &syn2 and
// &synch2 restructure, &if -g balances sums of products for depth, &nf maps
// to the gates with unit delays. ABC's default script maps the 64-bit cycle
// counter to a 63-cell ripple chain, which would set the longest path; this
// one gives a tree.
const ABCScript = "+strash;&get,-n;&st;&syn2;&if,-g;&st;&synch2;&nf;&put"

// Synthesis is the outcome of synthesising the wrapper with yosys.
type Synthesis struct {
	Engines int
	// Cells counts the cells of the flattened netlist by yosys type
	// ($_XNOR_, $_DFF_P_, ...), flip-flops included.
	Cells map[string]int
	// Total is the number of cells; it equals the sum of Cells.
	Total int
	// PathDepth is the number of cells on the longest combinational path
	// (yosys ltp -noff: flip-flops cut paths).
	PathDepth int
	// PathFrom and PathTo name the signals where the longest path starts
	// and ends, yosys's escapes removed: "total_cycles[0]".
	PathFrom, PathTo string
	// Script is the yosys script that was run.
	Script string
	// Stat is yosys's stat -json output; Path is its ltp -noff output.
	Stat, Path []byte
	// Log is what yosys printed (warnings; it runs with -q).
	Log string
	// Yosys is the first line of yosys -V.
	Yosys string
	// Elapsed is the wall time of the yosys run.
	Elapsed time.Duration
}

// Script returns the yosys script that synthesises the wrapper with
// PARALLEL_ENGINES = engines from the design files and writes stat.json and
// ltp.txt.
func Script(engines int) string {
	names := strings.Join(designFiles, " ")
	return fmt.Sprintf(`read_verilog %s
chparam -set PARALLEL_ENGINES %d %s
synth -flatten -top %s -noabc
abc -g %s -script %s
opt_clean
tee -q -o stat.json stat -json
tee -q -o ltp.txt ltp -noff
`, names, engines, Top, Top, Gates, ABCScript)
}

var ltpLength = regexp.MustCompile(`Longest topological path in \S+ \(length=(\d+)\)`)

// Synthesize runs yosys on the design with PARALLEL_ENGINES = engines and
// reads the cell counts and the longest path. Synthesising 8 engines takes
// a few seconds.
func Synthesize(ctx context.Context, engines int) (*Synthesis, error) {
	files, err := Sources(engines, false)
	if err != nil {
		return nil, err
	}
	if _, err := lookTool("yosys"); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "tcpreport-hdl-synth-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if _, err := writeFiles(dir, files); err != nil {
		return nil, err
	}
	s := &Synthesis{Engines: engines, Script: Script(engines)}
	if err := os.WriteFile(filepath.Join(dir, "synth.ys"), []byte(s.Script), 0o644); err != nil {
		return nil, err
	}
	if v, err := runTool(ctx, dir, "yosys", "-V"); err == nil {
		s.Yosys = strings.TrimSpace(v)
	}
	start := time.Now()
	out, err := runTool(ctx, dir, "yosys", "-q", "-s", "synth.ys")
	s.Elapsed = time.Since(start)
	s.Log = out
	if err != nil {
		return nil, err
	}
	if s.Stat, err = os.ReadFile(filepath.Join(dir, "stat.json")); err != nil {
		return nil, fmt.Errorf("hdl: yosys wrote no statistics: %w", err)
	}
	if s.Path, err = os.ReadFile(filepath.Join(dir, "ltp.txt")); err != nil {
		return nil, fmt.Errorf("hdl: yosys wrote no longest path: %w", err)
	}
	if s.Cells, s.Total, err = parseStat(s.Stat); err != nil {
		return nil, err
	}
	m := ltpLength.FindSubmatch(s.Path)
	if m == nil {
		return nil, fmt.Errorf("hdl: ltp.txt: no \"Longest topological path\" line:\n%s", tail(string(s.Path), 10))
	}
	s.PathDepth, _ = strconv.Atoi(string(m[1]))
	s.PathFrom, s.PathTo = pathEnds(string(s.Path))
	return s, nil
}

// pathEnds returns the first and the last signal of ltp's path listing:
// lines "  N: signal (via cell)", the last one possibly "ff: signal".
func pathEnds(ltp string) (from, to string) {
	for _, line := range strings.Split(ltp, "\n") {
		label, rest, ok := strings.Cut(strings.TrimSpace(line), ": ")
		if !ok || label != "ff" && strings.Trim(label, "0123456789") != "" {
			continue
		}
		sig, _, _ := strings.Cut(rest, " (via ")
		sig = strings.Replace(strings.TrimPrefix(sig, `\`), " [", "[", 1)
		if from == "" {
			from = sig
		}
		to = sig
	}
	return from, to
}

// parseStat reads the design totals of yosys's stat -json.
func parseStat(data []byte) (map[string]int, int, error) {
	var st struct {
		Design *struct {
			NumCells       *int           `json:"num_cells"`
			NumCellsByType map[string]int `json:"num_cells_by_type"`
		} `json:"design"`
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, 0, fmt.Errorf("hdl: stat.json: %w", err)
	}
	if st.Design == nil || st.Design.NumCells == nil {
		return nil, 0, fmt.Errorf("hdl: stat.json: no design cell count")
	}
	sum := 0
	for _, n := range st.Design.NumCellsByType {
		sum += n
	}
	if sum != *st.Design.NumCells {
		return nil, 0, fmt.Errorf("hdl: stat.json: cells by type add up to %d, num_cells is %d", sum, *st.Design.NumCells)
	}
	if st.Design.NumCellsByType == nil {
		st.Design.NumCellsByType = map[string]int{}
	}
	return st.Design.NumCellsByType, sum, nil
}

// CellTypes returns the cell types of s.Cells, sorted.
func (s *Synthesis) CellTypes() []string {
	ts := make([]string, 0, len(s.Cells))
	for t := range s.Cells {
		ts = append(ts, t)
	}
	sort.Strings(ts)
	return ts
}

// IsFlipFlop reports whether a yosys cell type is a flip-flop.
func IsFlipFlop(cellType string) bool {
	return strings.HasPrefix(cellType, "$_DFF") || strings.HasPrefix(cellType, "$_SDFF") ||
		strings.HasPrefix(cellType, "$_DFFE") || strings.HasPrefix(cellType, "$_ALDFF") ||
		strings.HasPrefix(cellType, "$_DLATCH") || strings.HasPrefix(cellType, "$_SR")
}
