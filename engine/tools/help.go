package tools

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// maxVersionLine is the length from which a line is not taken as a version.
const maxVersionLine = 1000

var (
	ansiEscape  = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]`)
	versionNum  = regexp.MustCompile(`\d+\.\d+`)
	versionWord = regexp.MustCompile(`(?i)\bversion\b\D{0,20}\d`)
	usageWord   = regexp.MustCompile(`(?i)\busage\b`)
)

// cleanText makes program output printable: valid UTF-8, no terminal
// escapes, no overstrike, no carriage returns, no other control characters
// than newline and tab.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexByte(s, 0x1b) >= 0 {
		s = ansiEscape.ReplaceAllString(s, "")
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\b':
			// Overstrike ("N\bN" bold, "_\bN" underline): drop the character
			// before the backspace.
			str := b.String()
			if len(str) > 0 {
				_, size := utf8.DecodeLastRuneInString(str)
				b.Reset()
				b.WriteString(str[:len(str)-size])
			}
		case r == '\r':
			b.WriteByte('\n')
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// versionLike reports whether s looks like it names a version: a dotted
// number, or the word "version" followed closely by a digit.
func versionLike(s string) bool {
	return versionNum.MatchString(s) || versionWord.MatchString(s)
}

// errorWords mark a line as a complaint rather than a version: "pyenv:
// pip3.6: command not found" holds a dotted number but names no version.
var errorWords = []string{
	"not found", "error", "warning", "unknown", "invalid", "unrecognized",
	"unrecognised", "usage", "no such", "cannot", "can't", "failed",
	"traceback", "exception", "illegal", "not supported", "permission denied",
	"deprecat", "not installed",
}

func errorLike(line string) bool {
	lower := strings.ToLower(line)
	for _, w := range errorWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// versionLine picks the version from a version probe's output: the first
// version-like line among the first five non-empty ones; failing that, when
// the probe exited 0, the first non-empty line. Lines of maxVersionLine
// characters or more and complaints (errorWords) are never taken, and a
// failed probe whose output opens with a complaint gives no version.
func versionLine(out string, exitedOK bool) string {
	var first string
	seen := 0
	for line := range strings.SplitSeq(out, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if seen++; seen > 5 {
			break
		}
		if errorLike(line) && seen == 1 && !exitedOK {
			return "" // a failed probe that opens with a complaint
		}
		if len(line) >= maxVersionLine || errorLike(line) {
			continue
		}
		if versionLike(line) {
			return line
		}
		if first == "" {
			first = line
		}
	}
	if exitedOK {
		return first
	}
	return ""
}

// versionGiven reports whether a version probe's output answers it: the
// probe exited 0, or printed a version-like line that is no complaint.
func versionGiven(out string, exitedOK bool) bool {
	return exitedOK || versionLine(out, false) != ""
}

// Subcommand parsing. Conservative by design: a name is taken only
//
//   - from the lines under a heading that mentions commands ("Commands:",
//     "Management Commands:", "These are common Git commands ...:",
//     "Standard commands"), indented, at the indentation of the section's
//     first entry, as "name  description", "name, alias  description",
//     "name ARGS...  description" or "name - description"; or as a grid of
//     names ("asn1parse   ca   ciphers") or a comma list ("access, adduser,");
//     the section ends at an unindented line ending in ":" that does not
//     mention commands ("Options:", "Flags:");
//   - from a grammar line "OBJECT := { a | b | ... }" (ip, tc, bridge).
//
// Names start with a lowercase letter and hold lowercase letters, digits
// and . _ : -; they are at most 40 characters. Option lists, wrapped
// description lines and argument tables ("  none, off   never make backups")
// are never taken.

var (
	subName      = `[a-z][a-z0-9._:-]{0,39}`
	subEntry     = regexp.MustCompile(`^(` + subName + `)((?:,\s*` + subName + `)*)((?:\s(?:[\[<{(][^\s]*|[A-Z][A-Z0-9_.|=-]*[\]>})]?))*)(?:\s{2,}|\t|\s+-\s+)\S`)
	subToken     = regexp.MustCompile(`^` + subName + `$`)
	grammarStart = regexp.MustCompile(`\b(?:OBJECT|COMMAND|CMD|SUBCOMMAND)\s*:=\s*\{`)
	headingWord  = regexp.MustCompile(`(?i)\b(?:sub)?commands?\b`)
)

// Subcommands returns the subcommands a help text lists, in order, without
// duplicates.
func Subcommands(help string) []string {
	var out []string
	seen := make(map[string]bool)
	add := func(name string) {
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}

	lines := strings.Split(help, "\n")
	inSection := false
	entryIndent := -1
	grid := false
	for i := 0; i < len(lines); i++ {
		raw := strings.TrimRight(lines[i], " \t")
		if raw == "" {
			continue
		}
		if loc := grammarStart.FindStringIndex(raw); loc != nil {
			for _, n := range grammarList(lines, i, loc[1]) {
				add(n)
			}
			continue
		}
		indent, text := indentOf(raw)
		if (indent == 0 || (indent <= 2 && strings.HasSuffix(text, ":"))) && commandHeading(text) {
			inSection, entryIndent, grid = true, -1, false
			continue
		}
		if !inSection {
			continue
		}
		if indent == 0 && strings.HasSuffix(text, ":") {
			inSection = false
			continue
		}
		if entryIndent >= 0 && indent != entryIndent {
			continue // a wrapped description, a group title or a nested table
		}
		if names, ok := nameRow(text, grid); ok {
			if entryIndent < 0 {
				entryIndent, grid = indent, true
			}
			for _, n := range names {
				add(n)
			}
			continue
		}
		if indent == 0 {
			continue // prose between groups of entries
		}
		if m := subEntry.FindStringSubmatch(text); m != nil {
			if entryIndent < 0 {
				entryIndent = indent
			}
			add(m[1])
		}
	}
	return out
}

// commandHeading reports whether a line heads a list of commands.
func commandHeading(text string) bool {
	if !headingWord.MatchString(text) || len(text) > 100 {
		return false
	}
	lower := strings.ToLower(text)
	if strings.HasPrefix(lower, "usage") || strings.HasPrefix(lower, "-") {
		return false
	}
	if strings.ContainsAny(text, "<[{=\"") || strings.Contains(text, "  ") {
		return false // an argument list, or an entry ("exec   Execute a command")
	}
	return !strings.HasSuffix(text, ".")
}

// nameRow parses a row that is only names: a comma list ("access,
// adduser, audit,") of two or more, or a grid of three or more separated by
// two spaces or more ("ca   ciphers   cmp"). Inside a grid (grid set) one
// name is enough: the grid's last row may be short.
func nameRow(text string, grid bool) ([]string, bool) {
	var fields []string
	comma := strings.Contains(text, ",") && !strings.Contains(text, "  ")
	sep := "  "
	if comma {
		sep = ","
	}
	for f := range strings.SplitSeq(text, sep) {
		if f = strings.TrimSpace(f); f != "" {
			fields = append(fields, f)
		}
	}
	switch {
	case len(fields) == 0:
		return nil, false
	case grid:
	case comma && len(fields) < 2, !comma && len(fields) < 3:
		return nil, false
	}
	for _, f := range fields {
		if !subToken.MatchString(f) {
			return nil, false
		}
	}
	return fields, true
}

// grammarList reads "{ a | b | c }" starting at lines[i][from:], possibly
// over several lines.
func grammarList(lines []string, i, from int) []string {
	var b strings.Builder
	b.WriteString(lines[i][from:])
	for j := i + 1; !strings.Contains(b.String(), "}") && j < len(lines) && j < i+20; j++ {
		b.WriteString(" " + lines[j])
	}
	body, _, ok := strings.Cut(b.String(), "}")
	if !ok {
		return nil
	}
	var out []string
	for f := range strings.SplitSeq(body, "|") {
		if f = strings.TrimSpace(f); subToken.MatchString(f) {
			out = append(out, f)
		}
	}
	return out
}

// indentOf returns a line's indentation width (a tab counts 8) and its text.
func indentOf(line string) (int, string) {
	w := 0
	for i, r := range line {
		switch r {
		case ' ':
			w++
		case '\t':
			w += 8
		default:
			return w, line[i:]
		}
	}
	return w, ""
}
