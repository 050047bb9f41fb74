package tcp

import "strings"

// arg is one item of a command's arguments as opts reads them.
type arg struct {
	short   byte   // a short option letter, or 0
	long    string // a long option "--name", or ""
	val     string // the option's value, or the operand
	operand bool
}

// opts reads command arguments the way getopt does: clusters of short
// options (-rf), values attached or in the next word (-n5, -n 5), long
// options (--name=value, --name value), operands, and "--" ending options.
// withArg lists the short options taking a value, long the long options
// taking one (written with their dashes).
type opts struct {
	args     []string
	withArg  string
	long     []string
	i, j     int // next argument, and the next letter inside a short cluster
	dashdash bool
}

func (o *opts) next() (arg, bool) {
	for {
		if o.j > 0 {
			a := o.args[o.i]
			c := a[o.j]
			o.j++
			if strings.IndexByte(o.withArg, c) >= 0 {
				val := a[o.j:]
				o.j = 0
				o.i++
				if val == "" && o.i < len(o.args) {
					val = o.args[o.i]
					o.i++
				}
				return arg{short: c, val: val}, true
			}
			if o.j >= len(a) {
				o.j = 0
				o.i++
			}
			return arg{short: c}, true
		}
		if o.i >= len(o.args) {
			return arg{}, false
		}
		a := o.args[o.i]
		if o.dashdash || len(a) < 2 || a[0] != '-' {
			o.i++
			return arg{operand: true, val: a}, true
		}
		if a == "--" {
			o.dashdash = true
			o.i++
			continue
		}
		if a[1] == '-' {
			o.i++
			name, val, hasVal := strings.Cut(a, "=")
			if !hasVal && o.i < len(o.args) {
				for _, l := range o.long {
					if l == name {
						val = o.args[o.i]
						o.i++
						break
					}
				}
			}
			return arg{long: name, val: val}, true
		}
		o.j = 1
	}
}

// rest returns the arguments not read yet (at an argument boundary).
func (o *opts) rest() []string {
	if o.i >= len(o.args) {
		return nil
	}
	return o.args[o.i:]
}

// sub returns the first operand of args (a subcommand) and the arguments
// after it; options before it are skipped.
func sub(args []string, withArg string, long []string) (string, []string) {
	o := opts{args: args, withArg: withArg, long: long}
	for {
		a, ok := o.next()
		if !ok {
			return "", nil
		}
		if a.operand && o.j == 0 {
			return a.val, o.rest()
		}
	}
}

// has reports whether args hold the short option c or one of the long
// options (as --name or --name=value), before any "--".
func has(args []string, withArg string, c byte, long ...string) bool {
	o := opts{args: args, withArg: withArg}
	for a, ok := o.next(); ok; a, ok = o.next() {
		if c != 0 && a.short == c {
			return true
		}
		if a.long != "" {
			for _, l := range long {
				if a.long == l {
					return true
				}
			}
		}
	}
	return false
}

// hasWord reports whether one of args is exactly w.
func hasWord(args []string, w ...string) bool {
	for _, a := range args {
		for _, x := range w {
			if a == x {
				return true
			}
		}
	}
	return false
}

// topDirs are the top-level directories whose loss breaks a system.
var topDirs = [...]string{
	"/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32",
	"/media", "/mnt", "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/usr", "/var",
}

// isCritical reports whether a path operand of a recursive or destructive
// command stands for a whole system, a home directory or everything in the
// working directory: /, /*, ~, $HOME, *, a top-level directory, or a
// variable followed by / (an empty variable makes it /).
func isCritical(p string) bool {
	q, stripped := p, false
	for {
		switch {
		case strings.HasSuffix(q, "/*"):
			q = q[:len(q)-2]
		case strings.HasSuffix(q, "/.") && len(q) > 2:
			q = q[:len(q)-2]
		case len(q) > 1 && q[len(q)-1] == '/':
			q = q[:len(q)-1]
		default:
			goto done
		}
		stripped = true
	}
done:
	switch q {
	case "/", "~", "$HOME", "${HOME}", "*", ".*", "..", "../..", "/..", "~/*", "~/.*":
		return true
	case "", ".":
		return stripped // "/*", "./*", "./"
	}
	if q[0] == '~' && strings.IndexByte(q, '/') < 0 {
		return true // ~user
	}
	for _, d := range topDirs {
		if q == d {
			return true
		}
	}
	if stripped && isVariable(q) {
		return true
	}
	return false
}

// isVariable reports whether w is exactly one parameter expansion: $X or ${…}.
func isVariable(w string) bool {
	if len(w) < 2 || w[0] != '$' {
		return false
	}
	if w[1] == '{' {
		return strings.IndexByte(w, '}') == len(w)-1
	}
	for i := 1; i < len(w); i++ {
		c := w[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// isBlockDevice reports whether p names a disk or partition device.
func isBlockDevice(p string) bool {
	rest, ok := strings.CutPrefix(p, "/dev/")
	if !ok {
		return false
	}
	for _, pre := range [...]string{"sd", "hd", "vd", "xvd", "nvme", "mmcblk", "md", "dm-", "disk/", "mapper/", "nbd", "rbd", "zd", "bcache"} {
		if strings.HasPrefix(rest, pre) {
			return true
		}
	}
	return false
}

// isHarmlessDev reports whether writing to p has no lasting effect.
func isHarmlessDev(p string) bool {
	switch p {
	case "/dev/null", "/dev/zero", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/full", "/dev/random", "/dev/urandom":
		return true
	}
	return strings.HasPrefix(p, "/dev/fd/") || strings.HasPrefix(p, "/dev/pts/") || strings.HasPrefix(p, "/dev/shm/")
}

// isSystemPath reports whether p is in a directory that holds the system's
// programs, configuration, kernel interfaces or devices.
func isSystemPath(p string) bool {
	if isHarmlessDev(p) {
		return false
	}
	for _, d := range [...]string{"/etc", "/boot", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/sys", "/proc", "/dev", "/root", "/var/lib", "/var/spool/cron"} {
		if strings.HasPrefix(p, d) && (len(p) == len(d) || p[len(d)] == '/') {
			return true
		}
	}
	return false
}

// isSecret reports whether p looks like a file holding credentials.
func isSecret(p string) bool {
	if strings.HasSuffix(p, ".pub") {
		return false // a public key
	}
	for _, s := range [...]string{"/etc/shadow", "/etc/gshadow", "/etc/sudoers", ".ssh/id_", "/id_rsa", "/id_ed25519", "/id_ecdsa", ".aws/credentials", ".netrc", ".pgpass", ".kube/config", ".docker/config.json", ".gnupg/", ".git-credentials", ".vault-token"} {
		if strings.Contains(p, s) {
			return true
		}
	}
	return strings.HasPrefix(p, "id_rsa") || strings.HasPrefix(p, "id_ed25519") || strings.HasPrefix(p, "id_ecdsa")
}
