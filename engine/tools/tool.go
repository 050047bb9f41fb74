// Package tools discovers the executables on a PATH, probes them safely for
// their version and help text, reads their man pages and dpkg owner, and
// derives capabilities and a 0–10 security level from what it found.
//
// Probing runs real programs. Every probe is a single argument (--version,
// --help, ...), never none; tools on the never-execute list are analysed
// from their names and man pages only. See Probe isolation in probe.go.
package tools

import (
	"fmt"
	"strings"
	"time"
)

// Category is a tool's category in the research design's list, or Other.
type Category string

// The categories of the research design. Their order here is the order of
// the categorised scope.
const (
	SystemAdmin    Category = "system_admin"
	Network        Category = "network"
	Security       Category = "security"
	Development    Category = "development"
	FileOperations Category = "file_operations"
	Container      Category = "container"
	Cloud          Category = "cloud"
	Other          Category = "other"
)

// Categories lists the categories in the order of the research design,
// Other last.
var Categories = []Category{SystemAdmin, Network, Security, Development, FileOperations, Container, Cloud, Other}

// categorised is the research design's tool list, exactly.
var categorised = []struct {
	cat   Category
	names []string
}{
	{SystemAdmin, []string{"ls", "cp", "mv", "rm", "chmod", "chown", "ps", "kill", "systemctl"}},
	{Network, []string{"curl", "wget", "ping", "netstat", "ss", "dig", "nslookup", "traceroute"}},
	{Security, []string{"ssh", "scp", "openssl", "gpg", "sudo", "iptables"}},
	{Development, []string{"git", "gcc", "make", "python3", "node", "npm", "cargo"}},
	{FileOperations, []string{"find", "grep", "sed", "awk", "tar", "gzip", "zip"}},
	{Container, []string{"docker", "podman", "kubectl", "helm"}},
	{Cloud, []string{"aws", "gcloud", "az", "terraform"}},
}

// listedCategory maps each name of the research design's list to its category.
var listedCategory = func() map[string]Category {
	m := make(map[string]Category)
	for _, c := range categorised {
		for _, n := range c.names {
			m[n] = c.cat
		}
	}
	return m
}()

// CategorisedNames returns the tool names of the research design's list for
// category c, in the design's order; nil for Other or an unknown category.
func CategorisedNames(c Category) []string {
	for _, e := range categorised {
		if e.cat == c {
			return append([]string(nil), e.names...)
		}
	}
	return nil
}

// ParseCategory accepts a category by its identifier ("system_admin") or by
// the research design's words ("system admin", "system-admin", "File
// operations"), case-insensitively.
func ParseCategory(s string) (Category, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	k = strings.NewReplacer(" ", "_", "-", "_").Replace(k)
	for _, c := range Categories {
		if string(c) == k {
			return c, nil
		}
	}
	names := make([]string, len(Categories))
	for i, c := range Categories {
		names[i] = string(c)
	}
	return "", fmt.Errorf("unknown tool category %q (use one of %s)", s, strings.Join(names, ", "))
}

// categoryBase is the design's base security level per category. Other is
// not in the design; it gets 1, the base of the mildest category.
var categoryBase = map[Category]int{
	Security:       3,
	SystemAdmin:    5,
	Network:        2,
	Container:      4,
	Cloud:          4,
	Development:    1,
	FileOperations: 2,
	Other:          1,
}

// Capabilities are what a tool can do, from name, help and man page
// keyword analysis (see analyse.go for the keywords).
type Capabilities struct {
	Network     bool `json:"network"`
	FileOps     bool `json:"file_ops"`
	SystemMod   bool `json:"system_mod"`
	Privileged  bool `json:"privileged"`
	Destructive bool `json:"destructive"`
	ReadsStdin  bool `json:"reads_stdin"`
}

// RiskClass is the TCP risk class of a security level.
type RiskClass string

