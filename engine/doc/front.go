package doc

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// frontKeys are the known front matter keys, in the order Format writes them.
var frontKeys = []string{"title", "authors", "abstract", "seed", "params", "executor", "environment", "hosts", "apis"}

// knownKeys lists frontKeys sorted, for messages.
const knownKeys = "abstract, apis, authors, environment, executor, hosts, params, seed, title"

func isFrontDelim(line string) bool { return strings.TrimRight(line, " \t") == "---" }

// frontMatter parses the front matter, if the source starts with a "---"
// line, and returns the first line of the body.
func (p *parser) frontMatter() int {
	if len(p.lines) == 0 || !isFrontDelim(p.content(0)) {
		return 0
	}
	end := -1
	for i := 1; i < len(p.lines); i++ {
		if isFrontDelim(p.content(i)) {
			end = i
			break
		}
	}
	if end < 0 {
		// Reading the rest as YAML would only add noise; read it as the body.
		p.errorf(Pos{File: p.file, Line: 1, Col: 1}, nil, "front matter is not closed: add a line '---'")
		return 0
	}
	p.frontEnd = end
	var root yaml.Node
	if err := unmarshal([]byte(p.s[p.lines[1].start:p.lines[end].start]), &root); err != nil {
		p.yamlError(err)
		return end + 1
	}
	p.front(&root)
	return end + 1
}

// unmarshal is yaml.Unmarshal, with a panic in the YAML parser turned into
// an error: a report must never crash the tool.
func unmarshal(b []byte, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: %v", r)
		}
	}()
	return yaml.Unmarshal(b, n)
}

var yamlLine = regexp.MustCompile(`(?s)^yaml: line (\d+): (.*)$`)

// yamlError reports a YAML syntax error at the line the YAML parser names.
func (p *parser) yamlError(err error) {
	pos := Pos{File: p.file, Line: 1, Col: 1}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		pos.Line = min(max(n+1, 2), p.frontEnd+1)
		msg = m[2]
	}
	if strings.Contains(msg, "mapping values are not allowed") {
		msg += " (quote values that contain ': ')"
	}
	p.errs = append(p.errs, &Error{Pos: pos, Msg: "front matter: " + msg, Err: err})
}

// ypos converts the position of a YAML node to a position in the source:
// the YAML starts on line 2 and counts columns in characters.
func (p *parser) ypos(n *yaml.Node) Pos {
	line := min(max(n.Line+1, 2), p.frontEnd+1)
	l := p.lines[line-1]
	t := p.s[l.start:l.end]
	off := 0
	for c := 1; c < n.Column && off < len(t); c++ {
		_, w := utf8.DecodeRuneInString(t[off:])
		off += w
	}
	return Pos{File: p.file, Line: line, Col: off + 1}
}

func (p *parser) front(root *yaml.Node) {
	fm := &p.doc.Front
	fm.Pos = make(map[string]Pos)
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return
	}
	m := resolve(root.Content[0])
	if isNull(m) {
		return
	}
	if m.Kind != yaml.MappingNode {
		p.errorf(p.ypos(root.Content[0]), nil, "front matter must be a mapping of keys, e.g. title: My report")
		return
	}
	first := make(map[string]int)
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := resolve(m.Content[i]), m.Content[i+1]
		kpos := p.ypos(m.Content[i])
		if k.Kind != yaml.ScalarNode {
			p.errorf(kpos, nil, "front matter keys must be names (known: %s)", knownKeys)
			continue
		}
		key := k.Value
		if line, dup := first[key]; dup {
			p.errorf(kpos, nil, "duplicate front matter key %q (first on line %d): remove one", key, line)
			continue
		}
		first[key] = kpos.Line
		switch key {
		case "title":
			fm.Title = p.text(key, v)
		case "abstract":
			fm.Abstract = p.text(key, v)
		case "authors":
			fm.Authors = p.authors(v)
		case "seed":
			fm.Seed = p.seed(v)
		case "params":
			fm.Params = p.mapping(key, v, true)
		case "environment":
			fm.Environment = p.mapping(key, v, false)
		case "executor":
			p.executor(v)
		case "hosts":
			fm.Hosts = p.sections(key, v)
		case "apis":
			fm.APIs = p.sections(key, v)
		default:
			p.errorf(kpos, nil, "unknown front matter key %q (known: %s)", key, knownKeys)
			continue
		}
		fm.Pos[key] = kpos
	}
}

func (p *parser) text(key string, v *yaml.Node) string {
	r := resolve(v)
	if r.Kind != yaml.ScalarNode {
		p.errorf(p.ypos(v), nil, "%s: write text, not %s", key, what(r))
		return ""
	}
	return scalar(r)
}

