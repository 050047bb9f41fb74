package tools

import (
	"context"
	"fmt"
	"io/fs"
	"time"
)

// Inspector examines one tool at a time, on demand, with Scan's sandbox and
// analysis: an experiment uses it to time what learning a tool's risk from
// its help text or its man page costs. Make one with NewInspector and Close
// it when done.
type Inspector struct {
	s     *scanner
	infos map[string]fs.FileInfo // resolved path -> file information
}

// NewInspector walks opt.PATH once, indexes the man pages and sets up the
// sandbox (bwrap unless opt.NoSandbox). Scope, Categories, Workers, Cache
// and Progress are ignored.
func NewInspector(opt ScanOptions) (*Inspector, error) {
	opt.Scope = ScopeAll
	opt.Categories = nil
	s, err := newScanner(opt)
	if err != nil {
		return nil, err
	}
	entries := walkPATH(s.opt.PATH)
	s.selectTools(entries)
	p, err := s.newProber()
	if err != nil {
		return nil, err
	}
	s.prober = p
	s.man = indexMan(s.opt.ManPath)
	in := &Inspector{s: s, infos: make(map[string]fs.FileInfo)}
	for _, e := range entries {
		if _, ok := in.infos[e.resolved]; !ok {
			in.infos[e.resolved] = e.info
		}
	}
	return in, nil
}

// Close kills anything a probe left behind and removes the inspector's
// temporary directory.
func (in *Inspector) Close() {
	sweep(in.s.prober.root, in.s.prober.self, time.Second)
	removeAll(in.s.prober.root)
}

// Isolation says how the inspector's probes run.
func (in *Inspector) Isolation() string { return in.s.prober.isolation }

// Found reports whether name is on the inspector's PATH.
func (in *Inspector) Found(name string) bool {
	_, ok := in.s.byName[name]
	return ok
}

// Runnable reports whether FromHelp may run name: it is on PATH, not on the
// never-execute list, and not a sandbox-only tool without a sandbox.
func (in *Inspector) Runnable(name string) bool {
	t, info, err := in.tool(name)
	if err != nil {
		return false
	}
	return in.mayRun(t, info)
}

// tool returns the tool called name, categorised, with its file
// information.
func (in *Inspector) tool(name string) (*Tool, fs.FileInfo, error) {
	e, ok := in.s.byName[name]
	if !ok {
		return nil, nil, fmt.Errorf("%s: not on PATH", name)
	}
	t := in.s.toolFor(name, e, "")
	t.Category = guessCategory(append([]string{t.Name}, t.Aliases...), t.Path)
	return t, in.infos[e.resolved], nil
}

// mayRun applies Scan's never-execute and sandbox-only rules.
func (in *Inspector) mayRun(t *Tool, info fs.FileInfo) bool {
	never, sandboxOnly := neverOrSandboxOnly(t, info, in.s.never)
	return !never && !(sandboxOnly && in.s.prober.bwrap == "")
}

// FromHelp runs name --help once in the sandbox and analyses its output
// (no fallback to -h or help: one probe per call). A tool that may not be
// run, or whose probe fails to start, gives an error.
func (in *Inspector) FromHelp(ctx context.Context, name string) (Tool, error) {
	t, info, err := in.tool(name)
	if err != nil {
		return Tool{}, err
	}
	if !in.mayRun(t, info) {
		return Tool{}, fmt.Errorf("%s: not executed (never-execute or sandbox-only list)", name)
	}
	t.Isolation = in.s.prober.isolation
	t.Probed = true
	r := in.s.prober.run(ctx, t.Entry, "--help")
	if r.err != nil {
		return Tool{}, fmt.Errorf("%s --help: %w", name, r.err)
	}
	if msg := r.problem(in.s.prober); msg != "" {
		t.ProbeErrors = append(t.ProbeErrors, msg)
	}
	t.Help = r.output()
	t.Subcommands = Subcommands(t.Help)
	in.s.analyse(t, info)
	return *t, nil
}

// FromMan reads name's man page (section 1 or 8) and analyses it, without
// running the tool. A tool without a man page is analysed from its name
// alone, and ManPage stays empty.
func (in *Inspector) FromMan(name string) (Tool, error) {
	t, info, err := in.tool(name)
	if err != nil {
		return Tool{}, err
	}
	t.Isolation = IsolationNeverExec
	for _, n := range names(t) {
		if mf, ok := in.s.man[n]; ok {
			text, err := ReadManPage(mf.path, mf.root)
			if err != nil {
				return Tool{}, fmt.Errorf("%s: man page: %w", name, err)
			}
			t.Man, t.ManPage = text, mf.path
			break
		}
	}
	in.s.analyse(t, info)
	return *t, nil
}
