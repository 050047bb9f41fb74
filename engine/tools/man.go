package tools

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// DefaultManPath are the man page roots Scan reads when ScanOptions.ManPath
// is empty.
var DefaultManPath = []string{"/usr/share/man", "/usr/local/share/man"}

// maxManSource bounds a man page's decompressed source, against gzip bombs.
const maxManSource = 8 << 20

// manIndex maps a command name to its man page file in sections 1 and 8.
type manIndex map[string]manFile

type manFile struct {
	path string
	root string // the man root, for .so references
	rank int    // lower is better: section 1 before 8, plain before suffixed
}

var manName = regexp.MustCompile(`^(.+)\.([18])([a-z0-9]*)$`)

// indexMan lists man1 and man8 of every root once. Pages are named
// NAME.SECTION[SUFFIX][.gz] ("ls.1.gz", "openssl.1ssl.gz", "mkfs.ext4.8.gz").
func indexMan(roots []string) manIndex {
	idx := make(manIndex)
	for ri, root := range roots {
		for si, sec := range []string{"man1", "man8"} {
			ents, err := os.ReadDir(filepath.Join(root, sec))
			if err != nil {
				continue
			}
			for _, e := range ents {
				base := strings.TrimSuffix(e.Name(), ".gz")
				m := manName.FindStringSubmatch(base)
				if m == nil {
					continue
				}
				rank := ri*100 + si*10
				if m[3] != "" {
					rank++
				}
				if old, ok := idx[m[1]]; ok && old.rank <= rank {
					continue
				}
				idx[m[1]] = manFile{path: filepath.Join(root, sec, e.Name()), root: root, rank: rank}
			}
		}
	}
	return idx
}

// ReadManPage reads a man page file (gzip-compressed or not), follows ".so"
// references relative to root (at most three), and returns it as plain text.
func ReadManPage(path, root string) (string, error) {
	for depth := 0; ; depth++ {
		src, err := readManSource(path)
		if err != nil {
			return "", err
		}
		if ref, ok := soReference(src); ok {
			if depth == 3 {
				return "", fmt.Errorf("man page %s: more than 3 .so references", path)
			}
			next := filepath.Join(root, filepath.Clean("/" + ref)[1:])
			if _, err := os.Stat(next); err != nil {
				if _, err2 := os.Stat(next + ".gz"); err2 == nil {
					next += ".gz"
				} else {
					return "", fmt.Errorf("man page %s: .so %s: %w", path, ref, err)
				}
			}
			path = next
			continue
		}
		return StripRoff(src), nil
	}
}

func readManSource(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var head [2]byte
	n, _ := io.ReadFull(f, head[:])
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	var r io.Reader = f
	if n == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return "", fmt.Errorf("man page %s: %w", path, err)
		}
		defer zr.Close()
		r = zr
	}
	b, err := io.ReadAll(io.LimitReader(r, maxManSource))
	if err != nil {
		return "", fmt.Errorf("man page %s: %w", path, err)
	}
	return string(b), nil
}

// soReference reports the target of a page that is only a ".so" request.
func soReference(src string) (string, bool) {
	for line := range strings.SplitSeq(src, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, `.\"`) || strings.HasPrefix(line, `'\"`) {
			continue
		}
		if ref, ok := strings.CutPrefix(line, ".so "); ok {
			return strings.TrimSpace(ref), true
		}
		return "", false
	}
	return "", false
}

