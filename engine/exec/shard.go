// Package exec runs shards of a directive's work elsewhere: in a
// subprocess here, in a container, on an SSH host or as a Slurm job. Every
// executor runs the same binary, `tcpreport worker --shard FILE --out
// FILE`, which reads a Shard and writes a Result; the coordinator checks
// each Result (protocol, version, shard, checksum) before it trusts it.
package exec

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Protocol is the version of the shard and result format.
const Protocol = 1

// File is an input file a shard carries, with its SHA-256.
type File struct {
	Name   string `json:"name"`
	Data   []byte `json:"data"`
	SHA256 string `json:"sha256"`
}

// NewFile returns the file called name holding data.
func NewFile(name string, data []byte) File {
	sum := sha256.Sum256(data)
	return File{Name: name, Data: data, SHA256: hex.EncodeToString(sum[:])}
}

// Shard is one piece of a directive's work.
type Shard struct {
	Protocol int    `json:"protocol"`
	Version  string `json:"version"` // tcpreport version of the coordinator
	ID       string `json:"id"`      // the directive's id
	Kind     string `json:"kind"`
	// Options are the directive's options, defaults applied.
	Options map[string]string `json:"options"`
	Body    string            `json:"body,omitempty"`
	Seed    int64             `json:"seed"`
	Index   int               `json:"index"` // 0-based
	Count   int               `json:"count"`
	// From lists the directive's :from: ids in order; each travels as the
	// input "from/<id>.json" (see Pack).
	From []string `json:"from,omitempty"`
	// Inputs are the files the directive reads, by the names the options
	// give them, and the :from: results it needs, as "from/<id>.json".
	Inputs []File `json:"inputs,omitempty"`
}

// Series is a raw sample series of a result; the engine keeps series out
// of the result's JSON, so they travel beside it.
type Series struct {
	Name   string    `json:"name"`
	Unit   string    `json:"unit,omitempty"`
	Values []float64 `json:"values"`
}

// Fact is a fact of the worker's environment fingerprint.
type Fact struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Result is what a worker writes for one shard.
type Result struct {
	Protocol int    `json:"protocol"`
	Version  string `json:"version"` // tcpreport version of the worker
	ID       string `json:"id"`
	Index    int    `json:"index"`
	Host     string `json:"host"`
	Env      []Fact `json:"env"`
	// Payload is the directive's result as JSON; Series its raw samples.
	Payload json.RawMessage `json:"payload,omitempty"`
	Series  []Series        `json:"series,omitempty"`
	// SHA256 is Sum over Payload and Series.
	SHA256  string    `json:"sha256"`
	Error   string    `json:"error,omitempty"` // the directive's error
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended"`
	// Executor is set by the coordinator: where the shard ran.
	Executor string `json:"-"`
}

// FileSHA256 returns the hex SHA-256 of the file at path: executors check
// the worker binary they copy with it.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Sum returns the checksum of a result's payload and series. No series and
// an empty list of series have the same sum: a result's JSON omits both, so
// the worker's empty list arrives as none.
func Sum(payload json.RawMessage, series []Series) string {
	h := sha256.New()
	h.Write(payload)
	if len(series) == 0 {
		series = nil
	}
	b, _ := json.Marshal(series)
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// Seal sets r's checksum.
func (r *Result) Seal() { r.SHA256 = Sum(r.Payload, r.Series) }

// ErrInvalid is a result that does not belong to its shard or was damaged.
var ErrInvalid = errors.New("invalid shard result")

// Check verifies that r is an intact answer to s from a worker of the same
// tcpreport version, and that the directive succeeded.
func Check(s *Shard, r *Result) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
	}
	switch {
	case r.Protocol != Protocol:
		return bad("protocol %d, want %d", r.Protocol, Protocol)
	case r.Version != s.Version:
		return bad("worker is tcpreport %s, coordinator %s: install the same version there", r.Version, s.Version)
	case r.ID != s.ID || r.Index != s.Index:
		return bad("answers shard %s/%d, not %s/%d", r.ID, r.Index, s.ID, s.Index)
	case r.Error != "":
		return fmt.Errorf("shard %d of %s failed on %s: %s", s.Index, s.ID, r.Host, r.Error)
	case r.SHA256 != Sum(r.Payload, r.Series):
		return bad("checksum mismatch: the result was damaged in transit")
	case len(r.Payload) == 0:
		return bad("empty payload")
	}
	return nil
}

// Decode reads a worker's output as a Result.
func Decode(data []byte) (*Result, error) {
	var r Result
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%w: worker output is not a result (%v): %q", ErrInvalid, err, head(data))
	}
	return &r, nil
}

// head is the start of untrusted output, for error messages.
func head(b []byte) string {
	if len(b) > 120 {
		b = b[:120]
	}
	return string(b)
}
