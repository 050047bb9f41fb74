package fpga

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"

	"github.com/tcpreport/tcpreport/engine/tcp"
)

// Frame layout (PROTOCOL.md): every frame, in both directions, is
//
//	0      sync 0xAA
//	1      type
//	2–3    argument, big-endian; its meaning depends on the type
//	4…     payload, whose length follows from direction, type and argument
//	4+L    sequence number, echoed by the device
//	5+L…   CRC-32C (Castagnoli) over bytes 0…4+L, big-endian
const (
	// Sync is the first byte of every frame.
	Sync = 0xAA
	// HeaderSize is the length of the sync, type and argument bytes.
	HeaderSize = 4
	// TrailerSize is the length of the sequence number and the CRC.
	TrailerSize = 5
	// Overhead is the length of a frame without its payload.
	Overhead = HeaderSize + TrailerSize
	// MaxBatch is the most descriptors one validate request carries.
	MaxBatch = 1024
	// StatsSize is the payload length of a statistics response.
	StatsSize = 28
	// MaxIdentity is the longest identify payload.
	MaxIdentity = 64
	// MaxFrame is the length of the longest frame: a full validate request.
	MaxFrame = Overhead + MaxBatch*tcp.Size
)

// Frame types. Requests and responses share the type of the command; a
// device that refuses a well-formed request answers TypeNAK.
const (
	TypeConfigure = 0x01
	TypeValidate  = 0x02
	TypeStats     = 0x03
	TypeIdentify  = 0x04
	TypeNAK       = 0x15
)

// NAK codes, the argument of a TypeNAK frame.
const (
	NAKChecksum      = 0x0001 // the request's CRC did not match
	NAKConfig        = 0x0002 // configure values out of range
	NAKNotConfigured = 0x0003 // validate or statistics before configure
)

// Result bytes of a validate response, one per descriptor.
const (
	ResultInvalid = 0x00
	ResultValid   = 0x01
)

// IdentityEmulated is bit 0 of the first identify payload byte: the device
// is an emulator, and its cycle counts come from a model, not hardware.
const IdentityEmulated = 0x01

// Direction says which way a frame travels; the payload length of a type
// differs between requests and responses.
type Direction uint8

const (
	// ToDevice frames are requests from the host.
	ToDevice Direction = iota
	// ToHost frames are responses from the device.
	ToHost
)

// String returns "request" or "response".
func (d Direction) String() string {
	if d == ToDevice {
		return "request"
	}
	return "response"
}

// Frame is one decoded frame.
type Frame struct {
	Type    byte
	Arg     uint16
	Payload []byte
	Seq     byte
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Errors of Decode. ErrIncomplete means more bytes may complete a frame;
// the others mean no frame starts at the first byte, and are returned
// wrapped in a *FrameError.
var (
	ErrIncomplete = errors.New("incomplete frame")
	ErrSync       = errors.New("no sync byte")
	ErrHeader     = errors.New("no such frame type or argument")
	ErrChecksum   = errors.New("CRC mismatch")
)

// FrameError says why the bytes at the start of a buffer are not a frame.
type FrameError struct {
	Dir    Direction
	Offset int // of the offending byte within the would-be frame
	Err    error
	Detail string
}

// Error says which byte of the would-be frame is wrong and why.
func (e *FrameError) Error() string {
	return fmt.Sprintf("fpga: %s frame: byte %d: %v: %s", e.Dir, e.Offset, e.Err, e.Detail)
}

// Unwrap returns ErrSync, ErrHeader or ErrChecksum.
func (e *FrameError) Unwrap() error { return e.Err }

// PayloadLen returns the payload length of a frame of type typ with
// argument arg travelling in direction dir, and whether such a header
// exists at all. Receivers resynchronise on headers it rejects.
func PayloadLen(dir Direction, typ byte, arg uint16) (int, bool) {
	if dir == ToDevice {
		switch typ {
		case TypeConfigure:
			return 2, true // engines, banks; the argument is the clock
		case TypeValidate:
			return int(arg) * tcp.Size, arg >= 1 && arg <= MaxBatch
		case TypeStats, TypeIdentify:
			return 0, arg == 0
		}
		return 0, false
	}
	switch typ {
	case TypeConfigure:
		return 0, arg == 0
	case TypeValidate:
		return int(arg), arg >= 1 && arg <= MaxBatch
	case TypeStats:
		return StatsSize, arg == StatsSize
	case TypeIdentify:
		return int(arg), arg >= 1 && arg <= MaxIdentity
	case TypeNAK:
		return 0, arg >= NAKChecksum && arg <= NAKNotConfigured
	}
	return 0, false
}

// Len returns the encoded length of f.
func (f Frame) Len() int { return Overhead + len(f.Payload) }

// Append appends the encoding of f, CRC included, to dst. It encodes what
// it is given; Decode is the side that checks.
func (f Frame) Append(dst []byte) []byte {
	start := len(dst)
	dst = append(dst, Sync, f.Type, byte(f.Arg>>8), byte(f.Arg))
	dst = append(dst, f.Payload...)
	dst = append(dst, f.Seq)
	return binary.BigEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

// Decode decodes the frame travelling in direction dir that starts at b[0],
// and returns it with its length. The frame's Payload aliases b. When b is
// a proper prefix of a possible frame, the error is ErrIncomplete; when no
// frame starts at b[0], it is a *FrameError wrapping ErrSync, ErrHeader or
// ErrChecksum, and the receiver drops b[0] and looks again (Resync).
func Decode(dir Direction, b []byte) (Frame, int, error) {
	if len(b) == 0 {
		return Frame{}, 0, ErrIncomplete
	}
	if b[0] != Sync {
		return Frame{}, 0, &FrameError{dir, 0, ErrSync, fmt.Sprintf("got %#02x, want %#02x", b[0], Sync)}
	}
	if len(b) < HeaderSize {
		return Frame{}, 0, ErrIncomplete
	}
	typ, arg := b[1], binary.BigEndian.Uint16(b[2:4])
	l, ok := PayloadLen(dir, typ, arg)
	if !ok {
		return Frame{}, 0, &FrameError{dir, 1, ErrHeader, fmt.Sprintf("type %#02x with argument %d", typ, arg)}
	}
	n := Overhead + l
	if len(b) < n {
		return Frame{}, 0, ErrIncomplete
	}
	if got, want := binary.BigEndian.Uint32(b[n-4:n]), crc32.Checksum(b[:n-4], castagnoli); got != want {
		return Frame{}, 0, &FrameError{dir, n - 4, ErrChecksum, fmt.Sprintf("stored %08x, bytes 0–%d give %08x", got, n-5, want)}
	}
	return Frame{Type: typ, Arg: arg, Payload: b[HeaderSize : HeaderSize+l], Seq: b[n-5]}, n, nil
}

// Resync returns the offset of the first byte after b[0] at which a frame
// of direction dir could start: a sync byte whose header, as far as b
// holds it, is possible. It returns len(b) when there is none. A receiver
// calls it after Decode failed at b[0], so that a frame hidden inside
// garbage or inside a false start is still found.
func Resync(dir Direction, b []byte) int {
	for i := 1; i < len(b); i++ {
		if b[i] != Sync {
			continue
		}
		if len(b)-i < HeaderSize {
			return i
		}
		if _, ok := PayloadLen(dir, b[i+1], binary.BigEndian.Uint16(b[i+2:i+4])); ok {
			return i
		}
	}
	return len(b)
}
