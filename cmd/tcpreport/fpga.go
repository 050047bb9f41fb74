package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/tcpreport/tcpreport/engine/tcp"
	"github.com/tcpreport/tcpreport/hw/fpga"
)

func newFpgaCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "fpga",
		Short: "Validate descriptors on an FPGA over a serial line, or emulate one",
		Long: `The fpga commands speak the FPGA validator's serial protocol
(hw/fpga/PROTOCOL.md): configure, validate batches of 24-byte descriptors,
read statistics. Frames carry a sequence number and a CRC-32C; every read
has a deadline, and a batch is reported only when its whole response
arrived intact.

'fpga emulate' answers the protocol on a pseudo-terminal with the same
validator as engine/tcp, so that the link can be checked without a board.
Its cycle counts come from a declared model and are labelled "emulated:
protocol check, not hardware timing"; they are no measurement.

'fpga validate' sends a descriptor database through a device and checks
every verdict against engine/tcp.`,
		Example: `  tcpreport fpga emulate --link /tmp/fpga0 &
  tcpreport fpga validate --device /tmp/fpga0 artifacts/gate8/data/tbl-descriptors-tools.tcpdb
  tcpreport fpga validate --device /dev/ttyUSB0 --baud 921600 --json tools.tcpdb`,
	}
	cmd.AddCommand(newFpgaEmulateCmd(g), newFpgaValidateCmd(g))
	return cmd
}

func newFpgaEmulateCmd(g *globals) *cobra.Command {
	var (
		link   string
		faults []string
		delay  time.Duration
		idle   time.Duration
	)
	cmd := &cobra.Command{
		Use:   "emulate [--link PATH] [--fault KIND[@N]]...",
		Short: "Emulate the FPGA validator on a pseudo-terminal",
		Long: `Emulate opens a pseudo-terminal, prints the path of its serial end (or
makes PATH a symbolic link to it) and answers the FPGA validator protocol
there until interrupted (Ctrl-C). Descriptors are validated with
engine/tcp's validator; the statistics' cycle counts come from the model
in hw/fpga/PROTOCOL.md,

    cycles(batch of n) = 16 + 3 · ⌈n / min(engines, banks)⌉,

and the emulator says it is one when asked (identify), so 'fpga validate'
labels its results "emulated: protocol check, not hardware timing".

--fault injects a fault into the response to the N-th validate request
since the emulator started (default 1; re-sent requests count):

    drop        validate the batch, send nothing
    corrupt     flip a result bit after the CRC was computed
    delay       answer after --delay
    disconnect  send half the response, close the terminal and exit

Each request served is logged on standard error unless --quiet.`,
		Example: `  tcpreport fpga emulate
  tcpreport fpga emulate --link /tmp/fpga0
  tcpreport fpga emulate --link /tmp/fpga0 --fault drop@2 --fault corrupt@5
  tcpreport fpga emulate --link /tmp/fpga0 --fault delay --delay 3s`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e := &fpga.Emulator{Delay: delay, Idle: idle}
			for _, s := range faults {
				f, err := fpga.ParseFault(s)
				if err != nil {
					return usageError{fmt.Errorf("fpga emulate: --%w", err)}
				}
				e.Faults = append(e.Faults, f)
			}
			p, err := fpga.OpenPTY()
			if err != nil {
				return err
			}
			defer p.Close()
			path := p.Path
			if link != "" {
				if err := makeLink(link, p.Path); err != nil {
					return err
				}
				defer removeLink(link, p.Path)
				path = link
			}
			fmt.Fprintf(g.stdout, "%s\n", path)
			if !g.quiet {
				fmt.Fprintf(g.stderr, "fpga emulate: serving on %s (%s); the cycle model is %s; Ctrl-C stops\n", p.Path, fpga.EmulatedLabel, fpga.DefaultModel)
				for _, f := range e.Faults {
					fmt.Fprintf(g.stderr, "fpga emulate: fault %s\n", f)
				}
				e.Events = func(ev fpga.Event) { fmt.Fprintf(g.stderr, "fpga emulate: %s\n", eventLine(ev)) }
			}
			err = e.Serve(cmd.Context(), p)
			if errors.Is(err, fpga.ErrInjectedDisconnect) {
				if !g.quiet {
					fmt.Fprintf(g.stderr, "fpga emulate: disconnect fault injected; %s is closed\n", p.Path)
				}
				return nil
			}
			return err
		},
	}
	cmd.Flags().StringVar(&link, "link", "", "make `PATH` a symbolic link to the terminal (removed on exit)")
	cmd.Flags().StringArrayVar(&faults, "fault", nil, "inject `KIND[@N]` (drop, corrupt, delay, disconnect) into the N-th validate response")
	cmd.Flags().DurationVar(&delay, "delay", 5*time.Second, "how late a delay fault answers")
	cmd.Flags().DurationVar(&idle, "idle", 100*time.Millisecond, "inter-byte timeout after which an incomplete request is dropped")
	return cmd
}