// StripRoff turns man(7) (and, roughly, mdoc(7)) source into plain text:
// comments, macro definitions, conditionals and formatting requests go;
// text-carrying macros (.SH, .B, .BR, .IP, ...) keep their text; escapes
// become the characters they stand for or nothing.
func StripRoff(src string) string {
	var out []string
	blank := func() {
		if len(out) > 0 && out[len(out)-1] != "" {
			out = append(out, "")
		}
	}
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	skipUntilDots := false
	braceDepth := 0
	inTableSpec := false
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		// Continuation lines: a trailing backslash joins the next line.
		for strings.HasSuffix(line, `\`) && !strings.HasSuffix(line, `\\`) && i+1 < len(lines) {
			i++
			line = line[:len(line)-1] + lines[i]
		}
		if skipUntilDots {
			if strings.HasPrefix(strings.TrimSpace(line), "..") {
				skipUntilDots = false
			}
			continue
		}
		if braceDepth > 0 {
			braceDepth += strings.Count(line, `\{`) - strings.Count(line, `\}`)
			continue
		}
		if inTableSpec {
			if strings.HasSuffix(strings.TrimSpace(line), ".") {
				inTableSpec = false
			}
			continue
		}
		if len(line) > 0 && (line[0] == '.' || line[0] == '\'') {
			name, args := request(line[1:])
			switch {
			case name == "" || strings.HasPrefix(name, `\"`) || strings.HasPrefix(name, `\#`):
				// comment or empty request
			case name == "de" || name == "de1" || name == "am" || name == "ig" || name == "dei" || name == "ami":
				skipUntilDots = true
			case name == "if" || name == "ie" || name == "el" || name == "while":
				braceDepth = strings.Count(line, `\{`) - strings.Count(line, `\}`)
				if braceDepth < 0 {
					braceDepth = 0
				}
			case name == "TS":
				inTableSpec = true
			case name == "SH" || name == "SS" || name == "Sh" || name == "Ss":
				blank()
				if t := strings.Join(splitArgs(args), " "); t != "" {
					out = append(out, unescape(t))
				}
			case name == "B" || name == "I" || name == "SM" || name == "SB":
				if t := strings.Join(splitArgs(args), " "); t != "" {
					out = append(out, unescape(t))
				}
			case name == "BR" || name == "BI" || name == "IB" || name == "IR" || name == "RB" || name == "RI":
				out = append(out, unescape(strings.Join(splitArgs(args), "")))
			case name == "IP" || name == "TQ":
				if a := splitArgs(args); len(a) > 0 && a[0] != "" {
					out = append(out, unescape(a[0]))
				}
			case name == "PP" || name == "LP" || name == "P" || name == "sp" || name == "Pp" || name == "TP" || name == "HP":
				blank()
			case name == "UR" || name == "MT":
				if a := splitArgs(args); len(a) > 0 {
					out = append(out, unescape(a[0]))
				}
			case isManOnly(name):
				// formatting without text
			case name[0] >= 'A' && name[0] <= 'Z':
				// Other macros, mostly mdoc, carry their text as arguments.
				if t := mdocText(splitArgs(args)); t != "" {
					out = append(out, unescape(t))
				}
			default:
				// roff requests (.br, .nf, .ft, .in, ...) carry no text.
			}
			continue
		}
		out = append(out, unescape(strings.ReplaceAll(line, "\t", "    ")))
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	// Collapse runs of blank lines.
	var b strings.Builder
	prevBlank := true
	for _, l := range out {
		l = strings.TrimRight(l, " ")
		if l == "" {
			if prevBlank {
				continue
			}
			prevBlank = true
		} else {
			prevBlank = false
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return strings.ToValidUTF8(b.String(), "\uFFFD")
}

// isManOnly are man(7), pod2man and mdoc macros that carry no text.
func isManOnly(name string) bool {
	switch name {
	case "TH", "RS", "RE", "PD", "UE", "ME", "EX", "EE", "TE", "Dd", "Dt", "Os",
		"Vb", "Ve", "IX", "UC", "AT", "DT", "SY", "YS", "OP", "Bl", "El", "Bd", "Ed",
		"Ek", "Bk", "Rs", "Re":
		return true
	}
	return false
}

// mdocCallable are mdoc macro names that may appear inside another's
// arguments; they are dropped, and Fl prefixes its argument with "-".
var mdocCallable = set("Ar", "Op", "Oo", "Oc", "Xr", "Nm", "Pa", "Cm", "Ic", "Li",
	"Sy", "Em", "Dq", "Qq", "Sq", "Pq", "Ql", "Ns", "No", "Ev", "Va", "Dv", "Er",
	"Fn", "Fa", "Ft", "Cd", "Ad", "An", "Lk", "Mt", "Ta", "Aq", "Bq", "Brq")

func mdocText(args []string) string {
	var words []string
	dash := false
	for _, a := range args {
		switch {
		case a == "Fl":
			dash = true
			continue
		case mdocCallable[a]:
			continue
		}
		if dash {
			a = "-" + a
			dash = false
		}
		words = append(words, a)
	}
	if dash {
		words = append(words, "-")
	}
	return strings.Join(words, " ")
}

// request splits a request line (without its control character) into the
// request name and the rest.
func request(s string) (string, string) {
	s = strings.TrimLeft(s, " \t")
	if strings.HasPrefix(s, `\"`) || strings.HasPrefix(s, `\#`) {
		return s[:2], ""
	}
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

// splitArgs splits macro arguments: spaces separate, double quotes group,
// "" inside quotes is a literal quote.
func splitArgs(s string) []string {
	var args []string
	var cur strings.Builder
	inQuote, have := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			cur.WriteByte(c)
			cur.WriteByte(s[i+1])
			i++
			have = true
		case c == '"' && inQuote && i+1 < len(s) && s[i+1] == '"':
			cur.WriteByte('"')
			i++
		case c == '"' && !inQuote && cur.Len() == 0:
			inQuote, have = true, true
		case c == '"' && inQuote:
			inQuote = false
		case (c == ' ' || c == '\t') && !inQuote:
			if have {
				args = append(args, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteByte(c)
			have = true
		}
	}
	if have {
		args = append(args, cur.String())
	}
	return args
}

// specialChars maps roff special character names to text.
var specialChars = map[string]string{
	"aq": "'", "dq": `"`, "cq": "'", "oq": "'", "lq": `"`, "rq": `"`, "Aq": "'",
	"em": "--", "en": "-", "hy": "-", "mi": "-", "pl": "+", "eq": "=", "mu": "x",
	"bu": "*", "co": "(C)", "rg": "(R)", "tm": "(TM)", "Tm": "(TM)", "R": "(R)",
	">=": ">=", "<=": "<=", "->": "->", "<-": "<-", "ti": "~", "ha": "^",
	"rs": `\`, "sl": "/", "ga": "`", "aa": "'", "ul": "_", "ba": "|", "br": "|",
	"bv": "|", "or": "|", "de": "°", "lh": "<=", "rh": "=>", "fm": "'", "sq": "[]",
	"Fo": "«", "Fc": "»", "fo": "<", "fc": ">", "at": "@", "sh": "#", "Do": "$",
	"ct": "¢", "Po": "£", "Ye": "¥", "Eu": "€", "ss": "ß",
}

// unescape replaces roff escapes in one line of text.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		e := s[i]
		switch e {
		case '"', '#':
			return b.String() // comment to end of line
		case '-':
			b.WriteByte('-')
		case 'e', '\\':
			b.WriteByte('\\')
		case ' ', '~', '0', '_':
			b.WriteByte(' ')
		case '.', '\'', '`':
			b.WriteByte(e)
		case '&', '/', ',', '%', ':', '|', '^', 'c', 'u', 'd', 'a', 'p', 't', 'r', '{', '}', 'E', '!', ')', '?':
			// zero-width or motion: nothing
		case 'f', 'F', 'm', 'M', 'g', 'k', 'n', 'O', 'V', 'Y', 'z':
			// Fonts, colours, registers: nothing printable.
			_, i = escapeName(s, i+1)
		case '*':
			var name string
			name, i = escapeName(s, i+1)
			b.WriteString(specialChars[name])
		case '(':
			if i+2 < len(s) {
				b.WriteString(specialChars[s[i+1:i+3]])
				i += 2
			} else {
				i = len(s) - 1
			}
		case '[':
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				i = len(s) - 1
				break
			}
			b.WriteString(namedChar(s[i+1 : i+end]))
			i += end
		case 's':
			i = skipSize(s, i+1)
		case 'h', 'v', 'w', 'l', 'L', 'o', 'X', 'N', 'Z', 'b', 'D', 'x', 'A', 'B', 'C', 'R', 'S':
			i = skipDelimited(s, i+1)
		case '$':
			if i+1 < len(s) {
				i++
			}
		default:
			b.WriteByte(e)
		}
	}
	return b.String()
}

