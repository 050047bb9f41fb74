// Package directives adapts the domain packages to the engine: one file per
// directive kind.
package directives

import (
	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/exec"
)

// All returns every directive kind of this package, in a fixed order, for
// cmd to register.
func All(openers exec.Openers) []engine.Directive {
	return []engine.Directive{
		NewEnvironment(),
		NewRun(),
		NewTable(),
		NewPlot(),
		NewDiscover(openers),
		NewDescriptors(),
		NewDecisions(),
		NewExperiment(openers),
		NewPower(),
		NewStats(),
		NewHDL(),
		NewProjection(),
		NewFPGA(),
		NewBench(),
		NewQuality(),
		NewAPI(),
	}
}
