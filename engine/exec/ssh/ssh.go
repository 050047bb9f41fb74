// Package ssh runs shards on lab hosts over SSH: it copies the tcpreport
// binary to the host once per version (checked by SHA-256 there), copies
// the shard, runs `tcpreport worker` on the host and reads its result back.
package ssh

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/tcpreport/tcpreport/engine/exec"
)

// Settings are the keys a host declared with type ssh may set.
var Settings = []string{
	"type",           // ssh
	"address",        // host[:port]; default: the host's name, port 22
	"user",           // default: the current user
	"key_file",       // the private key's file
	"key_env",        // or: the environment variable holding the private key
	"passphrase_env", // the environment variable holding the key's passphrase, if it has one
	"known_hosts",    // default: ~/.ssh/known_hosts
	"remote_dir",     // where the worker binary and the shards are kept on the host; default .cache/tcpreport (in the home directory)
	"worker",         // the tcpreport binary to copy; default: this executable
	"timeout",        // to connect and authenticate; default 15s
}

// Host is an SSH host that runs shards. Open makes one from a report's
// host declaration.
type Host struct {
	name       string // as the report names it: ssh:NAME
	address    string
	user       string
	signer     gossh.Signer
	keySource  string // where the key came from, for messages: a file or an environment variable
	knownHosts string
	hostKeys   gossh.HostKeyCallback
	remoteDir  string
	worker     string
	timeout    time.Duration

	mu        sync.Mutex
	workerSum string // SHA-256 of worker, once computed
	installed string // the worker's remote path once checked there

	copies atomic.Int32 // how many times the worker binary was copied
}

// Open is the exec.Opener of "ssh": target names a host of the report's
// front matter, whose settings say how to reach it (see Settings).
func Open(target string, settings map[string]string) (exec.Executor, error) {
	return New(target, settings)
}

// New returns the host target with settings (see Settings).
func New(target string, settings map[string]string) (*Host, error) {
	if target == "" {
		return nil, errors.New("executor ssh: name a host (ssh:HOST) declared in the front matter's hosts")
	}
	h := &Host{name: target, address: settings["address"], user: settings["user"], knownHosts: settings["known_hosts"],
		remoteDir: settings["remote_dir"], worker: settings["worker"], timeout: 15 * time.Second}
	fail := func(format string, args ...any) (*Host, error) {
		return nil, fmt.Errorf("executor ssh:%s: %s", target, fmt.Sprintf(format, args...))
	}
	for k := range settings {
		if !slices.Contains(Settings, k) {
			return fail("unknown setting %q (known: %s)", k, strings.Join(Settings, ", "))
		}
	}
	if h.address == "" {
		h.address = target
	}
	if _, _, err := net.SplitHostPort(h.address); err != nil {
		h.address = net.JoinHostPort(h.address, "22")
	}
	if h.user == "" {
		u, err := user.Current()
		if err != nil {
			return fail("no user setting and no current user: %v", err)
		}
		h.user = u.Username
	}
	if v := settings["timeout"]; v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fail("timeout: %q is not a duration (use e.g. 15s)", v)
		}
		h.timeout = d
	}
	if h.remoteDir == "" {
		h.remoteDir = ".cache/tcpreport"
	}

	var key []byte
	switch file, env := settings["key_file"], settings["key_env"]; {
	case file != "" && env != "":
		return fail("set key_file or key_env, not both")
	case file != "":
		h.keySource = "key_file " + file
		b, err := os.ReadFile(expandHome(file))
		if err != nil {
			return fail("key_file: %v", err)
		}
		key = b
	case env != "":
		h.keySource = "key_env " + env
		key = []byte(os.Getenv(env))
		if len(key) == 0 {
			return fail("key_env: the environment variable %s is not set; export the private key in it", env)
		}
	default:
		return fail("no key: set key_file (a private key file) or key_env (an environment variable holding the key)")
	}
	signer, err := parseKey(key, settings["passphrase_env"])
	if err != nil {
		return fail("%s: %v", h.keySource, err)
	}
	h.signer = signer

	if h.knownHosts == "" {
		h.knownHosts = "~/.ssh/known_hosts"
	}
	cb, err := knownhosts.New(expandHome(h.knownHosts))
	if err != nil {
		return fail("known_hosts %s: %v; add the host's key with: ssh-keyscan -p PORT HOST >> %s", h.knownHosts, err, h.knownHosts)
	}
	h.hostKeys = cb
	return h, nil
}

