package directives

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/tcp"
	"github.com/tcpreport/tcpreport/hw/fpga"
)

// Emulator is the :device: value of {fpga} that runs the protocol
// emulator in-process on a pseudo-terminal.
const Emulator = "emulator"

// FPGA is the {fpga} directive: it sends a descriptor database through the
// FPGA validator's serial protocol, on a board or on the emulator, and
// checks every verdict against engine/tcp.
type FPGA struct{}

// NewFPGA returns the {fpga} directive.
func NewFPGA() *FPGA { return &FPGA{} }

// Kind returns "fpga".
func (*FPGA) Kind() string { return "fpga" }

// Version returns the implementation version.
func (*FPGA) Version() int { return 1 }

// Options declares the device, the database and the link settings.
func (*FPGA) Options() []engine.OptionSpec {
	return []engine.OptionSpec{
		{Name: "device", Type: engine.String, Required: true,
			Help: "the board's serial device (/dev/ttyUSB0), or \"emulator\" for the protocol emulator on a pseudo-terminal"},
		{Name: "db", Type: engine.String,
			Help: "a descriptor database file relative to the report, instead of a :from: {descriptors} result"},
		{Name: "batch", Type: engine.Int, Default: strconv.Itoa(fpga.DefaultBatch), Help: "descriptors per validate request, 1 to 1024"},
		{Name: "clock", Type: engine.Int, Default: "100", Help: "clock to configure, MHz"},
		{Name: "engines", Type: engine.Int, Default: "4", Help: "validation engines to configure"},
		{Name: "banks", Type: engine.Int, Default: "2", Help: "memory banks to configure"},
		{Name: "baud", Type: engine.Int, Default: strconv.Itoa(fpga.DefaultBaud), Help: "line speed, 8N1"},
		{Name: "response-timeout", Type: engine.Duration, Default: fpga.DefaultTimeout.String(),
			Help: "the device's allowance per exchange beyond the wire time"},
		{Name: "retries", Type: engine.Int, Default: "2", Help: "re-sends of a request after a timeout or a damaged frame"},
		{Name: "corrupt-every", Type: engine.Int, Default: "0",
			Help: "flip one bit of every N-th record before sending, so the device also sees invalid descriptors (0: none)"},
	}
}

// InputFiles returns the :db: file: editing it re-runs the directive.
func (*FPGA) InputFiles(opts engine.Options) []string {
	if db := opts.String("db"); db != "" {
		return []string{db}
	}
	return nil
}

// State says whether the device exists, so that a result that said "not
// available" is replaced once the board is connected.
func (*FPGA) State(ctx context.Context, opts engine.Options) (string, error) {
	dev := opts.String("device")
	if dev == Emulator {
		return Emulator, nil
	}
	fi, err := os.Stat(dev)
	if err != nil {
		return "absent", nil
	}
	return "present " + fi.Mode().String(), nil
}

// Run validates the database through the device.
func (*FPGA) Run(ctx context.Context, req *engine.Request) (*engine.Result, error) {
	o := req.Opts
	for _, c := range []struct {
		name     string
		min, max int
	}{
		{"batch", 1, fpga.MaxBatch}, {"clock", 1, 65535}, {"engines", 1, 255}, {"banks", 1, 255},
		{"baud", 1, 1 << 30}, {"retries", 0, 100}, {"corrupt-every", 0, 1 << 30},
	} {
		if v := o.Int(c.name); v < c.min || v > c.max {
			return nil, fmt.Errorf("%s: %d is out of range (use %d to %d)", c.name, v, c.min, c.max)
		}
	}
	cfg := fpga.RunConfig{Batch: o.Int("batch"),
		Config: fpga.Config{ClockMHz: uint16(o.Int("clock")), Engines: uint8(o.Int("engines")), Banks: uint8(o.Int("banks"))}}
	db, closeDB, err := fpgaDB(req)
	if err != nil {
		return nil, err
	}
	defer closeDB()
	if db.Len() == 0 {
		return nil, errors.New("the descriptor database holds no descriptors")
	}
	recs, flipped := fpga.FlipBits(db.Records(), o.Int("corrupt-every"))

	dev := o.String("device")
	path := dev
	if dev == Emulator {
		pty, err := fpga.OpenPTY()
		if err != nil {
			return &engine.Result{NotAvailable: "emulator: no pseudo-terminal on this machine: " + err.Error()}, nil
		}
		defer pty.Close()
		ectx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- (&fpga.Emulator{}).Serve(ectx, pty) }()
		defer func() { stop(); <-done }()
		path = pty.Path
	}
	c, err := fpga.Open(path, fpga.Options{Baud: o.Int("baud"), Timeout: o.Duration("response-timeout"), Retries: o.Int("retries")})
	if err != nil {
		return &engine.Result{NotAvailable: notAvailable(dev, err)}, nil
	}
	defer c.Close()
	r, err := fpga.ValidateAll(ctx, c, recs, cfg, nil)
	if err != nil {
		return nil, fmt.Errorf("device %s: %w", dev, err)
	}
	return fpgaResult(dev, r, cfg.Batch, flipped), nil
}