// escapeName reads the name of an escape at s[i:]: one character, "(xx" or
// "[name]". It returns the name and the index of its last byte.
func escapeName(s string, i int) (string, int) {
	if i >= len(s) {
		return "", len(s) - 1
	}
	switch s[i] {
	case '(':
		if i+2 < len(s) {
			return s[i+1 : i+3], i + 2
		}
		return "", len(s) - 1
	case '[':
		end := strings.IndexByte(s[i:], ']')
		if end < 0 {
			return "", len(s) - 1
		}
		return s[i+1 : i+end], i + end
	}
	return s[i : i+1], i
}

// skipSize skips a \s argument: "-2", "+2", "0", "12", "(12", "[12]", "'12'".
func skipSize(s string, i int) int {
	if i >= len(s) {
		return len(s) - 1
	}
	switch s[i] {
	case '[', '\'':
		return skipDelimited(s, i)
	case '(':
		return min(i+2, len(s)-1)
	}
	if s[i] == '+' || s[i] == '-' {
		i++
	}
	j := i
	for j < len(s) && j < i+2 && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == i {
		return i - 1
	}
	return j - 1
}

// skipDelimited skips an argument delimited by s[i] ("'...'", "[...]").
func skipDelimited(s string, i int) int {
	if i >= len(s) {
		return len(s) - 1
	}
	d := s[i]
	if d == '[' {
		d = ']'
	}
	end := strings.IndexByte(s[i+1:], d)
	if end < 0 {
		return len(s) - 1
	}
	return i + 1 + end
}

