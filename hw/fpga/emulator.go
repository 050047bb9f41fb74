package fpga

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"time"

	"github.com/tcpreport/tcpreport/engine/tcp"
)

// EmulatedLabel is how every result of the emulator is to be labelled.
const EmulatedLabel = "emulated: protocol check, not hardware timing"

// EmulatorName is the name the emulator gives in its identify response.
const EmulatorName = "tcpreport fpga emulator 1"

// Model is the emulator's declared cycle model. Its numbers are design
// assumptions, not measurements of any hardware: a batch costs BatchCycles
// (frame decode, result write-back) plus DescriptorCycles for each round
// of min(engines, banks) descriptors validated side by side, one engine
// per memory bank port.
type Model struct {
	BatchCycles      uint64
	DescriptorCycles uint64
}

// DefaultModel assumes 16 cycles per batch and 3 cycles per descriptor: a
// 24-byte descriptor is three beats of a 64-bit bank port, and the CRC
// engine keeps up with the port.
var DefaultModel = Model{BatchCycles: 16, DescriptorCycles: 3}

// Cycles returns the modelled cycles of a batch of n descriptors.
func (m Model) Cycles(n int, cfg Config) uint64 {
	lanes := uint64(max(1, min(cfg.Engines, cfg.Banks)))
	return m.BatchCycles + (uint64(n)+lanes-1)/lanes*m.DescriptorCycles
}

// String describes the model, for labels and captions.
func (m Model) String() string {
	return fmt.Sprintf("%d + %d·⌈n / min(engines, banks)⌉ cycles per batch of n descriptors", m.BatchCycles, m.DescriptorCycles)
}

// FaultKind is a fault the emulator can inject into a validate response.
type FaultKind uint8

// Fault kinds.
const (
	// FaultDrop validates the batch and sends no response.
	FaultDrop FaultKind = iota + 1
	// FaultCorrupt flips a result bit of the response after its CRC was
	// computed.
	FaultCorrupt
	// FaultDelay sends the response after Emulator.Delay.
	FaultDelay
	// FaultDisconnect sends the first half of the response and closes the
	// port, as an unplugged board would.
	FaultDisconnect
)

var faultNames = []string{FaultDrop: "drop", FaultCorrupt: "corrupt", FaultDelay: "delay", FaultDisconnect: "disconnect"}

// String returns the kind's name as --fault takes it.
func (k FaultKind) String() string {
	if int(k) < len(faultNames) && faultNames[k] != "" {
		return faultNames[k]
	}
	return "fault(" + strconv.Itoa(int(k)) + ")"
}

// Fault injects Kind into the response to the Request-th validate request
// the emulator receives (1-based, counting requests sent again).
type Fault struct {
	Kind    FaultKind
	Request int
}

// String returns the fault as KIND@N.
func (f Fault) String() string { return fmt.Sprintf("%s@%d", f.Kind, f.Request) }

// ParseFault parses KIND or KIND@N, KIND one of drop, corrupt, delay,
// disconnect; N defaults to 1.
func ParseFault(s string) (Fault, error) {
	name, num, hasNum := strings.Cut(strings.TrimSpace(s), "@")
	f := Fault{Request: 1}
	for k, n := range faultNames {
		if n != "" && n == name {
			f.Kind = FaultKind(k)
		}
	}
	if f.Kind == 0 {
		return Fault{}, fmt.Errorf("fault %q: the kinds are drop, corrupt, delay and disconnect, optionally @N for the N-th validate request", s)
	}
	if hasNum {
		n, err := strconv.Atoi(num)
		if err != nil || n < 1 {
			return Fault{}, fmt.Errorf("fault %q: @%s is not a request number (1, 2, ...)", s, num)
		}
		f.Request = n
	}
	return f, nil
}

// ErrInjectedDisconnect is what Serve returns after a disconnect fault.
var ErrInjectedDisconnect = errors.New("fpga: emulator: disconnect fault injected; the port is closed")

// Event is one request the emulator served, for a caller that shows them.
type Event struct {
	Type    byte   // request type
	Seq     byte   // request sequence number
	Request int    // validate requests so far, this one included; 0 for others
	Count   int    // descriptors in a validate request
	Valid   int    // of them valid
	Cycles  uint64 // modelled cycles of the batch
	NAK     uint16 // NAK code sent, 0 for none
	Fault   string // fault injected, "" for none
	Err     error  // the response could not be written
}

// Emulator answers the protocol of PROTOCOL.md with engine/tcp's
// validator. Its cycle counts come from Model and are no hardware timing;
// it says so in its identify response (IdentityEmulated).
type Emulator struct {
	// Model gives the cycle counts; the zero value means DefaultModel.
	Model Model
	// Faults are injected into validate responses.
	Faults []Fault
	// Delay is how late a FaultDelay response comes; default 5 s.
	Delay time.Duration
	// Idle is the inter-byte timeout after which an incomplete request is
	// given up and the receiver resynchronises; default 100 ms.
	Idle time.Duration
	// WriteTimeout bounds a response write on ports that take write
	// deadlines (the PTY); default 2 s.
	WriteTimeout time.Duration
	// Events, if set, is called after each request, from Serve's goroutine.
	Events func(Event)
}

// writeDeadliner is the optional ability of a port to bound writes.
type writeDeadliner interface {
	SetWriteDeadline(t time.Time) error
}

// emuState is the device state of one Serve call.
type emuState struct {
	configured bool
	cfg        Config
	stats      Stats
	validates  int
}

