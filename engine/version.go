package engine

import "runtime/debug"

// Version is the tcpreport version. It enters every cache key and the
// protocol hash: a release that changes results must change it.
const Version = "0.1.0"

// vcsRevision is set by the Makefile (-ldflags -X) to the git revision the
// binary was built from; the build info is the fallback.
var vcsRevision string

// VCSRevision returns the VCS revision the binary was built from, with
// "+dirty" when the tree had changes, or "" when unknown.
func VCSRevision() string {
	if vcsRevision != "" {
		return vcsRevision
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev == "" {
		return ""
	}
	return rev + dirty
}