// namedChar resolves \[name]: a special character or \[uXXXX].
func namedChar(name string) string {
	if t, ok := specialChars[name]; ok {
		return t
	}
	if hex, ok := strings.CutPrefix(name, "u"); ok {
		if r, err := strconv.ParseUint(strings.SplitN(hex, "_", 2)[0], 16, 32); err == nil && r <= 0x10FFFF {
			return string(rune(r))
		}
	}
	return ""
}

// manSection returns the text of the section headed name ("DESCRIPTION")
// in a StripRoff text, at most max bytes.
func manSection(text, name string, max int) string {
	i := indexHeading(text, name)
	if i < 0 {
		return ""
	}
	rest := text[i+len(name):]
	// The section ends at the next heading: an unindented all-caps line.
	end := len(rest)
	for off := 0; off < len(rest); {
		nl := strings.IndexByte(rest[off:], '\n')
		if nl < 0 {
			break
		}
		start := off + nl + 1
		lineEnd := strings.IndexByte(rest[start:], '\n')
		if lineEnd < 0 {
			lineEnd = len(rest) - start
		}
		line := rest[start : start+lineEnd]
		if line != "" && line == strings.ToUpper(line) && line[0] >= 'A' && line[0] <= 'Z' {
			end = start
			break
		}
		off = start
	}
	rest = rest[:end]
	if len(rest) > max {
		rest = rest[:max]
	}
	return rest
}

func indexHeading(text, name string) int {
	if strings.HasPrefix(text, name+"\n") {
		return 0
	}
	i := strings.Index(text, "\n"+name+"\n")
	if i < 0 {
		return -1
	}
	return i + 1
}

// manNameLine returns the NAME section's line ("ls - list directory
// contents").
func manNameLine(text string) string {
	s := strings.TrimSpace(manSection(text, "NAME", 400))
	line, _, _ := strings.Cut(s, "\n")
	return line
}
