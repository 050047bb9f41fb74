package tools

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// Probe isolation.
//
// Every probe runs one tool with exactly one argument, never none, through
// the tool's PATH entry (so that tools dispatching on their name see it):
//
//   - stdin is /dev/null; stdout and stderr are pipes read up to MaxOutput
//     bytes each, after which reading stops and the process group is killed;
//   - the working directory is a fresh empty directory that is removed
//     afterwards; HOME, TMPDIR and the XDG_* directories point into it;
//   - the environment is replaced: PATH (this process's), LANG=C, LC_ALL=C,
//     TERM=dumb, HOME, TMPDIR, XDG_*; nothing else passes, so no secrets;
//   - the tool starts in a new session (setsid: a new process group, no
//     controlling terminal); when the probe ends (exit, timeout, capped
//     output or cancellation) the whole process group gets SIGKILL, also
//     after a normal exit so orphans die. The leader's exit is observed
//     with waitid(WNOWAIT), so the group is killed before the leader is
//     reaped and its pid cannot have been reused;
//   - resource limits: Go cannot set rlimits for one child, so when
//     prlimit(1) (util-linux) is installed the probe runs under it with
//     RLIMIT_CPU = timeout rounded up (+1 s hard), RLIMIT_FSIZE = 16 MiB and
//     RLIMIT_CORE = 0. RLIMIT_NPROC is per user and RLIMIT_AS breaks
//     runtimes that reserve address space (JVM, Go, node), so neither is
//     set; without prlimit no limit is set;
//   - with bwrap (bubblewrap) installed and working, the tool runs in
//     bwrap --unshare-net --unshare-pid --unshare-ipc --unshare-uts
//     --die-with-parent --new-session --cap-drop ALL --ro-bind / / --dev /dev
//     --proc /proc --tmpfs /tmp --tmpfs /run [--ro-bind TOOLDIR TOOLDIR]
//     --bind DIR DIR --chdir DIR: no network, its own pid namespace
//     (killing the sandbox kills every process in it, daemonised or not),
//     no capabilities even as root (with them, root inside could remount /
//     read-write), a read-only file system except DIR, private /tmp and
//     /run (hiding the sockets of docker, dbus and systemd) and a private
//     /dev without disks. A tool that lives under /tmp or /run gets its
//     directory bound back read-only so that it can run;
//   - without bwrap, after every probe the processes still carrying the
//     probe's HOME in their environment or their working directory under it
//     are killed (/proc sweep), which catches children that left the
//     session; at the end of a scan the same sweep runs over the scan's
//     whole temporary directory, in either mode.
//
// What this does not do:
//
//   - without bwrap nothing stops network access or writes outside DIR, and
//     a program that leaves the session, scrubs its environment and changes
//     directory survives; Isolation then says "none: ...";
//   - inside bwrap, Unix sockets on the file system outside /tmp and /run
//     stay connectable (a read-only mount does not stop connect());
//   - a copy of a dangerous program under an innocent name (not a link, so
//     neither its name, its target's name nor its inode gives it away) is
//     probed like any tool; only the sandbox contains it;
//   - tools that keep their state under HOME see an empty one: rustup's
//     proxies (cargo, rustc) report no toolchain;
//   - per-probe CPU time is not measured (bwrap does not pass its
//     children's resource usage up), so StartupCost is wall time; start
//     slots (one probe starting per CPU) keep it from measuring contention.
//
// Bare-word probes ("version", "help") may be taken as operands by tools
// that do not parse them (crontab, mail); they run only inside bwrap.

// fileSizeLimit is RLIMIT_FSIZE for probes.
const fileSizeLimit = 16 << 20

// readGrace is how long, after the process group is dead, the output readers
// may take to reach end of file before their pipes are closed under them.
const readGrace = 200 * time.Millisecond

// prober runs probes with one configuration.
type prober struct {
	timeout   time.Duration
	maxOutput int
	bwrap     string // bwrap's path when sandboxing, else ""
	prlimit   string // prlimit's path when installed, else ""
	root      string // this scan's temporary directory
	basePath  string // PATH given to probes
	isolation string
	self      int
	// slots, when set, admits a probe to start; the probe gives its slot
	// back when it ends or after patience, whichever comes first.
	slots    chan struct{}
	patience time.Duration
}

// probeResult is what one probe saw.
type probeResult struct {
	arg       string
	stdout    []byte
	stderr    []byte
	exit      int // -1 when killed by a signal or not started
	dur       time.Duration
	timedOut  bool
	truncated bool
	err       error // failure to start, or cancellation
}

// output is stdout followed by stderr, as valid UTF-8 without escapes.
func (r *probeResult) output() string {
	var b bytes.Buffer
	b.Write(r.stdout)
	if len(r.stdout) > 0 && len(r.stderr) > 0 && r.stdout[len(r.stdout)-1] != '\n' {
		b.WriteByte('\n')
	}
	b.Write(r.stderr)
	return cleanText(b.String())
}

