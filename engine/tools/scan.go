package tools

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Scope selects the tools Scan looks at.
type Scope string

const (
	// ScopeCategorised is the research design's list of tools (see
	// CategorisedNames); tools of the list that are not on PATH appear with
	// Found false. It is the default.
	ScopeCategorised Scope = "categorised"
	// ScopeAll is every executable on PATH, deduplicated by resolved path.
	ScopeAll Scope = "all"
)

// ScanOptions configure Scan. The zero value scans the categorised list on
// $PATH with the defaults below.
type ScanOptions struct {
	// PATH is the search path to scan; default $PATH. Empty and relative
	// entries are skipped: they would depend on the working directory.
	PATH string
	// Scope is ScopeCategorised (default) or ScopeAll.
	Scope Scope
	// Categories, when set, keeps only tools of these categories (parsed by
	// ParseCategory), in either scope.
	Categories []string
	// Workers bounds the tools examined at once; default runtime.NumCPU()*4.
	// Of their probes, one per CPU may be starting at a time; a probe that
	// runs past 300 ms (a hanging or heavy tool) lets the next one start.
	// So hangers do not hold up the scan, and start-up costs are not
	// measured under more contention than the machine has CPUs.
	Workers int
	// ProbeTimeout bounds each probe; default 2 s.
	ProbeTimeout time.Duration
	// MaxOutput caps each of a probe's stdout and stderr; default 256 KiB.
	MaxOutput int
	// Cache, when set, serves unchanged executables without running them
	// and remembers the others, timeouts included (delete the file to
	// probe again). Scan does not save it; call Cache.Save.
	Cache *Cache
	// Progress, when set, is called after each tool with the number done
	// and the total; calls do not overlap.
	Progress func(done, total int)
	// NoSandbox forces probes to run without bwrap even when it is
	// installed (Isolation records it).
	NoSandbox bool
	// ManPath are the man page roots; default DefaultManPath.
	ManPath []string
	// DpkgInfoDir is dpkg's info directory; default DefaultDpkgInfoDir.
	DpkgInfoDir string
}

// Defaults of ScanOptions.
const (
	DefaultProbeTimeout = 2 * time.Second
	DefaultMaxOutput    = 256 << 10
)

// pathEntry is one executable file found on PATH.
type pathEntry struct {
	name     string
	path     string // unresolved: dir/name
	resolved string
	info     fs.FileInfo // of the resolved file
}

// Scan discovers tools on the PATH, probes those it may run, and analyses
// them. It returns the tools in the order of the research design's list
// (categorised scope) or sorted by name (all). Cancelling ctx kills the
// probes in flight and returns ctx's error.
func Scan(ctx context.Context, opt ScanOptions) ([]Tool, error) {
	s, err := newScanner(opt)
	if err != nil {
		return nil, err
	}
	entries := walkPATH(s.opt.PATH)
	tools, infos := s.selectTools(entries)
	if err := s.run(ctx, tools, infos); err != nil {
		return nil, err
	}
	out := make([]Tool, len(tools))
	for i, t := range tools {
		out[i] = *t
	}
	return out, nil
}

// scanner holds one Scan's state.
type scanner struct {
	opt      ScanOptions
	cats     map[Category]bool // nil: all
	byName   map[string]pathEntry
	aliases  map[string][]string     // resolved path -> every name on PATH for it
	entryFor map[string]pathEntry    // resolved path -> its first entry
	entryOf  map[[2]string]pathEntry // (resolved path, name) -> first entry
	never    map[[2]uint64]bool      // (dev, inode) of never-execute files
	prober   *prober
	man      manIndex
	owners   map[string]string
}

