package engine

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/tcpreport/tcpreport/engine/doc"
)

// Options common to every kind; directives do not declare them.
var commonOptions = []OptionSpec{
	{Name: "from", Type: List, Help: "ids of the directives whose results this one reads"},
	{Name: "caption", Type: String, Help: "caption of the first table or figure"},
	{Name: "timeout", Type: Duration, Help: "cancel the directive after this long"},
	{Name: "hide", Type: Bool, Help: "run but do not show the result"},
}

// renderOnly are common options that change how a result is shown but not
// the result itself; they stay out of the cache key.
var renderOnly = []string{"caption", "hide", "timeout"}

// Plan is a report checked against a Registry, ready to build.
type Plan struct {
	Doc *doc.Document
	// Report names the report in the cache: its file name.
	Report string
	// Dir is the report's directory.
	Dir    string
	Params map[string]string
	// Steps are the directives in an order where every step follows its
	// inputs; among independent steps, source order.
	Steps        []*Step
	ProtocolHash string
}

// Step is one directive block of a plan.
type Step struct {
	Block     *doc.Block
	Directive Directive
	Opts      Options
	From      []string
	Inputs    []*Step
	Timeout   time.Duration
	// Files are the declared input files, relative to Plan.Dir.
	Files []string
}

// ID returns the directive id.
func (s *Step) ID() string { return s.Block.ID }

// Step returns the step with the given id, or nil.
func (p *Plan) Step(id string) *Step {
	for _, s := range p.Steps {
		if s.ID() == id {
			return s
		}
	}
	return nil
}

// Load parses a report source and checks it against reg: kinds, options,
// values, :from: edges, cycles and inline references. params override the
// front matter's params. The error, if any, is a doc.ErrorList of every
// problem found, sorted by position.
func Load(reg *Registry, file string, src []byte, params map[string]string) (*Plan, error) {
	d, perr := doc.Parse(file, src)
	var errs doc.ErrorList
	if perr != nil {
		// Check what did parse too: every error of a file is reported.
		if !errors.As(perr, &errs) {
			return nil, perr
		}
	}
	if err := d.SetParams(params); err != nil {
		return nil, &ParamError{Err: err}
	}
	if ex := d.Front.Executor; ex != "" && ex != "local" {
		errs = append(errs, doc.Errorf(d.Front.Pos["executor"], nil,
			"executor %q is not supported yet: directives run locally; remove the executor setting or set it to local", ex))
	}
	p := &Plan{
		Doc:    d,
		Report: filepath.Base(file),
		Dir:    filepath.Dir(file),
		Params: d.Front.Params,
	}
	ids := map[string]bool{}
	byID := map[string]*Step{}
	var steps []*Step
	for _, b := range d.Blocks() {
		if b.Kind == "" || b.ID == "" {
			continue // malformed fence: the parser has reported it
		}
		ids[b.ID] = true
		dir, err := reg.Lookup(b.Kind)
		if err != nil {
			errs = append(errs, doc.Errorf(b.KindPos, b, "%v", err))
			continue
		}
		s := &Step{Block: b, Directive: dir}
		errs = append(errs, checkOptions(s, p.Params)...)
		steps = append(steps, s)
		byID[b.ID] = s
	}
	for _, s := range steps {
		o, _ := s.Block.Option("from")
		for _, id := range s.From {
			in, ok := byID[id]
			switch {
			case ok:
				s.Inputs = append(s.Inputs, in)
			case !ids[id]:
				errs = append(errs, doc.Errorf(o.ValuePos, s.Block,
					"from: no directive with id %q (ids in this report: %s)", id, strings.Join(sortedKeys(ids), ", ")))
			}
			// An input of an unknown kind is already reported at its block.
		}
	}
	order, cycle := topoSort(steps)
	if cycle != nil {
		o, _ := cycle[0].Block.Option("from")
		errs = append(errs, doc.Errorf(o.ValuePos, cycle[0].Block,
			"dependency cycle: %s; remove one of these :from: edges", cyclePath(cycle)))
	}
	errs = append(errs, checkRoles(d, ids)...)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	p.Steps = order
	p.ProtocolHash = protocolHash(p)
	return p, nil
}

// ParamError is a -p override that names no declared param: a usage error.
type ParamError struct{ Err error }

func (e *ParamError) Error() string { return e.Err.Error() }
func (e *ParamError) Unwrap() error { return e.Err }

