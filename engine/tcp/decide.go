package tcp

import (
	"errors"
	"strconv"
	"strings"
)

// Lookuper finds the descriptor of a command by name; *DB is one.
type Lookuper interface {
	Lookup(name string) (Descriptor, bool)
}

// Source says where the risk of a decision came from.
type Source uint8

// The sources of a decision's risk.
const (
	SourceNone       Source = iota // no decision (the line could not be read)
	SourceDefault                  // unknown tool: the stated default
	SourceTable                    // the built-in table of common commands
	SourceDescriptor               // the tool's descriptor in the database
	SourceRule                     // an argument or subcommand rule
)

var sourceNames = [...]string{"none", "default", "table", "descriptor", "rule"}

func (s Source) String() string {
	if int(s) < len(sourceNames) {
		return sourceNames[s]
	}
	return "source?"
}

// MarshalText writes the source name.
func (s Source) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Decision is the verdict on one command line.
type Decision struct {
	Command string  // the command line as given
	Tool    string  // the tool of the part that decided, after unwrapping sudo, env, …
	Risk    Risk    // the most severe part's risk
	Verdict Verdict // Risk.Verdict()
	Flags   Flags   // property flags of every part, plus the bit of Risk
	Reason  string  // why, for the part that decided
	Source  Source  // where that part's risk came from
}

// UnknownRisk is the risk of a tool that neither the database nor the
// built-in table knows.
const UnknownRisk = MediumRisk

const unknownWhy = "unknown tool: default caution"

// maxDepth bounds the nesting of substitutions, sh -c scripts, ssh remote
// commands and wrappers that Decide follows.
const maxDepth = 8

// Decide returns the risk of running commandLine. It reads the line with
// shell rules (quotes, escapes, comments, operators; nothing is expanded),
// splits it at |, &&, ||, ; and &, unwraps sudo, env, nohup, nice, timeout,
// time, exec, xargs and similar wrappers, and decides every part; the most
// severe part wins (the first of equals). Command substitutions and the
// scripts of sh -c, su -c, eval and ssh are decided too.
//
// A part's base risk comes from db (nil is allowed), else the built-in
// table, else UnknownRisk. Argument rules then raise it for dangerous forms,
// and subcommand rules (git status, docker ps, …) set it, because they know
// the form better than a descriptor for the whole tool can. sudo, su, doas
// and pkexec add PRIVILEGE_ESCALATION and raise the part to at least
// HighRisk.
//
// A line that cannot be read (empty, over MaxLineLen, a NUL byte, an
// unbalanced quote, …) gives a *SyntaxError and a fail-closed decision:
// CRITICAL, REJECT, with the error as its reason.
func Decide(db Lookuper, commandLine string) (Decision, error) {
	if len(commandLine) <= MaxLineLen {
		e := eval{db: db}
		if p, ok := e.simple(commandLine); ok {
			return decision(commandLine, p), nil
		}
	}
	return decideSlow(db, commandLine)
}

// decision turns the merged part of a line into its Decision.
func decision(line string, p part) Decision {
	return Decision{
		Command: line,
		Tool:    p.tool,
		Risk:    p.risk,
		Verdict: p.risk.Verdict(),
		Flags:   p.flags&^RiskMask | p.risk.Flag(),
		Reason:  p.why,
		Source:  p.src,
	}
}

// decideSlow is Decide for lines with shell syntax, and for every line it
// cannot read.
func decideSlow(db Lookuper, line string) (Decision, error) {
	var err error
	switch {
	case len(line) > MaxLineLen:
		err = &SyntaxError{Offset: MaxLineLen, Err: ErrTooLong,
			Msg: "command line is " + strconv.Itoa(len(line)) + " bytes, longer than the 1 MiB limit (split it, or put the script in a file)"}
	case strings.IndexByte(line, 0) >= 0:
		err = &SyntaxError{Offset: strings.IndexByte(line, 0), Err: ErrNUL,
			Msg: "NUL byte: a shell cannot pass it in a command line (remove it)"}
	default:
		e := eval{db: db}
		var p part
		p, err = e.script(line, 0)
		if err == nil && !p.has {
			err = &SyntaxError{Offset: 0, Err: ErrEmpty, Msg: "no command: the line is empty or only a comment"}
		}
		if err == nil {
			return decision(line, p), nil
		}
	}
	return Decision{Command: line, Risk: Critical, Verdict: Reject, Flags: FlagCritical,
		Reason: "cannot read the command line: " + err.Error()}, err
}

