package fpga

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/tcpreport/tcpreport/engine/tcp"
	"go.bug.st/serial"
)

// Defaults of Options.
const (
	DefaultBaud    = 115200
	DefaultTimeout = time.Second
)

// Options tune a Client. The zero value is 115200 baud, a one-second
// allowance and no retries.
type Options struct {
	// Baud is the line speed (8 data bits, no parity, one stop bit). It also
	// sets the wire time of each exchange's deadline.
	Baud int
	// Timeout is what the device may take beyond the wire time: an
	// exchange's deadline is Timeout plus twice the time its request and
	// response take on the wire at Baud.
	Timeout time.Duration
	// Retries is how many times a request is sent again after a timeout, a
	// response that failed its CRC, or a NAK for a damaged request. A
	// re-sent request gets a new sequence number, so a late answer to the
	// earlier one is recognised and dropped.
	Retries int
}

func (o Options) baud() int {
	if o.Baud <= 0 {
		return DefaultBaud
	}
	return o.Baud
}

func (o Options) timeout() time.Duration {
	if o.Timeout <= 0 {
		return DefaultTimeout
	}
	return o.Timeout
}

// wireTime is how long n bytes take on an 8N1 line: 10 bits each.
func (o Options) wireTime(n int) time.Duration {
	return time.Duration(n) * 10 * time.Second / time.Duration(o.baud())
}

// Config is what a configure request sets.
type Config struct {
	ClockMHz uint16
	Engines  uint8
	Banks    uint8
}

// Identity is a device's answer to identify.
type Identity struct {
	// Emulated says the device is an emulator: its cycle counts come from a
	// model and are no hardware timing.
	Emulated bool
	Name     string
}

// Stats is a statistics response: the device's counters since the last
// configure. The cycle counts of an emulated device come from its model.
type Stats struct {
	TotalCycles uint64
	Descriptors uint64 // descriptors validated
	Invalid     uint32 // the error count: descriptors found invalid
	Rejected    uint32 // request frames refused (CRC, argument)
	// AvgQ16 is the average cycles per descriptor in unsigned 16.16 fixed
	// point, as sent; AvgCycles converts it.
	AvgQ16 uint32
}

// AvgCycles returns the average cycles per descriptor.
func (s Stats) AvgCycles() float64 { return float64(s.AvgQ16) / 65536 }

func (s Stats) append(b []byte) []byte {
	b = binary.BigEndian.AppendUint64(b, s.TotalCycles)
	b = binary.BigEndian.AppendUint64(b, s.Descriptors)
	b = binary.BigEndian.AppendUint32(b, s.Invalid)
	b = binary.BigEndian.AppendUint32(b, s.Rejected)
	return binary.BigEndian.AppendUint32(b, s.AvgQ16)
}

func parseStats(p []byte) Stats {
	return Stats{
		TotalCycles: binary.BigEndian.Uint64(p[0:8]),
		Descriptors: binary.BigEndian.Uint64(p[8:16]),
		Invalid:     binary.BigEndian.Uint32(p[16:20]),
		Rejected:    binary.BigEndian.Uint32(p[20:24]),
		AvgQ16:      binary.BigEndian.Uint32(p[24:28]),
	}
}

// LinkError is the failure of one exchange with a device.
type LinkError struct {
	Device   string
	Op       string // "configure", "validate 256 descriptors", ...
	Attempts int
	Err      error // wraps ErrTimeout, ErrDisconnected, ErrRejected, ErrProtocol or the context's error
}

// Error says which device, which exchange, what went wrong and, after
// re-sends, how many attempts were made.
func (e *LinkError) Error() string {
	s := fmt.Sprintf("fpga: %s: %s: %v", e.Device, e.Op, e.Err)
	if e.Attempts > 1 {
		s += fmt.Sprintf(" (%d attempts)", e.Attempts)
	}
	return s
}

// Unwrap returns the cause.
func (e *LinkError) Unwrap() error { return e.Err }

// Client speaks the protocol of PROTOCOL.md to one device. Every read has
// a deadline and every write a time limit, so no call blocks for longer
// than its exchanges' deadlines; a response is used only when its CRC and
// sequence number match. A Client is not safe for concurrent use.
type Client struct {
	port   Port
	device string
	opt    Options
	rx     *receiver
	seq    byte
	buf    []byte
	broken error
}

