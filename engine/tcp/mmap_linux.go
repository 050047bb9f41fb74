//go:build linux

package tcp

import (
	"fmt"
	"os"
	"syscall"
)

// MapFile maps the database file at path read-only and opens it. The
// returned function unmaps it; the DB must not be used afterwards.
func MapFile(path string) (*DB, func() error, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	size := fi.Size()
	if size == 0 || size != int64(int(size)) {
		// Nothing to map; OpenDB says what is wrong with an empty file.
		return readFile(path)
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, fmt.Errorf("tcp: mapping %s: %w", path, err)
	}
	db, err := OpenDB(data)
	if err != nil {
		syscall.Munmap(data)
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return db, func() error { return syscall.Munmap(data) }, nil
}