func (p *parser) authors(v *yaml.Node) []string {
	r := resolve(v)
	switch r.Kind {
	case yaml.ScalarNode:
		if isNull(r) {
			return nil
		}
		return []string{r.Value}
	case yaml.SequenceNode:
		as := make([]string, 0, len(r.Content))
		for _, e := range r.Content {
			if re := resolve(e); re.Kind == yaml.ScalarNode {
				as = append(as, scalar(re))
			} else {
				p.errorf(p.ypos(e), nil, "authors: write each author as a name, not %s", what(re))
			}
		}
		return as
	}
	p.errorf(p.ypos(v), nil, "authors: write a name or a list of names, not %s", what(r))
	return nil
}

func (p *parser) seed(v *yaml.Node) int64 {
	r := resolve(v)
	if r.Kind != yaml.ScalarNode {
		p.errorf(p.ypos(v), nil, "seed: write an integer, e.g. seed: 42, not %s", what(r))
		return 0
	}
	var n int64
	if r.ShortTag() != "!!int" || r.Decode(&n) != nil {
		p.errorf(p.ypos(v), nil, "seed: %q is not an integer: write e.g. seed: 42", r.Value)
		return 0
	}
	return n
}

// mapping reads a mapping of names to single values. names requires the
// names to be param names.
func (p *parser) mapping(key string, v *yaml.Node, names bool) map[string]string {
	r := resolve(v)
	out := make(map[string]string)
	if isNull(r) {
		return out
	}
	if r.Kind != yaml.MappingNode {
		p.errorf(p.ypos(v), nil, "%s: write a mapping of name: value, not %s", key, what(r))
		return out
	}
	first := make(map[string]int)
	for i := 0; i+1 < len(r.Content); i += 2 {
		k, val := resolve(r.Content[i]), r.Content[i+1]
		kpos := p.ypos(r.Content[i])
		if k.Kind != yaml.ScalarNode {
			p.errorf(kpos, nil, "%s: write names as keys, not %s", key, what(k))
			continue
		}
		name := k.Value
		if name == "" {
			p.errorf(kpos, nil, "%s: write a name before the ':'", key)
			continue
		}
		if names && !isName(name) {
			p.errorf(kpos, nil, "%s: invalid name %q: start with a letter or '_' and use only letters, digits, '_' and '-'", key, name)
			continue
		}
		if line, dup := first[name]; dup {
			p.errorf(kpos, nil, "%s: duplicate key %q (first on line %d): remove one", key, name, line)
			continue
		}
		first[name] = kpos.Line
		rv := resolve(val)
		if rv.Kind != yaml.ScalarNode {
			p.errorf(p.ypos(val), nil, "%s: %s: write a single value, not %s", key, name, what(rv))
			continue
		}
		out[name] = scalar(rv)
		p.doc.Front.Pos[key+"."+name] = kpos
	}
	return out
}

// sections reads a mapping of names to mappings of settings (hosts: {lab:
// {type: ssh, address: ...}}).
func (p *parser) sections(key string, v *yaml.Node) map[string]map[string]string {
	r := resolve(v)
	out := make(map[string]map[string]string)
	if isNull(r) {
		return out
	}
	if r.Kind != yaml.MappingNode {
		p.errorf(p.ypos(v), nil, "%s: write a mapping of name: {setting: value, ...}, not %s", key, what(r))
		return out
	}
	for i := 0; i+1 < len(r.Content); i += 2 {
		k, val := resolve(r.Content[i]), r.Content[i+1]
		kpos := p.ypos(r.Content[i])
		if k.Kind != yaml.ScalarNode || !isName(k.Value) {
			p.errorf(kpos, nil, "%s: write a name (letters, digits, '_', '-') as each key", key)
			continue
		}
		if _, dup := out[k.Value]; dup {
			p.errorf(kpos, nil, "%s: duplicate name %q: remove one", key, k.Value)
			continue
		}
		p.doc.Front.Pos[key+"."+k.Value] = kpos
		out[k.Value] = p.mapping(key+"."+k.Value, val, false)
	}
	return out
}

func (p *parser) executor(v *yaml.Node) {
	fm := &p.doc.Front
	r := resolve(v)
	switch r.Kind {
	case yaml.ScalarNode:
		fm.Executor = scalar(r)
	case yaml.MappingNode:
		m := p.mapping("executor", v, false)
		name, ok := m["name"]
		if !ok {
			p.errorf(p.ypos(v), nil, "executor: the mapping has no name: add e.g. name: docker")
		}
		delete(m, "name")
		fm.Executor, fm.Settings = name, m
	default:
		p.errorf(p.ypos(v), nil, "executor: write a name (e.g. executor: local) or a mapping with a name, not %s", what(r))
	}
}

// resolve follows aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 8; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

// scalar returns the text of a scalar; null is empty.
func scalar(n *yaml.Node) string {
	if isNull(n) {
		return ""
	}
	return n.Value
}

func what(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	return "a value"
}
