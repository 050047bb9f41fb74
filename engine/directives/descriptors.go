package directives

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/tcp"
)

// Descriptors is the {descriptors} directive: it encodes the tools of a
// {discover} result as TCP descriptors, v3 families and a descriptor
// database.
type Descriptors struct{}

// NewDescriptors returns the {descriptors} directive.
func NewDescriptors() *Descriptors { return &Descriptors{} }

// Kind returns "descriptors".
func (*Descriptors) Kind() string { return "descriptors" }

// Version returns the implementation version.
func (*Descriptors) Version() int { return 1 }

// Options declares min-subcommands.
func (*Descriptors) Options() []engine.OptionSpec {
	return []engine.OptionSpec{
		{Name: "min-subcommands", Type: engine.Int, Default: "3",
			Help: "encode a tool as a v3 family when its help lists at least this many subcommands"},
	}
}

// Run encodes the tools of its :from: {discover} input.
func (*Descriptors) Run(ctx context.Context, req *engine.Request) (*engine.Result, error) {
	in, err := req.Input()
	if err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	var recs []toolRecord
	for _, f := range in.Files {
		if f.Name == ToolsFile {
			if err := json.Unmarshal(f.Data, &recs); err != nil {
				return nil, fmt.Errorf("from: %s: %s: %w", req.From[0], ToolsFile, err)
			}
		}
	}
	if recs == nil {
		return nil, fmt.Errorf("from: %s carries no tool analysis; use a {discover} directive", req.From[0])
	}

	res := &engine.Result{Values: map[string]engine.Value{}}
	desc := engine.Table{Name: "descriptors", Caption: "TCP v2 descriptors (24 bytes, hex) of the discovered tools.",
		Columns: []string{"tool", "risk", "flags", "exec ms", "descriptor"}}
	comp := engine.Table{Name: "compression", Caption: "Descriptor size against the help and man text it replaces.",
		Columns: []string{"tool", "help bytes", "man bytes", "descriptor bytes", "ratio"}}
	fams := engine.Table{Name: "families", Caption: "v3 hierarchical encoding of tool families against flat v2 descriptors.",
		Columns: []string{"family", "subcommands", "floor", "v3 bytes", "flat v2 bytes", "ratio"}}
	var entries []tcp.Entry
	var ratios []float64
	minSubs := req.Opts.Int("min-subcommands")
	for _, r := range recs {
		if !r.Found {
			continue
		}
		e := r.Tool.TCPEntry()
		entries = append(entries, e)
		b := tcp.Encode(e.Name, e.Flags, e.ExecMS, e.MemMB, e.OutKB)
		desc.Rows = append(desc.Rows, []string{r.Name, e.Flags.Risk().String(), strings.Join(e.Flags.Names(), " "), strconv.Itoa(e.ExecMS), hex.EncodeToString(b[:])})
		if text := r.HelpBytes + r.ManBytes; text > 0 {
			ratio := float64(text) / tcp.Size
			ratios = append(ratios, ratio)
			comp.Rows = append(comp.Rows, []string{r.Name, strconv.Itoa(r.HelpBytes), strconv.Itoa(r.ManBytes), strconv.Itoa(tcp.Size), strconv.FormatFloat(ratio, 'f', 0, 64) + "×"})
		}
		if len(r.Subcommands) >= minSubs {
			row, err := familyRow(r)
			if err != nil {
				res.Warnings = append(res.Warnings, fmt.Sprintf("%s: no v3 family: %v", r.Name, err))
				continue
			}
			fams.Rows = append(fams.Rows, row)
		}
	}
	var db bytes.Buffer
	if err := tcp.WriteDB(&db, entries); err != nil {
		return nil, fmt.Errorf("descriptor database: %w", err)
	}
	res.Tables = []engine.Table{desc, comp}
	if len(fams.Rows) > 0 {
		res.Tables = append(res.Tables, fams)
	}
	res.Files = []engine.File{{Name: DBFile, Data: db.Bytes()}}
	res.Values["tools"] = engine.Num(float64(len(entries)), "")
	res.Values["families"] = engine.Num(float64(len(fams.Rows)), "")
	res.Values["db_bytes"] = engine.Num(float64(db.Len()), "B")
	if len(ratios) > 0 {
		slices.Sort(ratios)
		res.Values["compression_median"] = engine.Num(quantile7(ratios, 0.5), "×")
	}
	return res, nil
}

// familyRow encodes a tool with subcommands as a v3 family. Each
// subcommand's risk and flags come from the decision rules applied to
// "tool subcommand"; its performance was not measured and is 0.
func familyRow(r toolRecord) ([]string, error) {
	var subs []tcp.Subcommand
	for _, name := range r.Subcommands {
		d, err := tcp.Decide(nil, r.Name+" "+name)
		if err != nil {
			continue // a listed "subcommand" that is no word of a command line
		}
		subs = append(subs, tcp.Subcommand{Name: name, Flags: d.Flags})
	}
	f, err := tcp.NewFamily(r.Name, 0, subs)
	if err != nil {
		return nil, err
	}
	enc, err := f.Encode()
	if err != nil {
		return nil, err
	}
	flat := tcp.Size * (1 + len(subs))
	return []string{r.Name, strconv.Itoa(len(subs)), f.Floor.String(), strconv.Itoa(len(enc)), strconv.Itoa(flat),
		strconv.FormatFloat(f.CompressionRatio(), 'f', 2, 64) + "×"}, nil
}
