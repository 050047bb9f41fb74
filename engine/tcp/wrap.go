package tcp

import "strings"

// wrapKind is what a wrapper command does with the rest of the line.
type wrapKind uint8

const (
	wrapNone   wrapKind = iota // not a wrapper: decide the command itself
	wrapPass                   // runs the rest as a command (nohup, nice, env, …)
	wrapPriv                   // runs the rest with other privileges (sudo, doas)
	wrapScript                 // runs a command line given as a string (su -c, env -S, watch)
	wrapShell                  // opens an interactive shell (sudo -i, su)
	wrapHelp                   // only prints help or a version
	wrapQuery                  // only looks something up (command -v)
	wrapPrint                  // prints the environment (env with no command)
)

var (
	sudoLong    = []string{"--close-from", "--chdir", "--group", "--host", "--prompt", "--chroot", "--role", "--type", "--command-timeout", "--other-user", "--user"}
	envLong     = []string{"--unset", "--chdir", "--split-string"}
	niceLong    = []string{"--adjustment"}
	timeoutLong = []string{"--signal", "--kill-after"}
	timeLong    = []string{"--format", "--output"}
	xargsLong   = []string{"--arg-file", "--delimiter", "--max-lines", "--max-args", "--max-procs", "--max-chars", "--process-slot-var"}
	stdbufLong  = []string{"--input", "--output", "--error"}
	watchLong   = []string{"--interval", "--equexit"}
	pkexecLong  = []string{"--user"}
	run0Long    = []string{"--user", "--group", "--chdir", "--setenv", "--property", "--description", "--slice", "--unit", "--nice"}
	suLong      = []string{"--command", "--shell", "--group", "--supp-group", "--whitelist-environment"}
)

// privWrappers are the wrappers that run their operand as another user and
// take no script: their options with an argument, short and long.
var privWrappers = map[string]struct {
	withArg string
	long    []string
}{
	"doas":   {"uC", nil},
	"pkexec": {"", pkexecLong},
	"run0":   {"ugDp", run0Long},
}

// unwrap recognises wrapper commands. For wrapPass and wrapPriv, rest is
// the wrapped command's words; for wrapScript, script is the command line.
func unwrap(name string, args []string) (rest []string, script string, kind wrapKind) {
	switch name {
	case "sudo":
		o := opts{args: args, withArg: "CDgpRrTtUu", long: sudoLong}
		shell, admin, edit := false, false, false
		for {
			if o.j == 0 && o.i < len(o.args) {
				if a := o.args[o.i]; len(a) < 2 || a[0] != '-' {
					break
				}
			}
			a, ok := o.next()
			if !ok {
				break
			}
			switch {
			case a.short == 'i' || a.short == 's' || a.long == "--login" || a.long == "--shell":
				shell = true
			case a.short == 'e' || a.long == "--edit":
				edit = true
			case a.short == 'l' || a.short == 'k' || a.short == 'K' || a.short == 'v' || a.short == 'V' ||
				a.long == "--list" || a.long == "--reset-timestamp" || a.long == "--remove-timestamp" || a.long == "--validate":
				admin = true
			case a.short == 'h' || a.long == "--help" || a.long == "--version":
				return nil, "", wrapHelp
			}
		}
		rest = o.rest()
		switch {
		case edit:
			return append([]string{"sudoedit"}, rest...), "", wrapPriv
		case len(rest) == 0 && admin && !shell:
			return nil, "", wrapQuery
		case len(rest) == 0:
			return nil, "", wrapShell
		}
		return rest, "", wrapPriv
	case "doas", "pkexec", "run0":
		w := privWrappers[name]
		rest = skipOpts(args, w.withArg, w.long)
		if len(rest) == 0 {
			return nil, "", wrapShell
		}
		return rest, "", wrapPriv
	case "su":
		o := opts{args: args, withArg: "csgGw", long: suLong}
		for a, ok := o.next(); ok; a, ok = o.next() {
			if a.short == 'c' || a.long == "--command" {
				return nil, a.val, wrapScript
			}
		}
		return nil, "", wrapShell
	case "env":
		o := opts{args: args, withArg: "uCS", long: envLong}
		for {
			if o.j == 0 && o.i < len(o.args) {
				if a := o.args[o.i]; len(a) < 2 || a[0] != '-' {
					break
				}
			}
			a, ok := o.next()
			if !ok {
				break
			}
			if a.short == 'S' || a.long == "--split-string" {
				return nil, a.val + " " + strings.Join(o.rest(), " "), wrapScript
			}
		}
		rest = o.rest()
		for len(rest) > 0 && (isAssignment(rest[0]) || rest[0] == "-") {
			rest = rest[1:]
		}
		if len(rest) == 0 {
			return nil, "", wrapPrint
		}
		return rest, "", wrapPass
	case "nohup", "builtin", "setsid", "chronic", "unbuffer", "busybox":
		rest = skipOpts(args, "", nil)
	case "nice":
		rest = skipOpts(args, "n", niceLong)
	case "ionice":
		if has(args, "cnpPu", 'p', "--pid") || has(args, "cnpPu", 'P', "--pgid") || has(args, "cnpPu", 'u', "--uid") {
			return nil, "", wrapNone // changes running processes: decide ionice itself
		}
		rest = skipOpts(args, "cnpPu", nil)
	case "timeout":
		rest = skipOpts(args, "sk", timeoutLong)
		if len(rest) > 0 {
			rest = rest[1:] // the duration
		}
	case "time":
		rest = skipOpts(args, "fo", timeLong)
	case "exec":
		rest = skipOpts(args, "a", nil)
	case "command":
		if has(args, "", 'v') || has(args, "", 'V') {
			return nil, "", wrapQuery
		}
		rest = skipOpts(args, "", nil)
	case "xargs":
		rest = skipOpts(args, "adEILnPs", xargsLong)
		if len(rest) == 0 {
			return nil, "", wrapQuery // runs echo
		}
	case "stdbuf":
		rest = skipOpts(args, "ioe", stdbufLong)
	case "watch":
		exact := has(args, "nq", 'x', "--exec")
		rest = skipOpts(args, "nq", watchLong)
		if !exact {
			return nil, strings.Join(rest, " "), wrapScript
		}
	default:
		return nil, "", wrapNone
	}
	if len(rest) == 0 {
		return nil, "", wrapQuery
	}
	return rest, "", wrapPass
}

