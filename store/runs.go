package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Run statuses.
const (
	RunRunning  = "running"
	RunOK       = "ok"
	RunFailed   = "failed"
	RunCanceled = "canceled"
	// RunKilled marks a run that was still "running" when a later build
	// took the store: its process died without finishing it.
	RunKilled = "killed"
)

// Run is one build of a report and the provenance it records.
type Run struct {
	ID           string
	Report       string
	ProtocolHash string
	Seed         int64
	EnvHash      string // key into PutEnvironment's facts
	Version      string // tcpreport version
	VCS          string // VCS revision of the tcpreport build, "" if unknown
	Started      time.Time
	Finished     time.Time // zero while running
	Status       string    // RunRunning, RunOK, RunFailed or RunCanceled

	// Executed, Cached and Stale count the run's directives by how they
	// were served.
	Executed, Cached, Stale int
}

// BeginRun records the start of run r. A zero Started means now, and an
// empty Status means RunRunning. Run ids are unique: beginning one twice
// is an error.
func (db *DB) BeginRun(ctx context.Context, r Run) error {
	what := "begin run " + r.ID
	if err := db.writable(what); err != nil {
		return err
	}
	if r.ID == "" || r.Report == "" {
		return fmt.Errorf("store %s: begin run: empty run id or report; every run needs both", db.path)
	}
	if r.Started.IsZero() {
		r.Started = time.Now()
	}
	if r.Status == "" {
		r.Status = RunRunning
	}
	if err := db.checkStatus(what, r.Status); err != nil {
		return err
	}
	res, err := db.sql.ExecContext(ctx, `
INSERT INTO runs (id, report, protocol_hash, seed, env_hash, version, vcs, started, finished, status, executed, cached, stale)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO NOTHING`,
		r.ID, r.Report, r.ProtocolHash, r.Seed, r.EnvHash, r.Version, r.VCS,
		r.Started.UnixNano(), nanos(r.Finished), r.Status, r.Executed, r.Cached, r.Stale)
	if err != nil {
		return db.fail(what, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return db.fail(what, err)
	} else if n == 0 {
		return fmt.Errorf("store %s: %s: a run with this id was already begun; give each run a fresh id", db.path, what)
	}
	return nil
}

// FinishRun records how run r.ID ended: r.Finished (zero means now),
// r.Status and the directive counts. A run that was never begun is an
// error wrapping fs.ErrNotExist.
func (db *DB) FinishRun(ctx context.Context, r Run) error {
	what := "finish run " + r.ID
	if err := db.writable(what); err != nil {
		return err
	}
	if r.Finished.IsZero() {
		r.Finished = time.Now()
	}
	if err := db.checkStatus(what, r.Status); err != nil {
		return err
	}
	if r.Status == RunRunning {
		return fmt.Errorf("store %s: %s: status %q is not an ending; use %q, %q or %q", db.path, what, r.Status, RunOK, RunFailed, RunCanceled)
	}
	res, err := db.sql.ExecContext(ctx, `
UPDATE runs SET finished = ?, status = ?, executed = ?, cached = ?, stale = ?
WHERE id = ?`,
		r.Finished.UnixNano(), r.Status, r.Executed, r.Cached, r.Stale, r.ID)
	return db.runRowChanged(what, res, err)
}

func (db *DB) checkStatus(what, status string) error {
	switch status {
	case RunRunning, RunOK, RunFailed, RunCanceled, RunKilled:
		return nil
	}
	return fmt.Errorf("store %s: %s: unknown status %q; use %q, %q, %q or %q", db.path, what, status, RunRunning, RunOK, RunFailed, RunCanceled)
}

// MarkKilled records every run still marked running as killed and returns
// how many there were. Call it only while holding the store exclusively
// (Options.Exclusive): then no other build can be running.
func (db *DB) MarkKilled(ctx context.Context) (int, error) {
	if db.lock == nil {
		return 0, fmt.Errorf("store %s: mark killed runs: needs an exclusive open", db.path)
	}
	res, err := db.sql.ExecContext(ctx, `UPDATE runs SET status = ? WHERE status = ?`, RunKilled, RunRunning)
	if err != nil {
		return 0, db.fail("mark killed runs", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// Runs returns up to limit runs of report, newest first. An empty report
// means every report, and a limit of zero or less means no limit.
func (db *DB) Runs(ctx context.Context, report string, limit int) ([]Run, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := db.sql.QueryContext(ctx, `
SELECT id, report, protocol_hash, seed, env_hash, version, vcs, started, finished, status, executed, cached, stale
FROM runs
WHERE ?1 = '' OR report = ?1
ORDER BY seq DESC
LIMIT ?2`, report, limit)
	if err != nil {
		return nil, db.fail("list runs", err)
	}
	defer rows.Close()
	var runs []Run
	for rows.Next() {
		var (
			r        Run
			started  int64
			finished sql.NullInt64
		)
		err := rows.Scan(&r.ID, &r.Report, &r.ProtocolHash, &r.Seed, &r.EnvHash, &r.Version, &r.VCS,
			&started, &finished, &r.Status, &r.Executed, &r.Cached, &r.Stale)
		if err != nil {
			return nil, db.fail("list runs", err)
		}
		r.Started = fromNanos(sql.NullInt64{Int64: started, Valid: true})
		r.Finished = fromNanos(finished)
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, db.fail("list runs", err)
	}
	return runs, nil
}

// PutEnvironment stores the environment fingerprint facts, JSON, under
// hash. Storing a hash again keeps the first facts.
func (db *DB) PutEnvironment(ctx context.Context, hash string, facts []byte) error {
	what := "put environment " + shortKey(hash)
	if err := db.writable(what); err != nil {
		return err
	}
	if hash == "" {
		return fmt.Errorf("store %s: put environment: empty hash; hash the facts first", db.path)
	}
	if !json.Valid(facts) {
		return fmt.Errorf("store %s: %s: facts are not valid JSON; pass them as encoding/json writes them", db.path, what)
	}
	_, err := db.sql.ExecContext(ctx, `
INSERT INTO environments (hash, facts, created) VALUES (?, ?, ?)
ON CONFLICT (hash) DO NOTHING`, hash, string(facts), time.Now().UnixNano())
	if err != nil {
		return db.fail(what, err)
	}
	return nil
}

// Environment returns the facts stored under hash. None is an error
// wrapping fs.ErrNotExist.
func (db *DB) Environment(ctx context.Context, hash string) ([]byte, error) {
	var facts string
	err := db.sql.QueryRowContext(ctx, `SELECT facts FROM environments WHERE hash = ?`, hash).Scan(&facts)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, db.miss("no environment with hash %s", shortKey(hash))
	}
	if err != nil {
		return nil, db.fail("get environment "+shortKey(hash), err)
	}
	return []byte(facts), nil
}

// Execution is what one directive did in one run: executed, served from
// the cache, or failed.
type Execution struct {
	RunID       string
	DirectiveID string
	Kind        string
	Key         string // cache key of the result it produced or was served
	Status      string // as the engine names it: ran, cached, stale, failed
	Started     time.Time
	Duration    time.Duration
	Error       string // why it failed, "" otherwise
	Executor    string
	Host        string
}

// RecordExecution appends e to its run, which must have been begun: if not,
// the error wraps fs.ErrNotExist. Results whose key no execution names are
// what Prune removes.
func (db *DB) RecordExecution(ctx context.Context, e Execution) error {
	what := fmt.Sprintf("record execution of %s in run %s", e.DirectiveID, e.RunID)
	if err := db.writable(what); err != nil {
		return err
	}
	// Inserting through a SELECT on runs turns a missing run into zero
	// rows, which reads better than a foreign key violation.
	res, err := db.sql.ExecContext(ctx, `
INSERT INTO executions (run_id, directive_id, kind, key, status, started, duration, error, executor, host)
SELECT id, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM runs WHERE id = ?`,
		e.DirectiveID, e.Kind, e.Key, e.Status, nanos(e.Started), int64(e.Duration), e.Error, e.Executor, e.Host, e.RunID)
	return db.runRowChanged(what, res, err)
}

// Executions returns the executions of run runID in the order they were
// recorded.
func (db *DB) Executions(ctx context.Context, runID string) ([]Execution, error) {
	what := "list executions of run " + runID
	rows, err := db.sql.QueryContext(ctx, `
SELECT run_id, directive_id, kind, key, status, started, duration, error, executor, host
FROM executions WHERE run_id = ? ORDER BY seq`, runID)
	if err != nil {
		return nil, db.fail(what, err)
	}
	defer rows.Close()
	var es []Execution
	for rows.Next() {
		var (
			e       Execution
			started sql.NullInt64
			dur     int64
		)
		err := rows.Scan(&e.RunID, &e.DirectiveID, &e.Kind, &e.Key, &e.Status, &started, &dur, &e.Error, &e.Executor, &e.Host)
		if err != nil {
			return nil, db.fail(what, err)
		}
		e.Started = fromNanos(started)
		e.Duration = time.Duration(dur)
		es = append(es, e)
	}
	if err := rows.Err(); err != nil {
		return nil, db.fail(what, err)
	}
	return es, nil
}

// PutArtifact records a file that run runID wrote, by its path inside the
// artifact directory, SHA-256 (hex) and size. Recording a path again
// replaces it. The run must have been begun: if not, the error wraps
// fs.ErrNotExist.
func (db *DB) PutArtifact(ctx context.Context, runID, path, sha256 string, size int64) error {
	what := fmt.Sprintf("put artifact %s of run %s", path, runID)
	if err := db.writable(what); err != nil {
		return err
	}
	res, err := db.sql.ExecContext(ctx, `
INSERT INTO artifacts (run_id, path, sha256, size)
SELECT id, ?, ?, ? FROM runs WHERE id = ?
ON CONFLICT (run_id, path) DO UPDATE SET sha256 = excluded.sha256, size = excluded.size`,
		path, sha256, size, runID)
	return db.runRowChanged(what, res, err)
}

// nanos stores t as Unix nanoseconds; the zero time is NULL, since its
// UnixNano is out of range.
func nanos(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

// fromNanos inverts nanos, in UTC.
func fromNanos(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

// runRowChanged turns the outcome of a statement that must touch one row of
// a run into an error: a failure, or a run that does not exist.
func (db *DB) runRowChanged(what string, res sql.Result, err error) error {
	if err != nil {
		return db.fail(what, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return db.fail(what, err)
	} else if n == 0 {
		return db.miss("%s: no such run; call BeginRun first", what)
	}
	return nil
}
