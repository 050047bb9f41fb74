// Package hdl holds the Verilog descriptor validator of the silicon pathway
// and drives the open-source tools that check it: Icarus Verilog simulates
// it against test vectors exported from the Go validator, Verilator lints it
// and yosys synthesises it to generic gates for the projection model.
//
// The tools are found on PATH; when one is missing the drivers return a
// *MissingToolError that says how to install it (make deps), never a pass.
package hdl

import (
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
)

// Latency is the fixed latency of tcp_validator_wrapper in clock cycles: a
// batch accepted on rising edge t is seen, with valid_out high, on edge t+2.
const Latency = 2

// Top is the top module of the design.
const Top = "tcp_validator_wrapper"

//go:embed verilog/*.v
var verilogFS embed.FS

// designFiles are the synthesisable sources, leaves first.
var designFiles = []string{"tcp_checksum.v", "tcp_descriptor_validator.v", "tcp_validator_wrapper.v"}

// testbenchFile is the simulation testbench; it is not part of the design.
const testbenchFile = "tcp_validator_tb.v"

// File is a named source file.
type File struct {
	Name string
	Data []byte
}

var engineDefault = regexp.MustCompile(`parameter PARALLEL_ENGINES = \d+`)

// Sources returns the Verilog of the design with PARALLEL_ENGINES defaulting
// to engines, leaves first, and, when testbench is true, the testbench last.
// engines must be at least 1.
func Sources(engines int, testbench bool) ([]File, error) {
	if err := checkEngines(engines); err != nil {
		return nil, err
	}
	names := designFiles
	if testbench {
		names = append(names[:len(names):len(names)], testbenchFile)
	}
	files := make([]File, 0, len(names))
	for _, n := range names {
		data, err := verilogFS.ReadFile("verilog/" + n)
		if err != nil {
			return nil, err
		}
		if n == Top+".v" {
			data = engineDefault.ReplaceAll(data, []byte("parameter PARALLEL_ENGINES = "+strconv.Itoa(engines)))
		}
		files = append(files, File{Name: n, Data: data})
	}
	return files, nil
}

// checkEngines rejects engine counts the wrapper cannot be built with.
func checkEngines(engines int) error {
	if engines < 1 {
		return fmt.Errorf("hdl: engines is %d; the wrapper needs at least 1 parallel engine", engines)
	}
	if engines > 1024 {
		return fmt.Errorf("hdl: engines is %d; at most 1024 parallel engines are supported", engines)
	}
	return nil
}

// Generate writes the design's sources, with PARALLEL_ENGINES defaulting to
// engines, and the testbench into dir, creating it, and returns the paths
// written.
func Generate(dir string, engines int) ([]string, error) {
	files, err := Sources(engines, true)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return writeFiles(dir, files)
}

func writeFiles(dir string, files []File) ([]string, error) {
	paths := make([]string, 0, len(files))
	for _, f := range files {
		p := filepath.Join(dir, f.Name)
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}