// problem describes what went wrong, or "" when the probe ran to an exit.
func (r *probeResult) problem(p *prober) string {
	switch {
	case r.err != nil:
		return fmt.Sprintf("%s: %v", r.arg, r.err)
	case r.timedOut:
		return fmt.Sprintf("%s: timed out after %v; process group killed", r.arg, p.timeout)
	case r.truncated:
		return fmt.Sprintf("%s: output capped at %d bytes; process group killed", r.arg, p.maxOutput)
	case p.bwrap != "" && r.exit != 0 && bytes.HasPrefix(r.stderr, []byte("bwrap: ")):
		line, _, _ := strings.Cut(string(r.stderr), "\n")
		return fmt.Sprintf("%s: sandbox failed: %s", r.arg, line)
	case r.exit == -1:
		return fmt.Sprintf("%s: killed by a signal", r.arg)
	}
	return ""
}

// env returns the scrubbed environment of a probe living in dir.
func (p *prober) env(dir string) []string {
	return []string{
		"PATH=" + p.basePath,
		"LANG=C",
		"LC_ALL=C",
		"TERM=dumb",
		"HOME=" + dir,
		"TMPDIR=" + dir,
		"XDG_CONFIG_HOME=" + filepath.Join(dir, ".config"),
		"XDG_CACHE_HOME=" + filepath.Join(dir, ".cache"),
		"XDG_DATA_HOME=" + filepath.Join(dir, ".local", "share"),
		"XDG_STATE_HOME=" + filepath.Join(dir, ".local", "state"),
		"XDG_RUNTIME_DIR=" + filepath.Join(dir, ".run"),
	}
}

// maskedRoots are the directories the sandbox replaces with empty tmpfs.
var maskedRoots = []string{"/tmp", "/run"}

// toolBinds returns the directories of exe (and of its resolved file) that
// lie under a masked root, so that the sandbox can bind them back read-only:
// a tool kept under /tmp must stay visible to run.
func toolBinds(exe string) []string {
	var out []string
	add := func(p string) {
		d := filepath.Dir(p)
		for _, m := range maskedRoots {
			if within(d, m) && d != m && !slices.Contains(out, d) {
				out = append(out, d)
			}
		}
	}
	add(exe)
	if r, err := filepath.EvalSymlinks(exe); err == nil {
		add(r)
	}
	return out
}

// argv wraps exe arg in prlimit and bwrap as configured.
func (p *prober) argv(dir, exe, arg string) []string {
	var argv []string
	if p.prlimit != "" {
		cpu := int64((p.timeout + time.Second - 1) / time.Second)
		argv = append(argv, p.prlimit,
			"--cpu="+strconv.FormatInt(cpu, 10)+":"+strconv.FormatInt(cpu+1, 10),
			"--fsize="+strconv.Itoa(fileSizeLimit),
			"--core=0",
			"--")
	}
	if p.bwrap != "" {
		argv = append(argv, p.bwrap,
			"--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
			"--die-with-parent", "--new-session", "--cap-drop", "ALL",
			"--ro-bind", "/", "/",
			"--dev", "/dev",
			"--proc", "/proc",
			"--tmpfs", "/tmp",
			"--tmpfs", "/run")
		for _, d := range toolBinds(exe) {
			argv = append(argv, "--ro-bind", d, d)
		}
		argv = append(argv,
			"--bind", dir, dir,
			"--chdir", dir,
			"--")
	}
	return append(argv, exe, arg)
}

// run probes exe with the single argument arg.
func (p *prober) run(ctx context.Context, exe, arg string) probeResult {
	if arg == "" {
		panic("tools: a probe needs an argument; tools are never run without one")
	}
	r := probeResult{arg: arg, exit: -1}
	dir, err := os.MkdirTemp(p.root, "probe-")
	if err != nil {
		r.err = err
		return r
	}
	defer removeAll(dir)

	outR, outW, err := os.Pipe()
	if err != nil {
		r.err = err
		return r
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		r.err = err
		return r
	}
	argv := p.argv(dir, exe, arg)
	cmd := &exec.Cmd{
		Path:   argv[0],
		Args:   argv,
		Env:    p.env(dir),
		Dir:    dir,
		Stdout: outW,
		Stderr: errW,
		SysProcAttr: &syscall.SysProcAttr{
			Setsid:    true,
			Pdeathsig: syscall.SIGKILL,
		},
	}
	release := p.admit(ctx)
	defer release()
	start := time.Now()
	if err = ctx.Err(); err == nil {
		err = cmd.Start()
	}
	outW.Close()
	errW.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		r.err = err
		return r
	}
	pid := cmd.Process.Pid
	patience := time.AfterFunc(p.patience, release)
	defer patience.Stop()

	capHit := make(chan struct{}, 2)
	outC := readCapped(outR, p.maxOutput, capHit)
	errC := readCapped(errR, p.maxOutput, capHit)

	exited := make(chan struct{})
	go func() {
		waitNoReap(pid)
		close(exited)
	}()
	timer := time.NewTimer(p.timeout)
	select {
	case <-exited:
	case <-timer.C:
		r.timedOut = true
	case <-capHit:
		r.truncated = true
	case <-ctx.Done():
		r.err = ctx.Err()
	}
	timer.Stop()
	// The leader is alive or a zombie, so pid is still this group's id.
	syscall.Kill(-pid, syscall.SIGKILL)
	<-exited
	r.dur = time.Since(start)
	cmd.Wait()
	if st := cmd.ProcessState; st != nil {
		r.exit = st.ExitCode()
	}
	if p.bwrap == "" {
		sweep(dir, p.self, 0)
	}

	// Wait for both readers; a process outside the group may still hold a
	// pipe, so after a grace period the pipes are closed under them.
	var gotOut, gotErr capture
	outDone, errDone := false, false
	deadline := time.After(readGrace)
	for !outDone || !errDone {
		select {
		case gotOut = <-outC:
			outDone = true
		case gotErr = <-errC:
			errDone = true
		case <-deadline:
			outR.Close()
			errR.Close()
			deadline = nil
		}
	}
	r.stdout, r.stderr = gotOut.buf, gotErr.buf
	r.truncated = r.truncated || gotOut.truncated || gotErr.truncated
	outR.Close()
	errR.Close()
	return r
}

