package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Key components are named so that --explain can say what changed:
//
//	version          tcpreport version
//	id               the directive id: two blocks are two measurements
//	kind             directive kind and implementation version
//	seed             the report seed, for directives that are Seeded
//	option:<name>    each option value that affects the result
//	body             SHA-256 of the body
//	input:<id>       the cache key of a :from: input
//	file:<path>      SHA-256 of a declared input file
//	env:<field>      an environment fingerprint field the directive depends on
//	state            a Stater's summary of the machine state it reads
//	apis             an APIDependent's summary of the API declarations it reads

// keyOf computes the cache key of s from its components. inputs holds the
// keys of already keyed steps; env the fingerprint.
func keyOf(ctx context.Context, version string, s *Step, dir string, seed int64, inputs map[string]string, env []Fact, apis map[string]map[string]string) (key string, comps map[string]string, err error) {
	comps = map[string]string{
		"version": version,
		"id":      s.ID(),
		"kind":    kindVersion(s),
		"body":    sum([]byte(s.Block.Body)),
	}
	if _, ok := s.Directive.(Seeded); ok {
		comps["seed"] = strconv.FormatInt(seed, 10)
	}
	for k, v := range s.Opts.Map() {
		if !slices.Contains(renderOnly, k) && k != "from" {
			comps["option:"+k] = canonical(s.Opts.specs[k], v)
		}
	}
	for _, id := range s.From {
		comps["input:"+id] = inputs[id]
	}
	for _, f := range s.Files {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			o := s.Block.Pos
			return "", nil, fmt.Errorf("%s: %s %s: input file: %w", o, s.Block.Kind, s.ID(), err)
		}
		comps["file:"+f] = sum(data)
	}
	if st, ok := s.Directive.(Stater); ok {
		state, err := st.State(ctx, s.Opts)
		if err != nil {
			return "", nil, fmt.Errorf("%s: %s %s: %w", s.Block.Pos, s.Block.Kind, s.ID(), err)
		}
		comps["state"] = state
	}
	if st, ok := s.Directive.(DirStater); ok {
		state, err := st.StateIn(ctx, dir, s.Opts)
		if err != nil {
			return "", nil, fmt.Errorf("%s: %s %s: %w", s.Block.Pos, s.Block.Kind, s.ID(), err)
		}
		comps["state"] = state
	}
	if ad, ok := s.Directive.(APIDependent); ok {
		comps["apis"] = ad.APIState(s.Opts, apis)
	}
	if ed, ok := s.Directive.(EnvDependent); ok {
		for _, name := range ed.EnvFields(s.Opts) {
			v, ok := factValue(env, name)
			if !ok {
				return "", nil, fmt.Errorf("%s: %s %s: env: no environment fact %q (facts: %s)",
					s.Block.Pos, s.Block.Kind, s.ID(), name, factNames(env))
			}
			comps["env:"+name] = v
		}
	}
	return hashComponents(comps), comps, nil
}

// hashComponents hashes components in a canonical form: sorted names, each
// name and value length-prefixed, so no two different sets hash alike.
func hashComponents(comps map[string]string) string {
	h := sha256.New()
	for _, k := range sortedKeys(comps) {
		v := comps[k]
		fmt.Fprintf(h, "%d:%s%d:%s", len(k), k, len(v), v)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// protocolHash hashes the ordered directive specs of a plan with the
// tcpreport version and the seed: the "experiment protocol hash" printed in
// the report. Prose is not part of it; every option, including captions, and
// every kind's implementation version are.
func protocolHash(p *Plan) string {
	h := sha256.New()
	fmt.Fprintf(h, "tcpreport %s seed %d\n", Version, p.Doc.Front.Seed)
	for _, b := range p.Doc.Blocks() {
		s := p.Step(b.ID)
		kv := kindVersion(s)
		fmt.Fprintf(h, "%d:%s%d:%s", len(kv), kv, len(b.ID), b.ID)
		opts := s.Opts.Map()
		for _, k := range sortedKeys(opts) {
			fmt.Fprintf(h, "%d:%s%d:%s", len(k), k, len(opts[k]), opts[k])
		}
		fmt.Fprintf(h, "%d:%s\n", len(b.Body), b.Body)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// changed lists the components that differ between old and cur, with the
// old and new values for options.
func changed(old, cur map[string]string) []string {
	var out []string
	for _, k := range sortedKeys(union(old, cur)) {
		o, inOld := old[k]
		c, inCur := cur[k]
		switch {
		case inOld && inCur && o == c:
		case !inOld:
			out = append(out, k+" added")
		case !inCur:
			out = append(out, k+" removed")
		case strings.HasPrefix(k, "option:") || k == "version" || k == "kind" || strings.HasPrefix(k, "env:"):
			out = append(out, fmt.Sprintf("%s changed (%s → %s)", k, o, c))
		default:
			out = append(out, k+" changed")
		}
	}
	return out
}

func union(a, b map[string]string) map[string]string {
	m := make(map[string]string, len(a)+len(b))
	for k, v := range a {
		m[k] = v
	}
	for k, v := range b {
		m[k] = v
	}
	return m
}

func kindVersion(s *Step) string {
	return s.Block.Kind + "@" + strconv.Itoa(s.Directive.Version())
}

// canonical writes an option value in one form per meaning, so that 1MiB
// and 1024KiB, or yes and true, share a cache key.
func canonical(spec OptionSpec, v string) string {
	o := Options{vals: map[string]string{"v": v}}
	switch spec.Type {
	case Int:
		return strconv.Itoa(o.Int("v"))
	case Float:
		return strconv.FormatFloat(o.Float("v"), 'g', -1, 64)
	case Bool:
		return strconv.FormatBool(o.Bool("v"))
	case Duration:
		return o.Duration("v").String()
	case Size:
		return strconv.FormatInt(o.Size("v"), 10) + "B"
	case SizeList:
		var parts []string
		for _, n := range o.Sizes("v") {
			parts = append(parts, strconv.FormatInt(n, 10)+"B")
		}
		return strings.Join(parts, ",")
	case List:
		return strings.Join(o.List("v"), ",")
	}
	return v
}

func factValue(env []Fact, name string) (string, bool) {
	for _, f := range env {
		if f.Name == name {
			return f.Value, true
		}
	}
	return "", false
}

func factNames(env []Fact) string {
	names := make([]string, len(env))
	for i, f := range env {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