// makeLink points link at target, replacing a symbolic link left by an
// earlier run but nothing else.
func makeLink(link, target string) error {
	if fi, err := os.Lstat(link); err == nil {
		if fi.Mode()&fs.ModeSymlink == 0 {
			return fmt.Errorf("fpga emulate: --link %s exists and is not a symbolic link; choose another path", link)
		}
		if err := os.Remove(link); err != nil {
			return fmt.Errorf("fpga emulate: replacing %s: %w", link, err)
		}
	}
	if err := os.Symlink(target, link); err != nil {
		return fmt.Errorf("fpga emulate: --link: %w", err)
	}
	return nil
}

// removeLink removes link if it still points at target.
func removeLink(link, target string) {
	if t, err := os.Readlink(link); err == nil && t == target {
		os.Remove(link)
	}
}

func eventLine(ev fpga.Event) string {
	var s string
	switch ev.Type {
	case fpga.TypeConfigure:
		s = "configure"
	case fpga.TypeIdentify:
		s = "identify"
	case fpga.TypeStats:
		s = "statistics"
	case fpga.TypeValidate:
		s = fmt.Sprintf("validate request %d", ev.Request)
		if ev.Count > 0 {
			s += fmt.Sprintf(": %d descriptors, %d valid, %d model cycles", ev.Count, ev.Valid, ev.Cycles)
		}
	case fpga.TypeNAK:
		s = "damaged request"
	}
	s += fmt.Sprintf(" (seq %d)", ev.Seq)
	if ev.NAK != 0 {
		s += fmt.Sprintf("; NAK %#04x", ev.NAK)
	}
	if ev.Fault != "" {
		s += "; fault " + ev.Fault + " injected"
	}
	if ev.Err != nil {
		s += "; response not sent: " + ev.Err.Error()
	}
	return s
}

