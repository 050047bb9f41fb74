package hw

import "github.com/tcpreport/tcpreport/engine/tcp"

// File is a descriptor database file mapped read-only into memory (on
// Linux; elsewhere it is read). The mmap backend validates its records
// where they lie, in the page cache, without copying them.
type File struct {
	db    *tcp.DB
	unmap func() error
}

// OpenFile maps the database file at path and checks it with
// engine/tcp.OpenDB: a file that is truncated, has a wrong magic, or a
// record count that disagrees with its size is an error that says so, with
// the path and the byte offset.
func OpenFile(path string) (*File, error) {
	db, unmap, err := tcp.MapFile(path)
	if err != nil {
		return nil, err
	}
	return &File{db: db, unmap: unmap}, nil
}

// Len returns the number of descriptors in the file.
func (f *File) Len() int { return f.db.Len() }

// Records returns the packed descriptors, aliasing the mapping.
func (f *File) Records() []byte { return f.db.Records() }

// Validate is the mmap backend: ValidateParallel over the mapped records
// with threads threads (≤ 0: GOMAXPROCS). bits needs BitmapLen(f.Len())
// words. OpenDB has already checked every record, so Validate finds them
// all valid unless the file changed underneath; what it adds is the speed
// of validating straight from the mapping, which the benchmark measures.
func (f *File) Validate(bits []uint64, threads int) int {
	return ValidateParallel(bits, f.db.Records(), threads)
}

// Close unmaps the file; f must not be used afterwards.
func (f *File) Close() error { return f.unmap() }