// checkOptions checks a block's options against its kind's specs, expands
// ${params.x}, fills defaults and sets s.Opts, s.From, s.Timeout, s.Files.
func checkOptions(s *Step, params map[string]string) doc.ErrorList {
	b := s.Block
	specs := map[string]OptionSpec{}
	for _, o := range append(slices.Clone(commonOptions), s.Directive.Options()...) {
		specs[o.Name] = o
	}
	var errs doc.ErrorList
	vals := map[string]string{}
	for i, o := range b.Options {
		spec, ok := specs[o.Key]
		if !ok {
			errs = append(errs, doc.Errorf(o.Pos, b, "unknown option %q (options of %s: %s)",
				o.Key, b.Kind, strings.Join(sortedKeys(specs), ", ")))
			continue
		}
		v, err := doc.ExpandParams(o.Value, params)
		if err != nil {
			errs = append(errs, doc.Errorf(o.ValuePos, b, "%s: %v", o.Key, err))
			continue
		}
		if err := CheckOption(spec, v); err != nil {
			errs = append(errs, doc.Errorf(o.ValuePos, b, "%s: %v", o.Key, err))
			continue
		}
		vals[o.Key] = strings.TrimSpace(v)
		// The renderer reads captions and :hide: from the block: it sees
		// the expanded value.
		b.Options[i].Value = vals[o.Key]
	}
	for _, spec := range specs {
		if _, ok := vals[spec.Name]; ok {
			continue
		}
		switch {
		case spec.Required:
			msg := fmt.Sprintf("missing required option :%s:", spec.Name)
			if spec.Help != "" {
				msg += " (" + spec.Help + ")"
			}
			errs = append(errs, doc.Errorf(b.Pos, b, "%s", msg))
		case spec.Default != "":
			vals[spec.Name] = spec.Default
		}
	}
	s.Opts = Options{vals: vals, specs: specs}
	s.From = s.Opts.List("from")
	s.Timeout = s.Opts.Duration("timeout")
	if fd, ok := s.Directive.(FileDependent); ok && len(errs) == 0 {
		s.Files = fd.InputFiles(s.Opts)
	}
	return errs
}

// checkRoles checks that every {val} role names a directive and every
// {param} role a declared param. Whether the value exists is known only
// after the directive ran; the renderer checks that.
func checkRoles(d *doc.Document, ids map[string]bool) doc.ErrorList {
	var errs doc.ErrorList
	for _, n := range d.Nodes {
		p, ok := n.(*doc.Prose)
		if !ok {
			continue
		}
		for _, r := range p.Roles {
			switch r.Name {
			case "val":
				if !ids[r.Target] {
					errs = append(errs, doc.Errorf(r.Pos, nil, "{val}`%s`: no directive with id %q (ids in this report: %s)",
						r.Content, r.Target, strings.Join(sortedKeys(ids), ", ")))
				}
			case "param":
				if _, ok := d.Front.Params[r.Content]; !ok {
					errs = append(errs, doc.Errorf(r.Pos, nil, "{param}`%s`: unknown param (declared: %s); declare it under params: in the front matter",
						r.Content, orNone(sortedKeys(d.Front.Params))))
				}
			}
		}
	}
	return errs
}

// topoSort orders steps so that inputs come first, keeping source order
// among independent steps. If the graph has a cycle it returns one.
func topoSort(steps []*Step) (order, cycle []*Step) {
	const (
		unseen = iota
		active
		done
	)
	state := map[*Step]int{}
	var stack []*Step
	var visit func(s *Step) bool
	visit = func(s *Step) bool {
		switch state[s] {
		case done:
			return true
		case active:
			i := slices.Index(stack, s)
			cycle = append(slices.Clone(stack[i:]), s)
			return false
		}
		state[s] = active
		stack = append(stack, s)
		for _, in := range s.Inputs {
			if !visit(in) {
				return false
			}
		}
		stack = stack[:len(stack)-1]
		state[s] = done
		order = append(order, s)
		return true
	}
	for _, s := range steps {
		if !visit(s) {
			return nil, cycle
		}
	}
	return order, nil
}

func cyclePath(c []*Step) string {
	ids := make([]string, len(c))
	for i, s := range c {
		ids[i] = s.ID()
	}
	return strings.Join(ids, " → ")
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// ParseParams parses -p key=value arguments.
func ParseParams(args []string) (map[string]string, error) {
	m := map[string]string{}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("-p %q: want key=value", a)
		}
		m[strings.TrimSpace(k)] = v
	}
	return m, nil
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
