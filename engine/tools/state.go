package tools

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// State summarises the executables on path (a PATH value): a SHA-256 over
// the name, resolved path, size, modification time and inode of each, in
// PATH order. It changes when a tool is installed, removed or replaced, and
// costs one stat per file, so a caller can tell cheaply whether a Scan
// would find anything new.
func State(path string) string {
	h := sha256.New()
	for _, e := range walkPATH(path) {
		k := keyOf(e.resolved, e.info)
		fmt.Fprintf(h, "%s\x00%s\x00%d\x00%d\x00%d\x00%d\n", e.name, k.Path, k.Size, k.MtimeNs, k.Inode, k.Dev)
	}
	return hex.EncodeToString(h.Sum(nil))
}
