package tools

import (
	"slices"
	"time"

	"github.com/tcpreport/tcpreport/engine/tcp"
)

// TCPFlags maps the tool's analysis to TCP descriptor flags (DESIGN §6): its
// risk class bit and one property bit per capability. Tools whose purpose
// is to run commands as another user also get PRIVILEGE_ESCALATION.
func (t Tool) TCPFlags() tcp.Flags {
	var f tcp.Flags
	if r, err := tcp.ParseRisk(string(t.Risk)); err == nil {
		f |= r.Flag()
	}
	c := t.Capabilities
	for _, p := range []struct {
		has  bool
		flag tcp.Flags
	}{
		{c.Privileged, tcp.FlagRequiresRoot},
		{c.Destructive, tcp.FlagDestructive},
		{c.Network, tcp.FlagNetworkAccess},
		{c.FileOps, tcp.FlagFileModification},
		{c.SystemMod, tcp.FlagSystemModification},
		{slices.Contains([]string{"sudo", "su", "doas", "pkexec", "run0"}, t.Name), tcp.FlagPrivilegeEscalation},
	} {
		if p.has {
			f |= p.flag
		}
	}
	return f
}

// TCPEntry is the tool's descriptor database entry. The execution time is
// the measured start-up cost (--version), rounded up to a millisecond;
// memory and output size were not measured and are 0.
func (t Tool) TCPEntry() tcp.Entry {
	ms := 0
	if t.StartupCost > 0 {
		ms = int((t.StartupCost + time.Millisecond - 1) / time.Millisecond)
	}
	return tcp.Entry{Name: t.Name, Flags: t.TCPFlags(), ExecMS: ms}
}