// parseKey parses a private key, decrypting it with the passphrase held by
// the environment variable passEnv. Its errors never quote the key.
func parseKey(key []byte, passEnv string) (gossh.Signer, error) {
	signer, err := gossh.ParsePrivateKey(key)
	var missing *gossh.PassphraseMissingError
	switch {
	case errors.As(err, &missing) && passEnv == "":
		return nil, errors.New("the key is encrypted; set passphrase_env to the environment variable holding its passphrase")
	case errors.As(err, &missing):
		pass := os.Getenv(passEnv)
		if pass == "" {
			return nil, fmt.Errorf("the key is encrypted and the environment variable %s is not set", passEnv)
		}
		signer, err = gossh.ParsePrivateKeyWithPassphrase(key, []byte(pass))
		if err != nil {
			return nil, errors.New("the key's passphrase is wrong or the key is damaged")
		}
	case err != nil:
		return nil, errors.New("not a private key in a format ssh understands (OpenSSH, PEM)")
	}
	return signer, nil
}

// expandHome expands a leading ~/ to the home directory.
func expandHome(p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return p
}

// Name returns "ssh:NAME".
func (h *Host) Name() string { return "ssh:" + h.name }

// where names the executor and the host for errors.
func (h *Host) where() string {
	return fmt.Sprintf("%s (%s@%s)", h.Name(), h.user, h.address)
}

// errorf returns an error naming the executor and host.
func (h *Host) errorf(format string, args ...any) error {
	return fmt.Errorf("%s: %w", h.where(), fmt.Errorf(format, args...))
}

// HostKeyError is a host key that known_hosts does not vouch for.
type HostKeyError struct {
	KnownHosts  string
	Address     string
	Fingerprint string // SHA-256 of the key the host offered
	Mismatch    bool   // known_hosts holds other keys for the host
	Err         error
}

func (e *HostKeyError) Error() string {
	if e.Mismatch {
		return fmt.Sprintf("host key %s does not match the key %s holds for %s: the host was reinstalled or someone is in between; check it before replacing the line", e.Fingerprint, e.KnownHosts, e.Address)
	}
	return fmt.Sprintf("unknown host key %s: %s has no key for %s; check the fingerprint and add it with ssh-keyscan", e.Fingerprint, e.KnownHosts, e.Address)
}

func (e *HostKeyError) Unwrap() error { return e.Err }

// AuthError is a host that refused the key.
type AuthError struct {
	User, KeySource, Fingerprint string
	Err                          error
}

func (e *AuthError) Error() string {
	return fmt.Sprintf("the host refused the key (%s, %s) for user %s; add its public key to the user's authorized_keys", e.KeySource, e.Fingerprint, e.User)
}

func (e *AuthError) Unwrap() error { return e.Err }

