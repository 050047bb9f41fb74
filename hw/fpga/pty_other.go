//go:build !linux

package fpga

import (
	"errors"
	"time"
)

// PTY is a pseudo-terminal pair; only Linux has them here.
type PTY struct {
	// Path is the slave device.
	Path string
}

// OpenPTY fails: pseudo-terminals are implemented for Linux only.
func OpenPTY() (*PTY, error) {
	return nil, errors.New("fpga: pseudo-terminals are implemented for Linux only")
}

// SetReadTimeout does nothing.
func (p *PTY) SetReadTimeout(time.Duration) error { return nil }

// Read fails.
func (p *PTY) Read([]byte) (int, error) { return 0, errors.ErrUnsupported }

// Write fails.
func (p *PTY) Write([]byte) (int, error) { return 0, errors.ErrUnsupported }

// Close does nothing.
func (p *PTY) Close() error { return nil }
