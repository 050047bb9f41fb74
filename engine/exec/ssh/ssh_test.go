package ssh

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/exec"
)

// sshd is a real OpenSSH server on loopback with its own host key, which
// accepts one user key.
type sshd struct {
	dir        string
	port       int
	cmd        *osexec.Cmd
	log        *bytes.Buffer
	userKey    string // the accepted private key's file
	otherKey   string // a key the server does not accept
	knownHosts string // vouches for the server's host key
	strangers  string // holds another key for the server's address
	elsewhere  string // holds the server's key for another address only
}

// startSSHD starts sshd as a child of the test and stops it at cleanup.
func startSSHD(t *testing.T) *sshd {
	t.Helper()
	bin, err := osexec.LookPath("sshd")
	if err != nil {
		bin = "/usr/sbin/sshd"
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("no sshd (%v): run make deps (openssh-server)", err)
	}
	// sshd refuses to start without its privilege separation directory.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil && os.Getuid() == 0 {
		t.Fatal(err)
	}
	d := &sshd{dir: t.TempDir(), log: &bytes.Buffer{}}
	keygen := func(name string) string {
		p := filepath.Join(d.dir, name)
		if out, err := osexec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", p).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v: %s", err, out)
		}
		return p
	}
	hostKey := keygen("host_key")
	d.userKey, d.otherKey = keygen("user_key"), keygen("other_key")
	otherHost := keygen("other_host_key")
	d.port = freePort(t)
	pub := func(p string) string {
		b, err := os.ReadFile(p + ".pub")
		if err != nil {
			t.Fatal(err)
		}
		f := strings.Fields(string(b))
		return f[0] + " " + f[1]
	}
	write := func(name, data string) string {
		p := filepath.Join(d.dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("authorized_keys", pub(d.userKey)+"\n")
	d.knownHosts = write("known_hosts", fmt.Sprintf("[127.0.0.1]:%d %s\n", d.port, pub(hostKey)))
	d.elsewhere = write("elsewhere", fmt.Sprintf("[127.0.0.1]:%d %s\n", d.port+1, pub(hostKey)))
	d.strangers = write("strangers", fmt.Sprintf("[127.0.0.1]:%d %s\n", d.port, pub(otherHost)))
	conf := write("sshd_config", fmt.Sprintf(`Port %d
ListenAddress 127.0.0.1
HostKey %s
PidFile %s
AuthorizedKeysFile %s
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
LogLevel ERROR
`, d.port, hostKey, filepath.Join(d.dir, "sshd.pid"), filepath.Join(d.dir, "authorized_keys")))
	d.cmd = osexec.Command(bin, "-D", "-e", "-f", conf)
	d.cmd.Stderr = d.log
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		d.killSessions()
		d.cmd.Process.Kill()
		d.cmd.Wait()
	})
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.Dial("tcp", d.addr())
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sshd does not listen on %s: %v\n%s", d.addr(), err, d.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return d
}

func (d *sshd) addr() string { return "127.0.0.1:" + strconv.Itoa(d.port) }

// settings declares the server as a host, with the accepted key.
func (d *sshd) settings(worker string) map[string]string {
	return map[string]string{"type": "ssh", "address": d.addr(), "key_file": d.userKey, "known_hosts": d.knownHosts,
		"remote_dir": filepath.Join(d.dir, "remote"), "worker": worker}
}

