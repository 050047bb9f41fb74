package engine

import (
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
//	kind             directive kind and implementation version
//	option:<name>    each option value that affects the result
//	body             SHA-256 of the body
//	input:<id>       the cache key of a :from: input
//	file:<path>      SHA-256 of a declared input file
//	env:<field>      an environment fingerprint field the directive depends on

// keyOf computes the cache key of s from its components. inputs holds the
// keys of already keyed steps; env the fingerprint.
func keyOf(version string, s *Step, dir string, inputs map[string]string, env []Fact) (key string, comps map[string]string, err error) {
	comps = map[string]string{
		"version": version,
		"kind":    s.Block.Kind + "@" + strconv.Itoa(s.Directive.Version()),
		"body":    sum([]byte(s.Block.Body)),
	}
	for k, v := range s.Opts.Map() {
		if !slices.Contains(renderOnly, k) && k != "from" {
			comps["option:"+k] = v
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
	if ed, ok := s.Directive.(EnvDependent); ok {
		for _, name := range ed.EnvFields() {
			comps["env:"+name] = factValue(env, name)
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
// tcpreport version: the "experiment protocol hash" printed in the report.
// Prose is not part of it; every option, including captions, is.
func protocolHash(p *Plan) string {
	h := sha256.New()
	fmt.Fprintf(h, "tcpreport %s\n", Version)
	for _, b := range p.Doc.Blocks() {
		s := p.Step(b.ID)
		fmt.Fprintf(h, "%d:%s%d:%s", len(b.Kind), b.Kind, len(b.ID), b.ID)
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

func factValue(env []Fact, name string) string {
	for _, f := range env {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