// dial connects and authenticates. It checks the host key against
// known_hosts, offering only the key types known_hosts holds for the host
// so that a host with several keys is not taken for an impostor.
func (h *Host) dial(ctx context.Context) (*gossh.Client, error) {
	var keyErr error
	cfg := &gossh.ClientConfig{
		User:    h.user,
		Auth:    []gossh.AuthMethod{gossh.PublicKeys(h.signer)},
		Timeout: h.timeout,
		HostKeyCallback: func(hostname string, remote net.Addr, key gossh.PublicKey) error {
			err := h.hostKeys(hostname, remote, key)
			var ke *knownhosts.KeyError
			if errors.As(err, &ke) {
				keyErr = &HostKeyError{KnownHosts: h.knownHosts, Address: hostname, Fingerprint: gossh.FingerprintSHA256(key), Mismatch: len(ke.Want) > 0, Err: err}
				return keyErr
			}
			keyErr = err
			return err
		},
		HostKeyAlgorithms: h.hostKeyAlgorithms(),
	}
	dctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(dctx, "tcp", h.address)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, h.errorf("connect: %w", err)
	}
	stop := context.AfterFunc(dctx, func() { conn.Close() })
	c, chans, reqs, err := gossh.NewClientConn(conn, h.address, cfg)
	stop()
	if err != nil {
		conn.Close()
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case keyErr != nil:
			return nil, h.errorf("%w", keyErr)
		case strings.Contains(err.Error(), "unable to authenticate"):
			return nil, h.errorf("%w", &AuthError{User: h.user, KeySource: h.keySource, Fingerprint: gossh.FingerprintSHA256(h.signer.PublicKey()), Err: err})
		}
		return nil, h.errorf("handshake: %w", err)
	}
	return gossh.NewClient(c, chans, reqs), nil
}

// hostKeyAlgorithms returns the algorithms of the keys known_hosts holds
// for the host, or nil (any) when it holds none. It asks the known_hosts
// callback about a key no host has: the KeyError lists the known keys.
func (h *Host) hostKeyAlgorithms() []string {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil
	}
	probe, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		return nil
	}
	err = h.hostKeys(h.address, &net.TCPAddr{IP: net.IPv4zero}, probe.PublicKey())
	var ke *knownhosts.KeyError
	if !errors.As(err, &ke) {
		return nil
	}
	var algos []string
	for _, k := range ke.Want {
		switch t := k.Key.Type(); t {
		case gossh.KeyAlgoRSA:
			algos = append(algos, gossh.KeyAlgoRSASHA512, gossh.KeyAlgoRSASHA256, gossh.KeyAlgoRSA)
		default:
			algos = append(algos, t)
		}
	}
	return algos
}

// Run copies the worker (unless the host has it) and the shard to the
// host, runs the worker there and reads its result. Closing the
// connection, a crashing worker or a cut network end the shard with an
// error naming the host; exec.RunAll retries it.
func (h *Host) Run(ctx context.Context, s *exec.Shard) (*exec.Result, error) {
	r, err := h.run(ctx, s)
	if err != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return r, err
}

func (h *Host) run(ctx context.Context, s *exec.Shard) (*exec.Result, error) {
	shard, err := json.Marshal(s)
	if err != nil {
		return nil, h.errorf("shard: %w", err)
	}
	c, err := h.dial(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()

	worker, err := h.install(c)
	if err != nil {
		return nil, err
	}
	// Shard directories live under remote_dir; one a lost connection left
	// behind is removed a day later.
	shards := quote(h.remoteDir + "/shards")
	out, err := h.output(c, nil, "mkdir -p "+shards+" && find "+shards+" -mindepth 1 -maxdepth 1 -mmin +1440 -exec rm -rf {} + ; mktemp -d "+shards+"/XXXXXXXX")
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		return nil, h.errorf("make a shard directory: %w", errOr(err, "mktemp printed nothing"))
	}
	defer h.output(c, nil, "rm -rf "+quote(dir)) // best effort: the connection may be gone
	if _, err := h.output(c, bytes.NewReader(shard), "cat > "+quote(dir+"/shard.json")); err != nil {
		return nil, h.errorf("copy the shard: %w", err)
	}

	sess, err := c.NewSession()
	if err != nil {
		return nil, h.errorf("connection lost before the worker ran: %w", err)
	}
	var stderr bytes.Buffer
	sess.Stderr = &stderr
	kill := context.AfterFunc(ctx, func() { sess.Signal(gossh.SIGKILL) })
	err = sess.Run("exec " + quote(worker) + " worker --shard " + quote(dir+"/shard.json") + " --out " + quote(dir+"/result.json"))
	kill()
	sess.Close()
	var exit *gossh.ExitError
	switch {
	case errors.As(err, &exit) && exit.ExitStatus() == 1:
		// The directive failed; the result says why.
	case errors.As(err, &exit):
		how := fmt.Sprintf("exit status %d", exit.ExitStatus())
		if exit.Signal() != "" {
			how = "killed by SIG" + exit.Signal()
		}
		return nil, h.errorf("worker crashed (%s): %s", how, tail(stderr.Bytes()))
	case err != nil:
		return nil, h.errorf("connection lost while the worker ran: %w", err)
	}
	data, err := h.output(c, nil, "cat "+quote(dir+"/result.json"))
	if err != nil {
		return nil, h.errorf("worker wrote no result: %w: %s", err, tail(stderr.Bytes()))
	}
	r, err := exec.Decode(data)
	if err != nil {
		return nil, h.errorf("%w", err)
	}
	return r, nil
}

