package tcp

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// Flags is the 32-bit security flag word of a descriptor (DESIGN §6).
// Bits 0–4 are the risk classes, 6–11 named properties, 12–15 reserved and
// 16–31 vendor-defined. Bit 5 is unassigned.
type Flags uint32

// The named flag bits.
const (
	FlagSafe                Flags = 1 << 0
	FlagLowRisk             Flags = 1 << 1
	FlagMediumRisk          Flags = 1 << 2
	FlagHighRisk            Flags = 1 << 3
	FlagCritical            Flags = 1 << 4
	FlagRequiresRoot        Flags = 1 << 6
	FlagDestructive         Flags = 1 << 7
	FlagNetworkAccess       Flags = 1 << 8
	FlagFileModification    Flags = 1 << 9
	FlagSystemModification  Flags = 1 << 10
	FlagPrivilegeEscalation Flags = 1 << 11

	// RiskMask covers the five risk-class bits.
	RiskMask Flags = 0x1f
	// PropertyMask covers the named property bits 6–11.
	PropertyMask Flags = 0x0fc0
	// ReservedMask covers the reserved bits 12–15.
	ReservedMask Flags = 0xf000
	// VendorMask covers the vendor-defined bits 16–31.
	VendorMask Flags = 0xffff0000
)

var flagNames = [...]string{
	0:  "SAFE",
	1:  "LOW_RISK",
	2:  "MEDIUM_RISK",
	3:  "HIGH_RISK",
	4:  "CRITICAL",
	6:  "REQUIRES_ROOT",
	7:  "DESTRUCTIVE",
	8:  "NETWORK_ACCESS",
	9:  "FILE_MODIFICATION",
	10: "SYSTEM_MODIFICATION",
	11: "PRIVILEGE_ESCALATION",
}

// bitName is the name of flag bit i: its DESIGN §6 name, or BIT_5,
// RESERVED_12…RESERVED_15, VENDOR_16…VENDOR_31 for the unnamed bits.
func bitName(i int) string {
	switch {
	case i < len(flagNames) && flagNames[i] != "":
		return flagNames[i]
	case i >= 12 && i <= 15:
		return "RESERVED_" + strconv.Itoa(i)
	case i >= 16:
		return "VENDOR_" + strconv.Itoa(i)
	}
	return "BIT_" + strconv.Itoa(i)
}

// Names returns the names of the bits set in f, lowest bit first. Every
// name it returns is accepted by ParseFlagName.
func (f Flags) Names() []string {
	names := make([]string, 0, bits.OnesCount32(uint32(f)))
	for v := uint32(f); v != 0; v &= v - 1 {
		names = append(names, bitName(bits.TrailingZeros32(v)))
	}
	return names
}

// String returns the names of the set bits joined with "|", or "0".
func (f Flags) String() string {
	if f == 0 {
		return "0"
	}
	return strings.Join(f.Names(), "|")
}

// ParseFlagName returns the flag bit called name (case-insensitive): one of
// the DESIGN §6 names, or BIT_5, RESERVED_12…15, VENDOR_16…31.
func ParseFlagName(name string) (Flags, error) {
	u := strings.ToUpper(name)
	for i, n := range flagNames {
		if n != "" && n == u {
			return 1 << i, nil
		}
	}
	for _, p := range [...]struct {
		prefix string
		lo, hi int
	}{{"BIT_", 5, 5}, {"RESERVED_", 12, 15}, {"VENDOR_", 16, 31}} {
		if rest, ok := strings.CutPrefix(u, p.prefix); ok {
			if i, err := strconv.Atoi(rest); err == nil && i >= p.lo && i <= p.hi && rest == strconv.Itoa(i) {
				return 1 << i, nil
			}
		}
	}
	return 0, fmt.Errorf("unknown flag name %q (use SAFE, LOW_RISK, MEDIUM_RISK, HIGH_RISK, CRITICAL, REQUIRES_ROOT, DESTRUCTIVE, NETWORK_ACCESS, FILE_MODIFICATION, SYSTEM_MODIFICATION, PRIVILEGE_ESCALATION, RESERVED_12…15 or VENDOR_16…31)", name)
}

