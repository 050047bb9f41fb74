package tcp

import (
	"crypto/md5"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// Size is the length of a v2 descriptor in bytes.
const Size = 24

// Magic is the first four bytes of a v2 descriptor.
const Magic = "TCP\x02"

// Version is the value of the version field (bytes 4–5) of a v2 descriptor.
const Version = 2

// Descriptor is a decoded v2 descriptor (DESIGN §6). The command name itself
// is not stored; NameHash and NameLen identify it.
type Descriptor struct {
	NameHash uint32 // first 4 bytes of MD5(name), big-endian
	Flags    Flags
	ExecMS   uint16 // typical execution time, ms, saturating
	MemMB    uint16 // memory, MB, saturating
	OutKB    uint16 // output size, KB, saturating
	NameLen  uint16 // length of the name in bytes, saturating
}

// Errors of Decode, matched with errors.Is; the returned error is a
// *DecodeError that says which bytes are wrong.
var (
	ErrLength   = errors.New("wrong length")
	ErrMagic    = errors.New("bad magic")
	ErrVersion  = errors.New("unsupported version")
	ErrChecksum = errors.New("checksum mismatch")
)

// DecodeError says why bytes are not a valid descriptor (or family block,
// or database) and where. Unwrap gives one of the Err* sentinels.
type DecodeError struct {
	What   string // "descriptor", "v3 family", "descriptor database"
	Offset int    // byte offset of the offending field
	Err    error  // ErrLength, ErrMagic, ErrVersion, ErrChecksum, …
	Detail string
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("tcp: %s: byte %d: %v: %s", e.What, e.Offset, e.Err, e.Detail)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// NameHash returns the first four bytes of MD5(name) as a big-endian
// integer: the name hash of descriptors and of the database index.
func NameHash(name string) uint32 {
	s := md5.Sum([]byte(name))
	return binary.BigEndian.Uint32(s[:4])
}

// sat16 clamps v into 0…65535.
func sat16(v int) uint16 {
	switch {
	case v < 0:
		return 0
	case v > 0xffff:
		return 0xffff
	}
	return uint16(v)
}

// NewDescriptor returns the descriptor of a command called name. The
// performance figures saturate at 65535 (and clamp negatives to 0).
func NewDescriptor(name string, flags Flags, execMS, memMB, outKB int) Descriptor {
	return Descriptor{
		NameHash: NameHash(name),
		Flags:    flags,
		ExecMS:   sat16(execMS),
		MemMB:    sat16(memMB),
		OutKB:    sat16(outKB),
		NameLen:  sat16(len(name)),
	}
}

// Encode returns the 24-byte v2 descriptor of a command called name.
func Encode(name string, flags Flags, execMS, memMB, outKB int) [Size]byte {
	return NewDescriptor(name, flags, execMS, memMB, outKB).Bytes()
}

// Bytes returns the 24-byte encoding of d, checksum included.
func (d Descriptor) Bytes() [Size]byte {
	var b [Size]byte
	copy(b[0:4], Magic)
	binary.BigEndian.PutUint16(b[4:6], Version)
	binary.BigEndian.PutUint32(b[6:10], d.NameHash)
	binary.BigEndian.PutUint32(b[10:14], uint32(d.Flags))
	binary.BigEndian.PutUint16(b[14:16], d.ExecMS)
	binary.BigEndian.PutUint16(b[16:18], d.MemMB)
	binary.BigEndian.PutUint16(b[18:20], d.OutKB)
	binary.BigEndian.PutUint16(b[20:22], d.NameLen)
	binary.BigEndian.PutUint16(b[22:24], checksum(b[:22]))
	return b
}

// Risk returns the highest risk class set in d's flags.
func (d Descriptor) Risk() Risk { return d.Flags.Risk() }

// Matches reports whether d describes a command called name: the hash and
// the length agree.
func (d Descriptor) Matches(name string) bool {
	return d.NameLen == sat16(len(name)) && d.NameHash == NameHash(name)
}

// checksum is the low 16 bits of CRC-32 (IEEE) over b.
func checksum(b []byte) uint16 { return uint16(crc32.ChecksumIEEE(b)) }

// Valid reports whether b is 24 bytes with the v2 magic and a matching
// checksum (DESIGN §6). It does not look at the version field; Decode does.
func Valid(b []byte) bool {
	return len(b) == Size && string(b[0:4]) == Magic &&
		binary.BigEndian.Uint16(b[22:24]) == checksum(b[:22])
}

// Decode parses a v2 descriptor. The checks run in byte order — length,
// magic, version, checksum — and the first failure is returned as a
// *DecodeError wrapping ErrLength, ErrMagic, ErrVersion or ErrChecksum.
func Decode(b []byte) (Descriptor, error) {
	if len(b) != Size {
		return Descriptor{}, &DecodeError{"descriptor", min(len(b), Size), ErrLength,
			fmt.Sprintf("got %d bytes, a v2 descriptor is exactly %d", len(b), Size)}
	}
	if string(b[0:4]) != Magic {
		return Descriptor{}, &DecodeError{"descriptor", 0, ErrMagic,
			fmt.Sprintf("got %q, want %q", b[0:4], Magic)}
	}
	if v := binary.BigEndian.Uint16(b[4:6]); v != Version {
		return Descriptor{}, &DecodeError{"descriptor", 4, ErrVersion,
			fmt.Sprintf("version field is %d, this decoder reads version %d", v, Version)}
	}
	if got, want := binary.BigEndian.Uint16(b[22:24]), checksum(b[:22]); got != want {
		return Descriptor{}, &DecodeError{"descriptor", 22, ErrChecksum,
			fmt.Sprintf("stored %#04x, CRC-32 of bytes 0–21 gives %#04x (the descriptor is corrupt or was edited)", got, want)}
	}
	return Descriptor{
		NameHash: binary.BigEndian.Uint32(b[6:10]),
		Flags:    Flags(binary.BigEndian.Uint32(b[10:14])),
		ExecMS:   binary.BigEndian.Uint16(b[14:16]),
		MemMB:    binary.BigEndian.Uint16(b[16:18]),
		OutKB:    binary.BigEndian.Uint16(b[18:20]),
		NameLen:  binary.BigEndian.Uint16(b[20:22]),
	}, nil
}

// TextCompression returns how many times smaller a 24-byte descriptor is
// than the help or man text it replaces: len(text) / 24.
func TextCompression(text string) float64 {
	return float64(len(text)) / Size
}