// install makes sure the host has this worker binary, named by its
// SHA-256, and returns its path there. It copies the binary only when the
// host's copy is missing or differs, and checks the copy with sha256sum.
func (h *Host) install(c *gossh.Client) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.installed != "" {
		return h.installed, nil
	}
	if h.worker == "" {
		exe, err := os.Executable()
		if err != nil {
			return "", h.errorf("worker: %w", err)
		}
		h.worker = exe
	}
	if h.workerSum == "" {
		sum, err := exec.FileSHA256(h.worker)
		if err != nil {
			return "", h.errorf("worker: %w", err)
		}
		h.workerSum = sum
	}
	path := h.remoteDir + "/tcpreport-" + h.workerSum[:16]
	remoteSum := func() (string, error) {
		out, err := h.output(c, nil, "if [ -e "+quote(path)+" ]; then sha256sum "+quote(path)+"; fi")
		if err != nil {
			return "", h.errorf("sha256sum %s: %w", path, err)
		}
		sum, _, _ := strings.Cut(string(out), " ")
		return sum, nil
	}
	sum, err := remoteSum()
	if err != nil {
		return "", err
	}
	if sum != h.workerSum {
		f, err := os.Open(h.worker)
		if err != nil {
			return "", h.errorf("worker: %w", err)
		}
		defer f.Close()
		tmp := path + ".tmp-" + randomHex()
		cmd := "mkdir -p " + quote(h.remoteDir) + " && cat > " + quote(tmp) + " && chmod 755 " + quote(tmp) + " && mv -f " + quote(tmp) + " " + quote(path)
		if _, err := h.output(c, f, cmd); err != nil {
			h.output(c, nil, "rm -f "+quote(tmp))
			return "", h.errorf("copy the worker to %s: %w", path, err)
		}
		h.copies.Add(1)
		if sum, err = remoteSum(); err != nil {
			return "", err
		}
		if sum != h.workerSum {
			h.output(c, nil, "rm -f "+quote(path))
			return "", h.errorf("the worker copied to %s has SHA-256 %q, not %s: the copy was damaged", path, sum, h.workerSum)
		}
	}
	h.installed = path
	return path, nil
}

// output runs cmd in a new session with stdin and returns its standard
// output; a failure carries the command's standard error.
func (h *Host) output(c *gossh.Client, stdin io.Reader, cmd string) ([]byte, error) {
	sess, err := c.NewSession()
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	var stdout, stderr bytes.Buffer
	sess.Stdin, sess.Stdout, sess.Stderr = stdin, &stdout, &stderr
	if err := sess.Run(cmd); err != nil {
		if msg := tail(stderr.Bytes()); msg != "" {
			return nil, fmt.Errorf("%w: %s", err, msg)
		}
		return nil, err
	}
	return stdout.Bytes(), nil
}

// quote quotes s for a POSIX shell.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// tail is the end of untrusted output, for error messages.
func tail(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 400 {
		b = b[len(b)-400:]
	}
	return string(b)
}

func errOr(err error, msg string) error {
	if err != nil {
		return err
	}
	return errors.New(msg)
}

func randomHex() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}
