// Package slurmtest starts a real single-node Slurm cluster for tests:
// munged, slurmctld and slurmd from Debian's munge and slurm-wlm packages,
// with a private munge socket and key, free ports and a minimal
// slurm.conf in a temporary directory, so that it disturbs no other
// cluster on the machine.
package slurmtest

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Partition is the cluster's one partition.
const Partition = "debug"

// Cluster is a running single-node Slurm cluster. Its commands (sbatch,
// squeue, scontrol, scancel) find it through the environment variable
// SLURM_CONF=Conf.
type Cluster struct {
	Dir  string // holds the configuration, state, spool and logs
	Conf string // slurm.conf
	Node string // the node's name

	daemons []*exec.Cmd // munged, slurmctld, slurmd
}

// Start starts a cluster in a temporary directory, sets SLURM_CONF for the
// test and stops the cluster when the test ends. A machine without Slurm
// fails the test: make deps installs it.
func Start(t testing.TB) *Cluster {
	t.Helper()
	// A short directory: munge's socket path must fit in sun_path.
	dir, err := os.MkdirTemp("", "slurmtest-")
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(dir)
	if err != nil {
		os.RemoveAll(dir)
		t.Fatal(err)
	}
	t.Setenv("SLURM_CONF", c.Conf)
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Error(err)
		}
		os.RemoveAll(dir)
	})
	return c
}

// New starts a cluster whose files live in dir and waits until its node is
// idle. The caller sets SLURM_CONF (Env gives it) and calls Stop.
func New(dir string) (*Cluster, error) {
	for _, bin := range []string{"munged", "slurmctld", "slurmd", "sbatch", "sinfo"} {
		if _, err := exec.LookPath(bin); err != nil {
			if _, err := os.Stat("/usr/sbin/" + bin); err != nil {
				return nil, fmt.Errorf("slurmtest: %s is not installed: run make deps (munge, slurm-wlm)", bin)
			}
		}
	}
	host, err := os.Hostname()
	if err != nil {
		return nil, err
	}
	host, _, _ = strings.Cut(host, ".")
	c := &Cluster{Dir: dir, Conf: filepath.Join(dir, "slurm.conf"), Node: host}
	for _, d := range []string{"munge", "state", "spool"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return nil, err
		}
	}
	key := make([]byte, 1024)
	rand.Read(key)
	if err := os.WriteFile(filepath.Join(dir, "munge", "munge.key"), key, 0o400); err != nil {
		return nil, err
	}
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	p := func(name string) string { return filepath.Join(dir, name) }
	conf := fmt.Sprintf(`# A single-node cluster for tcpreport's tests (internal/slurmtest).
ClusterName=tcpreport-test
SlurmctldHost=%[1]s(127.0.0.1)
SlurmctldPort=%[2]d
SlurmdPort=%[3]d
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=%[4]s
SlurmUser=root
SlurmdUser=root
StateSaveLocation=%[5]s
SlurmdSpoolDir=%[6]s
SlurmctldPidFile=%[7]s
SlurmdPidFile=%[8]s
SlurmctldLogFile=%[9]s
SlurmdLogFile=%[10]s
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
MinJobAge=600
KillWait=2
NodeName=%[1]s NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=%[11]s Nodes=ALL Default=YES MaxTime=INFINITE State=UP
`, host, ports[0], ports[1], p("munge/munge.sock"), p("state"), p("spool"), p("slurmctld.pid"), p("slurmd.pid"),
		p("slurmctld.log"), p("slurmd.log"), Partition)
	if err := os.WriteFile(c.Conf, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	env := append(os.Environ(), "SLURM_CONF="+c.Conf)
	start := func(name string, args ...string) error {
		cmd := exec.Command(name, args...)
		cmd.Env = env
		cmd.Stdout, cmd.Stderr = nil, nil
		if f, err := os.OpenFile(p(filepath.Base(name)+".out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err == nil {
			cmd.Stdout, cmd.Stderr = f, f
			defer f.Close()
		}
		// Its own process group: a test's Ctrl-C does not reach it first.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("slurmtest: start %s: %w", name, err)
		}
		c.daemons = append(c.daemons, cmd)
		return nil
	}
	fail := func(err error) (*Cluster, error) {
		c.Stop()
		return nil, fmt.Errorf("%w\n%s", err, c.Logs())
	}
	if err := start("munged", "-F", "-f", "--socket="+p("munge/munge.sock"), "--key-file="+p("munge/munge.key"),
		"--log-file="+p("munge/munged.log"), "--pid-file="+p("munge/munged.pid"), "--seed-file="+p("munge/munged.seed")); err != nil {
		return fail(err)
	}
	if err := waitFor(10*time.Second, func() bool { _, err := os.Stat(p("munge/munge.sock")); return err == nil }); err != nil {
		return fail(fmt.Errorf("slurmtest: munged made no socket: %w", err))
	}
	if err := start("slurmctld", "-D", "-i", "-f", c.Conf); err != nil {
		return fail(err)
	}
	if err := start("slurmd", "-D", "-f", c.Conf, "-N", host); err != nil {
		return fail(err)
	}
	err = waitFor(60*time.Second, func() bool {
		cmd := exec.Command("sinfo", "-h", "-n", host, "-o", "%t")
		cmd.Env = env
		out, err := cmd.Output()
		return err == nil && strings.TrimSpace(string(out)) == "idle"
	})
	if err != nil {
		return fail(fmt.Errorf("slurmtest: the node did not become idle: %w", err))
	}
	return c, nil
}

