package host

import (
	"os"
	"syscall"
)

// diskSpace returns the size of the filesystem holding path and the bytes
// still available to unprivileged users.
func diskSpace(path string) (size, free int64, err error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return 0, 0, &os.PathError{Op: "statfs", Path: path, Err: err}
	}
	bs := int64(st.Bsize)
	return int64(st.Blocks) * bs, int64(st.Bavail) * bs, nil
}
