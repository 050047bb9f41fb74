// Package doc parses tcpreport report sources: YAML front matter, MyST-style
// directive blocks and the inline roles of the prose, keeping the position of
// everything it reads so that later stages can report errors as file:line:col.
//
// doc knows only syntax. Which kinds and options exist is the engine's
// business; it checks them against its registry using the positions kept here.
package doc

import "fmt"

// Pos is a position in a report source. Line and Col are 1-based; Col counts
// bytes.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Document is a parsed report.
type Document struct {
	File   string
	Source []byte
	Front  FrontMatter
	// Nodes holds the report in source order: prose and directive blocks.
	Nodes []Node
}

// Blocks returns the directive blocks of d in source order.
func (d *Document) Blocks() []*Block {
	var bs []*Block
	for _, n := range d.Nodes {
		if b, ok := n.(*Block); ok {
			bs = append(bs, b)
		}
	}
	return bs
}

// FrontMatter is the YAML header of a report.
type FrontMatter struct {
	Title   string
	Authors []string
	Seed    int64
	// Params are the report's parameters, overridable with -p key=value.
	Params map[string]string
	// Executor names where directives run ("local" when empty) and Settings
	// holds the executor's options.
	Executor string
	Settings map[string]string
	// Abstract is an optional summary shown under the title.
	Abstract string
	// Environment holds environment settings (e.g. a container image).
	Environment map[string]string
	// Hosts declares where directives may run besides here, by name:
	// SSH lab hosts, Slurm clusters, Docker engines ("hosts: {lab: {type:
	// ssh, address: ...}}"). Secrets are never written here: settings name
	// the environment variables that hold them.
	Hosts map[string]map[string]string
	// APIs declares live API endpoints by name, for the {api} directive.
	APIs map[string]map[string]string
	// Pos records where each top-level key was written, and where each key
	// of params, executor and environment was: "params.n", "executor.image".
	Pos map[string]Pos
}

// Node is a piece of a document: *Prose or *Block.
type Node interface{ node() }

// Prose is Markdown text between directive blocks, with the inline roles and
// cross references found in it.
type Prose struct {
	Text string
	Pos  Pos
	// Roles are the inline roles ({val}`id.name:%.2f`, {param}`name`) in
	// order of appearance.
	Roles []Role
	// Refs are the cross references (@fig-x, @tbl-y) in order of appearance.
	Refs []Ref
}

// Role is an inline role in prose: {Name}`Content`.
type Role struct {
	Name    string // "val", "param"
	Content string // raw text between the backticks
	// Target and Field split a val role's "id.field"; Format is the optional
	// verb after ':' (e.g. "%.2f").
	Target, Field, Format string
	// Start and End are byte offsets of the whole role within Prose.Text.
	Start, End int
	Pos        Pos
}

// Ref is a cross reference such as @fig-throughput.
type Ref struct {
	Label      string // "fig-throughput"
	Start, End int    // byte offsets within Prose.Text
	Pos        Pos
}

// Block is a directive block:
//
//	```{kind} id
//	:key: value
//	body
//	```
type Block struct {
	Kind    string
	ID      string
	Pos     Pos // position of the opening fence
	KindPos Pos
	IDPos   Pos
	Options []Option
	Body    string
	BodyPos Pos
	End     Pos // position of the closing fence
	// Fence is the opening fence as written ("```", "~~~~"); Format reuses
	// it when the body allows.
	Fence string
}

// Option is one ":key: value" line of a block.
type Option struct {
	Key      string
	Value    string
	Pos      Pos // of the key
	ValuePos Pos
}

// Option returns the option named key and whether it is present.
func (b *Block) Option(key string) (Option, bool) {
	for _, o := range b.Options {
		if o.Key == key {
			return o, true
		}
	}
	return Option{}, false
}

func (*Prose) node() {}
func (*Block) node() {}