// special marks the bytes that make the shell lexer do more than split
// words at blanks: quotes, escapes, expansions, operators, redirections,
// comments, line breaks and NUL.
var special = func() (t [256]byte) {
	for _, c := range []byte("'\"\\$`|&;<>()#\n\r\x00") {
		t[c] = 2
	}
	t[' '], t['\t'] = 1, 1 // blanks
	return t
}()

// simple decides a line without special bytes: one simple command whose
// words are what splitting at spaces and tabs gives, exactly the words the
// lexer would give. It is the allocation-free fast path of Decide and
// reports false for any other line (and for a blank one).
func (e *eval) simple(line string) (part, bool) {
	var arr [16]string
	ws := arr[:0]
	start := -1
	for i := 0; i < len(line); i++ {
		switch special[line[i]] {
		case 0:
			if start < 0 {
				start = i
			}
		case 1:
			if start >= 0 {
				ws = append(ws, line[start:i])
				start = -1
			}
		default:
			return part{}, false
		}
	}
	if start >= 0 {
		ws = append(ws, line[start:])
	}
	if len(ws) == 0 {
		return part{}, false
	}
	// The most common line of all: a table tool without an argument rule
	// (ls, cat, grep …). This is command and tool cut short; TestFastPath
	// and FuzzDecide check that they agree.
	if w := ws[0]; !isAssignment(w) && strings.IndexByte(w, '/') < 0 {
		if t := findTool(w); t != nil && t.kind == kindTool && t.rule == ruleNone &&
			!(len(ws) == 2 && (ws[1] == "--version" || ws[1] == "--help")) {
			if e.db != nil {
				if d, ok := e.db.Lookup(w); ok {
					r := d.Flags.Risk()
					return part{tool: w, has: true, risk: r, flags: d.Flags &^ RiskMask, why: descriptorWhy[r],
						src: SourceDescriptor, stdin: t.stdin, download: t.download}, true
				}
			}
			p := t.base
			p.tool = w
			return p, true
		}
	}
	e.depth++
	p := e.command(ws)
	e.depth--
	if e.err != nil {
		return part{}, false // the full path reports it with its position
	}
	if !p.has {
		p = assignments
	}
	return p, true
}

// assignments is the decision on a command of only variable assignments.
var assignments = part{has: true, risk: Safe, src: SourceRule, why: "only sets shell variables"}

// part is the decision on one simple command, or the merge of several.
type part struct {
	risk  Risk
	flags Flags
	why   string
	tool  string
	src   Source
	has   bool // a command was decided

	download bool // writes content fetched from the network to stdout
	stdin    bool // runs code it reads from stdin (sh, python with no script)
	runs     bool // runs code named by its arguments (sh -c, source, eval, a script)
}

// set gives p risk r for reason why, replacing what the base said.
func (p *part) set(r Risk, why string) { p.risk, p.why, p.src = r, why, SourceRule }

// raise lifts p to risk r for reason why if r is higher.
func (p *part) raise(r Risk, why string) {
	if r > p.risk {
		p.set(r, why)
	}
}

// merge folds q into p: the more severe part decides, the first of equals.
func (p *part) merge(q part) {
	if !q.has {
		return
	}
	if !p.has || q.risk > p.risk {
		p.risk, p.why, p.src = q.risk, q.why, q.src
		if q.tool != "" || !p.has {
			p.tool = q.tool // a redirection has no tool: keep the command's
		}
	}
	p.flags |= q.flags
	p.download = p.download || q.download
	p.has = true
}

// eval decides command lines against a database.
type eval struct {
	db    Lookuper
	depth int
	// Side results of the last command, for the flow checks of scan: the
	// file it downloads into, and the file it runs as a program or script.
	fetched, runFile string
	// err is the first error in a command line given as an argument (sh -c,
	// ssh, eval); scan returns it at the position of that command.
	err *SyntaxError
	// inString counts the nested() calls under way: their scans run over
	// strings that are not part of the line, so they leave err's position
	// to the scan of the line.
	inString int
}

