//go:build unix

package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// lockPoll is how often Open retries a held lock.
const lockPoll = 25 * time.Millisecond

// lockFile is an advisory flock(2) lock on a file beside the store. A flock
// belongs to an open file description, so two opens conflict even within
// one process, and the kernel drops it when its holder dies: a crashed
// build leaves no stale lock.
type lockFile struct{ f *os.File }

// acquireLock takes the exclusive lock on lockPath, polling until wait has
// passed or ctx is done. It writes the holder's pid into the file so that
// a waiter can name it.
func acquireLock(ctx context.Context, storePath, lockPath string, wait time.Duration) (*lockFile, error) {
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("store %s: cannot open its lock file: %w; check that its directory is writable", storePath, err)
	}
	deadline := time.Now().Add(wait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("store %s: cannot lock %s: %w", storePath, lockPath, err)
		}
		left := time.Until(deadline)
		if left <= 0 {
			f.Close()
			return nil, &LockedError{Path: storePath, PID: readPID(lockPath), Waited: wait}
		}
		t := time.NewTimer(min(lockPoll, left))
		select {
		case <-ctx.Done():
			t.Stop()
			f.Close()
			return nil, fmt.Errorf("store %s: waiting for another tcpreport process to release it: %w", storePath, ctx.Err())
		case <-t.C:
		}
	}
	// The pid is a courtesy for messages; failing to write it is no reason
	// to give the lock up.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &lockFile{f: f}, nil
}

// readPID returns the pid recorded in the lock file, or 0.
func readPID(lockPath string) int {
	b, err := os.ReadFile(lockPath)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0
	}
	return pid
}

// release drops the lock. The file stays: removing it would let a waiter
// lock an unlinked inode while a newcomer locks a fresh one.
func (l *lockFile) release() error {
	if l == nil {
		return nil
	}
	return l.f.Close()
}
