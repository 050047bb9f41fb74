package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
)

// Get returns the payload stored under key and its raw sample series by
// name; series is never nil. Both are re-hashed: a mismatch is a
// *CorruptError. A missing key is an error wrapping fs.ErrNotExist.
func (db *DB) Get(ctx context.Context, key string) (payload []byte, series map[string][]float64, err error) {
	what := "get result " + shortKey(key)
	// One read transaction, so that a concurrent Prune cannot remove the
	// series between the two queries.
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, nil, db.fail(what, err)
	}
	defer tx.Rollback()

	var report, id, sum string
	err = tx.QueryRowContext(ctx,
		`SELECT report, directive_id, payload, sha256 FROM results WHERE key = ?`, key).
		Scan(&report, &id, &payload, &sum)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, db.miss("no result with key %s", shortKey(key))
	}
	if err != nil {
		return nil, nil, db.fail(what, err)
	}
	if hashHex(payload) != sum {
		return nil, nil, db.corrupt("results", key, report, id, "payload hash mismatch")
	}

	rows, err := tx.QueryContext(ctx,
		`SELECT name, n, data, sha256 FROM series WHERE result_key = ?`, key)
	if err != nil {
		return nil, nil, db.fail(what, err)
	}
	defer rows.Close()
	series = map[string][]float64{}
	for rows.Next() {
		var (
			name, sum string
			n         int64
			data      []byte
		)
		if err := rows.Scan(&name, &n, &data, &sum); err != nil {
			return nil, nil, db.fail(what, err)
		}
		if hashHex(data) != sum {
			return nil, nil, db.corrupt("series", key, report, id, fmt.Sprintf("series %q hash mismatch", name))
		}
		v, err := decodeSeries(data, n)
		if err != nil {
			return nil, nil, db.corrupt("series", key, report, id, fmt.Sprintf("series %q: %v", name, err))
		}
		series[name] = v
	}
	if err := rows.Err(); err != nil {
		return nil, nil, db.fail(what, err)
	}
	if payload == nil {
		payload = []byte{}
	}
	return payload, series, nil
}

// Latest returns the key and key components of the result stored last for
// directive id of report, whatever its key. None is an error wrapping
// fs.ErrNotExist.
func (db *DB) Latest(ctx context.Context, report, id string) (key string, components map[string]string, err error) {
	var comp string
	// seq, not created: two results stored within one clock tick, or
	// under a clock that stepped back, still come out in insertion order.
	err = db.sql.QueryRowContext(ctx, `
SELECT key, components FROM results
WHERE report = ? AND directive_id = ?
ORDER BY seq DESC LIMIT 1`, report, id).Scan(&key, &comp)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, db.miss("no result for %s/%s yet", report, id)
	}
	if err != nil {
		return "", nil, db.fail(fmt.Sprintf("latest result of %s/%s", report, id), err)
	}
	components, err = decodeComponents(comp)
	if err != nil {
		return "", nil, db.corrupt("results", key, report, id, err.Error())
	}
	return key, components, nil
}

// Put stores a result with its key components and series, in one
// transaction. Storing a key that is already there replaces the earlier
// result, which then counts as the newest: a forced re-run (--rerun) is a
// new measurement under the same inputs.
func (db *DB) Put(ctx context.Context, key, report, id, kind string, components map[string]string, payload []byte, series map[string][]float64) error {
	what := fmt.Sprintf("put result %s of %s/%s", shortKey(key), report, id)
	if err := db.writable(what); err != nil {
		return err
	}
	for _, f := range []struct{ name, v string }{{"key", key}, {"report", report}, {"directive id", id}, {"kind", kind}} {
		if f.v == "" {
			return fmt.Errorf("store %s: %s: empty %s; every result needs a key, report, directive id and kind", db.path, what, f.name)
		}
	}
	comp, err := json.Marshal(components) // sorted keys: the same map gives the same text
	if err != nil {
		return fmt.Errorf("store %s: %s: components: %w", db.path, what, err)
	}
	if components == nil {
		comp = []byte("{}")
	}
	if payload == nil {
		payload = []byte{} // NULL would fail NOT NULL; an empty payload is allowed
	}

	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return db.fail(what, err)
	}
	defer tx.Rollback()
	// Deleting first (series follow by cascade) gives the new row a new
	// sequence number, so Latest sees it as the newest.
	if _, err := tx.ExecContext(ctx, `DELETE FROM results WHERE key = ?`, key); err != nil {
		return db.fail(what, err)
	}
	if _, err := tx.ExecContext(ctx, `
INSERT INTO results (key, report, directive_id, kind, components, payload, sha256, created)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		key, report, id, kind, string(comp), payload, hashHex(payload), time.Now().UnixNano()); err != nil {
		return db.fail(what, err)
	}
	for name, v := range series {
		data := encodeSeries(v)
		_, err := tx.ExecContext(ctx,
			`INSERT INTO series (result_key, name, n, data, sha256) VALUES (?, ?, ?, ?, ?)`,
			key, name, len(v), data, hashHex(data))
		if err != nil {
			return db.fail(fmt.Sprintf("%s: series %q", what, name), err)
		}
	}
	if err := tx.Commit(); err != nil {
		return db.fail(what, err)
	}
	return nil
}

func (db *DB) corrupt(table, key, report, id, detail string) *CorruptError {
	return &CorruptError{Path: db.path, Table: table, Key: key, Report: report, ID: id, Detail: detail}
}

// hashHex is the hex SHA-256 of b, as stored beside every blob.
func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// encodeSeries lays v out as little-endian IEEE 754 bits, so that NaN
// payloads, infinities and negative zero come back exactly.
func encodeSeries(v []float64) []byte {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return b
}

// decodeSeries inverts encodeSeries, checking the stored count n.
func decodeSeries(b []byte, n int64) ([]float64, error) {
	if len(b)%8 != 0 || int64(len(b)/8) != n {
		return nil, fmt.Errorf("%d bytes do not hold %d float64 values", len(b), n)
	}
	v := make([]float64, n)
	for i := range v {
		v[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return v, nil
}

// decodeComponents parses stored key components, a JSON object of strings.
func decodeComponents(s string) (map[string]string, error) {
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("components are not a JSON object of strings: %v", err)
	}
	if m == nil { // the text was "null"
		return nil, errors.New("components are null, not a JSON object of strings")
	}
	return m, nil
}