// fpgaDB opens the database of the :db: file or of the :from: input.
func fpgaDB(req *engine.Request) (*tcp.DB, func() error, error) {
	file := req.Opts.String("db")
	switch {
	case file != "" && len(req.From) > 0:
		return nil, nil, errors.New("db: give :db: or :from:, not both")
	case file != "":
		db, closeDB, err := tcp.MapFile(filepath.Join(req.Dir, file))
		if err != nil {
			return nil, nil, fmt.Errorf("db: %w", err)
		}
		return db, closeDB, nil
	case len(req.From) == 0:
		return nil, nil, errors.New("no descriptors: give :from: a {descriptors} directive, or :db: a descriptor database file")
	}
	db, err := inputDB(req)
	return db, func() error { return nil }, err
}

// notAvailable says why a device could not be opened.
func notAvailable(dev string, err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Sprintf("no FPGA board at %s (the device does not exist)", dev)
	}
	return fmt.Sprintf("FPGA board at %s cannot be opened: %v", dev, err)
}

// fpgaResult turns a complete report into tables, values and labels. Every
// number of an emulated device is labelled, and its cycle counts are
// marked as projections: they come from the emulator's declared model.
func fpgaResult(dev string, r *fpga.Report, batch, flipped int) *engine.Result {
	emulated := r.Identified && r.Identity.Emulated
	var label, who string
	switch {
	case emulated:
		label = fpga.EmulatedLabel
		who = "the protocol emulator (" + r.Identity.Name + ")"
	case r.Identified:
		label = "hardware: " + r.Identity.Name
		who = dev + " (" + r.Identity.Name + ")"
	default:
		label = "unidentified device: it did not answer identify"
		who = dev
	}
	res := &engine.Result{Values: map[string]engine.Value{}, Meta: map[string]string{"device": dev, "identity": r.Identity.Name}}
	num := func(name string, v float64) { res.Values[name] = engine.Num(v, "") }
	res.Values["label"] = engine.Text(label)
	res.Values["device"] = engine.Text(dev)
	num("descriptors", float64(r.Descriptors))
	num("flipped", float64(flipped))
	num("valid", float64(r.Valid))
	num("invalid", float64(r.Invalid))
	num("expected_valid", float64(r.ExpectedValid))
	num("agree", float64(r.Agree))
	num("disagree", float64(len(r.Disagree)))
	num("batches", float64(len(r.Batches)))
	num("resent", float64(r.Resent))
	num("error_count", float64(r.Stats.Invalid))
	unit, source, model := "cycles", "device report", ""
	if emulated {
		// Only this project's emulator is known to use DefaultModel.
		model = "the emulator's own model"
		if r.Identity.Name == fpga.EmulatorName {
			model = fpga.DefaultModel.String()
		}
		unit, source = "emulated cycles", "emulation model: "+model
	}
	res.Values["total_cycles"] = engine.Value{Num: float64(r.Stats.TotalCycles), Unit: unit, Projection: emulated}
	res.Values["avg_cycles"] = engine.Value{Num: r.Stats.AvgCycles(), Unit: unit, Projection: emulated}

	prefix := ""
	if emulated {
		prefix = fpga.EmulatedLabel + ". "
	}
	batches := engine.Table{Name: "batches",
		Caption: fmt.Sprintf("%sVerdicts of %s on %d descriptors in batches of up to %d, against engine/tcp.", prefix, who, r.Descriptors, batch),
		Columns: []string{"batch", "first record", "descriptors", "device valid", "device invalid", "agree with engine/tcp", "attempts"}}
	for _, b := range r.Batches {
		batches.Rows = append(batches.Rows, []string{strconv.Itoa(b.Index), strconv.Itoa(b.First), strconv.Itoa(b.Count),
			strconv.Itoa(b.Valid), strconv.Itoa(b.Invalid), strconv.Itoa(b.Agree), strconv.Itoa(b.Attempts)})
	}
	batches.Rows = append(batches.Rows, []string{"all", "", strconv.Itoa(r.Descriptors), strconv.Itoa(r.Valid),
		strconv.Itoa(r.Invalid), strconv.Itoa(r.Agree), strconv.Itoa(len(r.Batches) + r.Resent)})

	st := r.Stats
	stats := engine.Table{Name: "statistics",
		Caption: fmt.Sprintf("%sCounts, and the device's statistics frame after the last batch (%d MHz, %d engines, %d banks configured).",
			prefix, r.Config.ClockMHz, r.Config.Engines, r.Config.Banks),
		Columns: []string{"quantity", "value", "source"}}
	row := func(q, v, s string) { stats.Rows = append(stats.Rows, []string{q, v, s}) }
	row("descriptors sent", strconv.Itoa(r.Descriptors), "database")
	row("of them with a flipped bit", strconv.Itoa(flipped), "corrupt-every")
	row("valid according to engine/tcp", strconv.Itoa(r.ExpectedValid), "engine/tcp.Valid")
	row("valid according to the device", strconv.Itoa(r.Valid), "results frames")
	row("verdicts that agree", fmt.Sprintf("%d of %d", r.Agree, r.Descriptors), "comparison")
	row("requests re-sent", strconv.Itoa(r.Resent), "link")
	row("total cycles", strconv.FormatUint(st.TotalCycles, 10), source)
	row("average cycles per descriptor", strconv.FormatFloat(st.AvgCycles(), 'f', 4, 64), source)
	row("descriptors counted", strconv.FormatUint(st.Descriptors, 10), "statistics frame")
	row("error count", strconv.FormatUint(uint64(st.Invalid), 10), "statistics frame")
	row("frames refused", strconv.FormatUint(uint64(st.Rejected), 10), "statistics frame")
	row("counters", r.StatsNote, "comparison")
	res.Tables = []engine.Table{batches, stats}

	var text strings.Builder
	fmt.Fprintf(&text, "%s\n", label)
	fmt.Fprintf(&text, "device %s: %s\n", dev, who)
	fmt.Fprintf(&text, "%d descriptors (%d with a flipped bit), %d batches, %d re-sent; the device agrees with engine/tcp on %d of %d\n",
		r.Descriptors, flipped, len(r.Batches), r.Resent, r.Agree, r.Descriptors)
	res.Text = text.String()

	if emulated {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s. The cycle counts come from the emulator's declared model (%s, with %d engines and %d banks configured), not from hardware, and take part in no speed comparison.",
			fpga.EmulatedLabel, model, r.Config.Engines, r.Config.Banks))
	}
	if !r.Identified {
		res.Warnings = append(res.Warnings, "The device did not answer identify ("+r.IdentifyError+"); its cycle counts are reported as it sent them.")
	}
	for _, p := range r.Problems() {
		res.Warnings = append(res.Warnings, p+".")
	}
	if r.Resent > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%d requests were re-sent after link faults.", r.Resent))
	}
	return res
}