// Open opens a serial device at opt.Baud, 8N1, discards what is waiting
// in its input buffer and returns a client for it. A device that does not
// exist gives an error that matches fs.ErrNotExist.
func Open(device string, opt Options) (*Client, error) {
	p, err := serial.Open(device, &serial.Mode{BaudRate: opt.baud(), DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit})
	if err != nil {
		return nil, openError(device, err)
	}
	if err := p.ResetInputBuffer(); err != nil {
		p.Close()
		return nil, fmt.Errorf("fpga: %s: discarding stale input: %w", device, err)
	}
	return NewClient(p, device, opt), nil
}

// openError turns serial.Open's errors into ones that say what to do.
func openError(device string, err error) error {
	var pe *serial.PortError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("fpga: %s: no such device (is the board connected? its USB serial adapter is usually /dev/ttyUSB* or /dev/ttyACM*): %w", device, err)
	case errors.As(err, &pe) && pe.Code() == serial.InvalidSerialPort:
		return fmt.Errorf("fpga: %s is not a serial port: %w", device, err)
	case errors.As(err, &pe) && pe.Code() == serial.PermissionDenied:
		return fmt.Errorf("fpga: %s: permission denied (add yourself to the dialout group, or check the device's mode): %w", device, err)
	case errors.As(err, &pe) && pe.Code() == serial.PortBusy:
		return fmt.Errorf("fpga: %s is in use by another program: %w", device, err)
	}
	return fmt.Errorf("fpga: opening %s: %w", device, err)
}

// NewClient returns a client speaking over p, which it owns from now on;
// device names it in errors.
func NewClient(p Port, device string, opt Options) *Client {
	return &Client{port: p, device: device, opt: opt, rx: newReceiver(p, ToHost)}
}

// Device returns the device's name.
func (c *Client) Device() string { return c.device }

// Close closes the port.
func (c *Client) Close() error { return c.port.Close() }

// Configure sets the clock, the number of validation engines and of memory
// banks, and resets the device's statistics.
func (c *Client) Configure(ctx context.Context, cfg Config) error {
	req := Frame{Type: TypeConfigure, Arg: cfg.ClockMHz, Payload: []byte{cfg.Engines, cfg.Banks}}
	_, _, err := c.exchange(ctx, "configure", req, TypeConfigure, 0, 0, c.opt.Retries)
	return err
}

// Identify asks the device what it is. Identify is this protocol's
// extension of the research design's commands; a device without it does
// not answer, and Identify fails with ErrTimeout after one attempt.
func (c *Client) Identify(ctx context.Context) (Identity, error) {
	f, _, err := c.exchange(ctx, "identify", Frame{Type: TypeIdentify}, TypeIdentify, -1, MaxIdentity, 0)
	if err != nil {
		return Identity{}, err
	}
	return Identity{Emulated: f.Payload[0]&IdentityEmulated != 0, Name: string(f.Payload[1:])}, nil
}

// Validate sends one batch of packed 24-byte descriptors, 1 to MaxBatch of
// them, and returns the device's verdict on each and how many attempts it
// took. It returns results only for a complete response whose CRC and
// sequence number match: never a part of a batch.
func (c *Client) Validate(ctx context.Context, descs []byte) ([]bool, int, error) {
	n := len(descs) / tcp.Size
	op := fmt.Sprintf("validate %d descriptors", n)
	if len(descs)%tcp.Size != 0 || n < 1 || n > MaxBatch {
		return nil, 0, &LinkError{c.device, op, 0, fmt.Errorf("a batch is 1 to %d whole %d-byte descriptors, got %d bytes", MaxBatch, tcp.Size, len(descs))}
	}
	f, attempts, err := c.exchange(ctx, op, Frame{Type: TypeValidate, Arg: uint16(n), Payload: descs}, TypeValidate, n, n, c.opt.Retries)
	if err != nil {
		return nil, attempts, err
	}
	valid := make([]bool, n)
	for i, r := range f.Payload {
		switch r {
		case ResultValid:
			valid[i] = true
		case ResultInvalid:
		default:
			return nil, attempts, &LinkError{c.device, op, attempts, fmt.Errorf("%w: result byte %d is %#02x, want 0x00 or 0x01", ErrProtocol, i, r)}
		}
	}
	return valid, attempts, nil
}