// admit waits for a start slot, if slots are in use, and returns the
// function that gives it back (safe to call more than once).
//
// Most probes are short and CPU-bound (process start-up), so running more
// of them than there are CPUs only makes each slower: start-up costs read
// high and heavy interpreters (Python, JVM) hit the timeout. Probes that
// outlast patience are mostly waiting or hanging, so they free their slot
// and the next probe starts beside them; Workers still bounds the total.
func (p *prober) admit(ctx context.Context) func() {
	if p.slots == nil {
		return func() {}
	}
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return func() {}
	}
	var once sync.Once
	return func() { once.Do(func() { <-p.slots }) }
}

// capture is what a reader collected.
type capture struct {
	buf       []byte
	truncated bool
}

// readCapped reads r until end of file or until max bytes, then reports on
// the returned channel. Reaching the cap signals hit once and stops reading.
func readCapped(r *os.File, max int, hit chan<- struct{}) <-chan capture {
	c := make(chan capture, 1)
	go func() {
		var got capture
		chunk := make([]byte, 32<<10)
		for {
			n, err := r.Read(chunk)
			if n > 0 {
				room := max - len(got.buf)
				if n > room {
					got.buf = append(got.buf, chunk[:room]...)
					got.truncated = true
					hit <- struct{}{}
					break
				}
				got.buf = append(got.buf, chunk[:n]...)
			}
			if err != nil {
				break
			}
		}
		c <- got
	}()
	return c
}

// waitNoReap blocks until process pid has exited, leaving it a zombie so
// that its pid (and process group id) stays reserved until cmd.Wait.
func waitNoReap(pid int) {
	const (
		pPID    = 1
		wExited = 4
		wNoWait = 0x1000000
	)
	var info [128]byte // siginfo_t
	for {
		_, _, errno := syscall.Syscall6(syscall.SYS_WAITID, pPID, uintptr(pid),
			uintptr(unsafe.Pointer(&info[0])), wExited|wNoWait, 0, 0)
		if errno != syscall.EINTR {
			return
		}
	}
}

// sweep kills, with SIGKILL, every process other than self whose
// environment has HOME inside dir or whose working directory is inside dir,
// and repeats until none is left or wait has passed. It returns the number
// of processes it killed.
func sweep(dir string, self int, wait time.Duration) int {
	home := []byte("HOME=" + dir)
	killed := 0
	deadline := time.Now().Add(wait)
	for {
		found := 0
		ents, err := os.ReadDir("/proc")
		if err != nil {
			return killed
		}
		for _, e := range ents {
			pid, err := strconv.Atoi(e.Name())
			if err != nil || pid == self {
				continue
			}
			if !inside(pid, dir, home) {
				continue
			}
			if syscall.Kill(pid, syscall.SIGKILL) == nil {
				found++
			}
		}
		killed += found
		if found == 0 || time.Now().After(deadline) {
			return killed
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// inside reports whether process pid belongs to a probe living in dir.
func inside(pid int, dir string, home []byte) bool {
	proc := "/proc/" + strconv.Itoa(pid)
	if cwd, err := os.Readlink(proc + "/cwd"); err == nil && within(cwd, dir) {
		return true
	}
	env, err := os.ReadFile(proc + "/environ")
	if err != nil {
		return false
	}
	for _, kv := range bytes.Split(env, []byte{0}) {
		if bytes.HasPrefix(kv, home) && (len(kv) == len(home) || kv[len(home)] == '/') {
			return true
		}
	}
	return false
}

// within reports whether path is dir or below it.
func within(path, dir string) bool {
	return path == dir || strings.HasPrefix(path, dir+"/")
}

// removeAll removes dir even when a probe left directories without write or
// search permission in it.
func removeAll(dir string) error {
	if err := os.RemoveAll(dir); err == nil {
		return nil
	}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if d != nil && d.IsDir() {
			os.Chmod(path, 0o700) // before WalkDir reads it
		}
		return nil
	})
	err := os.RemoveAll(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
