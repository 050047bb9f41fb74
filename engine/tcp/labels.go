package tcp

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Labelled is one line of a labels file: a command line with the risk a
// careful human operator gave it.
type Labelled struct {
	Risk    Risk
	Command string
	Line    int // 1-based line in the labels file
}

// LabelError is a line of a labels file that cannot be read.
type LabelError struct {
	File string // the file name, when the reader has one
	Line int
	Msg  string
}

func (e *LabelError) Error() string {
	if e.File != "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
}

// ReadLabels reads a labels file: one "RISK<TAB>command line" per line;
// blank lines and lines starting with # are skipped. It reads the whole
// file and returns every bad line (a *LabelError each, in line order,
// joined), named by the reader's Name() when it has one (an *os.File does).
func ReadLabels(r io.Reader) ([]Labelled, error) {
	file := ""
	if n, ok := r.(interface{ Name() string }); ok {
		file = n.Name()
	}
	var out []Labelled
	var errs []error
	seen := make(map[string]int)
	bad := func(line int, format string, args ...any) {
		errs = append(errs, &LabelError{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), MaxLineLen+1024)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSuffix(sc.Text(), "\r")
		if t := strings.TrimSpace(text); t == "" || t[0] == '#' {
			continue
		}
		risk, cmd, ok := strings.Cut(text, "\t")
		if !ok {
			bad(line, "no tab: write RISK<TAB>command line")
			continue
		}
		rk, err := ParseRisk(strings.TrimSpace(risk))
		if err != nil {
			bad(line, "%v", err)
			continue
		}
		cmd = strings.TrimSpace(cmd)
		if cmd == "" {
			bad(line, "no command after the risk")
			continue
		}
		if prev, dup := seen[cmd]; dup {
			bad(line, "command repeats line %d (label each command once)", prev)
			continue
		}
		seen[cmd] = line
		out = append(out, Labelled{Risk: rk, Command: cmd, Line: line})
	}
	if err := sc.Err(); err != nil {
		bad(line+1, "%v", err)
	}
	if len(out) == 0 && len(errs) == 0 {
		bad(line, "no labelled command lines")
	}
	return out, errors.Join(errs...)
}

// ClassScore is the precision and recall of one risk class. Precision is
// 0 when nothing was decided as the class, recall 0 when nothing was
// labelled as it; the counts tell those cases apart.
type ClassScore struct {
	Risk      Risk
	Labelled  int // lines labelled with this class
	Decided   int // lines decided as this class
	Correct   int // both
	Precision float64
	Recall    float64
}

// Outcome is one labelled line with its decision.
type Outcome struct {
	Labelled
	Decision Decision
	Err      error // why Decide could not read the line, if it could not
}

// Evaluation compares decisions with labels.
type Evaluation struct {
	N         int
	Correct   int
	Accuracy  float64 // Correct / N
	Confusion [NumRisks][NumRisks]int
	// Confusion[labelled][decided] counts lines; lines Decide could not
	// read count as decided CRITICAL (its fail-closed answer).
	Classes [NumRisks]ClassScore
	// DangerousMisses are lines labelled HIGH_RISK or CRITICAL that were
	// decided SAFE or LOW_RISK: approved without a look.
	DangerousMisses []Outcome
	// Mismatches are all lines decided differently from their label.
	Mismatches []Outcome
	// Errors are lines Decide could not read.
	Errors []Outcome
}

// Evaluate decides every labelled command with db and scores the result.
func Evaluate(db Lookuper, labels []Labelled) Evaluation {
	var ev Evaluation
	for _, l := range labels {
		d, err := Decide(db, l.Command)
		o := Outcome{Labelled: l, Decision: d, Err: err}
		ev.N++
		ev.Confusion[l.Risk][d.Risk]++
		if err != nil {
			ev.Errors = append(ev.Errors, o)
		}
		if d.Risk == l.Risk {
			ev.Correct++
			continue
		}
		ev.Mismatches = append(ev.Mismatches, o)
		if l.Risk >= HighRisk && d.Risk <= LowRisk {
			ev.DangerousMisses = append(ev.DangerousMisses, o)
		}
	}
	if ev.N > 0 {
		ev.Accuracy = float64(ev.Correct) / float64(ev.N)
	}
	for r := range NumRisks {
		c := ClassScore{Risk: Risk(r), Correct: ev.Confusion[r][r]}
		for k := range NumRisks {
			c.Labelled += ev.Confusion[r][k]
			c.Decided += ev.Confusion[k][r]
		}
		if c.Decided > 0 {
			c.Precision = float64(c.Correct) / float64(c.Decided)
		}
		if c.Labelled > 0 {
			c.Recall = float64(c.Correct) / float64(c.Labelled)
		}
		ev.Classes[r] = c
	}
	return ev
}