// Env returns the environment variable that points Slurm's commands at c.
func (c *Cluster) Env() string { return "SLURM_CONF=" + c.Conf }

// Command returns a Slurm command (squeue, scancel, ...) aimed at c.
func (c *Cluster) Command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), c.Env())
	return cmd
}

// Jobs lists the ids of the jobs the cluster still holds in its queue
// (pending, running or completing).
func (c *Cluster) Jobs() ([]string, error) {
	out, err := c.Command("squeue", "-h", "-o", "%i").Output()
	if err != nil {
		return nil, fmt.Errorf("squeue: %w", err)
	}
	return strings.Fields(string(out)), nil
}

// Stop cancels the jobs still queued, then stops slurmd, slurmctld and
// munged, and waits for them.
func (c *Cluster) Stop() error {
	if len(c.daemons) == 3 {
		if jobs, err := c.Jobs(); err == nil && len(jobs) > 0 {
			c.Command("scancel", jobs...).Run()
			waitFor(15*time.Second, func() bool { j, err := c.Jobs(); return err != nil || len(j) == 0 })
		}
	}
	var errs []error
	for i := len(c.daemons) - 1; i >= 0; i-- {
		d := c.daemons[i]
		d.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- d.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			d.Process.Kill()
			<-done
			errs = append(errs, fmt.Errorf("slurmtest: %s did not stop on SIGTERM; killed", filepath.Base(d.Path)))
		}
	}
	c.daemons = nil
	return errors.Join(errs...)
}

// Logs returns the ends of the daemons' logs, for a failing test.
func (c *Cluster) Logs() string {
	var b bytes.Buffer
	for _, name := range []string{"slurmctld.log", "slurmd.log", "munge/munged.log", "slurmctld.out", "slurmd.out", "munged.out"} {
		data, err := os.ReadFile(filepath.Join(c.Dir, name))
		if err != nil || len(data) == 0 {
			continue
		}
		if len(data) > 2000 {
			data = data[len(data)-2000:]
		}
		fmt.Fprintf(&b, "--- %s\n%s\n", name, data)
	}
	return b.String()
}

func waitFor(limit time.Duration, ok func() bool) error {
	for deadline := time.Now().Add(limit); ; time.Sleep(100 * time.Millisecond) {
		if ok() {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not after %v", limit)
		}
	}
}

// freePorts returns n ports free on loopback now.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