// killSessions kills every process the server started for a connection,
// which cuts those connections as a network failure would.
func (d *sshd) killSessions() {
	for _, pid := range descendants(d.cmd.Process.Pid) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// descendants lists the processes below pid, from /proc.
func descendants(pid int) []int {
	parent := map[int]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so split after ')'.
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(f) > 1 {
			parent[p], _ = strconv.Atoi(f[1])
		}
	}
	var out []int
	var walk func(int)
	walk = func(p int) {
		for c, pp := range parent {
			if pp == p {
				out = append(out, c)
				walk(c)
			}
		}
	}
	walk(pid)
	return out
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

var (
	buildOnce sync.Once
	built     string
	buildErr  error
)

// tcpreportBinary builds the real tcpreport once for the package's tests.
func tcpreportBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tcpreport-ssh-test-")
		if err != nil {
			buildErr = err
			return
		}
		built = filepath.Join(dir, "tcpreport")
		out, err := osexec.Command("go", "build", "-o", built, "github.com/tcpreport/tcpreport/cmd/tcpreport").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return built
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built != "" {
		os.RemoveAll(filepath.Dir(built))
	}
	os.Exit(code)
}

// experimentShard is shard 0 of 2 of a small timing experiment: the tcp
// arm deciding ls and cat.
func experimentShard() *exec.Shard {
	labels := "SAFE\tls -la\nSAFE\tcat /etc/hostname\n"
	return &exec.Shard{Protocol: exec.Protocol, Version: engine.Version, ID: "tbl-exp", Kind: "experiment",
		Options: map[string]string{"labels": "labels.tsv", "tools": "ls, cat", "arms": "tcp", "blocks": "2", "warmup": "0",
			"executor": "local", "shards": "1", "retries": "0"},
		Seed: 7, Index: 0, Count: 2, Inputs: []exec.File{exec.NewFile("labels.tsv", []byte(labels))}}
}