func newFpgaValidateCmd(g *globals) *cobra.Command {
	var (
		device       string
		asJSON       bool
		batch        int
		clock        uint16
		engines      uint8
		banks        uint8
		baud         int
		timeout      time.Duration
		retries      int
		corruptEvery int
	)
	cmd := &cobra.Command{
		Use:   "validate --device DEV [--json] DBFILE",
		Short: "Validate a descriptor database on an FPGA (or the emulator)",
		Long: `Validate sends the descriptors of DBFILE, a descriptor database
(written by the {descriptors} directive: data/<id>-tools.tcpdb in a
bundle), to the device in batches, prints each batch's verdicts as it
completes and the device's statistics at the end, and checks every verdict
against engine/tcp's validator.

It first asks the device to identify itself. An emulator says so, and its
results are labelled "emulated: protocol check, not hardware timing"; a
device that does not answer identify is reported as unidentified.

A database holds only valid descriptors. --corrupt-every N flips one bit
of every N-th record (bit 37·i mod 192 of record i) before sending, so the
device also sees descriptors engine/tcp rejects.

A batch that fails (no valid response before its deadline, after
--retries re-sends; a disconnection; a NAK) stops the run: the batches
before it stay printed, the failed one is not, and the exit status is 1.

Exit status: 0 when every batch came back and every verdict agrees with
engine/tcp; 1 on a link failure, a disagreement, or statistics that
contradict the verdicts; 2 on a usage error.`,
		Example: `  tcpreport fpga validate --device /tmp/fpga0 tools.tcpdb
  tcpreport fpga validate --device /tmp/fpga0 --corrupt-every 3 --json tools.tcpdb
  tcpreport fpga validate --device /dev/ttyUSB0 --baud 921600 --batch 1024 --clock 200 --engines 8 --banks 4 tools.tcpdb`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("fpga validate: give one descriptor database file, got %d arguments (see 'tcpreport fpga validate --help')", len(args))}
			}
			if batch < 1 || batch > fpga.MaxBatch {
				return usageError{fmt.Errorf("fpga validate: --batch %d: use 1 to %d", batch, fpga.MaxBatch)}
			}
			if retries < 0 || corruptEvery < 0 || baud <= 0 || timeout <= 0 {
				return usageError{errors.New("fpga validate: --retries and --corrupt-every must not be negative, --baud and --timeout must be positive")}
			}
			db, closeDB, err := tcp.MapFile(args[0])
			if err != nil {
				return err
			}
			defer closeDB()
			if db.Len() == 0 {
				return fmt.Errorf("%s: the database holds no descriptors", args[0])
			}
			recs, flipped := fpga.FlipBits(db.Records(), corruptEvery)
			c, err := fpga.Open(device, fpga.Options{Baud: baud, Timeout: timeout, Retries: retries})
			if err != nil {
				return err
			}
			defer c.Close()
			out := &validateOutput{g: g, json: asJSON, enc: json.NewEncoder(g.stdout)}
			cfg := fpga.RunConfig{Config: fpga.Config{ClockMHz: clock, Engines: engines, Banks: banks}, Batch: batch}
			r, err := fpga.ValidateAll(cmd.Context(), c, recs, cfg, out.batch)
			if err != nil {
				return err
			}
			if err := out.summary(r, flipped); err != nil {
				return err
			}
			if p := r.Problems(); len(p) > 0 {
				return fmt.Errorf("fpga validate: %s", strings.Join(p, "; "))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&device, "device", "", "serial `device` of the board, or the path 'fpga emulate' printed")
	f.BoolVar(&asJSON, "json", false, "one JSON object per batch, then a summary object")
	f.IntVar(&batch, "batch", fpga.DefaultBatch, "descriptors per validate request (1 to 1024)")
	f.Uint16Var(&clock, "clock", 100, "clock to configure, MHz")
	f.Uint8Var(&engines, "engines", 4, "validation engines to configure")
	f.Uint8Var(&banks, "banks", 2, "memory banks to configure")
	f.IntVar(&baud, "baud", fpga.DefaultBaud, "line speed, 8N1")
	f.DurationVar(&timeout, "timeout", fpga.DefaultTimeout, "the device's allowance per exchange beyond the wire time")
	f.IntVar(&retries, "retries", 2, "re-sends of a request after a timeout or a damaged frame")
	f.IntVar(&corruptEvery, "corrupt-every", 0, "flip one bit of every `N`-th record before sending (0: none)")
	cmd.MarkFlagRequired("device")
	return cmd
}

// validateOutput prints 'fpga validate' results as text or JSON lines.
type validateOutput struct {
	g       *globals
	json    bool
	enc     *json.Encoder
	started bool
}

type batchJSON struct {
	Type     string `json:"type"` // "batch"
	Batch    int    `json:"batch"`
	First    int    `json:"first"`
	Count    int    `json:"count"`
	Valid    int    `json:"valid"`
	Invalid  int    `json:"invalid"`
	Agree    int    `json:"agree"`
	Disagree []int  `json:"disagree"`
	Attempts int    `json:"attempts"`
}

type summaryJSON struct {
	Type          string    `json:"type"` // "summary"
	Device        string    `json:"device"`
	Identity      string    `json:"identity"`
	Emulated      bool      `json:"emulated"`
	Label         string    `json:"label"`
	ClockMHz      uint16    `json:"clock_mhz"`
	Engines       uint8     `json:"engines"`
	Banks         uint8     `json:"banks"`
	Batches       int       `json:"batches"`
	Descriptors   int       `json:"descriptors"`
	Flipped       int       `json:"flipped"`
	Valid         int       `json:"valid"`
	Invalid       int       `json:"invalid"`
	ExpectedValid int       `json:"expected_valid"`
	Agree         int       `json:"agree"`
	Disagree      []int     `json:"disagree"`
	Resent        int       `json:"resent"`
	Stats         statsJSON `json:"stats"`
	StatsNote     string    `json:"stats_note"`
}

