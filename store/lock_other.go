//go:build !unix

package store

import (
	"context"
	"fmt"
	"runtime"
	"time"
)

type lockFile struct{}

func acquireLock(ctx context.Context, storePath, lockPath string, wait time.Duration) (*lockFile, error) {
	return nil, fmt.Errorf("store %s: Exclusive needs flock, which %s lacks; open the store without Exclusive", storePath, runtime.GOOS)
}

func (l *lockFile) release() error { return nil }
