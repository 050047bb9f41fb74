package fpga

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/tcpreport/tcpreport/engine/tcp"
)

func TestFrameEncoding(t *testing.T) {
	rm := tcp.Encode("rm", 0x22f, 5000, 500, 50)
	tests := []struct {
		name   string
		dir    Direction
		f      Frame
		prefix string // hex of the bytes before the trailer
	}{
		{"configure", ToDevice, Frame{Type: TypeConfigure, Arg: 100, Payload: []byte{4, 2}, Seq: 7}, "aa01006404 02"},
		{"acknowledgement", ToHost, Frame{Type: TypeConfigure, Seq: 7}, "aa010000"},
		{"validate", ToDevice, Frame{Type: TypeValidate, Arg: 1, Payload: rm[:], Seq: 8}, "aa020001" + hex.EncodeToString(rm[:])},
		{"results", ToHost, Frame{Type: TypeValidate, Arg: 3, Payload: []byte{1, 0, 1}, Seq: 8}, "aa020003010001"},
		{"statistics", ToDevice, Frame{Type: TypeStats, Seq: 9}, "aa030000"},
		{"statistics response", ToHost, Frame{Type: TypeStats, Arg: StatsSize, Payload: Stats{TotalCycles: 1 << 40, Descriptors: 3, Invalid: 1, AvgQ16: 3 << 16}.append(nil), Seq: 9},
			"aa03001c" + "0000010000000000" + "0000000000000003" + "00000001" + "00000000" + "00030000"},
		{"identify", ToDevice, Frame{Type: TypeIdentify, Seq: 10}, "aa040000"},
		{"nak", ToHost, Frame{Type: TypeNAK, Arg: NAKNotConfigured, Seq: 11}, "aa150003"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.f.Append(nil)
			want, _ := hex.DecodeString(stripSpaces(tt.prefix))
			if !bytes.HasPrefix(b, want) || len(b) != len(want)+TrailerSize || b[len(want)] != tt.f.Seq {
				t.Fatalf("encoded % x, want % x then seq %d and CRC", b, want, tt.f.Seq)
			}
			f, n, err := Decode(tt.dir, b)
			if err != nil || n != len(b) || f.Type != tt.f.Type || f.Arg != tt.f.Arg || f.Seq != tt.f.Seq || !bytes.Equal(f.Payload, tt.f.Payload) {
				t.Fatalf("Decode = %+v, %d, %v", f, n, err)
			}
			for cut := range len(b) {
				if _, _, err := Decode(tt.dir, b[:cut]); !errors.Is(err, ErrIncomplete) {
					t.Fatalf("prefix of %d bytes: %v, want ErrIncomplete", cut, err)
				}
			}
		})
	}
}

func stripSpaces(s string) string { return string(bytes.ReplaceAll([]byte(s), []byte(" "), nil)) }

func TestDecodeErrors(t *testing.T) {
	good := Frame{Type: TypeValidate, Arg: 2, Payload: []byte{1, 1}, Seq: 1}.Append(nil)
	flipped := bytes.Clone(good)
	flipped[5] ^= 0x80
	tests := []struct {
		name   string
		dir    Direction
		b      []byte
		err    error
		offset int
	}{
		{"no sync", ToHost, []byte{0x55, 0xAA}, ErrSync, 0},
		{"unknown type", ToHost, []byte{0xAA, 0x09, 0, 0}, ErrHeader, 1},
		{"zero batch", ToDevice, []byte{0xAA, TypeValidate, 0, 0}, ErrHeader, 1},
		{"batch too large", ToDevice, []byte{0xAA, TypeValidate, 0x04, 0x01}, ErrHeader, 1},
		{"acknowledgement with an argument", ToHost, []byte{0xAA, TypeConfigure, 0, 1}, ErrHeader, 1},
		{"NAK is no request", ToDevice, []byte{0xAA, TypeNAK, 0, 1}, ErrHeader, 1},
		{"statistics of the wrong size", ToHost, []byte{0xAA, TypeStats, 0, 27}, ErrHeader, 1},
		{"flipped result", ToHost, flipped, ErrChecksum, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, n, err := Decode(tt.dir, tt.b)
			var fe *FrameError
			if !errors.Is(err, tt.err) || !errors.As(err, &fe) || fe.Offset != tt.offset || n != 0 {
				t.Errorf("Decode = %d, %v; want %v at byte %d", n, err, tt.err, tt.offset)
			}
		})
	}
}

// scan decodes every frame of direction dir in b the way a receiver does:
// try at the start, resynchronise past a failure, stop at an incomplete
// tail. It returns the frames and their offsets.
func scan(dir Direction, b []byte) (frames []Frame, offsets []int) {
	off := 0
	for off < len(b) {
		f, n, err := Decode(dir, b[off:])
		switch {
		case err == nil:
			frames, offsets = append(frames, f), append(offsets, off)
			off += n
		case errors.Is(err, ErrIncomplete):
			return frames, offsets
		default:
			off += Resync(dir, b[off:])
		}
	}
	return frames, offsets
}

func TestResyncFindsFramesInGarbage(t *testing.T) {
	a := Frame{Type: TypeValidate, Arg: 3, Payload: []byte{1, 0, 1}, Seq: 4}.Append(nil)
	ack := Frame{Type: TypeConfigure, Seq: 5}.Append(nil)
	var in []byte
	in = append(in, 0x00, 0xAA, 0xAA, 0x02) // false starts
	in = append(in, a...)
	in = append(in, 0xAA, TypeValidate, 0x00, 0x05, 1, 1) // a header claiming 14 bytes...
	in = append(in, ack...)                               // ...swallows this frame; its CRC fails, and the receiver looks inside
	in = append(in, 0x13, 0x37)
	frames, offsets := scan(ToHost, in)
	if len(frames) != 2 || offsets[0] != 4 || frames[0].Seq != 4 || frames[1].Type != TypeConfigure || offsets[1] != 4+len(a)+6 {
		t.Fatalf("frames %+v at %v", frames, offsets)
	}
	// A false start claiming more bytes than have come leaves the scan
	// waiting: the receiver's idle rule or the host's expectation of one
	// particular header ends the wait (TestGarbageBeforeEveryResponse).
	in = append([]byte{0xAA, TypeValidate, 0x00, 0x50}, ack...)
	if frames, _ := scan(ToHost, in); len(frames) != 0 {
		t.Fatalf("frames %+v inside an incomplete false start", frames)
	}
}
