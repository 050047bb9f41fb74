package engine

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Options are a block's option values after they have been checked against
// the kind's OptionSpecs, defaults filled in. Because every value was checked
// before the directive runs, the accessors cannot fail; asking for an option
// the kind did not declare returns the zero value.
type Options struct {
	vals  map[string]string
	specs map[string]OptionSpec
}

// NewOptions returns Options holding vals. It is for tests and for the
// engine, which checks values first with CheckOption.
func NewOptions(vals map[string]string) Options {
	return Options{vals: vals}
}

// Has reports whether the option was written or has a default.
func (o Options) Has(name string) bool { _, ok := o.vals[name]; return ok }

// String returns the option's raw value.
func (o Options) String(name string) string { return o.vals[name] }

// Int returns an Int option.
func (o Options) Int(name string) int {
	n, _ := strconv.Atoi(o.vals[name])
	return n
}

// Float returns a Float option.
func (o Options) Float(name string) float64 {
	f, _ := strconv.ParseFloat(o.vals[name], 64)
	return f
}

// Bool returns a Bool option.
func (o Options) Bool(name string) bool {
	b, _ := parseBool(o.vals[name])
	return b
}

// Duration returns a Duration option.
func (o Options) Duration(name string) time.Duration {
	d, _ := time.ParseDuration(strings.TrimSpace(o.vals[name]))
	return d
}

// Size returns a Size option in bytes.
func (o Options) Size(name string) int64 {
	n, _ := ParseSize(o.vals[name])
	return n
}

// List returns a List option's items, trimmed, empty items dropped.
func (o Options) List(name string) []string { return splitList(o.vals[name]) }

// Sizes returns a SizeList option in bytes.
func (o Options) Sizes(name string) []int64 {
	var ns []int64
	for _, s := range splitList(o.vals[name]) {
		n, _ := ParseSize(s)
		ns = append(ns, n)
	}
	return ns
}

// Map returns the values, for cache keys and display.
func (o Options) Map() map[string]string { return o.vals }

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "on", "1":
		return true, nil
	case "false", "no", "off", "0":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (use true or false)", s)
}

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"B", 1},
}

// ParseSize parses a size with a binary unit: 100B, 4KiB, 1MiB, 2GiB.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	for _, u := range sizeUnits {
		num, ok := strings.CutSuffix(t, u.suffix)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
		if err != nil || n < 0 || n > (1<<62)/u.mult {
			break
		}
		return n * u.mult, nil
	}
	return 0, fmt.Errorf("%q is not a size (use 4KiB, 1MiB, ...)", s)
}

// CheckOption checks value against spec and returns an error whose text
// names the fix.
func CheckOption(spec OptionSpec, value string) error {
	v := strings.TrimSpace(value)
	switch spec.Type {
	case String:
		return nil
	case Int:
		if _, err := strconv.Atoi(v); err != nil {
			return fmt.Errorf("%q is not an integer", value)
		}
	case Float:
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return fmt.Errorf("%q is not a number", value)
		}
	case Bool:
		_, err := parseBool(v)
		return err
	case Duration:
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return fmt.Errorf("%q is not a duration (use 500ms, 2s, 1m, ...)", value)
		}
	case Size:
		_, err := ParseSize(v)
		return err
	case SizeList:
		items := splitList(v)
		if len(items) == 0 {
			return fmt.Errorf("empty list (use 4KiB, 1MiB, ...)")
		}
		for _, s := range items {
			if _, err := ParseSize(s); err != nil {
				return err
			}
		}
	case List:
		if len(splitList(v)) == 0 {
			return fmt.Errorf("empty list (use a, b, c)")
		}
	case Enum:
		for _, e := range spec.Enum {
			if v == e {
				return nil
			}
		}
		return fmt.Errorf("%q is not one of %s", value, strings.Join(spec.Enum, ", "))
	}
	return nil
}
