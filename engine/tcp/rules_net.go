package tcp

import "strings"

// Rules for interpreters, remote access, network clients, firewalls,
// processes and searches.

// adopt makes the decision of a nested command line p's own: the risk, the
// reason and the tool of what actually runs.
func (p *part) adopt(q part, runs bool) {
	if !q.has {
		p.runs = runs
		p.set(Safe, "runs an empty command line")
		return
	}
	flags := p.flags
	*p = q
	p.flags |= flags
	p.has = true
	p.runs = runs
}

func (e *eval) shellRule(name string, args []string, p *part) {
	cflag, stdin := false, false
	o := opts{args: args, withArg: "oO", long: []string{"--rcfile", "--init-file"}}
	for a, ok := o.next(); ok; a, ok = o.next() {
		switch {
		case a.short == 'c':
			cflag = true
		case a.short == 's':
			stdin = true
		case a.operand && cflag:
			q, err := e.nested(a.val, name+" -c")
			if err != nil {
				p.set(Critical, err.Error())
				return
			}
			p.adopt(q, true)
			return
		case a.operand && a.val == "-":
			stdin = true
		case a.operand && !stdin:
			p.runs = true
			e.runFile = a.val
			p.set(MediumRisk, "runs a script whose content is not on the line")
			return
		}
	}
	if cflag {
		p.set(LowRisk, name+" -c with no command")
		return
	}
	p.stdin = true
	p.set(MediumRisk, "runs commands read from stdin, or an interactive shell")
}

func (e *eval) pythonRule(args []string, p *part) {
	o := opts{args: args, withArg: "cmWXQ"}
	for a, ok := o.next(); ok; a, ok = o.next() {
		switch {
		case a.short == 'c':
			p.runs = true
			p.set(MediumRisk, "runs inline Python code")
			return
		case a.short == 'm':
			rest := o.rest()
			switch a.val {
			case "pip":
				pipRule(rest, p)
			case "venv", "virtualenv", "pytest", "unittest", "doctest", "mypy", "black", "flake8", "pylint", "ruff", "isort", "coverage", "build", "compileall", "py_compile":
				p.set(LowRisk, "python -m "+a.val+": development tool")
			case "json.tool", "this", "timeit", "site", "platform", "sysconfig", "pydoc", "tokenize", "dis", "calendar":
				p.set(Safe, "python -m "+a.val+": prints information")
			case "http.server", "SimpleHTTPServer", "smtpd", "ftplib":
				p.flags |= FlagNetworkAccess
				p.set(MediumRisk, "python -m "+a.val+": serves files to the network")
			default:
				p.runs = true
				p.set(MediumRisk, "runs the Python module "+a.val)
			}
			return
		case a.operand && a.val == "-":
			p.stdin = true
			p.set(MediumRisk, "runs Python code read from stdin")
			return
		case a.operand:
			p.runs = true
			e.runFile = a.val
			p.set(MediumRisk, "runs a script whose content is not on the line")
			return
		}
	}
	p.stdin = true
	p.set(MediumRisk, "runs Python code read from stdin, or a REPL")
}

// codeRule covers perl, ruby, node, php and other interpreters.
func (e *eval) codeRule(name string, args []string, p *part) {
	o := opts{args: args, withArg: "eEIMmrCpS", long: []string{"--eval", "--print", "--require", "--import"}}
	inline, inplace := false, false
	for a, ok := o.next(); ok; a, ok = o.next() {
		switch {
		case a.short == 'i' && name == "perl":
			inplace = true
		case a.short == 'e' || a.short == 'E' || a.long == "--eval" || a.long == "--print" ||
			a.short == 'r' && name == "php" || a.short == 'p' && (name == "node" || name == "nodejs"):
			inline = true
		case a.short == 'S' && name == "php":
			p.flags |= FlagNetworkAccess
			p.set(MediumRisk, "php -S: serves files to the network")
			return
		case a.operand && !inline && a.val != "-":
			if name == "deno" && (a.val == "fmt" || a.val == "lint" || a.val == "check" || a.val == "info" || a.val == "doc") {
				p.set(LowRisk, "deno "+a.val+": development tool")
				return
			}
			p.runs = true
			e.runFile = a.val
			p.set(MediumRisk, "runs a script whose content is not on the line")
			return
		}
	}
	switch {
	case inplace:
		p.flags |= FlagFileModification
		p.runs = true
		p.set(MediumRisk, "perl -i: edits files in place")
	case inline:
		p.runs = true
		p.set(MediumRisk, "runs inline code")
	default:
		p.stdin = true
		p.set(MediumRisk, "runs code read from stdin, or a REPL")
	}
}

