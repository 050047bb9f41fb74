package store_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tcpreport/tcpreport/store"
)

// openStore opens a fresh store in a temporary directory and closes it
// when the test ends.
func openStore(t testing.TB, opt store.Options) (*store.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), ".tcpreport", "cache.db")
	db, err := store.Open(context.Background(), path, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

// raw opens the store file with database/sql directly, as a user poking at
// it with the sqlite3 shell would.
func raw(t testing.TB, path string) *sql.DB {
	t.Helper()
	r, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func rawExec(t testing.TB, path, query string, args ...any) {
	t.Helper()
	if _, err := raw(t, path).Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// key returns a cache key as the engine makes them: a SHA-256 in hex.
func key(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestOpenCreatesStore(t *testing.T) {
	db, path := openStore(t, store.Options{})
	if db.Path() != path {
		t.Errorf("Path() = %q, want %q", db.Path(), path)
	}
	var mode string
	if err := raw(t, path).QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
	rep, err := db.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.SchemaVersion < 1 || len(rep.Problems) > 0 {
		t.Errorf("Verify of a new store = %+v, want a schema version and no problems", rep)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	// Opening again finds the schema in place.
	db2, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db2.Close()
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	known := func(t *testing.T) int {
		db, _ := openStore(t, store.Options{})
		rep, err := db.Verify(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return rep.SchemaVersion
	}(t)

	tests := []struct {
		name  string
		setup func(t *testing.T, path string) // prepares the file at path
		opt   store.Options
		want  []string // parts of the error text; {path} stands for the path
		is    error
	}{
		{
			name: "not sqlite",
			setup: func(t *testing.T, path string) {
				text := strings.Repeat("# Notes\n\nThese are not a database.\n", 100)
				if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"store {path} is not a SQLite database: ", "; check the path, or move the file aside and build again to start a fresh store"},
		},
		{
			name: "not sqlite read-only",
			setup: func(t *testing.T, path string) {
				if err := os.WriteFile(path, []byte(strings.Repeat("not a database ", 100)), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			opt:  store.Options{ReadOnly: true},
			want: []string{"store {path} is not a SQLite database: "},
		},
		{
			name: "other sqlite database",
			setup: func(t *testing.T, path string) {
				rawExec(t, path, `CREATE TABLE notes (body TEXT)`)
			},
			want: []string{"store {path} is a SQLite database but not a tcpreport store (it has tables and no schema_version); check the path"},
		},
		{
			name: "newer schema",
			setup: func(t *testing.T, path string) {
				db, err := store.Open(ctx, path, store.Options{})
				if err != nil {
					t.Fatal(err)
				}
				db.Close()
				rawExec(t, path, `UPDATE schema_version SET version = ?`, known+5)
			},
			want: []string{fmt.Sprintf("store {path} has schema version %d, but this tcpreport knows versions up to %d; use a newer tcpreport, or move the store aside to start a fresh one", known+5, known)},
		},
		{
			name: "read-only missing",
			opt:  store.Options{ReadOnly: true},
			want: []string{"store {path}: stat ", "; build a report first to create it"},
			is:   fs.ErrNotExist,
		},
		{
			name: "read-only empty",
			setup: func(t *testing.T, path string) {
				if err := os.WriteFile(path, nil, 0o644); err != nil {
					t.Fatal(err)
				}
			},
			opt:  store.Options{ReadOnly: true},
			want: []string{"store {path} is empty; build a report first to fill it"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cache.db")
			if tt.setup != nil {
				tt.setup(t, path)
			}
			before, _ := os.ReadFile(path)
			db, err := store.Open(ctx, path, tt.opt)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded, want an error")
			}
			// A store Open refuses is left as it was.
			if after, _ := os.ReadFile(path); string(after) != string(before) {
				t.Errorf("Open changed the file it refused")
			}
			for _, w := range tt.want {
				if w = strings.ReplaceAll(w, "{path}", path); !strings.Contains(err.Error(), w) {
					t.Errorf("error\n\t%v\ndoes not contain\n\t%s", err, w)
				}
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v does not wrap %v", err, tt.is)
			}
		})
	}
}

func TestReadOnly(t *testing.T) {
	ctx := context.Background()
	db, path := openStore(t, store.Options{})
	k := key("r")
	if err := db.Put(ctx, k, "r.md", "x", "value", nil, []byte("payload"), nil); err != nil {
		t.Fatal(err)
	}
	db.Close()

	ro, err := store.Open(ctx, path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if p, _, err := ro.Get(ctx, k); err != nil || string(p) != "payload" {
		t.Errorf("Get on a read-only store = %q, %v; want the payload", p, err)
	}
	err = ro.Put(ctx, key("s"), "r.md", "y", "value", nil, nil, nil)
	want := "the store was opened read-only; open it without ReadOnly to write"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Put on a read-only store = %v, want an error containing %q", err, want)
	}
}

// TestFlockConflictsInProcess checks what the Exclusive lock relies on: two
// flocks on one file, through distinct descriptors, conflict even inside
// one process.
func TestFlockConflictsInProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	var fds [2]*os.File
	for i := range fds {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		fds[i] = f
	}
	if err := syscall.Flock(int(fds[0].Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(fds[1].Fd()), syscall.LOCK_EX|syscall.LOCK_NB); !errors.Is(err, syscall.EWOULDBLOCK) {
		t.Fatalf("second flock = %v, want EWOULDBLOCK", err)
	}
	fds[0].Close()
	if err := syscall.Flock(int(fds[1].Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatalf("flock after the holder closed = %v, want success", err)
	}
}

func TestExclusive(t *testing.T) {
	ctx := context.Background()
	first, path := openStore(t, store.Options{Exclusive: true})

	wait := 200 * time.Millisecond
	start := time.Now()
	second, err := store.Open(ctx, path, store.Options{Exclusive: true, LockWait: wait})
	if err == nil {
		second.Close()
		t.Fatal("second exclusive Open succeeded while the first was open")
	}
	var locked *store.LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("second Open = %v, want a *store.LockedError", err)
	}
	if elapsed := time.Since(start); elapsed < wait {
		t.Errorf("second Open gave up after %v, want at least %v", elapsed, wait)
	}
	want := fmt.Sprintf("store %s is in use by another tcpreport process (pid %d); waited 200ms; try again when it has finished", path, os.Getpid())
	if err.Error() != want {
		t.Errorf("error\n\t%v\nwant\n\t%s", err, want)
	}

	// Without Exclusive, a reader is not held up.
	reader, err := store.Open(ctx, path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only Open while locked: %v", err)
	}
	reader.Close()

	first.Close()
	second, err = store.Open(ctx, path, store.Options{Exclusive: true, LockWait: wait})
	if err != nil {
		t.Fatalf("exclusive Open after Close: %v", err)
	}
	second.Close()
}

func TestExclusiveCanceled(t *testing.T) {
	_, path := openStore(t, store.Options{Exclusive: true})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := store.Open(ctx, path, store.Options{Exclusive: true, LockWait: time.Minute})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Open with an expiring context = %v, want context.DeadlineExceeded", err)
	}
}

// TestExclusiveOtherProcess holds the lock in a child process, this test
// binary run again, and checks that the waiter names the child and gets
// the lock once the child is gone.
func TestExclusiveOtherProcess(t *testing.T) {
	if path := os.Getenv("STORE_TEST_HOLD"); path != "" {
		db, err := store.Open(context.Background(), path, store.Options{Exclusive: true})
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		fmt.Println("locked")
		bufio.NewReader(os.Stdin).ReadString('\n') // until the parent closes stdin
		db.Close()
		os.Exit(0)
	}

	path := filepath.Join(t.TempDir(), "cache.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestExclusiveOtherProcess$")
	cmd.Env = append(os.Environ(), "STORE_TEST_HOLD="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	if line, err := bufio.NewReader(stdout).ReadString('\n'); line != "locked\n" {
		t.Fatalf("child said %q, %v; want locked", line, err)
	}

	_, err = store.Open(context.Background(), path, store.Options{Exclusive: true, LockWait: 100 * time.Millisecond})
	var locked *store.LockedError
	if !errors.As(err, &locked) || locked.PID != cmd.Process.Pid {
		t.Fatalf("Open while the child holds the lock = %v, want a *store.LockedError naming pid %d", err, cmd.Process.Pid)
	}

	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	db, err := store.Open(context.Background(), path, store.Options{Exclusive: true, LockWait: time.Second})
	if err != nil {
		t.Fatalf("Open after the child exited: %v", err)
	}
	db.Close()
}

// TestBusy holds the write lock through a raw connection and checks that a
// write that outwaits the busy timeout says why it failed.
func TestBusy(t *testing.T) {
	ctx := context.Background()
	db, path := openStore(t, store.Options{BusyTimeout: 100 * time.Millisecond})
	conn, err := raw(t, path).Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}

	err = db.Put(ctx, key("busy"), "b.md", "x", "value", nil, []byte("p"), nil)
	want := fmt.Sprintf("store %s: put result %s of b.md/x: another process kept the store locked for longer than the 100ms busy timeout; try again when it has finished: ", path, key("busy")[:12]+"…")
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("Put while locked = %v\nwant an error starting %q", err, want)
	}

	if _, err := conn.ExecContext(ctx, `ROLLBACK`); err != nil {
		t.Fatal(err)
	}
	if err := db.Put(ctx, key("busy"), "b.md", "x", "value", nil, []byte("p"), nil); err != nil {
		t.Fatalf("Put after the lock was released: %v", err)
	}
}

// TestOpenConcurrently opens a new store from several connection pools at
// once, as parallel builds would, so that they race to create the schema.
func TestOpenConcurrently(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cache.db")
	errs := make(chan error, 4)
	for range cap(errs) {
		go func() {
			db, err := store.Open(context.Background(), path, store.Options{})
			if err == nil {
				err = db.Close()
			}
			errs <- err
		}()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	db, err := store.Open(context.Background(), path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if rep, err := db.Verify(context.Background()); err != nil || len(rep.Problems) > 0 {
		t.Errorf("Verify = %+v, %v; want no problems", rep, err)
	}
}
