package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Problem is one thing Verify found wrong with the store.
type Problem struct {
	Table string // the table, or "database" for SQLite's own integrity check
	Key   string // the row: a result key, a run id; "" for the whole database
	Msg   string
}

func (p Problem) String() string {
	if p.Key == "" {
		return p.Table + ": " + p.Msg
	}
	return fmt.Sprintf("%s %s: %s", p.Table, shortKey(p.Key), p.Msg)
}

// VerifyReport is what Verify checked and found.
type VerifyReport struct {
	SchemaVersion         int
	Results, Series, Runs int // rows checked
	Problems              []Problem
}

// Verify checks the whole store: SQLite's integrity check, the schema
// version, every payload and series blob against its SHA-256, key
// components, and rows left without their owner (series without result,
// executions and artifacts without run). What it finds is in the report's
// Problems; the error is for a store it could not read at all.
func (db *DB) Verify(ctx context.Context) (*VerifyReport, error) {
	const what = "verify"
	// One read transaction: a consistent snapshot, while builds go on.
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, db.fail(what, err)
	}
	defer tx.Rollback()
	rep := &VerifyReport{}

	msgs, err := column(ctx, tx, `PRAGMA integrity_check`)
	if err != nil {
		return nil, db.fail(what, err)
	}
	for _, m := range msgs {
		if m != "ok" {
			rep.Problems = append(rep.Problems, Problem{Table: "database", Msg: m})
		}
	}

	rep.SchemaVersion, _, err = schemaVersion(ctx, tx)
	if err != nil {
		return nil, db.fail(what, err)
	}
	if rep.SchemaVersion != knownVersion {
		rep.Problems = append(rep.Problems, Problem{Table: "schema_version",
			Msg: fmt.Sprintf("version %d, but this tcpreport uses %d", rep.SchemaVersion, knownVersion)})
	}

	err = checkResults(ctx, tx, "", &rep.Results, &rep.Series, func(d damage) {
		rep.Problems = append(rep.Problems, d.problem())
	})
	if err != nil {
		return nil, db.fail(what, err)
	}

	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM runs`).Scan(&rep.Runs); err != nil {
		return nil, db.fail(what, err)
	}
	for _, o := range []struct{ table, query string }{
		{"executions", `SELECT e.run_id || '/' || e.directive_id FROM executions e WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = e.run_id)`},
		{"artifacts", `SELECT a.run_id || '/' || a.path FROM artifacts a WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = a.run_id)`},
	} {
		keys, err := column(ctx, tx, o.query)
		if err != nil {
			return nil, db.fail(what, err)
		}
		for _, k := range keys {
			rep.Problems = append(rep.Problems, Problem{Table: o.table, Key: k, Msg: "its run does not exist"})
		}
	}
	return rep, nil
}

// PruneOptions say what Prune removes.
type PruneOptions struct {
	// KeepRuns is how many of the newest runs to keep per report; zero
	// keeps every run, so that the zero PruneOptions removes only results
	// that no run refers to.
	KeepRuns int
	// Report limits pruning to one report; "" means every report.
	Report string
	// Corrupt also removes results whose payload or series no longer
	// match their SHA-256, or whose key components do not parse.
	Corrupt bool
}

// PruneStats count what Prune removed. The byte counts are the database's
// size, pages times page size, before and after.
type PruneStats struct {
	Runs, Results, Series   int
	BytesBefore, BytesAfter int64
}

// Prune removes old runs with their executions and artifacts, then the
// results (and their series) that no remaining execution refers to, then
// compacts the file with VACUUM. Rows left without their owner go too.
func (db *DB) Prune(ctx context.Context, opt PruneOptions) (PruneStats, error) {
	const what = "prune"
	var st PruneStats
	if err := db.writable(what); err != nil {
		return st, err
	}
	if opt.KeepRuns < 0 {
		return st, fmt.Errorf("store %s: prune: KeepRuns is %d; keep zero (all) or more runs", db.path, opt.KeepRuns)
	}
	var err error
	if st.BytesBefore, err = db.size(ctx); err != nil {
		return st, db.fail(what, err)
	}
	if err := db.prune(ctx, opt, &st); err != nil {
		return st, db.fail(what, err)
	}
	// VACUUM cannot run inside a transaction; the checkpoint then shrinks
	// the file on disk, not only the database inside it.
	if _, err := db.sql.ExecContext(ctx, `VACUUM`); err != nil {
		return st, db.fail("vacuum", err)
	}
	if _, err := db.sql.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return st, db.fail("checkpoint", err)
	}
	if st.BytesAfter, err = db.size(ctx); err != nil {
		return st, db.fail(what, err)
	}
	return st, nil
}

func (db *DB) prune(ctx context.Context, opt PruneOptions, st *PruneStats) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	if opt.KeepRuns > 0 {
		n, err := exec(ctx, tx, `
