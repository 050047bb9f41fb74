//go:build !linux

package host

import "errors"

// diskSpace is only implemented on Linux.
func diskSpace(path string) (size, free int64, err error) {
	return 0, 0, errors.New("disk statistics are read on Linux only")
}
