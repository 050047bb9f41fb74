package fpga

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Port is a serial line. A go.bug.st/serial port satisfies it, and so does
// the emulator's PTY.
type Port interface {
	io.ReadWriteCloser
	// SetReadTimeout bounds each later Read: after d with no data, Read
	// returns 0, nil.
	SetReadTimeout(d time.Duration) error
}

// inputResetter is the optional ability to discard received bytes that were
// not read yet; go.bug.st/serial ports have it.
type inputResetter interface {
	ResetInputBuffer() error
}

// Errors of the link, matched with errors.Is; they arrive wrapped in a
// *LinkError that says which device, which exchange and how many attempts.
var (
	// ErrTimeout: no valid response before the exchange's deadline.
	ErrTimeout = errors.New("no valid response before the deadline")
	// ErrDisconnected: the line went away (unplugged, emulator stopped).
	ErrDisconnected = errors.New("device disconnected")
	// ErrRejected: the device answered NAK.
	ErrRejected = errors.New("device rejected the request")
	// ErrProtocol: a response with a valid CRC that breaks the protocol.
	ErrProtocol = errors.New("protocol violation")
)

// poll is the longest a single Read waits, so that cancellation is noticed.
const poll = 50 * time.Millisecond

// rxStats counts what a receiver threw away.
type rxStats struct {
	garbage int // bytes dropped while resynchronising
	stale   int // well-formed frames with another sequence number
	badCRC  int // frame candidates whose CRC did not match
}

// receiver assembles frames from a Port, resynchronising after garbage.
type receiver struct {
	port  Port
	dir   Direction
	buf   []byte // received, not yet consumed
	tmp   []byte
	stats rxStats
	// last is when the latest byte arrived, for the idle rule.
	last time.Time
	// onBadCRC, if set, is told of each frame candidate whose CRC failed.
	onBadCRC func(typ byte, arg uint16, seq byte)
}

func newReceiver(p Port, dir Direction) *receiver {
	return &receiver{port: p, dir: dir, tmp: make([]byte, 4096)}
}

// reset forgets buffered bytes.
func (r *receiver) reset() { r.buf = r.buf[:0] }

// drop discards the first n buffered bytes.
func (r *receiver) drop(n int) {
	r.buf = r.buf[n:]
	if cap(r.buf) > 4*MaxFrame && len(r.buf) < MaxFrame {
		r.buf = append([]byte(nil), r.buf...)
	}
}

// next returns the next frame whose header want accepts (nil: any) and
// whose sequence number is seq (negative: any). It reads until deadline
// (zero: no deadline) or until ctx is done. idle > 0 is the receiver's
// inter-byte timeout: an incomplete frame that gets no byte for idle loses
// its first byte, and the search goes on after it. The returned payload is
// a copy.
func (r *receiver) next(ctx context.Context, deadline time.Time, idle time.Duration, want func(typ byte, arg uint16) bool, seq int) (Frame, error) {
	for {
		// Take every decision the buffered bytes allow.
		for len(r.buf) > 0 {
			f, n, err := Decode(r.dir, r.buf)
			if err == nil && want != nil && !want(f.Type, f.Arg) {
				err = ErrHeader
			}
			if err == nil && seq >= 0 && int(f.Seq) != seq {
				r.stats.stale++
				r.drop(n)
				continue
			}
			if err == nil {
				f.Payload = append([]byte(nil), f.Payload...)
				r.drop(n)
				return f, nil
			}
			if errors.Is(err, ErrIncomplete) {
				if len(r.buf) >= HeaderSize && want != nil && !want(r.buf[1], uint16(r.buf[2])<<8|uint16(r.buf[3])) {
					err = ErrHeader // not the frame we wait for: do not wait for its end
				} else {
					break
				}
			}
			if errors.Is(err, ErrChecksum) {
				r.stats.badCRC++
				if r.onBadCRC != nil {
					l, _ := PayloadLen(r.dir, r.buf[1], uint16(r.buf[2])<<8|uint16(r.buf[3]))
					r.onBadCRC(r.buf[1], uint16(r.buf[2])<<8|uint16(r.buf[3]), r.buf[HeaderSize+l])
				}
			}
			k := Resync(r.dir, r.buf)
			r.stats.garbage += k
			r.drop(k)
		}
		if err := ctx.Err(); err != nil {
			return Frame{}, err
		}
		now := time.Now()
		wait := poll
		if !deadline.IsZero() {
			if !now.Before(deadline) {
				return Frame{}, ErrTimeout
			}
			wait = min(wait, deadline.Sub(now))
		}
		if idle > 0 && len(r.buf) > 0 {
			if left := r.last.Add(idle).Sub(now); left <= 0 {
				// A false start that never completed: look past its first byte.
				k := Resync(r.dir, r.buf)
				r.stats.garbage += k
				r.drop(k)
				continue
			} else {
				wait = min(wait, left)
			}
		}
		if err := r.port.SetReadTimeout(wait); err != nil {
			return Frame{}, fmt.Errorf("%w: setting the read timeout: %w", ErrDisconnected, err)
		}
		n, err := r.port.Read(r.tmp)
		if n > 0 {
			r.buf = append(r.buf, r.tmp[:n]...)
			r.last = time.Now()
		}
		if err != nil {
			return Frame{}, disconnected(err)
		}
	}
}

// disconnected wraps a read or write error of the line: whatever the
// cause (EIO from a hung-up terminal, a closed port, a removed USB
// adapter), the line is gone for this exchange.
func disconnected(err error) error {
	return fmt.Errorf("%w: %w", ErrDisconnected, err)
}
