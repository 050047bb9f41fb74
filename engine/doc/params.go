package doc

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// SetParams overrides the values of declared params, as given with
// -p name=value. Naming a param the front matter does not declare is an
// error, and then no value is changed.
func (d *Document) SetParams(overrides map[string]string) error {
	var errs []error
	for _, name := range sortedKeys(overrides) {
		if _, ok := d.Front.Params[name]; !ok {
			errs = append(errs, fmt.Errorf("-p %s: unknown param (declared: %s)", name, declared(d.Front.Params)))
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	for name, v := range overrides {
		d.Front.Params[name] = v
	}
	return nil
}

// ExpandParams replaces each ${params.name} in s with the value of param
// name; "$$" stands for "$". Any other "$" is kept as it is, so that shell
// variables in a command pass through. Every unknown or malformed reference
// is reported.
func ExpandParams(s string, params map[string]string) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	const open = "${params."
	var b strings.Builder
	var errs []error
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], '$')
		if j < 0 {
			b.WriteString(s[i:])
			break
		}
		b.WriteString(s[i : i+j])
		i += j
		switch {
		case strings.HasPrefix(s[i:], "$$"):
			b.WriteByte('$')
			i += 2
		case strings.HasPrefix(s[i:], open):
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				errs = append(errs, fmt.Errorf("unclosed %s: end it with '}'", s[i:]))
				return "", errors.Join(errs...)
			}
			ref := s[i : i+end+1]
			name := ref[len(open) : len(ref)-1]
			v, ok := params[name]
			switch {
			case !isName(name):
				errs = append(errs, fmt.Errorf("malformed %s: write ${params.name}", ref))
			case !ok:
				errs = append(errs, fmt.Errorf("unknown param %q in %s (declared: %s)", name, ref, declared(params)))
			}
			b.WriteString(v)
			i += end + 1
		default:
			b.WriteByte('$')
			i++
		}
	}
	if len(errs) > 0 {
		return "", errors.Join(errs...)
	}
	return b.String(), nil
}

func declared(params map[string]string) string {
	if len(params) == 0 {
		return "none"
	}
	return strings.Join(sortedKeys(params), ", ")
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