DELETE FROM runs WHERE seq IN (
	SELECT seq FROM (
		SELECT seq, row_number() OVER (PARTITION BY report ORDER BY seq DESC) AS newer
		FROM runs WHERE ?1 = '' OR report = ?1)
	WHERE newer > ?2)`, opt.Report, opt.KeepRuns)
		if err != nil {
			return err
		}
		st.Runs = n
	}
	// The foreign keys cascade, but saying it keeps Prune right on a store
	// whose rows lost their run some other way.
	for _, q := range []string{
		`DELETE FROM executions WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = executions.run_id)`,
		`DELETE FROM artifacts WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = artifacts.run_id)`,
	} {
		if _, err := exec(ctx, tx, q); err != nil {
			return err
		}
	}

	if opt.Corrupt {
		var damaged []string
		seen := map[string]bool{}
		var results, series int
		err := checkResults(ctx, tx, opt.Report, &results, &series, func(d damage) {
			if !d.orphan && !seen[d.key] { // orphaned series go below
				seen[d.key] = true
				damaged = append(damaged, d.key)
			}
		})
		if err != nil {
			return err
		}
		for _, key := range damaged {
			n, err := exec(ctx, tx, `DELETE FROM series WHERE result_key = ?`, key)
			if err != nil {
				return err
			}
			st.Series += n
			if n, err = exec(ctx, tx, `DELETE FROM results WHERE key = ?`, key); err != nil {
				return err
			}
			st.Results += n
		}
	}

	const unreferenced = `(?1 = '' OR report = ?1) AND NOT EXISTS (SELECT 1 FROM executions e WHERE e.key = results.key)`
	n, err := exec(ctx, tx, `DELETE FROM series WHERE result_key IN (SELECT key FROM results WHERE `+unreferenced+`)`, opt.Report)
	if err != nil {
		return err
	}
	st.Series += n
	if n, err = exec(ctx, tx, `DELETE FROM results WHERE `+unreferenced, opt.Report); err != nil {
		return err
	}
	st.Results += n
	if n, err = exec(ctx, tx, `DELETE FROM series WHERE NOT EXISTS (SELECT 1 FROM results r WHERE r.key = series.result_key)`); err != nil {
		return err
	}
	st.Series += n
	return tx.Commit()
}

// damage is a result, or a series, whose stored content does not check.
type damage struct {
	table, key, report, id, detail string
	orphan                         bool // a series without its result
}

func (d damage) problem() Problem {
	if d.orphan {
		return Problem{Table: d.table, Key: d.key, Msg: d.detail}
	}
	return Problem{Table: d.table, Key: d.key, Msg: fmt.Sprintf("%s/%s: %s", d.report, d.id, d.detail)}
}

// checkResults re-hashes every payload and series of report ("" for all),
// parses key components and finds series without a result, counting the
// rows it read and calling found for each damaged one.
func checkResults(ctx context.Context, tx *sql.Tx, report string, results, series *int, found func(damage)) error {
	rows, err := tx.QueryContext(ctx, `
SELECT key, report, directive_id, components, payload, sha256
FROM results WHERE ?1 = '' OR report = ?1 ORDER BY seq`, report)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			key, rep, id, comp, sum string
			payload                 []byte
		)
		if err := rows.Scan(&key, &rep, &id, &comp, &payload, &sum); err != nil {
			return err
		}
		*results++
		if hashHex(payload) != sum {
			found(damage{table: "results", key: key, report: rep, id: id, detail: "payload hash mismatch"})
		}
		if _, err := decodeComponents(comp); err != nil {
			found(damage{table: "results", key: key, report: rep, id: id, detail: err.Error()})
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()

	rows, err = tx.QueryContext(ctx, `
SELECT s.result_key, s.name, s.n, s.data, s.sha256, r.report, r.directive_id
FROM series s LEFT JOIN results r ON r.key = s.result_key
WHERE ?1 = '' OR r.report = ?1
ORDER BY s.result_key, s.name`, report)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			key, name, sum string
			n              int64
			data           []byte
			rep, id        sql.NullString
		)
		if err := rows.Scan(&key, &name, &n, &data, &sum, &rep, &id); err != nil {
			return err
		}
		*series++
		if !rep.Valid {
			found(damage{table: "series", key: key, detail: fmt.Sprintf("series %q has no result", name), orphan: true})
			continue
		}
		if hashHex(data) != sum {
			found(damage{table: "series", key: key, report: rep.String, id: id.String, detail: fmt.Sprintf("series %q hash mismatch", name)})
		} else if _, err := decodeSeries(data, n); err != nil {
			found(damage{table: "series", key: key, report: rep.String, id: id.String, detail: fmt.Sprintf("series %q: %v", name, err)})
		}
	}
	return rows.Err()
}

// size is the database's size in bytes: pages times page size.
func (db *DB) size(ctx context.Context) (int64, error) {
	var n int64
	err := db.sql.QueryRowContext(ctx,
		`SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()`).Scan(&n)
	return n, err
}

// exec runs a statement and returns how many rows it changed.
func exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (int, error) {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// column returns the single text column of query's rows.
func column(ctx context.Context, tx *sql.Tx, query string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