type statsJSON struct {
	TotalCycles uint64  `json:"total_cycles"`
	Descriptors uint64  `json:"descriptors"`
	Invalid     uint32  `json:"invalid"`
	Rejected    uint32  `json:"rejected"`
	AvgCycles   float64 `json:"avg_cycles_per_descriptor"`
}

func (o *validateOutput) batch(b fpga.Batch) {
	if o.json {
		d := b.Disagree
		if d == nil {
			d = []int{}
		}
		o.enc.Encode(batchJSON{"batch", b.Index, b.First, b.Count, b.Valid, b.Invalid, b.Agree, d, b.Attempts})
		return
	}
	if !o.started {
		o.started = true
		fmt.Fprintf(o.g.stdout, "%6s %8s %6s %6s %8s %6s %9s\n", "batch", "first", "count", "valid", "invalid", "agree", "attempts")
	}
	fmt.Fprintf(o.g.stdout, "%6d %8d %6d %6d %8d %6d %9d\n", b.Index, b.First, b.Count, b.Valid, b.Invalid, b.Agree, b.Attempts)
}

// deviceLabel says what answered and how far its numbers can be trusted.
func deviceLabel(r *fpga.Report) string {
	switch {
	case !r.Identified:
		return "unidentified device (no answer to identify); its cycle counts are its own report"
	case r.Identity.Emulated:
		return fpga.EmulatedLabel
	}
	return "hardware; cycle counts as the device reports them"
}

func (o *validateOutput) summary(r *fpga.Report, flipped int) error {
	label := deviceLabel(r)
	if o.json {
		d := r.Disagree
		if d == nil {
			d = []int{}
		}
		return o.enc.Encode(summaryJSON{
			Type: "summary", Device: r.Device, Identity: r.Identity.Name, Emulated: r.Identity.Emulated, Label: label,
			ClockMHz: r.Config.ClockMHz, Engines: r.Config.Engines, Banks: r.Config.Banks,
			Batches: len(r.Batches), Descriptors: r.Descriptors, Flipped: flipped, Valid: r.Valid, Invalid: r.Invalid,
			ExpectedValid: r.ExpectedValid, Agree: r.Agree, Disagree: d, Resent: r.Resent,
			Stats:     statsJSON{r.Stats.TotalCycles, r.Stats.Descriptors, r.Stats.Invalid, r.Stats.Rejected, r.Stats.AvgCycles()},
			StatsNote: r.StatsNote,
		})
	}
	w := o.g.stdout
	name := r.Identity.Name
	if !r.Identified {
		name = "?"
	}
	fmt.Fprintf(w, "\ndevice %s: %s — %s\n", r.Device, name, label)
	fmt.Fprintf(w, "configured %d MHz, %d engines, %d banks\n", r.Config.ClockMHz, r.Config.Engines, r.Config.Banks)
	fmt.Fprintf(w, "%d descriptors (%d with a flipped bit) in %d batches, %d re-sent: device %d valid, %d invalid; engine/tcp %d valid\n",
		r.Descriptors, flipped, len(r.Batches), r.Resent, r.Valid, r.Invalid, r.ExpectedValid)
	fmt.Fprintf(w, "the device agrees with engine/tcp on %d of %d descriptors\n", r.Agree, r.Descriptors)
	src := "cycles"
	if r.Identity.Emulated {
		src = "model cycles (" + fpga.EmulatedLabel + ")"
	}
	fmt.Fprintf(w, "statistics: %d %s, %.4g per descriptor; %d descriptors, error count %d, %d frames refused; %s\n",
		r.Stats.TotalCycles, src, r.Stats.AvgCycles(), r.Stats.Descriptors, r.Stats.Invalid, r.Stats.Rejected, r.StatsNote)
	return nil
}