func newScanner(opt ScanOptions) (*scanner, error) {
	if opt.PATH == "" {
		opt.PATH = os.Getenv("PATH")
	}
	switch opt.Scope {
	case "":
		opt.Scope = ScopeCategorised
	case ScopeCategorised, ScopeAll:
	default:
		return nil, fmt.Errorf("unknown scan scope %q (use %q or %q)", opt.Scope, ScopeCategorised, ScopeAll)
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.NumCPU() * 4
	}
	if opt.ProbeTimeout <= 0 {
		opt.ProbeTimeout = DefaultProbeTimeout
	}
	if opt.MaxOutput <= 0 {
		opt.MaxOutput = DefaultMaxOutput
	}
	if len(opt.ManPath) == 0 {
		opt.ManPath = DefaultManPath
	}
	if opt.DpkgInfoDir == "" {
		opt.DpkgInfoDir = DefaultDpkgInfoDir
	}
	s := &scanner{opt: opt}
	if len(opt.Categories) > 0 {
		s.cats = make(map[Category]bool)
		var errs []error
		for _, c := range opt.Categories {
			cat, err := ParseCategory(c)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			s.cats[cat] = true
		}
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// walkPATH lists the executables on path in PATH order, each directory's
// entries by name. Directories that resolve to one already walked (/bin and
// /usr/bin on a merged-/usr system) are skipped.
func walkPATH(path string) []pathEntry {
	var out []pathEntry
	seenDir := make(map[string]bool)
	for _, dir := range filepath.SplitList(path) {
		if dir == "" || !filepath.IsAbs(dir) {
			continue
		}
		real, err := filepath.EvalSymlinks(dir)
		if err != nil || seenDir[real] {
			continue
		}
		seenDir[real] = true
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range ents {
			p := filepath.Join(dir, e.Name())
			fi, err := os.Stat(p)
			if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
				continue
			}
			resolved := p
			if e.Type()&fs.ModeSymlink != 0 || real != dir {
				if resolved, err = filepath.EvalSymlinks(p); err != nil {
					continue
				}
			}
			out = append(out, pathEntry{name: e.Name(), path: p, resolved: resolved, info: fi})
		}
	}
	return out
}

// selectTools builds the tools of the scope from the PATH entries, with the
// file information of each found tool.
func (s *scanner) selectTools(entries []pathEntry) ([]*Tool, []fs.FileInfo) {
	s.byName = make(map[string]pathEntry)
	s.aliases = make(map[string][]string)
	s.entryFor = make(map[string]pathEntry)
	s.entryOf = make(map[[2]string]pathEntry)
	var order []string // resolved paths in PATH order
	for _, e := range entries {
		if _, ok := s.byName[e.name]; !ok {
			s.byName[e.name] = e
		}
		if _, ok := s.entryFor[e.resolved]; !ok {
			s.entryFor[e.resolved] = e
			order = append(order, e.resolved)
		}
		if _, ok := s.entryOf[[2]string{e.resolved, e.name}]; !ok {
			s.entryOf[[2]string{e.resolved, e.name}] = e
			s.aliases[e.resolved] = append(s.aliases[e.resolved], e.name)
		}
	}
	s.never = neverInodes(entries)

	var tools []*Tool
	var infos []fs.FileInfo
	keep := func(c Category) bool { return s.cats == nil || s.cats[c] }
	if s.opt.Scope == ScopeCategorised {
		for _, c := range categorised {
			if !keep(c.cat) {
				continue
			}
			for _, name := range c.names {
				e, ok := s.byName[name]
				if !ok {
					tools = append(tools, &Tool{Name: name, Category: c.cat, Isolation: IsolationNotFound})
					infos = append(infos, nil)
					continue
				}
				tools = append(tools, s.toolFor(name, e, c.cat))
				infos = append(infos, e.info)
			}
		}
		return tools, infos
	}
	for _, resolved := range order {
		names := s.aliases[resolved]
		name := names[0]
		if base := filepath.Base(resolved); slices.Contains(names, base) {
			name = base
		}
		e := s.entryOf[[2]string{resolved, name}]
		t := s.toolFor(name, e, "")
		t.Category = guessCategory(append([]string{t.Name}, t.Aliases...), t.Path)
		if !keep(t.Category) {
			continue
		}
		tools = append(tools, t)
		infos = append(infos, e.info)
	}
	idx := make([]int, len(tools))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		return strings.Compare(tools[a].Name, tools[b].Name)
	})
	sortedTools := make([]*Tool, len(tools))
	sortedInfos := make([]fs.FileInfo, len(tools))
	for i, j := range idx {
		sortedTools[i], sortedInfos[i] = tools[j], infos[j]
	}
	return sortedTools, sortedInfos
}

