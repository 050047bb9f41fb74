package fpga

import (
	"context"
	"errors"
	"fmt"

	"github.com/tcpreport/tcpreport/engine/tcp"
)

// DefaultBatch is the batch size ValidateAll uses when none is given.
const DefaultBatch = 256

// RunConfig says how ValidateAll drives a device.
type RunConfig struct {
	Config
	// Batch is the number of descriptors per validate request, 1 to
	// MaxBatch; 0 means DefaultBatch.
	Batch int
}

// Batch is the outcome of one validate request.
type Batch struct {
	Index    int   // 1-based
	First    int   // record number of its first descriptor
	Count    int   // descriptors in it
	Valid    int   // the device's verdicts
	Invalid  int   //
	Agree    int   // verdicts equal to engine/tcp.Valid's
	Disagree []int // record numbers where they differ
	Attempts int   // requests sent for it (more than 1 after a fault)
}

// Report is what ValidateAll found.
type Report struct {
	Device string
	// Identity is the device's answer to identify; Identified is false
	// when it gave none, and IdentifyError then says why.
	Identity      Identity
	Identified    bool
	IdentifyError string
	Config        Config
	// Batches are the completed batches, in order.
	Batches []Batch
	// Totals over the completed batches.
	Descriptors, Valid, Invalid, Agree int
	// ExpectedValid is how many of them engine/tcp.Valid accepts.
	ExpectedValid int
	Disagree      []int
	// Resent counts requests sent again after faults.
	Resent int
	// Stats is the device's statistics after the last batch; StatsNote says
	// whether they agree with what was sent and received.
	Stats     Stats
	StatsNote string
	// StatsMismatch is set when the device's counters contradict the
	// results it sent.
	StatsMismatch bool
	// Complete is true when every batch and the statistics came back.
	Complete bool
}

// Problems lists what makes a complete report a failed check: verdicts
// that disagree with engine/tcp, statistics that contradict the results.
func (r *Report) Problems() []string {
	var p []string
	if len(r.Disagree) > 0 {
		p = append(p, fmt.Sprintf("the device disagrees with engine/tcp on %d of %d descriptors (first: record %d)", len(r.Disagree), r.Descriptors, r.Disagree[0]))
	}
	if r.StatsMismatch {
		p = append(p, r.StatsNote)
	}
	return p
}

// ValidateAll sends the packed 24-byte descriptors recs to the device in
// batches and checks every verdict against engine/tcp.Valid: identify,
// configure, the batches in order, statistics. progress, if set, is called
// after each completed batch. On an error the report holds only the
// batches completed before it, Complete is false, and the error names the
// batch that failed; nothing of that batch is reported.
func ValidateAll(ctx context.Context, c *Client, recs []byte, cfg RunConfig, progress func(Batch)) (*Report, error) {
	size := cfg.Batch
	if size == 0 {
		size = DefaultBatch
	}
	if size < 1 || size > MaxBatch {
		return nil, fmt.Errorf("fpga: batch size %d: use 1 to %d", size, MaxBatch)
	}
	if len(recs) == 0 || len(recs)%tcp.Size != 0 {
		return nil, fmt.Errorf("fpga: %d bytes of descriptors: want a positive multiple of %d", len(recs), tcp.Size)
	}
	r := &Report{Device: c.Device(), Config: cfg.Config}
	id, err := c.Identify(ctx)
	switch {
	case err == nil:
		r.Identity, r.Identified = id, true
	case errors.Is(err, ErrTimeout):
		r.IdentifyError = err.Error()
	default:
		return r, err
	}
	if err := c.Configure(ctx, cfg.Config); err != nil {
		return r, err
	}
	n := len(recs) / tcp.Size
	nb := (n + size - 1) / size
	for i := range nb {
		first := i * size
		cnt := min(size, n-first)
		part := recs[first*tcp.Size : (first+cnt)*tcp.Size]
		valid, attempts, err := c.Validate(ctx, part)
		r.Resent += max(0, attempts-1)
		if err != nil {
			return r, fmt.Errorf("batch %d of %d (records %d–%d) not validated: %w", i+1, nb, first, first+cnt-1, err)
		}
		b := Batch{Index: i + 1, First: first, Count: cnt, Attempts: attempts}
		for j, v := range valid {
			want := tcp.Valid(part[j*tcp.Size : (j+1)*tcp.Size])
			if v {
				b.Valid++
			} else {
				b.Invalid++
			}
			if want {
				r.ExpectedValid++
			}
			if v == want {
				b.Agree++
			} else {
				b.Disagree = append(b.Disagree, first+j)
			}
		}
		r.Batches = append(r.Batches, b)
		r.Descriptors += b.Count
		r.Valid += b.Valid
		r.Invalid += b.Invalid
		r.Agree += b.Agree
		r.Disagree = append(r.Disagree, b.Disagree...)
		if progress != nil {
			progress(b)
		}
	}
	st, err := c.Stats(ctx)
	if err != nil {
		return r, err
	}
	r.Stats = st
	switch {
	case r.Resent > 0:
		r.StatsNote = fmt.Sprintf("counters not compared: %d requests were sent again, and the device may have counted the lost ones", r.Resent)
	case st.Descriptors != uint64(r.Descriptors) || st.Invalid != uint32(r.Invalid):
		r.StatsMismatch = true
		r.StatsNote = fmt.Sprintf("the device counted %d descriptors, %d invalid; it returned verdicts on %d, %d invalid", st.Descriptors, st.Invalid, r.Descriptors, r.Invalid)
	default:
		r.StatsNote = "counters agree with the verdicts received"
	}
	r.Complete = true
	return r, nil
}

// FlipBits returns a copy of the packed descriptors recs in which one bit
// of every every-th record (records every-1, 2·every-1, ...) is flipped:
// bit (37·i mod 192) of record i. It makes invalid descriptors out of a
// database, whose records are all valid, so that a check sees both kinds;
// whether each flip made its record invalid is for engine/tcp.Valid to
// say. every ≤ 0 flips nothing. It returns the number of records changed.
func FlipBits(recs []byte, every int) ([]byte, int) {
	out := append([]byte(nil), recs...)
	if every <= 0 {
		return out, 0
	}
	flipped := 0
	for i := every - 1; i < len(out)/tcp.Size; i += every {
		bit := 37 * i % (8 * tcp.Size)
		out[i*tcp.Size+bit/8] ^= 1 << (bit % 8)
		flipped++
	}
	return out, flipped
}
