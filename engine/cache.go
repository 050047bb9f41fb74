package engine

import "context"

// Cache stores directive results by cache key. It is defined here, by its
// consumer, in standard types only, so that store.DB satisfies it without
// importing engine. A miss is an error wrapping fs.ErrNotExist.
type Cache interface {
	// Get returns the payload stored under key and its raw sample series
	// by name. The payload's SHA-256 is checked on every read.
	Get(ctx context.Context, key string) (payload []byte, series map[string][]float64, err error)
	// Latest returns the key and key components of the newest result stored
	// for directive id of report, whatever its key: the engine uses it to
	// explain a drifted key and to serve stale results under --frozen.
	Latest(ctx context.Context, report, id string) (key string, components map[string]string, err error)
	// Put stores a result; storing a key again replaces the earlier result
	// and makes it the newest (a forced re-run).
	Put(ctx context.Context, key, report, id, kind string, components map[string]string, payload []byte, series map[string][]float64) error
}