func (e *eval) syntax(pos int, format string) error {
	return &SyntaxError{Offset: pos, Err: ErrSyntax, Msg: format}
}

// script decides a whole command line; base is the offset of src in the
// line given to Decide, for error positions.
func (e *eval) script(src string, base int) (part, error) {
	if e.depth >= maxDepth {
		return part{}, &SyntaxError{Offset: base, Err: ErrNesting, Msg: "substitutions, sh -c scripts and wrappers nested more than 8 deep"}
	}
	e.depth++
	acc, err := e.scan(src, base)
	e.depth--
	if err != nil {
		var se *SyntaxError
		if errors.As(err, &se) && se.Offset < base {
			se.Offset += base
		}
	}
	return acc, err
}

func (e *eval) scan(src string, base int) (part, error) {
	lx := lexer{src: src}
	var arr [16]string
	ws := arr[:0]
	var acc, seg part
	var funcs []string   // functions defined on this line
	var fetched []string // base names of files downloaded earlier on this line
	segOut := ""         // the file the current command's stdout overwrites
	var prev string      // command of the previous stage of this pipeline
	segPos := -1         // offset of the current simple command
	pending := tEOF      // an operator still waiting for its right-hand command
	pendingPos := 0      // its offset
	tainted := false     // an earlier stage of this pipeline downloads
	subDownload := false // a substitution of this command downloads
	depth := 0           // open ( groups
	for {
		tok, err := lx.next()
		if err != nil {
			return part{}, rebase(err, base)
		}
		switch tok.kind {
		case tWord:
			if len(ws) == 0 && !seg.has && segPos < 0 {
				segPos = tok.pos
			}
			ws = append(ws, tok.s)
			if lx.nsub > 0 {
				dl, err := e.subst(&lx, src, base, &seg)
				if err != nil {
					return part{}, err
				}
				subDownload = subDownload || dl
			}
			continue
		case tRedir:
			if segPos < 0 {
				segPos = tok.pos
			}
			t, err := lx.next()
			if err != nil {
				return part{}, rebase(err, base)
			}
			if t.kind != tWord {
				return part{}, rebase(e.syntax(tok.pos, "redirection "+tok.s+" has no target (add a file name after it)"), base)
			}
			if lx.nsub > 0 {
				if _, err := e.subst(&lx, src, base, &seg); err != nil {
					return part{}, err
				}
			}
			if redirect(tok.s, t.s, &seg) {
				segOut = t.s
			}
			continue
		}
		// An operator or the end: decide the simple command before it.
		if tok.kind == tOpen && len(ws) == 1 && !seg.has {
			// name ( ) { …; }: a function definition, not a call of name.
			save := lx.pos
			if t, err := lx.next(); err == nil && t.kind == tClose {
				funcs = append(funcs, ws[0])
				ws, segPos = ws[:0], -1
				continue
			}
			lx.pos = save
		}
		if len(ws) > 0 || seg.has {
			e.fetched, e.runFile = "", ""
			p := e.command(ws)
			if e.err != nil {
				if e.err.Offset < 0 && e.inString == 0 {
					e.err.Offset = base + max(segPos, 0)
				}
				return part{}, e.err
			}
			if !p.has { // only assignments or keywords: the redirections decide
				p = assignments
				p.merge(seg)
			} else {
				p.merge(seg)
			}
			p.has = true
			if len(ws) > 0 {
				name := p.tool
				for _, f := range funcs {
					if f == name {
						p.set(Safe, "calls a function defined on this line (its body is decided where it is defined)")
						p.tool = name
						if prev == name {
							p.set(Critical, "fork bomb: a function piping into itself")
						}
					}
				}
				if tainted && p.stdin {
					p.set(Critical, "pipes content downloaded from the network into an interpreter")
				}
				if subDownload && (p.runs || p.stdin || hasExpansion(ws[0])) {
					p.set(Critical, "runs code downloaded from the network")
				}
				if e.runFile != "" && len(fetched) > 0 {
					b := baseName(e.runFile)
					for _, f := range fetched {
						if f == b {
							p.set(Critical, "runs a file downloaded from the network earlier on the line")
						}
					}
				}
				prev = name
			}
			if p.download && segOut != "" {
				e.fetched = segOut
			}
			if e.fetched != "" {
				fetched = append(fetched, baseName(e.fetched))
			}
			acc.merge(p)
			if tok.kind == tPipe {
				tainted = tainted || p.download
			} else {
				tainted, prev = false, ""
			}
			pending = tEOF
		} else {
			switch {
			case tok.kind == tPipe || tok.kind == tAnd || tok.kind == tOr:
				return part{}, rebase(e.syntax(tok.pos, "missing command before "+tok.s), base)
			case pending != tEOF && tok.kind != tOpen:
				return part{}, rebase(e.syntax(pendingPos, "missing command after "+opName(pending)), base)
			}
		}
		ws, seg, segPos, subDownload, segOut = ws[:0], part{}, -1, false, ""
		switch tok.kind {
		case tPipe, tAnd, tOr:
			pending, pendingPos = tok.kind, tok.pos
		case tOpen:
			depth++
		case tClose:
			if depth--; depth < 0 {
				return part{}, rebase(e.syntax(tok.pos, "unbalanced ): no ( before it (remove it or quote it)"), base)
			}
		case tEOF:
			if depth > 0 {
				return part{}, rebase(e.syntax(tok.pos, "unclosed ( at the end of the line (add the closing ))"), base)
			}
			return acc, nil
		}
	}
}