// toolFor makes the tool called name, run through entry e.
func (s *scanner) toolFor(name string, e pathEntry, cat Category) *Tool {
	t := &Tool{Name: name, Path: e.resolved, Entry: e.path, Category: cat, Found: true}
	for _, a := range s.aliases[e.resolved] {
		if a != name {
			t.Aliases = append(t.Aliases, a)
		}
	}
	slices.Sort(t.Aliases)
	if first, ok := s.byName[name]; ok && first.resolved != e.resolved {
		t.Shadowed = true
	}
	return t
}

// neverInodes returns the (device, inode) of every file that a
// never-execute name refers to, on PATH and in the system directories, so
// that a hard link with an innocent name is recognised too.
func neverInodes(entries []pathEntry) map[[2]uint64]bool {
	m := make(map[[2]uint64]bool)
	add := func(fi fs.FileInfo) {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			m[[2]uint64{uint64(st.Dev), st.Ino}] = true
		}
	}
	for _, e := range entries {
		if neverExecuteName(e.name) || neverExecuteName(filepath.Base(e.resolved)) {
			add(e.info)
		}
	}
	for _, dir := range []string{"/usr/bin", "/usr/sbin", "/bin", "/sbin"} {
		for name := range neverExecute {
			if fi, err := os.Stat(filepath.Join(dir, name)); err == nil {
				add(fi)
			}
		}
	}
	return m
}

// settings fingerprints what, besides the file, a cached result depends on.
func (s *scanner) settings() string {
	return fmt.Sprintf("%s|timeout=%v|max=%d|isolation=%s", cacheFormat, s.opt.ProbeTimeout, s.opt.MaxOutput, s.prober.isolation)
}

// run examines the tools: cache hits first, then a bounded worker pool.
func (s *scanner) run(ctx context.Context, tools []*Tool, infos []fs.FileInfo) error {
	p, err := s.newProber()
	if err != nil {
		return err
	}
	s.prober = p
	defer func() {
		// Anything a probe left behind, whatever its session, dies here.
		sweep(p.root, p.self, time.Second)
		removeAll(p.root)
	}()
	settings := s.settings()

	total := len(tools)
	var (
		progMu sync.Mutex
		done   int
	)
	progress := func() {
		if s.opt.Progress == nil {
			return
		}
		progMu.Lock()
		done++
		s.opt.Progress(done, total)
		progMu.Unlock()
	}

	var work []int
	for i, t := range tools {
		if !t.Found {
			s.analyse(t, nil)
			progress()
			continue
		}
		if s.opt.Cache != nil {
			if got, ok := s.opt.Cache.get(t, keyOf(t.Path, infos[i]), settings); ok {
				got.Shadowed = t.Shadowed
				got.Entry = t.Entry
				*t = got
				progress()
				continue
			}
		}
		work = append(work, i)
	}
	if len(work) == 0 {
		return ctx.Err()
	}

	s.man = indexMan(s.opt.ManPath)
	want := make(map[string]bool)
	for _, i := range work {
		for _, p := range s.ownerCandidates(tools[i]) {
			want[p] = true
		}
	}
	s.owners, _ = dpkgOwners(s.opt.DpkgInfoDir, want)

	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(s.opt.Workers, len(work)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				t := tools[i]
				s.examine(ctx, t, infos[i])
				if ctx.Err() == nil && s.opt.Cache != nil {
					s.opt.Cache.put(t, keyOf(t.Path, infos[i]), settings)
				}
				progress()
			}
		}()
	}
feed:
	for _, i := range work {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	return ctx.Err()
}

