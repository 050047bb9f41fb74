package directives

import (
	"context"
	"github.com/tcpreport/tcpreport/engine/exec"
	"slices"
	"testing"

	"github.com/tcpreport/tcpreport/engine"
)

func TestAll(t *testing.T) {
	var kinds []string
	for _, d := range All(exec.Openers{"local": exec.OpenLocal}) {
		kinds = append(kinds, d.Kind())
		if d.Version() < 1 {
			t.Errorf("%s: Version() = %d, want ≥ 1", d.Kind(), d.Version())
		}
		for _, spec := range d.Options() {
			if slices.Contains([]string{"from", "caption", "timeout", "hide"}, spec.Name) {
				t.Errorf("%s declares the common option %s", d.Kind(), spec.Name)
			}
			if spec.Default != "" {
				if err := engine.CheckOption(spec, spec.Default); err != nil {
					t.Errorf("%s: default of %s: %v", d.Kind(), spec.Name, err)
				}
			}
			if spec.Help == "" {
				t.Errorf("%s: option %s has no help", d.Kind(), spec.Name)
			}
		}
	}
	if want := []string{"environment", "run", "table", "plot", "discover", "descriptors", "decisions", "experiment", "power", "stats", "hdl", "projection", "fpga", "bench", "quality", "api"}; !slices.Equal(kinds, want) {
		t.Errorf("kinds = %v, want %v", kinds, want)
	}
	engine.NewRegistry(All(exec.Openers{"local": exec.OpenLocal})...) // panics on a duplicate kind
}

// options checks vals against d's specs as the engine does, fills in the
// defaults and returns the Options d gets.
func options(t *testing.T, d engine.Directive, vals map[string]string) engine.Options {
	t.Helper()
	out := map[string]string{}
	specs := map[string]engine.OptionSpec{}
	for _, s := range d.Options() {
		specs[s.Name] = s
		if s.Default != "" {
			out[s.Name] = s.Default
		}
	}
	for k, v := range vals {
		s, ok := specs[k]
		if !ok {
			t.Fatalf("%s has no option %q", d.Kind(), k)
		}
		if err := engine.CheckOption(s, v); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		out[k] = v
	}
	for _, s := range specs {
		if _, ok := out[s.Name]; s.Required && !ok {
			t.Fatalf("%s: required option %s missing", d.Kind(), s.Name)
		}
	}
	return engine.NewOptions(out)
}

// runWith runs d with vals and, if in is not nil, in as its :from: input
// "in".
func runWith(t *testing.T, ctx context.Context, d engine.Directive, vals map[string]string, in *engine.Result) (*engine.Result, error) {
	t.Helper()
	req := &engine.Request{ID: "fig-test", Opts: options(t, d, vals), Dir: t.TempDir()}
	if in != nil {
		req.From = []string{"in"}
		req.Inputs = map[string]*engine.Result{"in": in}
	}
	return d.Run(ctx, req)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