func (e *eval) sshRule(args []string, p *part) {
	p.flags |= FlagNetworkAccess
	o := opts{args: args, withArg: "BbcDEeFIiJLlmOoPpQRSWw"}
	fwd := has(args, "BbcDEeFIiJLlmOoPpQRSWw", 'N') || has(args, "BbcDEeFIiJLlmOoPpQRSWw", 'O')
	for a, ok := o.next(); ok; a, ok = o.next() {
		if !a.operand {
			continue
		}
		rest := o.rest()
		if len(rest) == 0 {
			if fwd {
				p.set(LowRisk, "ssh: port forwarding only")
			} else {
				p.set(MediumRisk, "ssh: opens a shell on a remote host")
			}
			return
		}
		q, err := e.nested(strings.Join(rest, " "), "ssh")
		if err != nil {
			p.set(Critical, err.Error())
			return
		}
		if q.risk <= LowRisk {
			p.set(LowRisk, "ssh: runs a read-only command on a remote host")
			return
		}
		q.why = "on the remote host: " + q.why
		q.flags |= FlagNetworkAccess
		p.adopt(q, false)
		return
	}
}

func rsyncRule(args []string, p *part) {
	p.flags |= FlagNetworkAccess | FlagFileModification
	switch {
	case has(args, "eBfT", 'n', "--dry-run", "--list-only"):
		p.set(Safe, "rsync --dry-run: lists what would change")
	case has(args, "eBfT", 0, "--delete", "--delete-before", "--delete-during", "--delete-delay", "--delete-after", "--delete-excluded", "--remove-source-files", "--del"):
		p.flags |= FlagDestructive
		p.set(HighRisk, "rsync --delete: deletes files at the destination")
	case lastOperand(args, "eBfT", isSystemPath):
		p.flags |= FlagSystemModification
		p.set(HighRisk, "rsync writes into system directories")
	default:
		p.set(MediumRisk, "rsync: copies and overwrites files, possibly remote")
	}
}

var curlLong = []string{"--output", "--data", "--data-raw", "--data-binary", "--data-urlencode", "--data-ascii", "--form", "--form-string",
	"--header", "--request", "--upload-file", "--user", "--url", "--config", "--cookie", "--cookie-jar", "--max-time",
	"--connect-timeout", "--proxy", "--user-agent", "--referer", "--write-out", "--retry", "--cacert", "--cert", "--key",
	"--resolve", "--output-dir", "--json", "--range", "--limit-rate", "--interface", "--dns-servers"}

// curlRule decides curl and returns the file it downloads into, if any.
func curlRule(args []string, p *part) (fetched string) {
	p.flags |= FlagNetworkAccess
	p.download = true
	send, remote, url := "", false, ""
	o := opts{args: args, withArg: "AbcCdDeEFHKmoPQrtTuUwxXyYz", long: curlLong}
	for a, ok := o.next(); ok; a, ok = o.next() {
		switch {
		case a.short == 'o' || a.long == "--output":
			if a.val == "-" {
				continue
			}
			p.download = false
			p.flags |= FlagFileModification
			fetched = a.val
			if isSystemPath(a.val) {
				p.flags |= FlagSystemModification
				p.set(HighRisk, "curl writes a download into a system path")
				return fetched
			}
		case a.short == 'O' || a.long == "--remote-name" || a.long == "--remote-name-all":
			p.download = false
			remote = true
			p.flags |= FlagFileModification
		case a.operand && (url == "" || strings.Contains(a.val, "://")):
			url = a.val
		case a.short == 'd' || a.short == 'F' || a.short == 'T' || strings.HasPrefix(a.long, "--data") || strings.HasPrefix(a.long, "--form") || a.long == "--upload-file" || a.long == "--json":
			send = "sends data to a server"
		case a.short == 'X' || a.long == "--request":
			switch strings.ToUpper(a.val) {
			case "POST", "PUT", "PATCH", "DELETE":
				send = "sends a " + strings.ToUpper(a.val) + " request"
			}
		}
	}
	if send != "" {
		p.set(MediumRisk, "curl "+send)
	} else if p.flags&FlagFileModification != 0 {
		p.set(LowRisk, "curl downloads a file")
	}
	if remote && fetched == "" {
		fetched = urlFile(url)
	}
	return fetched
}