// The risk classes, mildest first.
const (
	Safe       RiskClass = "SAFE"
	LowRisk    RiskClass = "LOW_RISK"
	MediumRisk RiskClass = "MEDIUM_RISK"
	HighRisk   RiskClass = "HIGH_RISK"
	Critical   RiskClass = "CRITICAL"
)

// RiskOf maps a security level to its risk class: 0–1 SAFE, 2–3 LOW_RISK,
// 4–5 MEDIUM_RISK, 6–7 HIGH_RISK, 8–10 CRITICAL. Levels outside 0–10 are
// clamped.
func RiskOf(level int) RiskClass {
	switch {
	case level <= 1:
		return Safe
	case level <= 3:
		return LowRisk
	case level <= 5:
		return MediumRisk
	case level <= 7:
		return HighRisk
	default:
		return Critical
	}
}

// Isolation values recorded per tool. A probed tool records the isolation
// its probes ran under; a tool that was not run says why.
const (
	IsolationBwrap      = "bwrap: no network, pid namespace"
	IsolationNone       = "none: bwrap not installed"
	IsolationNoSandbox  = "none: sandbox disabled (NoSandbox)"
	IsolationNeverExec  = "not executed: never-execute list"
	IsolationNeedsBwrap = "not executed: runs only inside bwrap (sandbox-only list)"
	IsolationNotFound   = "not executed: not on PATH"
)

// Tool is what Scan learned about one executable.
type Tool struct {
	// Name is the command name. In the categorised scope it is the listed
	// name. In the "all" scope it is the resolved file's own name when that
	// name is on PATH (mawk, not awk; rustup, not cargo), else the first
	// name on PATH that resolves to Path.
	Name string `json:"name"`
	// Path is the resolved path (symlinks followed).
	Path string `json:"path"`
	// Entry is the PATH entry of Name (unresolved), the file probes execute,
	// so that tools dispatching on their name (rustup, busybox) see it.
	Entry string `json:"entry,omitempty"`
	// Aliases are the other names on PATH that resolve to Path, sorted.
	Aliases []string `json:"aliases,omitempty"`
	// Shadowed is set when a different executable earlier on PATH has the
	// same Name, so the command Name does not run this one.
	Shadowed bool     `json:"shadowed,omitempty"`
	Category Category `json:"category"`
	// Found is false for a tool of the categorised list that is not on PATH.
	Found bool `json:"found"`
	// Package is the dpkg package owning Path (or the PATH entry), if any.
	Package string `json:"package,omitempty"`
	// Version is a line under 1,000 characters of the first version probe
	// that answered: its first version-like line, else (when it exited 0)
	// its first non-empty line; complaints ("command not found") never.
	Version string `json:"version,omitempty"`
	// Help is the output (stdout, then stderr; each capped at MaxOutput) of
	// the first help probe that gave one.
	Help string `json:"help,omitempty"`
	// Man is the man page (section 1 or 8) as plain text.
	Man string `json:"man,omitempty"`
	// ManPage is the file Man was read from.
	ManPage string `json:"man_page,omitempty"`
	// Subcommands are the subcommands the help text lists, in its order.
	Subcommands  []string     `json:"subcommands,omitempty"`
	Capabilities Capabilities `json:"capabilities"`
	// Evidence says why each capability is set, one line per capability:
	// "network: name curl", "destructive: keyword \"delete\"".
	Evidence      []string  `json:"evidence,omitempty"`
	SecurityLevel int       `json:"security_level"`
	Risk          RiskClass `json:"risk"`
	// StartupCost is the wall time of the --version probe (sandbox start-up
	// included when sandboxed); zero when it was not probed.
	StartupCost time.Duration `json:"startup_cost_ns"`
	// Probed says whether the tool was executed at all.
	Probed bool `json:"probed"`
	// Isolation says how the probes were isolated, or why none ran.
	Isolation string `json:"isolation"`
	// ProbeErrors lists what went wrong while probing (timeouts, capped
	// output, failures to start), one line per problem.
	ProbeErrors []string `json:"probe_errors,omitempty"`
}
