//go:build !linux

package tcp

// MapFile reads the database file at path and opens it. On this platform
// the file is read into memory instead of mapped; the returned function
// only releases it.
func MapFile(path string) (*DB, func() error, error) { return readFile(path) }