// urlFile is the file name a download of url is saved as by default.
func urlFile(url string) string {
	url, _, _ = strings.Cut(url, "?")
	url, _, _ = strings.Cut(url, "#")
	if i := strings.Index(url, "://"); i >= 0 {
		url = url[i+3:]
	}
	if i := strings.LastIndexByte(url, '/'); i >= 0 {
		return url[i+1:]
	}
	return ""
}

var wgetLong = []string{"--output-document", "--output-file", "--post-data", "--post-file", "--method", "--body-data", "--body-file", "--directory-prefix", "--user-agent", "--header", "--user", "--password", "--input-file"}

// wgetRule decides wget and returns the file it downloads into, if any.
func wgetRule(args []string, p *part) (fetched string) {
	p.flags |= FlagNetworkAccess | FlagFileModification
	url, out := "", false
	o := opts{args: args, withArg: "oaOPeUTtwQiBlARDIX", long: wgetLong}
	for a, ok := o.next(); ok; a, ok = o.next() {
		switch {
		case a.operand && (url == "" || strings.Contains(a.val, "://")):
			url = a.val
		case a.short == 'O' || a.long == "--output-document":
			out = true
			switch {
			case a.val == "-" || a.val == "/dev/stdout":
				p.download = true
				p.flags &^= FlagFileModification
			case isSystemPath(a.val):
				p.flags |= FlagSystemModification
				p.set(HighRisk, "wget writes a download into a system path")
				return a.val
			default:
				fetched = a.val
			}
		case a.long == "--post-data" || a.long == "--post-file" || a.long == "--body-data" || a.long == "--body-file":
			p.set(MediumRisk, "wget sends data to a server")
		case a.long == "--method":
			if u := strings.ToUpper(a.val); u != "GET" && u != "HEAD" {
				p.set(MediumRisk, "wget sends a "+u+" request")
			}
		case a.short == 'P' || a.long == "--directory-prefix":
			if isSystemPath(a.val) {
				p.flags |= FlagSystemModification
				p.set(HighRisk, "wget writes a download into a system path")
				return urlFile(url)
			}
		}
	}
	if !out {
		fetched = urlFile(url)
	}
	return fetched
}

func ncRule(args []string, p *part) {
	p.flags |= FlagNetworkAccess
	p.download = true
	o := opts{args: args, withArg: "eciIOpPqsTwWxXm", long: []string{"--exec", "--sh-exec", "--lua-exec"}}
	listen, scan := false, false
	for a, ok := o.next(); ok; a, ok = o.next() {
		switch {
		case a.short == 'e' || a.short == 'c' || a.long == "--exec" || a.long == "--sh-exec" || a.long == "--lua-exec":
			p.set(Critical, "netcat connects a shell or program to the network")
			return
		case a.short == 'l' || a.long == "--listen":
			listen = true
		case a.short == 'z':
			scan = true
		}
	}
	switch {
	case scan:
		p.set(LowRisk, "netcat -z: checks whether ports are open")
	case listen:
		p.set(MediumRisk, "netcat listens for network connections")
	default:
		p.set(MediumRisk, "netcat opens a raw network connection")
	}
}

func iptablesRule(args []string, p *part) {
	modify, list, flush, policy := false, false, false, false
	for _, a := range args {
		switch {
		case a == "--flush" || a == "--delete-chain":
			flush = true
		case a == "--policy":
			policy = true
		case a == "--append" || a == "--insert" || a == "--delete" || a == "--replace" || a == "--new-chain" || a == "--rename-chain" || a == "--zero":
			modify = true
		case a == "--list" || a == "--list-rules":
			list = true
		case len(a) > 1 && a[0] == '-' && a[1] != '-':
			for i := 1; i < len(a); i++ {
				switch a[i] {
				case 'F', 'X':
					flush = true
				case 'P':
					policy = true
				case 'A', 'I', 'D', 'R', 'N', 'E', 'Z':
					modify = true
				case 'L', 'S':
					list = true
				}
			}
		}
	}
	p.flags |= FlagSystemModification
	switch {
	case flush:
		p.set(HighRisk, "flushes firewall rules (opens the host or cuts off access)")
	case policy:
		p.set(HighRisk, "changes a firewall chain's default policy")
	case modify:
		p.set(HighRisk, "changes firewall rules")
	case list:
		p.flags &^= FlagSystemModification
		p.set(Safe, "lists firewall rules")
	}
}