// Serve answers requests on p until ctx is done (it returns nil), the line
// goes away (an error wrapping ErrDisconnected), or a disconnect fault
// closes p (ErrInjectedDisconnect). Statistics start at zero; configure
// resets them.
func (e *Emulator) Serve(ctx context.Context, p Port) error {
	model := e.Model
	if model == (Model{}) {
		model = DefaultModel
	}
	idle := cmpOr(e.Idle, 100*time.Millisecond)
	var st emuState
	var out []byte
	rx := newReceiver(p, ToDevice)
	var nak []Frame
	rx.onBadCRC = func(typ byte, arg uint16, seq byte) {
		st.stats.Rejected++
		nak = append(nak, Frame{Type: TypeNAK, Arg: NAKChecksum, Seq: seq})
	}
	for {
		f, err := rx.next(ctx, time.Time{}, idle, nil, -1)
		for _, n := range nak {
			out = n.Append(out[:0])
			werr := e.write(p, out)
			e.event(Event{Type: n.Type, Seq: n.Seq, NAK: n.Arg, Err: werr})
		}
		nak = nak[:0]
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("fpga: emulator: %w", err)
		}
		resp, ev := e.handle(&st, model, f)
		out = resp.Append(out[:0])
		fault, faulty := e.fault(f, st.validates)
		if faulty {
			ev.Fault = fault.String()
		}
		switch {
		case !faulty:
		case fault.Kind == FaultDrop:
			e.event(ev)
			continue
		case fault.Kind == FaultCorrupt:
			out[HeaderSize] ^= 0x01 // a result flips; the CRC no longer matches
		case fault.Kind == FaultDelay:
			select {
			case <-time.After(cmpOr(e.Delay, 5*time.Second)):
			case <-ctx.Done():
				return nil
			}
		case fault.Kind == FaultDisconnect:
			e.write(p, out[:HeaderSize+len(resp.Payload)/2])
			p.Close()
			e.event(ev)
			return ErrInjectedDisconnect
		}
		ev.Err = e.write(p, out)
		e.event(ev)
	}
}

// avgQ16 returns cycles/n in unsigned 16.16 fixed point, rounded down,
// saturating at the largest value the field holds; 0 when n is 0.
func avgQ16(cycles, n uint64) uint32 {
	if n == 0 {
		return 0
	}
	hi, lo := bits.Mul64(cycles, 1<<16)
	if hi >= n {
		return math.MaxUint32
	}
	q, _ := bits.Div64(hi, lo, n)
	return uint32(min(q, math.MaxUint32))
}

func cmpOr(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// fault returns the fault to inject into the response to f.
func (e *Emulator) fault(f Frame, validates int) (Fault, bool) {
	if f.Type != TypeValidate {
		return Fault{}, false
	}
	for _, ft := range e.Faults {
		if ft.Request == validates {
			return ft, true
		}
	}
	return Fault{}, false
}

func (e *Emulator) event(ev Event) {
	if e.Events != nil {
		e.Events(ev)
	}
}

func (e *Emulator) write(p Port, b []byte) error {
	if wd, ok := p.(writeDeadliner); ok {
		wd.SetWriteDeadline(time.Now().Add(cmpOr(e.WriteTimeout, 2*time.Second)))
	}
	_, err := p.Write(b)
	return err
}

// handle answers one well-formed request.
func (e *Emulator) handle(st *emuState, m Model, f Frame) (Frame, Event) {
	ev := Event{Type: f.Type, Seq: f.Seq}
	nak := func(code uint16) (Frame, Event) {
		st.stats.Rejected++
		ev.NAK = code
		return Frame{Type: TypeNAK, Arg: code, Seq: f.Seq}, ev
	}
	switch f.Type {
	case TypeConfigure:
		cfg := Config{ClockMHz: f.Arg, Engines: f.Payload[0], Banks: f.Payload[1]}
		if cfg.ClockMHz == 0 || cfg.Engines == 0 || cfg.Banks == 0 {
			return nak(NAKConfig)
		}
		*st = emuState{configured: true, cfg: cfg, validates: st.validates}
		return Frame{Type: TypeConfigure, Seq: f.Seq}, ev
	case TypeIdentify:
		return Frame{Type: TypeIdentify, Arg: uint16(1 + len(EmulatorName)), Payload: append([]byte{IdentityEmulated}, EmulatorName...), Seq: f.Seq}, ev
	case TypeStats:
		if !st.configured {
			return nak(NAKNotConfigured)
		}
		s := st.stats
		s.AvgQ16 = avgQ16(s.TotalCycles, s.Descriptors)
		return Frame{Type: TypeStats, Arg: StatsSize, Payload: s.append(nil), Seq: f.Seq}, ev
	case TypeValidate:
		st.validates++
		ev.Request = st.validates
		if !st.configured {
			return nak(NAKNotConfigured)
		}
		n := int(f.Arg)
		res := make([]byte, n)
		for i := range n {
			if tcp.Valid(f.Payload[i*tcp.Size : (i+1)*tcp.Size]) {
				res[i] = ResultValid
				ev.Valid++
			}
		}
		ev.Count = n
		ev.Cycles = m.Cycles(n, st.cfg)
		st.stats.TotalCycles += ev.Cycles
		st.stats.Descriptors += uint64(n)
		st.stats.Invalid += uint32(n - ev.Valid)
		return Frame{Type: TypeValidate, Arg: uint16(n), Payload: res, Seq: f.Seq}, ev
	}
	panic("fpga: emulator: frame type " + strconv.Itoa(int(f.Type)) + " passed the decoder") // Decode admits no other type
}
