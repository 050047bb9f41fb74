package engine

import "time"

// Provenance is what a report says about how its results came to be. The
// renderer prints it as the provenance appendix and the bundle's MANIFEST
// records it.
type Provenance struct {
	// RunID identifies the run that produced the newest result shown; a
	// rebuild served wholly from the cache shows the same id, so the same
	// cache renders to the same bytes.
	RunID        string
	ProtocolHash string
	Seed         int64
	Version      string // tcpreport version
	VCS          string // VCS revision of the tcpreport build, "" if unknown
	// Env is the environment fingerprint, in a stable order.
	Env        []Fact
	Directives []DirectiveRun
}

// Fact is one named fact of the environment fingerprint.
type Fact struct {
	Name, Value string
}

// Status of a directive in a build.
const (
	StatusRan    = "ran"
	StatusCached = "cached"
	StatusStale  = "stale"  // served from the cache although its key drifted (--frozen)
	StatusFailed = "failed" // ran and failed; the build fails
)

// DirectiveRun is the provenance of one directive's result.
type DirectiveRun struct {
	ID, Kind string
	Status   string
	Key      string
	// RunID is the run that executed the directive, Started when, and
	// Duration how long it took: for a cached result, those of the
	// original execution.
	RunID    string
	Started  time.Time
	Duration time.Duration
	Executor string
	Host     string
	// Changed names the key components that differ from the previous
	// result, for ran and stale directives (--explain).
	Changed []string
}