func (e *eval) ipRule(args []string, p *part) {
	obj, rest := sub(args, "nbfl", nil)
	act, rest2 := sub(rest, "", nil)
	if obj == "netns" && act == "exec" && len(rest2) > 1 {
		q := e.command(rest2[1:])
		if q.has {
			p.adopt(q, false)
		}
		return
	}
	switch act {
	case "", "show", "list", "ls", "lst", "sh", "get", "help", "s":
		p.set(Safe, "ip "+obj+": shows network configuration")
	case "del", "delete", "flush", "d":
		p.flags |= FlagSystemModification
		p.set(HighRisk, "ip "+obj+" "+act+": removes network configuration (can cut off access)")
	case "set":
		p.flags |= FlagSystemModification
		if hasWord(rest2, "down") {
			p.set(HighRisk, "ip link set down: takes a network interface down")
		} else {
			p.set(MediumRisk, "ip "+obj+" set: changes network configuration")
		}
	case "add", "append", "change", "chg", "replace", "a", "attach", "exec", "identify", "pids":
		p.flags |= FlagSystemModification
		p.set(MediumRisk, "ip "+obj+" "+act+": changes network configuration")
	default:
		if obj == "monitor" || obj == "mon" {
			p.set(Safe, "ip monitor: watches network events")
		}
	}
}

// signalClass returns the risk of sending signal sig (a name or number).
func signalClass(sig string) (Risk, string) {
	s := strings.ToUpper(strings.TrimPrefix(strings.ToUpper(sig), "SIG"))
	switch s {
	case "0":
		return Safe, "only checks that the process exists"
	case "9", "KILL":
		return HighRisk, "kills processes without letting them clean up (SIGKILL)"
	case "1", "HUP", "10", "USR1", "12", "USR2", "18", "CONT", "28", "WINCH", "14", "ALRM":
		return LowRisk, "sends a control signal (reload, continue, …)"
	}
	return MediumRisk, "stops processes"
}

func killRule(args []string, p *part) {
	sig, sigSet, dashdash, targets := "TERM", false, false, 0
	crit := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case dashdash || !strings.HasPrefix(a, "-") || sigSet && a == "-1":
			targets++
			if a == "1" || a == "-1" {
				crit = a
			}
		case a == "--":
			dashdash = true
		case a == "-l" || a == "-L" || a == "--list" || a == "--table":
			p.set(Safe, "lists signal names")
			return
		case a == "-s" || a == "-n" || a == "--signal":
			if i+1 < len(args) {
				sig, sigSet = args[i+1], true
				i++
			}
		case strings.HasPrefix(a, "--signal="):
			sig, sigSet = a[len("--signal="):], true
		case !sigSet:
			sig, sigSet = a[1:], true
		default:
			targets++
		}
	}
	switch crit {
	case "1":
		p.set(Critical, "signals init (PID 1): the machine goes down with it")
		return
	case "-1":
		p.set(Critical, "signals every process it may (PID -1)")
		return
	}
	r, why := signalClass(sig)
	p.set(r, "kill: "+why)
}

func pkillRule(name string, args []string, p *part) {
	sig := "TERM"
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-l" && name == "killall" || a == "--list":
			p.set(Safe, "lists signal names")
			return
		case (a == "-s" || a == "--signal") && i+1 < len(args):
			sig = args[i+1]
			i++
		case strings.HasPrefix(a, "--signal="):
			sig = a[len("--signal="):]
		case len(a) > 1 && a[0] == '-' && (a[1] >= '0' && a[1] <= '9' || a[1] >= 'A' && a[1] <= 'Z'):
			sig = a[1:]
		}
	}
	r, why := signalClass(sig)
	if name == "pgrep" {
		return
	}
	switch r {
	case Safe:
		p.set(Safe, name+": "+why)
	case LowRisk:
		p.set(MediumRisk, name+": sends a control signal to every process matching a pattern")
	default:
		p.set(HighRisk, name+": stops every process matching a name or pattern")
	}
}

