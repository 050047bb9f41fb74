// Package engine runs a report: it checks directive blocks against a
// Registry, orders them by their :from: edges, computes cache keys, runs what
// the cache lacks and hands Results to the renderer.
package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Directive is one kind of directive block ({environment}, {run}, ...).
// Implementations live in engine/directives and adapt domain packages.
type Directive interface {
	// Kind is the name written in the fence, e.g. "run".
	Kind() string
	// Version is the implementation version; bumping it invalidates cached
	// results of this kind.
	Version() int
	// Options declares the options the kind accepts. "from", "caption",
	// "timeout" and "hide" are common to every kind and need not be declared.
	Options() []OptionSpec
	// Run executes the directive.
	Run(ctx context.Context, req *Request) (*Result, error)
}

// EnvDependent is implemented by directives whose results depend on facts of
// the environment; the named fingerprint fields enter their cache key.
type EnvDependent interface {
	EnvFields(opts Options) []string
}

// Stater is implemented by directives whose results depend on the state of
// the machine in a way they can summarise cheaply before running (the
// executables on PATH, say). State's value enters the cache key, so the
// directive re-runs exactly when that state changes.
type Stater interface {
	State(ctx context.Context, opts Options) (string, error)
}

// DirStater is Stater for directives whose state lies in files found from
// the report's directory (the sources of a Go module the report measures,
// say); dir is that directory.
type DirStater interface {
	StateIn(ctx context.Context, dir string, opts Options) (string, error)
}

// APIDependent is implemented by directives that read the front matter's
// apis: declarations (Request.APIs). APIState summarises what of them the
// result depends on — settings and whether credential variables are set,
// never a secret's value — and the summary enters the cache key, so that
// editing an endpoint re-runs its check.
type APIDependent interface {
	APIState(opts Options, apis map[string]map[string]string) string
}

// Seeded is implemented by directives that randomise with the report seed;
// the seed enters their cache key.
type Seeded interface {
	UsesSeed()
}

// Solo is implemented by directives that measure time: they run alone, with
// no other directive running beside them to disturb the measurement.
type Solo interface {
	RunsAlone()
}

// FileDependent is implemented by directives that read files; the content
// hashes of the files enter the cache key. Paths are relative to the report.
type FileDependent interface {
	InputFiles(opts Options) []string
}

// OptionType says how an option's value is checked and converted.
type OptionType int

const (
	String   OptionType = iota
	Int                 // decimal integer
	Float               // decimal number
	Bool                // true/false/yes/no/on/off
	Duration            // Go duration: 500ms, 2s, 1m
	Size                // bytes with unit: 4KiB, 1MiB, 256MiB, 100B
	List                // comma-separated strings
	SizeList            // comma-separated sizes
	Enum                // one of OptionSpec.Enum
)

// OptionSpec declares one option of a directive kind.
type OptionSpec struct {
	Name     string
	Type     OptionType
	Default  string // "" means absent unless Required
	Enum     []string
	Required bool
	Help     string
}

// Request is what a directive gets to run.
type Request struct {
	ID   string
	Opts Options
	Body string
	// Inputs are the Results of the :from: directives, by id.
	Inputs map[string]*Result
	// From lists the :from: ids in the order written.
	From []string
	// Seed is the report seed, for directives that randomise.
	Seed int64
	// Dir is the directory of the report; relative paths resolve from it.
	Dir string
	// Timeout is the directive's :timeout:, 0 for none; the engine already
	// applies it to ctx.
	Timeout time.Duration
	// Hosts and APIs are the front matter's declarations, by name.
	Hosts map[string]map[string]string
	APIs  map[string]map[string]string
	// Shard and Shards, when Shards > 0, ask for shard Shard (0-based) of
	// Shards of the directive's work: tcpreport worker sets them for a
	// directive whose work an executor split.
	Shard, Shards int
}

// Input returns the single :from: result, or an error naming the problem.
func (r *Request) Input() (*Result, error) {
	if len(r.From) != 1 {
		return nil, fmt.Errorf("needs exactly one :from: directive, has %d", len(r.From))
	}
	return r.Inputs[r.From[0]], nil
}

// Registry maps kinds to directives. Build it explicitly in cmd.
type Registry struct {
	kinds map[string]Directive
}

// NewRegistry returns a registry holding ds. It panics on an empty or
// duplicate kind: that is a programming error.
func NewRegistry(ds ...Directive) *Registry {
	r := &Registry{kinds: map[string]Directive{}}
	for _, d := range ds {
		r.Register(d)
	}
	return r
}

// Register adds d. It panics on an empty or duplicate kind.
func (r *Registry) Register(d Directive) {
	k := d.Kind()
	if k == "" {
		panic("engine: directive with empty kind")
	}
	if _, dup := r.kinds[k]; dup {
		panic("engine: duplicate directive kind " + k)
	}
	r.kinds[k] = d
}

// Lookup returns the directive of kind, or an error listing the known kinds.
func (r *Registry) Lookup(kind string) (Directive, error) {
	if d, ok := r.kinds[kind]; ok {
		return d, nil
	}
	return nil, fmt.Errorf("unknown directive kind %q (known kinds: %s)", kind, strings.Join(r.Kinds(), ", "))
}

// Kinds returns the registered kinds, sorted.
func (r *Registry) Kinds() []string {
	ks := make([]string, 0, len(r.kinds))
	for k := range r.kinds {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
