package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/tcpreport/tcpreport/hdl"
)

func newHDLCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "hdl",
		Short: "Work with the Verilog descriptor validator",
		Long: `The hdl commands work with the Verilog validator of the silicon pathway:
a TCP v2 descriptor validator (magic "TCP\x02" and the CRC-32 checksum rule
of DESIGN §6) in parallel form, PARALLEL_ENGINES engines behind the research
design's tcp_validator_wrapper interface. The {hdl} directive simulates it
against the Go validator, lints it and synthesises it.`,
		Example: `  tcpreport hdl generate --engines 8 --out build/hdl`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError{fmt.Errorf("hdl: unknown command %q (see 'tcpreport hdl --help')", args[0])}
			}
			return usageError{errors.New("hdl: give a command: generate (see 'tcpreport hdl --help')")}
		},
		RunE: func(*cobra.Command, []string) error { return nil },
	}
	cmd.AddCommand(newHDLGenerateCmd(g))
	return cmd
}

func newHDLGenerateCmd(g *globals) *cobra.Command {
	var (
		engines int
		out     string
	)
	cmd := &cobra.Command{
		Use:   "generate --out DIR [--engines N]",
		Short: "Write the Verilog sources of the validator",
		Long: `Generate writes the Verilog sources into DIR, creating it:

  tcp_checksum.v               low 16 bits of CRC-32 (IEEE) over bytes 0-21,
                               parallel form (one XOR tree per bit)
  tcp_descriptor_validator.v   one engine: magic and checksum, 2 pipeline stages
  tcp_validator_wrapper.v      the wrapper, PARALLEL_ENGINES defaulting to N
  tcp_validator_tb.v           the testbench the {hdl} directive simulates

The wrapper's interface is the research design's: descriptor i in bits
[192*(i+1)-1:192*i] of descriptors_in, byte 0 most significant; a batch is
accepted on a rising edge with valid_in && ready_out, and its results come
out in order after a fixed latency of 2 cycles, valid_out high for one cycle.
It accepts a batch every cycle. Existing files of those names are replaced.

Exit status: 0 written, 1 failure, 2 usage error.`,
		Example: `  tcpreport hdl generate --engines 8 --out build/hdl
  cd build/hdl && verilator --lint-only -Wall --top-module tcp_validator_wrapper \
      tcp_checksum.v tcp_descriptor_validator.v tcp_validator_wrapper.v`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageError{errors.New("hdl generate: give the output directory with --out DIR")}
			}
			if engines < 1 {
				return usageError{fmt.Errorf("hdl generate: --engines is %d; give 1 or more parallel engines", engines)}
			}
			paths, err := hdl.Generate(out, engines)
			if err != nil {
				return err
			}
			if !g.quiet {
				for _, p := range paths {
					fmt.Fprintln(g.stdout, p)
				}
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&engines, "engines", 8, "parallel validation engines (`N`), the default of PARALLEL_ENGINES")
	cmd.Flags().StringVar(&out, "out", "", "directory to write the sources to (`DIR`)")
	return cmd
}
