//go:build linux

package fpga

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// PTY is a pseudo-terminal pair opened for the emulator: the master side,
// which the emulator reads and writes as a Port, and the slave side's path,
// which a client opens as if it were a serial device. The PTY keeps a file
// of its own open on the slave so that the master does not see a hang-up
// between clients; closing the PTY hangs up every client.
type PTY struct {
	// Path is the slave device, e.g. /dev/pts/5.
	Path string

	master  *os.File
	slave   *os.File
	timeout time.Duration
	once    sync.Once
	err     error
}

// OpenPTY opens /dev/ptmx, unlocks the slave (TIOCSPTLCK), looks up its
// number (TIOCGPTN) and puts the line in raw mode — no echo, no line
// editing, no CR/LF translation, 8-bit characters — so that bytes pass
// unchanged in both directions.
func OpenPTY() (*PTY, error) {
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("fpga: pseudo-terminal: %w", err)
	}
	var n int
	ctlErr := control(master, func(fd int) error {
		if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
			return fmt.Errorf("unlockpt: %w", err)
		}
		var err error
		if n, err = unix.IoctlGetInt(fd, unix.TIOCGPTN); err != nil {
			return fmt.Errorf("ptsname: %w", err)
		}
		return nil
	})
	if ctlErr != nil {
		master.Close()
		return nil, fmt.Errorf("fpga: pseudo-terminal: %w", ctlErr)
	}
	path := "/dev/pts/" + strconv.Itoa(n)
	slave, err := os.OpenFile(path, os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		master.Close()
		return nil, fmt.Errorf("fpga: pseudo-terminal: %w", err)
	}
	if err := control(slave, makeRaw); err != nil {
		master.Close()
		slave.Close()
		return nil, fmt.Errorf("fpga: pseudo-terminal %s: raw mode: %w", path, err)
	}
	return &PTY{Path: path, master: master, slave: slave}, nil
}

// control runs fn on f's descriptor without taking the file out of the
// runtime poller (f.Fd would make it blocking and lose read deadlines).
func control(f *os.File, fn func(fd int) error) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

// makeRaw is cfmakeraw(3).
func makeRaw(fd int) error {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON | unix.IXOFF
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8 | unix.CREAD | unix.CLOCAL
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	return unix.IoctlSetTermios(fd, unix.TCSETS, t)
}

// SetReadTimeout bounds each later Read: after d without data, Read
// returns 0, nil, as a go.bug.st/serial port does. 0 means no bound.
func (p *PTY) SetReadTimeout(d time.Duration) error {
	p.timeout = d
	return nil
}

// Read reads what the client wrote.
func (p *PTY) Read(b []byte) (int, error) {
	var dl time.Time
	if p.timeout > 0 {
		dl = time.Now().Add(p.timeout)
	}
	if err := p.master.SetReadDeadline(dl); err != nil {
		return 0, err
	}
	n, err := p.master.Read(b)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return n, nil
	}
	return n, err
}

// Write sends b to the client.
func (p *PTY) Write(b []byte) (int, error) { return p.master.Write(b) }

// Close closes both sides: a client's reads and writes then fail with an
// I/O error, as when a USB serial adapter is unplugged.
func (p *PTY) Close() error {
	p.once.Do(func() {
		p.err = errors.Join(p.master.Close(), p.slave.Close())
	})
	return p.err
}

// SetWriteDeadline bounds writes to the client, which may have stopped
// reading.
func (p *PTY) SetWriteDeadline(t time.Time) error { return p.master.SetWriteDeadline(t) }