// findRule decides find: -delete and -exec/-ok with a deleting command are
// HIGH, CRITICAL when unfiltered under /, a home or top-level directory;
// other -exec commands are decided as commands.
func (e *eval) findRule(args []string, p *part) {
	crit, filtered, del := false, false, false
	starting := true
	var worst part
	for i := 0; i < len(args); i++ {
		a := args[i]
		if starting && a != "" && a[0] != '-' && a[0] != '(' && a[0] != '!' {
			crit = crit || isCritical(a)
			continue
		}
		starting = false
		switch a {
		case "-delete":
			del = true
		case "-exec", "-execdir", "-ok", "-okdir":
			j := i + 1
			for j < len(args) && args[j] != ";" && args[j] != "+" {
				j++
			}
			if i+1 < j {
				q := e.command(args[i+1 : j])
				switch q.tool {
				case "rm", "shred", "unlink", "rmdir", "srm", "wipe", "truncate":
					del = true
				}
				worst.merge(q)
			}
			i = j
		case "-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename", "-regex", "-iregex", "-mtime", "-mmin",
			"-atime", "-amin", "-ctime", "-cmin", "-newer", "-size", "-user", "-group", "-empty", "-perm", "-inum",
			"-samefile", "-links", "-nouser", "-nogroup", "-lname", "-ilname":
			filtered = true
		case "-fprint", "-fprint0", "-fprintf", "-fls":
			p.flags |= FlagFileModification
		}
	}
	p.set(Safe, "find: searches files")
	if worst.has {
		p.flags |= worst.flags
		if worst.risk > Safe {
			p.set(worst.risk, "find -exec: "+worst.why)
		}
	}
	if del {
		p.flags |= FlagDestructive | FlagFileModification
		if crit && !filtered {
			p.set(Critical, "find deletes everything under / , a home or top-level directory")
		} else {
			p.raise(HighRisk, "find deletes the files it matches (-delete or -exec rm)")
		}
	}
}

// sqlRule decides database clients by the SQL given with -e/-c/--execute
// or as an operand.
func sqlRule(args []string, p *part) {
	o := opts{args: args, withArg: "hPuUpdDtcefFoLSWT", long: []string{"--command", "--execute", "--host", "--port", "--user", "--username", "--dbname", "--database", "--file"}}
	sql := ""
	for a, ok := o.next(); ok; a, ok = o.next() {
		if a.short == 'c' || a.short == 'e' || a.long == "--command" || a.long == "--execute" {
			sql += " " + a.val
		} else if a.operand && strings.ContainsAny(a.val, " ;") {
			sql += " " + a.val
		}
	}
	if sql == "" {
		return
	}
	u := " " + strings.Join(strings.Fields(strings.ToUpper(sql)), " ") + " "
	switch {
	case strings.Contains(u, "DROP DATABASE") || strings.Contains(u, "DROP SCHEMA"):
		p.flags |= FlagDestructive
		p.set(Critical, "drops a whole database")
	case strings.Contains(u, "DROP TABLE") || strings.Contains(u, "TRUNCATE") || strings.Contains(u, "DELETE FROM") && !strings.Contains(u, " WHERE "):
		p.flags |= FlagDestructive
		p.set(HighRisk, "drops a table or deletes all its rows")
	case strings.Contains(u, "DELETE ") || strings.Contains(u, "UPDATE ") || strings.Contains(u, "INSERT ") ||
		strings.Contains(u, "ALTER ") || strings.Contains(u, "CREATE ") || strings.Contains(u, "GRANT ") ||
		strings.Contains(u, "REVOKE ") || strings.Contains(u, "DROP "):
		p.set(MediumRisk, "changes data or schema")
	case strings.Contains(u, "SELECT ") || strings.Contains(u, "SHOW ") || strings.Contains(u, "DESCRIBE ") ||
		strings.Contains(u, "EXPLAIN ") || strings.Contains(u, " \\L ") || strings.Contains(u, " \\DT "):
		p.set(Safe, "read-only query")
	}
}
