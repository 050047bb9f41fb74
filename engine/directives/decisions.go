package directives

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/tcp"
)

// DBFile is the name of the descriptor database a {descriptors} result
// carries; {decisions} reads it from its :from: input.
const DBFile = "tools.tcpdb"

// Decisions is the {decisions} directive: it decides every command line of
// a labels file and measures the decisions against the labels.
type Decisions struct{}

// NewDecisions returns the {decisions} directive.
func NewDecisions() *Decisions { return &Decisions{} }

// Kind returns "decisions".
func (*Decisions) Kind() string { return "decisions" }

// Version returns the implementation version.
func (*Decisions) Version() int { return 1 }

// Options declares labels and repeat.
func (*Decisions) Options() []engine.OptionSpec {
	return []engine.OptionSpec{
		{Name: "labels", Type: engine.String, Required: true,
			Help: "the labels file, relative to the report: one RISK<TAB>command line per line, # comments"},
		{Name: "repeat", Type: engine.Int, Default: "200",
			Help: "how many times the whole labels file is decided to time the decisions"},
	}
}

// InputFiles returns the labels file: editing it re-runs the directive.
func (*Decisions) InputFiles(opts engine.Options) []string { return []string{opts.String("labels")} }

// RunsAlone keeps other directives from disturbing the decision timing.
func (*Decisions) RunsAlone() {}

// Run decides every labelled line, against the descriptor database of its
// :from: input when it has one, else the built-in table alone.
func (*Decisions) Run(ctx context.Context, req *engine.Request) (*engine.Result, error) {
	labels, err := readLabelsFile(req.Dir, req.Opts.String("labels"))
	if err != nil {
		return nil, err
	}
	var db tcp.Lookuper
	source := "the built-in table of common commands"
	if len(req.From) > 0 {
		d, err := inputDB(req)
		if err != nil {
			return nil, err
		}
		db = d
		source = fmt.Sprintf("the descriptor database of %s (%d tools) and the built-in table", req.From[0], d.Len())
	}

	ev := tcp.Evaluate(db, labels)
	res := &engine.Result{
		Values: map[string]engine.Value{
			"n":                engine.Num(float64(ev.N), ""),
			"correct":          engine.Num(float64(ev.Correct), ""),
			"accuracy":         engine.Num(ev.Accuracy, ""),
			"dangerous_misses": engine.Num(float64(len(ev.DangerousMisses)), ""),
			"errors":           engine.Num(float64(len(ev.Errors)), ""),
			"source":           engine.Text(source),
		},
		Tables: []engine.Table{classTable(ev), confusionTable(ev)},
	}
	// Empty tables say nothing; the counts above say there were none.
	if len(ev.DangerousMisses) > 0 {
		res.Tables = append(res.Tables, outcomeTable("dangerous-misses", "Dangerous misses: labelled HIGH_RISK or CRITICAL, decided SAFE or LOW_RISK.", ev.DangerousMisses))
	}
	if len(ev.Mismatches) > 0 {
		res.Tables = append(res.Tables, outcomeTable("mismatches", "Every line decided differently from its label.", ev.Mismatches))
	}

	// Time the decisions: the whole file, repeat times, each pass one
	// sample of mean ns per decision.
	repeat := req.Opts.Int("repeat")
	samples := make([]float64, 0, repeat)
	lines := make([]string, len(labels))
	for i, l := range labels {
		lines[i] = l.Command
	}
	for range repeat {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		start := time.Now()
		for _, l := range lines {
			tcp.Decide(db, l)
		}
		samples = append(samples, float64(time.Since(start).Nanoseconds())/float64(len(lines)))
	}
	sorted := slices.Clone(samples)
	slices.Sort(sorted)
	res.Values["ns_per_decision_median"] = engine.Num(quantile7(sorted, 0.5), "ns")
	res.Values["ns_per_decision_min"] = engine.Num(sorted[0], "ns")
	res.Series = []engine.Series{{Name: "ns_per_decision", Unit: "ns", Values: samples}}
	for _, o := range ev.Errors {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s:%d: %v", req.Opts.String("labels"), o.Line, o.Err))
	}
	return res, nil
}

// inputDB opens the descriptor database carried by the :from: input.
func inputDB(req *engine.Request) (*tcp.DB, error) {
	in, err := req.Input()
	if err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	for _, f := range in.Files {
		if f.Name == DBFile {
			db, err := tcp.OpenDB(f.Data)
			if err != nil {
				return nil, fmt.Errorf("from: %s: %w", req.From[0], err)
			}
			return db, nil
		}
	}
	return nil, fmt.Errorf("from: %s carries no descriptor database; use a {descriptors} directive", req.From[0])
}

func riskNames() []string {
	names := make([]string, tcp.NumRisks)
	for r := range tcp.NumRisks {
		names[r] = tcp.Risk(r).String()
	}
	return names
}

func classTable(ev tcp.Evaluation) engine.Table {
	t := engine.Table{Name: "classes", Caption: "Precision and recall per risk class.",
		Columns: []string{"class", "labelled", "decided", "correct", "precision", "recall"}}
	for _, c := range ev.Classes {
		t.Rows = append(t.Rows, []string{c.Risk.String(), strconv.Itoa(c.Labelled), strconv.Itoa(c.Decided),
			strconv.Itoa(c.Correct), ratio(c.Precision, c.Decided), ratio(c.Recall, c.Labelled)})
	}
	return t
}

// ratio formats a precision or recall, or "–" when its denominator is 0.
func ratio(v float64, of int) string {
	if of == 0 {
		return "–"
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

func confusionTable(ev tcp.Evaluation) engine.Table {
	t := engine.Table{Name: "confusion", Caption: "Confusion matrix: rows labelled, columns decided.",
		Columns: append([]string{"labelled \\ decided"}, riskNames()...)}
	for r := range tcp.NumRisks {
		row := []string{tcp.Risk(r).String()}
		for d := range tcp.NumRisks {
			row = append(row, strconv.Itoa(ev.Confusion[r][d]))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

func outcomeTable(name, caption string, os []tcp.Outcome) engine.Table {
	t := engine.Table{Name: name, Caption: caption, Columns: []string{"line", "command", "labelled", "decided", "reason"}, Rows: [][]string{}}
	for _, o := range os {
		reason := o.Decision.Reason
		if o.Err != nil {
			reason = o.Err.Error()
		}
		t.Rows = append(t.Rows, []string{strconv.Itoa(o.Line), o.Command, o.Risk.String(), o.Decision.Risk.String(), reason})
	}
	return t
}