func opName(k tokKind) string {
	switch k {
	case tPipe:
		return "|"
	case tAnd:
		return "&&"
	case tOr:
		return "||"
	}
	return "operator"
}

// rebase moves a lexer error from src offsets to line offsets.
func rebase(err error, base int) error {
	var se *SyntaxError
	if base != 0 && errors.As(err, &se) {
		se.Offset += base
	}
	return err
}

// subst decides the substitutions the lexer found in the last word and
// folds them into seg; it reports whether one of them downloads.
func (e *eval) subst(lx *lexer, src string, base int, seg *part) (bool, error) {
	dl := false
	for i := range lx.nsub {
		sp := lx.sub(i)
		q, err := e.script(src[sp.start:sp.end], base+sp.start)
		if err != nil {
			return false, err
		}
		seg.merge(q)
		dl = dl || q.download
	}
	// A substitution's download feeds the command's arguments, not the
	// pipeline, so it does not taint what the command writes.
	seg.download = false
	return dl, nil
}

// baseName strips the directory from a command word (/usr/bin/rm → rm);
// a word built by an expansion stays whole.
func baseName(w string) string {
	if hasExpansion(w) {
		return w
	}
	if i := strings.LastIndexByte(w, '/'); i >= 0 && i+1 < len(w) {
		return w[i+1:]
	}
	return w
}

// hasExpansion reports whether w holds a $ or ` expansion.
func hasExpansion(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] == '$' || w[i] == '`' {
			return true
		}
	}
	return false
}

// isAssignment reports whether w is NAME=value.
func isAssignment(w string) bool {
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case c == '=':
			return i > 0
		case c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9':
		default:
			return false
		}
	}
	return false
}

// command decides one simple command given as words.
func (e *eval) command(ws []string) part {
	priv, xargs := "", false
	for len(ws) > 0 {
		w := ws[0]
		if isAssignment(w) {
			ws = ws[1:]
			continue
		}
		name := baseName(w)
		t := lookupTool(name)
		if t == nil || t.kind == kindTool {
			p := e.tool(t, name, ws[1:], w)
			if xargs {
				xargsRaise(&p)
			}
			return elevate(p, priv)
		}
		if t.kind == kindKeyword {
			ws = ws[1:]
			continue
		}
		rest, inner, kind := unwrap(name, ws[1:])
		switch kind {
		case wrapNone:
			return elevate(e.tool(t, name, ws[1:], w), priv)
		case wrapPriv:
			priv = name
		case wrapPass:
			xargs = xargs || name == "xargs"
		case wrapScript:
			p, err := e.nested(inner, name)
			if err != nil {
				p = part{risk: Critical, why: err.Error(), src: SourceRule, has: true, tool: name}
			}
			if name == "su" {
				priv = "su"
			}
			return elevate(p, priv)
		case wrapShell:
			p := part{tool: name, has: true, risk: MediumRisk, src: SourceRule,
				why: "starts an interactive shell", stdin: true}
			if name != "nohup" {
				priv = name // sudo -i, su, doas -s: a shell as another user
			}
			return elevate(p, priv)
		case wrapHelp:
			return part{tool: name, has: true, risk: Safe, src: SourceRule, why: "only asks for its version or help"}
		case wrapQuery:
			return part{tool: name, has: true, risk: Safe, src: SourceRule, why: "only asks how a command would be found, or runs nothing"}
		case wrapPrint:
			return part{tool: name, has: true, risk: Safe, src: SourceRule, why: "prints the environment"}
		}
		ws = rest
	}
	if priv != "" {
		return elevate(part{tool: priv, has: true, risk: HighRisk, src: SourceRule, why: "opens a root shell"}, priv)
	}
	return part{}
}

