package tcp

import (
	"fmt"
	"os"
)

// readFile is MapFile's fallback: the whole file read into memory.
func readFile(path string) (*DB, func() error, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	db, err := OpenDB(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return db, func() error { return nil }, nil
}
