package store

import (
	"fmt"
	"io/fs"
	"time"
)

// CorruptError reports a stored row whose content no longer matches what
// tcpreport wrote: a payload or series whose SHA-256 differs from the one
// stored beside it, or key components that do not parse. Prune with
// Corrupt set removes such rows.
type CorruptError struct {
	Path   string // the store, as given to Open
	Table  string // "results" or "series"
	Key    string // the result's cache key
	Report string // the report the result belongs to
	ID     string // the directive id the result belongs to
	Detail string // what does not match, e.g. "payload hash mismatch"
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("store %s: result %s of %s/%s: %s (the row was changed outside tcpreport); run 'tcpreport clean --corrupt' to drop it, then build again",
		e.Path, shortKey(e.Key), e.Report, e.ID, e.Detail)
}

// LockedError reports that Open with Exclusive could not take the store's
// lock because another process held it for all of LockWait.
type LockedError struct {
	Path   string        // the store, as given to Open
	PID    int           // the holder's process id, 0 if unknown
	Waited time.Duration // how long Open waited
}

func (e *LockedError) Error() string {
	holder := "pid unknown"
	if e.PID > 0 {
		holder = fmt.Sprintf("pid %d", e.PID)
	}
	return fmt.Sprintf("store %s is in use by another tcpreport process (%s); waited %s; try again when it has finished",
		e.Path, holder, e.Waited)
}

// missError is a lookup that found nothing. It wraps fs.ErrNotExist, as
// engine.Cache asks, while reading as what was missing rather than as
// "file does not exist".
type missError struct{ msg string }

func (e *missError) Error() string { return e.msg }
func (e *missError) Unwrap() error { return fs.ErrNotExist }

func (db *DB) miss(format string, args ...any) error {
	return &missError{msg: fmt.Sprintf("store %s: ", db.path) + fmt.Sprintf(format, args...)}
}

// shortKey shortens a 64-hex cache key for messages.
func shortKey(key string) string {
	if len(key) > 12 {
		return key[:12] + "…"
	}
	return key
}