// script writes a shell script standing in for the worker binary.
func script(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "worker")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// answer writes a correct result for s to a file and returns its path.
func answer(t *testing.T, s *exec.Shard) string {
	t.Helper()
	payload, series, err := exec.Pack(&engine.Result{Values: map[string]engine.Value{"i": engine.Num(float64(s.Index), "")}})
	if err != nil {
		t.Fatal(err)
	}
	r := &exec.Result{Protocol: exec.Protocol, Version: engine.Version, ID: s.ID, Index: s.Index, Host: "lab", Payload: payload, Series: series}
	r.Seal()
	b, _ := json.Marshal(r)
	p := filepath.Join(t.TempDir(), "answer.json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRealShardAndWorkerReuse(t *testing.T) {
	d := startSSHD(t)
	bin := tcpreportBinary(t)
	s := experimentShard()

	h, err := New("lab", d.settings(bin))
	if err != nil {
		t.Fatal(err)
	}
	r, err := h.Run(context.Background(), s)
	if err == nil {
		err = exec.Check(s, r)
	}
	if err != nil {
		t.Fatalf("run: %v\nsshd: %s", err, d.log)
	}
	res, err := exec.Unpack(r.Payload, r.Series)
	if err != nil {
		t.Fatal(err)
	}
	var outcome struct{ Samples []json.RawMessage }
	for _, f := range res.Files {
		if f.Name == "outcome.json" {
			json.Unmarshal(f.Data, &outcome)
		}
	}
	// Shard 0 of 2 runs block 1 of 2: both tools once with the one arm.
	if len(outcome.Samples) != 2 || r.Host == "" || len(r.Env) == 0 {
		t.Errorf("outcome: %d samples, host %q, %d facts", len(outcome.Samples), r.Host, len(r.Env))
	}
	if h.copies.Load() != 1 {
		t.Errorf("first run copied the worker %d times, want 1", h.copies.Load())
	}
	sum, _ := exec.FileSHA256(bin)
	remote := filepath.Join(d.dir, "remote", "tcpreport-"+sum[:16])
	before, err := os.Stat(remote)
	if err != nil {
		t.Fatalf("the worker is not on the host: %v", err)
	}

	// A new coordinator finds the worker there, checks its sum and reuses it.
	h2, err := New("lab", d.settings(bin))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h2.Run(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(remote)
	if h2.copies.Load() != 0 || !os.SameFile(before, after) {
		t.Errorf("second coordinator copied the worker again (%d copies)", h2.copies.Load())
	}

	// A damaged copy on the host is replaced.
	if err := os.WriteFile(remote, []byte("#!/bin/sh\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	h3, _ := New("lab", d.settings(bin))
	r, err = h3.Run(context.Background(), s)
	if err == nil {
		err = exec.Check(s, r)
	}
	if err != nil || h3.copies.Load() != 1 {
		t.Errorf("damaged worker on the host: %v, %d copies", err, h3.copies.Load())
	}
}

func TestConnectionFaults(t *testing.T) {
	d := startSSHD(t)
	s := experimentShard()
	worker := script(t, `cp `+answer(t, s)+` "$5"`)
	key, err := os.ReadFile(d.otherKey)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("TCPREPORT_TEST_WRONG_KEY", string(key))
	for _, tc := range []struct {
		name   string
		change func(map[string]string)
		want   string
	}{
		{"works", func(map[string]string) {}, ""},
		{"unknown host key", func(m map[string]string) { m["known_hosts"] = d.elsewhere },
			"ssh:lab (root@" + d.addr() + "): unknown host key SHA256:"},
		{"changed host key", func(m map[string]string) { m["known_hosts"] = d.strangers },
			"does not match the key " + d.strangers + " holds for " + d.addr()},
		{"refused key", func(m map[string]string) { delete(m, "key_file"); m["key_env"] = "TCPREPORT_TEST_WRONG_KEY" },
			"ssh:lab (root@" + d.addr() + "): the host refused the key (key_env TCPREPORT_TEST_WRONG_KEY, SHA256:"},
		{"connection refused", func(m map[string]string) { m["address"] = "127.0.0.1:" + strconv.Itoa(freePort(t)) },
			"connect: dial tcp 127.0.0.1:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := d.settings(worker)
			m["user"] = "root"
			tc.change(m)
			h, err := New("lab", m)
			if err != nil {
				t.Fatal(err)
			}
			r, err := h.Run(context.Background(), s)
			if err == nil {
				err = exec.Check(s, r)
			}
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if err != nil && (strings.Contains(err.Error(), "PRIVATE KEY") || strings.Contains(err.Error(), strings.Split(string(key), "\n")[1])) {
				t.Errorf("the error quotes the key: %v", err)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	enc := filepath.Join(dir, "enc")
	if out, err := osexec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "s3cret-pass", "-f", enc).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	plain := filepath.Join(dir, "plain")
	if out, err := osexec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", plain).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	kh := filepath.Join(dir, "known_hosts")
	os.WriteFile(kh, nil, 0o600)
	t.Setenv("TCPREPORT_TEST_PASS", "wrong")
	t.Setenv("TCPREPORT_TEST_KEY", "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAsecretmaterial\n-----END OPENSSH PRIVATE KEY-----\n")
	for _, tc := range []struct {
		name     string
		settings map[string]string
		want     string
	}{
		{"no key", map[string]string{"known_hosts": kh}, "executor ssh:lab: no key: set key_file"},
		{"unset env", map[string]string{"key_env": "TCPREPORT_TEST_UNSET", "known_hosts": kh}, "TCPREPORT_TEST_UNSET is not set"},
		{"bad key", map[string]string{"key_env": "TCPREPORT_TEST_KEY", "known_hosts": kh}, "key_env TCPREPORT_TEST_KEY: not a private key"},
		{"encrypted", map[string]string{"key_file": enc, "known_hosts": kh}, "the key is encrypted; set passphrase_env"},
		{"wrong passphrase", map[string]string{"key_file": enc, "known_hosts": kh, "passphrase_env": "TCPREPORT_TEST_PASS"}, "passphrase is wrong"},
		{"no known_hosts", map[string]string{"key_file": plain, "known_hosts": filepath.Join(dir, "none")}, "known_hosts " + filepath.Join(dir, "none")},
		{"typo", map[string]string{"key_fle": enc}, `unknown setting "key_fle"`},
		{"timeout", map[string]string{"key_file": enc, "timeout": "soon"}, `timeout: "soon" is not a duration`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New("lab", tc.settings)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "secretmaterial") || strings.Contains(err.Error(), "wrong") && tc.name == "wrong passphrase" && strings.Contains(err.Error(), "=wrong") {
				t.Errorf("secret in error: %v", err)
			}
		})
	}
	t.Setenv("TCPREPORT_TEST_PASS", "s3cret-pass")
	if _, err := New("lab", map[string]string{"key_file": enc, "known_hosts": kh, "passphrase_env": "TCPREPORT_TEST_PASS"}); err != nil {
		t.Errorf("right passphrase: %v", err)
	}
}

func TestWorkerFaults(t *testing.T) {
	d := startSSHD(t)
	s := experimentShard()
	good := answer(t, s)

	t.Run("crash", func(t *testing.T) {
		h, _ := New("lab", d.settings(script(t, `echo "panic: worker exploded" >&2; exit 2`)))
		_, err := h.Run(context.Background(), s)
		if err == nil || !strings.Contains(err.Error(), "ssh:lab (") || !strings.Contains(err.Error(), "worker crashed (exit status 2): panic: worker exploded") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("garbage", func(t *testing.T) {
		h, _ := New("lab", d.settings(script(t, `echo 'not json' > "$5"`)))
		_, err := h.Run(context.Background(), s)
		if err == nil || !errors.Is(err, exec.ErrInvalid) || !strings.Contains(err.Error(), "worker output is not a result") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("directive fails", func(t *testing.T) {
		// The worker records the directive's failure in its result and exits 1.
		h, _ := New("lab", d.settings(script(t, `sed 's/"host":"lab"/"host":"lab","error":"labels: no such file"/' `+good+` > "$5"; exit 1`)))
		r, err := h.Run(context.Background(), s)
		if err == nil {
			err = exec.Check(s, r)
		}
		if err == nil || !strings.Contains(err.Error(), "labels: no such file") {
			t.Errorf("got %v", err)
		}
	})

	// The network is cut while the first attempt runs; RunAll retries the
	// shard and the second attempt succeeds.
	mark := filepath.Join(t.TempDir(), "started")
	h, _ := New("lab", d.settings(script(t, `if [ ! -e `+mark+` ]; then touch `+mark+`; exec sleep 30; fi; cp `+good+` "$5"`)))
	go func() {
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if _, err := os.Stat(mark); err == nil {
				d.killSessions()
				return
			}
		}
	}()
	start := time.Now()
	rs, err := exec.RunAll(context.Background(), h, []*exec.Shard{s}, 1, 1)
	if err != nil || len(rs) != 1 || rs[0].Executor != "ssh:lab" {
		t.Fatalf("cut mid-shard, then retried: %v", err)
	}
	if time.Since(start) > 20*time.Second {
		t.Errorf("the cut was noticed only after %v", time.Since(start))
	}
	// Without retries the cut is the error, naming the host.
	os.Remove(mark)
	go func() {
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if _, err := os.Stat(mark); err == nil {
				d.killSessions()
				return
			}
		}
	}()
	_, err = exec.RunAll(context.Background(), h, []*exec.Shard{s}, 0, 1)
	if err == nil || !strings.Contains(err.Error(), "shard 0 on ssh:lab failed after 1 attempt(s): ssh:lab (") || !strings.Contains(err.Error(), "connection lost while the worker ran") {
		t.Errorf("cut without retries: %v", err)
	}

	// Cancelling stops the remote worker.
	os.Remove(mark)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for ; ; time.Sleep(20 * time.Millisecond) {
			if _, err := os.Stat(mark); err == nil {
				cancel()
				return
			}
		}
	}()
	start = time.Now()
	if _, err := h.Run(ctx, s); !errors.Is(err, context.Canceled) || time.Since(start) > 15*time.Second {
		t.Errorf("cancelled: %v after %v", err, time.Since(start))
	}
}