// skipOpts returns args after the leading options (and "--").
func skipOpts(args []string, withArg string, long []string) []string {
	o := opts{args: args, withArg: withArg, long: long}
	for o.i < len(o.args) || o.j > 0 {
		if o.j == 0 {
			a := o.args[o.i]
			if o.dashdash || len(a) < 2 || a[0] != '-' {
				return o.args[o.i:]
			}
		}
		o.next()
	}
	return nil
}

// redirect folds the effect of redirection op to target into p and
// reports whether it writes the command's output to a file.
func redirect(op, target string, p *part) bool {
	i := strings.IndexAny(op, "<>")
	if i < 0 {
		i = 0
	}
	o := op[i:]
	if op[0] == '&' {
		o = op[1:] // &> and &>>
	}
	switch o {
	case ">", ">|", ">>", "<>":
	case ">&":
		if target == "-" || isDigits(target) {
			return false // duplicates a descriptor
		}
		o = ">"
	default:
		return false // input: <, <<, <<<, <&
	}
	if isHarmlessDev(target) {
		return false
	}
	q := part{has: true, flags: FlagFileModification, src: SourceRule}
	switch {
	case target == "/proc/sysrq-trigger":
		q.risk, q.why = Critical, "writes to /proc/sysrq-trigger, which can crash or reboot the machine"
		q.flags |= FlagSystemModification | FlagDestructive
	case isBlockDevice(target):
		q.risk, q.why = Critical, "redirection writes straight to a block device (destroys its filesystem)"
		q.flags |= FlagDestructive | FlagSystemModification
	case isSystemPath(target):
		q.risk, q.why = HighRisk, "redirection writes into a system file"
		q.flags |= FlagSystemModification
	case o == ">>":
		q.risk, q.why = LowRisk, "redirection appends to a file"
	case o == "<>":
		q.risk, q.why = LowRisk, "redirection opens a file for writing"
	default:
		q.risk, q.why = MediumRisk, "redirection overwrites a file"
	}
	p.merge(q)
	fd := op[:i]
	return o != "<>" && (fd == "" || fd == "1" || fd == "&")
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