// newProber sets up this scan's probing: its temporary root, bwrap (unless
// disabled, missing or not working here) and prlimit.
func (s *scanner) newProber() (*prober, error) {
	root, err := os.MkdirTemp("", "tcpreport-tools-")
	if err != nil {
		return nil, fmt.Errorf("tool scan: %w", err)
	}
	// Resolve the root so that /proc cwd links compare equal to it.
	if r, err := filepath.EvalSymlinks(root); err == nil {
		root = r
	}
	basePath := os.Getenv("PATH")
	if basePath == "" {
		basePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	}
	p := &prober{
		timeout:   s.opt.ProbeTimeout,
		maxOutput: s.opt.MaxOutput,
		root:      root,
		basePath:  basePath,
		self:      os.Getpid(),
		slots:     make(chan struct{}, startSlots()),
		patience:  probePatience,
	}
	if path, err := exec.LookPath("prlimit"); err == nil {
		p.prlimit = path
	}
	switch bw, err := exec.LookPath("bwrap"); {
	case s.opt.NoSandbox:
		p.isolation = IsolationNoSandbox
	case err != nil:
		p.isolation = IsolationNone
	default:
		p.bwrap = bw
		// Check that bwrap works here (user namespaces may be off): run
		// bwrap --version inside the sandbox. The check gets a generous
		// timeout: a loaded machine must not cost the scan its sandbox.
		check := *p
		check.timeout, check.slots = max(10*time.Second, p.timeout), nil
		r := check.run(context.Background(), bw, "--version")
		if r.err != nil || r.exit != 0 || r.timedOut {
			msg := strings.TrimSpace(string(r.stderr))
			if msg == "" && r.err != nil {
				msg = r.err.Error()
			}
			line, _, _ := strings.Cut(msg, "\n")
			p.bwrap = ""
			p.isolation = "none: bwrap not usable here: " + line
		} else {
			p.isolation = IsolationBwrap
		}
	}
	return p, nil
}

// probePatience is how long a probe holds its start slot at most.
const probePatience = 300 * time.Millisecond

// startSlots is how many probes may be starting (in their first
// probePatience) at once: one per CPU.
func startSlots() int { return runtime.NumCPU() }

// ownerCandidates are the paths under which dpkg may list t.
func (s *scanner) ownerCandidates(t *Tool) []string {
	out := usrMergeVariants(t.Path)
	if t.Entry != "" && t.Entry != t.Path {
		out = append(out, usrMergeVariants(t.Entry)...)
	}
	return out
}

// names returns t's name, aliases and resolved file name.
func names(t *Tool) []string {
	out := append([]string{t.Name}, t.Aliases...)
	if t.Path != "" {
		if b := filepath.Base(t.Path); !slices.Contains(out, b) {
			out = append(out, b)
		}
	}
	return out
}

// examine fills in everything about one found tool.
func (s *scanner) examine(ctx context.Context, t *Tool, info fs.FileInfo) {
	for _, p := range s.ownerCandidates(t) {
		if pkg, ok := s.owners[p]; ok {
			t.Package = pkg
			break
		}
	}
	for _, n := range names(t) {
		if mf, ok := s.man[n]; ok {
			text, err := ReadManPage(mf.path, mf.root)
			if err != nil {
				t.ProbeErrors = append(t.ProbeErrors, "man page: "+err.Error())
				continue
			}
			t.Man, t.ManPage = text, mf.path
			break
		}
	}
	never, sandboxOnly := neverOrSandboxOnly(t, info, s.never)
	switch {
	case never:
		t.Isolation = IsolationNeverExec
	case sandboxOnly && s.prober.bwrap == "":
		t.Isolation = IsolationNeedsBwrap
	default:
		t.Isolation = s.prober.isolation
		s.probe(ctx, t)
	}
	s.analyse(t, info)
}

// neverOrSandboxOnly reports whether t is on the never-execute list (by
// name, alias, resolved name or the inode of such a file, in neverInodes)
// and whether it may run only inside bwrap.
func neverOrSandboxOnly(t *Tool, info fs.FileInfo, neverInodes map[[2]uint64]bool) (never, sandboxOnly bool) {
	for _, n := range names(t) {
		never = never || neverExecuteName(n)
		sandboxOnly = sandboxOnly || sandboxOnlyName(n)
	}
	if st, ok := statOf(info); ok && neverInodes[[2]uint64{uint64(st.Dev), st.Ino}] {
		never = true
	}
	sandboxOnly = sandboxOnly || sandboxOnlyPath(t.Path) || sandboxOnlyPath(t.Entry)
	return never, sandboxOnly
}