// Stats asks for the device's statistics since the last configure.
func (c *Client) Stats(ctx context.Context) (Stats, error) {
	f, _, err := c.exchange(ctx, "statistics", Frame{Type: TypeStats}, TypeStats, StatsSize, StatsSize, c.opt.Retries)
	if err != nil {
		return Stats{}, err
	}
	return parseStats(f.Payload), nil
}

// exchange sends req and waits for the response of type typ whose argument
// is arg (negative: any), whose payload is at most respLen bytes, or for a
// NAK, trying 1+retries times. It returns the response and the attempts.
func (c *Client) exchange(ctx context.Context, op string, req Frame, typ byte, arg int, respLen, retries int) (Frame, int, error) {
	if c.broken != nil {
		return Frame{}, 0, &LinkError{c.device, op, 0, c.broken}
	}
	want := func(t byte, a uint16) bool {
		return t == TypeNAK || t == typ && (arg < 0 || int(a) == arg)
	}
	var last error
	attempt := 0
	for attempt < 1+retries {
		attempt++
		if attempt > 1 {
			c.flush()
		}
		c.seq++
		req.Seq = c.seq
		c.buf = req.Append(c.buf[:0])
		if err := c.write(ctx, c.buf); err != nil {
			return Frame{}, attempt, &LinkError{c.device, op, attempt, err}
		}
		limit := c.opt.timeout() + 2*c.opt.wireTime(len(c.buf)+Overhead+respLen)
		before := c.rx.stats
		f, err := c.rx.next(ctx, time.Now().Add(limit), 0, want, int(c.seq))
		switch {
		case err == nil && f.Type != TypeNAK:
			return f, attempt, nil
		case err == nil:
			last = fmt.Errorf("%w: NAK %#04x (%s)", ErrRejected, f.Arg, nakText(f.Arg))
			if f.Arg != NAKChecksum {
				return Frame{}, attempt, &LinkError{c.device, op, attempt, last}
			}
		case errors.Is(err, ErrTimeout):
			d := c.rx.stats
			last = fmt.Errorf("%w: waited %v; meanwhile %d bytes were skipped while resynchronising, %d frames failed their CRC, %d answered an earlier request",
				ErrTimeout, limit.Round(time.Millisecond), d.garbage-before.garbage, d.badCRC-before.badCRC, d.stale-before.stale)
		default: // disconnected, cancelled: trying again cannot help
			return Frame{}, attempt, &LinkError{c.device, op, attempt, err}
		}
	}
	return Frame{}, attempt, &LinkError{c.device, op, attempt, last}
}

// flush discards unread input before a request is sent again.
func (c *Client) flush() {
	if r, ok := c.port.(inputResetter); ok {
		r.ResetInputBuffer()
	}
	c.rx.reset()
}

// write writes b within the time the wire needs plus the allowance. A
// write that does not finish by then (a line that does not drain) closes
// the port: the client is unusable afterwards and says so.
func (c *Client) write(ctx context.Context, b []byte) error {
	limit := c.opt.timeout() + 2*c.opt.wireTime(len(b))
	done := make(chan error, 1)
	go func() {
		for len(b) > 0 {
			n, err := c.port.Write(b)
			if err != nil {
				done <- err
				return
			}
			b = b[n:]
		}
		done <- nil
	}()
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case err := <-done:
		if err != nil {
			return disconnected(err)
		}
		return nil
	case <-t.C:
		c.port.Close()
		c.broken = fmt.Errorf("%w: a write did not finish within %v, so the port was closed", ErrTimeout, limit.Round(time.Millisecond))
		return c.broken
	case <-ctx.Done():
		c.port.Close()
		c.broken = fmt.Errorf("port closed when a write was cancelled: %w", ctx.Err())
		return ctx.Err()
	}
}

func nakText(code uint16) string {
	switch code {
	case NAKChecksum:
		return "the request failed its CRC on arrival"
	case NAKConfig:
		return "configuration out of range"
	case NAKNotConfigured:
		return "not configured"
	}
	return "unknown code"
}
