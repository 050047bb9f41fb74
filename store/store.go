// Package store keeps tcpreport's runs, results, raw samples and provenance
// in a SQLite file.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Defaults for the zero Options.
const (
	DefaultBusyTimeout = 10 * time.Second
	DefaultLockWait    = 10 * time.Second
)

// maxConns bounds the connection pool. Each method holds at most one
// connection at a time, so a bound cannot deadlock; SQLite serializes
// writers anyway, and WAL lets the readers among them run side by side.
const maxConns = 8

// Options say how Open treats the store file. The zero value opens it for
// reading and writing, creating it when missing, without a process lock.
type Options struct {
	// BusyTimeout is how long SQLite waits for a lock held by another
	// connection before giving up; zero means DefaultBusyTimeout.
	BusyTimeout time.Duration
	// Exclusive takes an advisory lock (flock on path+".lock") for the
	// life of the DB, so that two builds never write the same store at
	// once. Open waits up to LockWait for it, then returns a *LockedError.
	Exclusive bool
	// LockWait is how long Open waits for the Exclusive lock; zero means
	// DefaultLockWait.
	LockWait time.Duration
	// ReadOnly opens the store without creating or migrating it; a missing
	// file is an error wrapping fs.ErrNotExist.
	ReadOnly bool
}

// DB is an open store. Its methods are safe for concurrent use.
type DB struct {
	path     string // as given to Open, for messages
	sql      *sql.DB
	readOnly bool
	busy     time.Duration
	lock     *lockFile

	closeOnce sync.Once
	closeErr  error
}

// Open opens the store at path. Unless opt.ReadOnly is set, it creates the
// file and its directory when missing and migrates the schema to the version
// this package knows. The connection runs in WAL mode with foreign keys on.
func Open(ctx context.Context, path string, opt Options) (*DB, error) {
	if path == "" {
		return nil, errors.New("store: no path given; pass the store file, for example .tcpreport/cache.db")
	}
	if opt.BusyTimeout <= 0 {
		opt.BusyTimeout = DefaultBusyTimeout
	}
	if opt.LockWait <= 0 {
		opt.LockWait = DefaultLockWait
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	if opt.ReadOnly {
		if _, err := os.Stat(abs); err != nil {
			return nil, fmt.Errorf("store %s: %w; build a report first to create it", path, err)
		}
	} else if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("store %s: cannot create its directory: %w", path, err)
	}

	db := &DB{path: path, readOnly: opt.ReadOnly, busy: opt.BusyTimeout}
	if opt.Exclusive {
		// Lock before SQLite touches the file, so that migrations are
		// covered too.
		if db.lock, err = acquireLock(ctx, path, abs+".lock", opt.LockWait); err != nil {
			return nil, err
		}
	}
	if err := db.open(ctx, abs); err != nil {
		db.lock.release()
		return nil, err
	}
	return db, nil
}

func (db *DB) open(ctx context.Context, abs string) error {
	var err error
	db.sql, err = sql.Open("sqlite", dsn(abs, db.readOnly, db.busy))
	if err != nil {
		return fmt.Errorf("store %s: %w", db.path, err)
	}
	db.sql.SetMaxOpenConns(maxConns)
	db.sql.SetMaxIdleConns(maxConns)
	if err := db.sql.PingContext(ctx); err != nil {
		db.sql.Close()
		return db.openFailed(err)
	}
	if err := db.prepare(ctx); err != nil {
		db.sql.Close()
		return err
	}
	return nil
}

// prepare checks that the file is a store this package can use and, unless
// it is read-only, switches it to WAL and migrates its schema. A file it
// refuses is left as it was.
func (db *DB) prepare(ctx context.Context) error {
	v, foreign, err := schemaVersion(ctx, db.sql)
	if err != nil {
		return db.openFailed(err) // the first read: where a bad file shows
	}
	if err := db.checkVersion(v, foreign); err != nil {
		return err
	}
	if db.readOnly {
		return db.checkReadOnly(v)
	}
	// The journal mode is stored in the file, so setting it once serves
	// every pooled connection.
	var mode string
	if err := db.sql.QueryRowContext(ctx, `PRAGMA journal_mode = WAL`).Scan(&mode); err != nil {
		return db.fail("switch to WAL", err)
	}
	if mode != "wal" {
		return fmt.Errorf("store %s: SQLite kept journal mode %q instead of WAL; keep the store on a local file system", db.path, mode)
	}
	return db.migrate(ctx, v)
}

// dsn is the driver's name for the store at abs: a file: URI, so that SQLite
// honours mode=ro, with the pragmas every pooled connection needs. WAL is
// not among them: prepare sets it once the file has been accepted.
func dsn(abs string, readOnly bool, busy time.Duration) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(busy.Milliseconds(), 10)+")")
	q.Add("_pragma", "foreign_keys(1)")
	if readOnly {
		q.Set("mode", "ro")
	} else {
		q.Add("_pragma", "synchronous(NORMAL)")
		// Writers take the write lock when they begin, so that the busy
		// timeout applies; a deferred transaction that upgrades from a
		// stale read gets SQLITE_BUSY at once. Read-only transactions
		// still begin deferred.
		q.Set("_txlock", "immediate")
	}
	return "file:" + (&url.URL{Path: abs}).EscapedPath() + "?" + q.Encode()
}

// openFailed explains why the first connection to the store failed.
func (db *DB) openFailed(err error) error {
	switch sqliteCode(err) {
	case sqlite3.SQLITE_NOTADB:
		return fmt.Errorf("store %s is not a SQLite database: %w; check the path, or move the file aside and build again to start a fresh store", db.path, err)
	case sqlite3.SQLITE_CORRUPT:
		return fmt.Errorf("store %s is damaged: %w; move it aside and build again to start a fresh store", db.path, err)
	case sqlite3.SQLITE_CANTOPEN:
		return fmt.Errorf("store %s cannot be opened: %w; check that the file and its directory exist and are readable", db.path, err)
	case sqlite3.SQLITE_READONLY:
		return fmt.Errorf("store %s is not writable: %w; check its permissions, or open it read-only", db.path, err)
	}
	return db.fail("open", err)
}

// Close closes the store and releases its lock. Closing twice is harmless.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		if err := db.sql.Close(); err != nil {
			db.closeErr = fmt.Errorf("store %s: close: %w", db.path, err)
		}
		if err := db.lock.release(); err != nil && db.closeErr == nil {
			db.closeErr = fmt.Errorf("store %s: release lock: %w", db.path, err)
		}
	})
	return db.closeErr
}

// Path returns the store's path as given to Open.
func (db *DB) Path() string { return db.path }

// fail wraps err, from SQLite, with what the store was doing. When another
// connection held the store locked past the busy timeout, it says so and
// what to do about it.
func (db *DB) fail(what string, err error) error {
	switch sqliteCode(err) {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return fmt.Errorf("store %s: %s: another process kept the store locked for longer than the %s busy timeout; try again when it has finished: %w", db.path, what, db.busy, err)
	case sqlite3.SQLITE_READONLY:
		return fmt.Errorf("store %s: %s: the store is not writable: %w; check its permissions", db.path, what, err)
	}
	return fmt.Errorf("store %s: %s: %w", db.path, what, err)
}

// writable refuses a write to a store opened read-only, before SQLite does
// so less clearly.
func (db *DB) writable(what string) error {
	if db.readOnly {
		return fmt.Errorf("store %s: %s: the store was opened read-only; open it without ReadOnly to write", db.path, what)
	}
	return nil
}

// sqliteCode returns the primary SQLite result code carried by err, or 0.
func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code() & 0xff
	}
	return 0
}