// probe runs t's version and help probes. --version and --help always run
// (unless a timeout stops the tool's probes); the fallbacks -V, -v,
// "version", -h and "help" run only when an earlier probe's output (often
// the usage message of a rejected option) offers them, which spares a
// process per fallback on the many tools that do not have them. Bare words
// run only inside bwrap.
func (s *scanner) probe(ctx context.Context, t *Tool) {
	p := s.prober
	t.Probed = true
	var seen strings.Builder // every output so far
	try := func(arg string, first bool) (probeResult, bool) {
		if !first && !offers(seen.String(), arg) {
			return probeResult{}, false
		}
		if !strings.HasPrefix(arg, "-") && p.bwrap == "" {
			return probeResult{}, false
		}
		r := p.run(ctx, t.Entry, arg)
		if msg := r.problem(p); msg != "" {
			t.ProbeErrors = append(t.ProbeErrors, msg)
		}
		seen.WriteString(r.output())
		seen.WriteByte('\n')
		return r, true
	}
	stop := func(r *probeResult) bool {
		if r.timedOut {
			t.ProbeErrors = append(t.ProbeErrors, "further probes skipped after a timeout")
			return true
		}
		return ctx.Err() != nil
	}
	for i, arg := range []string{"--version", "-V", "-v", "version"} {
		r, ran := try(arg, i == 0)
		if !ran {
			continue
		}
		if i == 0 {
			t.StartupCost = r.dur
		}
		if stop(&r) {
			return
		}
		out := r.output()
		if ok := r.err == nil && r.exit == 0; r.err == nil && versionGiven(out, ok) {
			t.Version = versionLine(out, ok)
			break
		}
	}
	var fallback string
	for i, arg := range []string{"--help", "-h", "help"} {
		r, ran := try(arg, i == 0)
		if !ran {
			continue
		}
		if stop(&r) {
			return
		}
		out := strings.TrimSpace(r.output())
		if out == "" {
			continue
		}
		if r.exit == 0 || usageWord.MatchString(out) {
			t.Help = out
			break
		}
		if fallback == "" {
			fallback = out
		}
	}
	if t.Help == "" {
		t.Help = fallback
	}
	t.Subcommands = Subcommands(t.Help)
}

var (
	offersFlag = map[string]*regexp.Regexp{
		"-V": regexp.MustCompile(`(?:^|[\s\[|,(])-V\b|\[-[A-Za-z0-9]*V[A-Za-z0-9]*\]`),
		"-v": regexp.MustCompile(`(?:^|[\s\[|,(])-v\b|\[-[A-Za-z0-9]*v[A-Za-z0-9]*\]`),
		"-h": regexp.MustCompile(`(?:^|[\s\[|,(])-h\b|\[-[A-Za-z0-9]*h[A-Za-z0-9]*\]`),
	}
	offersWord = map[string]*regexp.Regexp{
		"version": regexp.MustCompile(`(?m)^\s+version\b|[{|]\s*version\s*[|}]`),
		"help":    regexp.MustCompile(`(?m)^\s+help\b|[{|]\s*help\s*[|}]`),
	}
)

// offers reports whether a usage text offers arg: a flag listed alone
// ("-V", "[-V]", "-V, --version") or in a cluster ("[-46AaVv]"), or a word
// listed as a command ("  version   print the version", "{ ... | help }").
func offers(text, arg string) bool {
	if re, ok := offersFlag[arg]; ok {
		return re.MatchString(text)
	}
	if re, ok := offersWord[arg]; ok {
		return re.MatchString(text)
	}
	return false
}

// analyse derives capabilities, security level and risk class.
func (s *scanner) analyse(t *Tool, info fs.FileInfo) {
	a := analysis{names: names(t), path: t.Path, help: t.Help, man: t.Man}
	if info != nil {
		a.mode = info.Mode()
		if t.Entry != "" && sandboxOnlyPath(t.Entry) {
			a.path = t.Entry
		}
	}
	t.Capabilities, t.Evidence = a.capabilities()
	t.SecurityLevel = SecurityLevel(t.Category, t.Capabilities, a.names...)
	t.Risk = RiskOf(t.SecurityLevel)
}

// statOf returns info's stat, if it has one.
func statOf(info fs.FileInfo) (*syscall.Stat_t, bool) {
	if info == nil {
		return nil, false
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	return st, ok
}
