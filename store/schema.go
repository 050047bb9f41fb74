package store

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are the schema's versioned steps: migrations[i] takes the
// store from version i to version i+1. Append new steps; never edit one
// that has shipped.
//
// Times are Unix nanoseconds, UTC. Tables that need an insertion order
// carry seq, an AUTOINCREMENT key: unlike an implicit rowid it is never
// reused nor renumbered by VACUUM.
var migrations = []string{
	// 1: the first schema.
	`
CREATE TABLE schema_version (
	version INTEGER NOT NULL
);

CREATE TABLE runs (
	seq           INTEGER PRIMARY KEY AUTOINCREMENT,
	id            TEXT    NOT NULL UNIQUE,
	report        TEXT    NOT NULL,
	protocol_hash TEXT    NOT NULL,
	seed          INTEGER NOT NULL,
	env_hash      TEXT    NOT NULL,
	version       TEXT    NOT NULL,
	vcs           TEXT    NOT NULL,
	started       INTEGER NOT NULL,
	finished      INTEGER,
	status        TEXT    NOT NULL CHECK (status IN ('running', 'ok', 'failed', 'canceled', 'killed')),
	executed      INTEGER NOT NULL DEFAULT 0,
	cached        INTEGER NOT NULL DEFAULT 0,
	stale         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX runs_report ON runs (report, seq);

CREATE TABLE executions (
	seq          INTEGER PRIMARY KEY AUTOINCREMENT,
	run_id       TEXT    NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	directive_id TEXT    NOT NULL,
	kind         TEXT    NOT NULL,
	key          TEXT    NOT NULL,
	status       TEXT    NOT NULL,
	started      INTEGER,
	duration     INTEGER NOT NULL,
	error        TEXT    NOT NULL,
	executor     TEXT    NOT NULL,
	host         TEXT    NOT NULL
);
CREATE INDEX executions_run ON executions (run_id, seq);
CREATE INDEX executions_key ON executions (key);

CREATE TABLE results (
	seq          INTEGER PRIMARY KEY AUTOINCREMENT,
	key          TEXT    NOT NULL UNIQUE,
	report       TEXT    NOT NULL,
	directive_id TEXT    NOT NULL,
	kind         TEXT    NOT NULL,
	components   TEXT    NOT NULL,
	payload      BLOB    NOT NULL,
	sha256       TEXT    NOT NULL,
	created      INTEGER NOT NULL
);
CREATE INDEX results_latest ON results (report, directive_id, seq);

CREATE TABLE series (
	result_key TEXT    NOT NULL REFERENCES results (key) ON DELETE CASCADE,
	name       TEXT    NOT NULL,
	n          INTEGER NOT NULL,
	data       BLOB    NOT NULL,
	sha256     TEXT    NOT NULL,
	PRIMARY KEY (result_key, name)
);

CREATE TABLE environments (
	hash    TEXT    PRIMARY KEY,
	facts   TEXT    NOT NULL,
	created INTEGER NOT NULL
);

CREATE TABLE artifacts (
	run_id TEXT    NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	path   TEXT    NOT NULL,
	sha256 TEXT    NOT NULL,
	size   INTEGER NOT NULL,
	PRIMARY KEY (run_id, path)
);
`,
}

// knownVersion is the schema version this package reads and writes.
var knownVersion = len(migrations)

// queryer is what schemaVersion needs of a *sql.DB or *sql.Tx.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// schemaVersion returns the store's schema version, 0 for a store that has
// none yet, and whether the file holds tables that are not tcpreport's.
func schemaVersion(ctx context.Context, q queryer) (version int, foreign bool, err error) {
	var versioned, tables int
	err = q.QueryRowContext(ctx, `
SELECT count(*) FILTER (WHERE name = 'schema_version'), count(*)
FROM sqlite_master
WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).Scan(&versioned, &tables)
	if err != nil {
		return 0, false, err
	}
	if versioned == 0 {
		return 0, tables > 0, nil
	}
	err = q.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&version)
	return version, false, err
}

// migrate brings the schema from version v up to knownVersion, one
// transaction per step.
func (db *DB) migrate(ctx context.Context, v int) error {
	for v < knownVersion {
		var err error
		if v, err = db.migrateStep(ctx); err != nil {
			return err
		}
	}
	return nil
}

// migrateStep applies the step after the version it finds and returns the
// version now in place. It reads the version inside its transaction, so
// that two processes opening a new store at once apply every step once.
func (db *DB) migrateStep(ctx context.Context) (int, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return 0, db.fail("migrate schema", err)
	}
	defer tx.Rollback()
	v, foreign, err := schemaVersion(ctx, tx)
	if err != nil {
		return 0, db.fail("read schema version", err)
	}
	if err := db.checkVersion(v, foreign); err != nil || v == knownVersion {
		return v, err
	}
	step := fmt.Sprintf("migrate schema from version %d to %d", v, v+1)
	if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
		return 0, db.fail(step, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM schema_version`); err != nil {
		return 0, db.fail(step, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (?)`, v+1); err != nil {
		return 0, db.fail(step, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, db.fail(step, err)
	}
	return v + 1, nil
}

// checkVersion refuses stores this package cannot use: newer ones, and
// SQLite files that belong to something else.
func (db *DB) checkVersion(v int, foreign bool) error {
	switch {
	case v > knownVersion:
		return fmt.Errorf("store %s has schema version %d, but this tcpreport knows versions up to %d; use a newer tcpreport, or move the store aside to start a fresh one", db.path, v, knownVersion)
	case foreign:
		return fmt.Errorf("store %s is a SQLite database but not a tcpreport store (it has tables and no schema_version); check the path", db.path)
	}
	return nil
}

// checkReadOnly is migrate for a read-only store at version v: it can
// only refuse.
func (db *DB) checkReadOnly(v int) error {
	switch {
	case v == 0:
		return fmt.Errorf("store %s is empty; build a report first to fill it", db.path)
	case v < knownVersion:
		return fmt.Errorf("store %s has schema version %d and needs migrating to %d, which a read-only open cannot do; open it once without ReadOnly (any build does)", db.path, v, knownVersion)
	}
	return nil
}
