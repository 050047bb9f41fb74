package fpga

import (
	"bytes"
	"testing"

	"github.com/tcpreport/tcpreport/engine/tcp"
)

// FuzzSerialFrame feeds arbitrary bytes to the frame decoder in both
// directions, the way a receiver scans a line full of garbage. It must not
// panic; every frame it finds lies inside the input, is exactly the bytes
// at its offset when encoded again, and decodes again to itself.
func FuzzSerialFrame(f *testing.F) {
	rm := tcp.Encode("rm", 0x22f, 5000, 500, 50)
	f.Add(Frame{Type: TypeConfigure, Seq: 1}.Append(nil))
	f.Add(Frame{Type: TypeConfigure, Arg: 100, Payload: []byte{4, 2}, Seq: 1}.Append([]byte{0xAA, 0xAA}))
	f.Add(Frame{Type: TypeValidate, Arg: 1, Payload: rm[:], Seq: 2}.Append([]byte{0x00, 0xAA, 0x02, 0x00}))
	f.Add(Frame{Type: TypeValidate, Arg: 2, Payload: []byte{1, 0}, Seq: 3}.Append(nil))
	f.Add(Frame{Type: TypeStats, Arg: StatsSize, Payload: make([]byte, StatsSize), Seq: 4}.Append(nil))
	f.Add(Frame{Type: TypeNAK, Arg: NAKChecksum, Seq: 5}.Append(nil))
	f.Add([]byte{0xAA, 0x02, 0x04, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, dir := range []Direction{ToDevice, ToHost} {
			frames, offsets := scan(dir, data)
			for i, fr := range frames {
				off := offsets[i]
				enc := fr.Append(nil)
				if off < 0 || off+len(enc) > len(data) || !bytes.Equal(enc, data[off:off+len(enc)]) {
					t.Fatalf("%s frame %d at %d re-encodes to % x, not the input bytes", dir, i, off, enc)
				}
				if l, ok := PayloadLen(dir, fr.Type, fr.Arg); !ok || l != len(fr.Payload) {
					t.Fatalf("%s frame %d: payload %d bytes for type %#x argument %d", dir, i, len(fr.Payload), fr.Type, fr.Arg)
				}
				again, n, err := Decode(dir, enc)
				if err != nil || n != len(enc) || again.Type != fr.Type || again.Arg != fr.Arg || again.Seq != fr.Seq || !bytes.Equal(again.Payload, fr.Payload) {
					t.Fatalf("%s frame %d: round trip gives %+v, %d, %v", dir, i, again, n, err)
				}
			}
			// A frame built from the input's first bytes round-trips when
			// its header exists.
			if len(data) >= 4 {
				fr := Frame{Type: data[0], Arg: uint16(data[1])<<8 | uint16(data[2]), Seq: data[3]}
				if l, ok := PayloadLen(dir, fr.Type, fr.Arg); ok && len(data)-4 >= l {
					fr.Payload = data[4 : 4+l]
					got, n, err := Decode(dir, fr.Append(nil))
					if err != nil || n != fr.Len() || got.Seq != fr.Seq || !bytes.Equal(got.Payload, fr.Payload) {
						t.Fatalf("%s: built frame %+v decodes to %+v, %d, %v", dir, fr, got, n, err)
					}
				}
			}
		}
	})
}