// xargsRaise lifts a deleting command run by xargs: it deletes every file
// named on its input, which the line does not show (like find -exec rm).
func xargsRaise(p *part) {
	switch p.tool {
	case "rm", "shred", "unlink", "srm", "wipe", "truncate", "rmdir":
		p.flags |= FlagDestructive
		p.raise(HighRisk, "deletes every file named on its input (xargs "+p.tool+")")
	}
}

// elevate applies the privilege rule to p if a wrapper like sudo ran it.
func elevate(p part, priv string) part {
	if priv == "" {
		return p
	}
	p.flags |= FlagPrivilegeEscalation | FlagRequiresRoot
	if p.risk < HighRisk {
		switch priv {
		case "sudo":
			if p.why == "starts an interactive shell" {
				p.set(HighRisk, "opens a root shell through sudo: privilege escalation needs approval")
				break
			}
			p.set(HighRisk, "runs as root through sudo: privilege escalation needs approval")
		case "su":
			p.set(HighRisk, "runs as another user through su: privilege escalation needs approval")
		default:
			p.set(HighRisk, "runs with elevated privileges ("+priv+"): privilege escalation needs approval")
		}
	}
	return p
}

// nested decides a command line given as a string argument (sh -c, ssh).
func (e *eval) nested(script, via string) (part, error) {
	e.inString++
	p, err := e.script(script, 0)
	e.inString--
	if err != nil {
		var se *SyntaxError
		errors.As(err, &se) // script returns only *SyntaxError
		if e.err == nil {
			e.err = &SyntaxError{Offset: -1, Err: se.Err, Msg: "in the command given to " + via + ": " + se.Msg + " (at its col " + strconv.Itoa(se.Offset+1) + ")"}
		}
		return part{}, e.err
	}
	return p, nil
}

// descriptorWhy are the reasons for a base risk taken from a descriptor.
var descriptorWhy = [NumRisks]string{
	"known tool: its descriptor says SAFE",
	"known tool: its descriptor says LOW_RISK",
	"known tool: its descriptor says MEDIUM_RISK",
	"known tool: its descriptor says HIGH_RISK",
	"known tool: its descriptor says CRITICAL",
}

// tool decides the command name with arguments args; t is its table
// entry (nil when the table does not know it), word the command word as
// written.
func (e *eval) tool(t *tool, name string, args []string, word string) part {
	p := part{tool: name, has: true}
	if len(args) == 1 && (args[0] == "--version" || args[0] == "--help") {
		p.set(Safe, "only asks for its version or help")
		return p
	}
	found := false
	if e.db != nil {
		if d, ok := e.db.Lookup(name); ok {
			r := d.Flags.Risk()
			p.risk, p.flags, p.why, p.src = r, d.Flags&^RiskMask, descriptorWhy[r], SourceDescriptor
			found = true
		}
	}
	switch {
	case found:
	case t != nil:
		p = t.base
		p.tool = name
	default:
		p.risk, p.why, p.src = UnknownRisk, unknownWhy, SourceDefault
		if hasExpansion(word) {
			p.runs = true // the command itself comes from an expansion
		}
		if strings.IndexByte(word, '/') >= 0 {
			e.runFile = word // ./install.sh: runs a file
		}
	}
	if t != nil {
		p.stdin, p.download = t.stdin, t.download
		if t.rule != ruleNone {
			e.apply(t.rule, name, args, &p)
		}
	}
	return p
}
