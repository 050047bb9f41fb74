// Package fpga is the serial link to an FPGA descriptor validator and an
// emulator of it: the frame codec and client of the protocol specified in
// PROTOCOL.md, an emulator that answers it with engine/tcp's validator, and
// pseudo-terminals to run the emulator behind a serial device path.
//
// The emulator checks the protocol, not hardware: its cycle counts come
// from a declared Model and must be labelled EmulatedLabel wherever they
// are shown, never compared with measured speeds.
package fpga