// Risk returns the highest risk class whose bit is set in f, or Safe when
// none is.
func (f Flags) Risk() Risk {
	r := f & RiskMask
	if r == 0 {
		return Safe
	}
	return Risk(bits.Len32(uint32(r)) - 1)
}

// Risk is a risk class, ordered from Safe to Critical.
type Risk uint8

// The risk classes of DESIGN §6.
const (
	Safe Risk = iota
	LowRisk
	MediumRisk
	HighRisk
	Critical
)

// NumRisks is the number of risk classes.
const NumRisks = 5

var riskNames = [NumRisks]string{"SAFE", "LOW_RISK", "MEDIUM_RISK", "HIGH_RISK", "CRITICAL"}

func (r Risk) String() string {
	if r < NumRisks {
		return riskNames[r]
	}
	return "Risk(" + strconv.Itoa(int(r)) + ")"
}

// Valid reports whether r is one of the five classes.
func (r Risk) Valid() bool { return r < NumRisks }

// Flag returns the flag bit of r.
func (r Risk) Flag() Flags {
	if r >= NumRisks {
		return 0
	}
	return 1 << r
}

// Verdict returns the decision rule of DESIGN §6 for r: Critical → Reject,
// HighRisk → RequireApproval, MediumRisk → Caution, otherwise Approve.
func (r Risk) Verdict() Verdict {
	switch r {
	case Critical:
		return Reject
	case HighRisk:
		return RequireApproval
	case MediumRisk:
		return Caution
	}
	return Approve
}

// ParseRisk returns the class called s: SAFE, LOW_RISK, MEDIUM_RISK,
// HIGH_RISK or CRITICAL (exactly, as the labels file and the JSON output
// spell them).
func ParseRisk(s string) (Risk, error) {
	for i, n := range riskNames {
		if n == s {
			return Risk(i), nil
		}
	}
	return 0, fmt.Errorf("unknown risk %q (use SAFE, LOW_RISK, MEDIUM_RISK, HIGH_RISK or CRITICAL)", s)
}

// MarshalText writes the class name.
func (r Risk) MarshalText() ([]byte, error) {
	if !r.Valid() {
		return nil, fmt.Errorf("tcp: invalid risk %d", uint8(r))
	}
	return []byte(r.String()), nil
}

// UnmarshalText reads a class name.
func (r *Risk) UnmarshalText(b []byte) error {
	v, err := ParseRisk(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// Verdict is what a caller should do with a command.
type Verdict uint8

// The verdicts, from least to most restrictive.
const (
	Approve Verdict = iota
	Caution
	RequireApproval
	Reject
)

var verdictNames = [...]string{"APPROVE", "CAUTION", "REQUIRE_APPROVAL", "REJECT"}

func (v Verdict) String() string {
	if int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return "Verdict(" + strconv.Itoa(int(v)) + ")"
}

// ParseVerdict returns the verdict called s (APPROVE, CAUTION,
// REQUIRE_APPROVAL or REJECT).
func ParseVerdict(s string) (Verdict, error) {
	for i, n := range verdictNames {
		if n == s {
			return Verdict(i), nil
		}
	}
	return 0, fmt.Errorf("unknown decision %q (use APPROVE, CAUTION, REQUIRE_APPROVAL or REJECT)", s)
}

// MarshalText writes the verdict name.
func (v Verdict) MarshalText() ([]byte, error) {
	if int(v) >= len(verdictNames) {
		return nil, fmt.Errorf("tcp: invalid verdict %d", uint8(v))
	}
	return []byte(v.String()), nil
}

// UnmarshalText reads a verdict name.
func (v *Verdict) UnmarshalText(b []byte) error {
	x, err := ParseVerdict(string(b))
	if err != nil {
		return err
	}
	*v = x
	return nil
}
