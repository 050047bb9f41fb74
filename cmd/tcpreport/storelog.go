package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/bundle"
	"github.com/tcpreport/tcpreport/store"
)

// storeLog adapts store.DB to engine.RunLog.
type storeLog struct{ db *store.DB }

func (l storeLog) BeginRun(ctx context.Context, r *engine.RunRecord) error {
	env, err := json.Marshal(r.Env)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(env)
	envHash := hex.EncodeToString(sum[:])
	if err := l.db.PutEnvironment(ctx, envHash, env); err != nil {
		return err
	}
	return l.db.BeginRun(ctx, storeRun(r, envHash))
}

func (l storeLog) FinishRun(ctx context.Context, r *engine.RunRecord) error {
	return l.db.FinishRun(ctx, storeRun(r, ""))
}

func (l storeLog) Executed(ctx context.Context, runID string, d *engine.DirectiveRun, err error) error {
	e := store.Execution{
		RunID:       runID,
		DirectiveID: d.ID,
		Kind:        d.Kind,
		Key:         d.Key,
		Status:      d.Status,
		Started:     d.Started,
		Duration:    d.Duration,
		Executor:    d.Executor,
		Host:        d.Host,
	}
	if err != nil {
		e.Error = err.Error()
	}
	return l.db.RecordExecution(ctx, e)
}

func storeRun(r *engine.RunRecord, envHash string) store.Run {
	return store.Run{
		ID: r.ID, Report: r.Report, ProtocolHash: r.ProtocolHash, Seed: r.Seed, EnvHash: envHash,
		Version: r.Version, VCS: r.VCS, Started: r.Started, Finished: r.Finished, Status: r.Status,
		Executed: r.Executed, Cached: r.Cached, Stale: r.Stale,
	}
}

// recordArtifacts records every file of the bundle with the run.
func recordArtifacts(ctx context.Context, db *store.DB, runID string, m *bundle.Manifest) error {
	for _, path := range slices.Sorted(maps.Keys(m.Files)) {
		f := m.Files[path]
		if err := db.PutArtifact(ctx, runID, path, f.SHA256, f.Size); err != nil {
			return err
		}
	}
	return nil
}
