package tools

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSecurityLevel(t *testing.T) {
	tests := []struct {
		name  string
		cat   Category
		caps  Capabilities
		names []string
		want  int
	}{
		{"security base", Security, Capabilities{}, []string{"gpg"}, 3},
		{"system admin base", SystemAdmin, Capabilities{}, []string{"ps"}, 5},
		{"network base", Network, Capabilities{}, []string{"x"}, 2},
		{"container base", Container, Capabilities{}, []string{"x"}, 4},
		{"cloud base", Cloud, Capabilities{}, []string{"x"}, 4},
		{"development base", Development, Capabilities{}, []string{"x"}, 1},
		{"file operations base", FileOperations, Capabilities{}, []string{"x"}, 2},
		{"other base", Other, Capabilities{}, []string{"x"}, 1},
		{"unknown category counts as other", Category("nonsense"), Capabilities{}, nil, 1},
		{"privileges add 3", Development, Capabilities{Privileged: true}, nil, 4},
		{"destructive adds 2", Development, Capabilities{Destructive: true}, nil, 3},
		{"system modification adds 2", Development, Capabilities{SystemMod: true}, nil, 3},
		{"network adds 1", Development, Capabilities{Network: true}, nil, 2},
		{"file ops and stdin add nothing", Development, Capabilities{FileOps: true, ReadsStdin: true}, nil, 1},
		{"all add up", Network, Capabilities{Privileged: true, Destructive: true, SystemMod: true, Network: true}, nil, 10},
		{"cap 10", SystemAdmin, Capabilities{Privileged: true, Destructive: true, SystemMod: true, Network: true}, nil, 10},
		{"floor rm", SystemAdmin, Capabilities{}, []string{"rm"}, 8},
		{"floor dd", FileOperations, Capabilities{}, []string{"dd"}, 8},
		{"floor mkfs", Other, Capabilities{}, []string{"mkfs"}, 8},
		{"floor mkfs.ext4", Other, Capabilities{}, []string{"mkfs.ext4"}, 8},
		{"floor fdisk", Other, Capabilities{}, []string{"fdisk"}, 8},
		{"floor iptables", Security, Capabilities{}, []string{"iptables"}, 8},
		{"floor kill", SystemAdmin, Capabilities{}, []string{"kill"}, 8},
		{"floor shutdown", SystemAdmin, Capabilities{}, []string{"shutdown"}, 8},
		{"floor through an alias", Other, Capabilities{}, []string{"innocent", "rm"}, 8},
		{"floor does not lower", SystemAdmin, Capabilities{Privileged: true, Destructive: true}, []string{"rm"}, 10},
		{"no floor for rmdir", SystemAdmin, Capabilities{}, []string{"rmdir"}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SecurityLevel(tt.cat, tt.caps, tt.names...); got != tt.want {
				t.Errorf("SecurityLevel(%s, %+v, %q) = %d, want %d", tt.cat, tt.caps, tt.names, got, tt.want)
			}
		})
	}
}

func TestRiskOf(t *testing.T) {
	want := []RiskClass{Safe, Safe, LowRisk, LowRisk, MediumRisk, MediumRisk, HighRisk, HighRisk, Critical, Critical, Critical}
	for level, w := range want {
		if got := RiskOf(level); got != w {
			t.Errorf("RiskOf(%d) = %s, want %s", level, got, w)
		}
	}
	if RiskOf(-3) != Safe || RiskOf(42) != Critical {
		t.Errorf("RiskOf does not clamp")
	}
}

func TestParseCategory(t *testing.T) {
	tests := []struct {
		in   string
		want Category
		err  string
	}{
		{"system admin", SystemAdmin, ""},
		{"System-Admin", SystemAdmin, ""},
		{"file operations", FileOperations, ""},
		{"cloud", Cloud, ""},
		{" other ", Other, ""},
		{"games", "", `unknown tool category "games" (use one of system_admin, network, security, development, file_operations, container, cloud, other)`},
	}
	for _, tt := range tests {
		got, err := ParseCategory(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("ParseCategory(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseCategory(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestCategorisedList(t *testing.T) {
	// The research design's list, exactly.
	want := map[Category]string{
		SystemAdmin:    "ls cp mv rm chmod chown ps kill systemctl",
		Network:        "curl wget ping netstat ss dig nslookup traceroute",
		Security:       "ssh scp openssl gpg sudo iptables",
		Development:    "git gcc make python3 node npm cargo",
		FileOperations: "find grep sed awk tar gzip zip",
		Container:      "docker podman kubectl helm",
		Cloud:          "aws gcloud az terraform",
		Other:          "",
	}
	for c, w := range want {
		if got := strings.Join(CategorisedNames(c), " "); got != w {
			t.Errorf("CategorisedNames(%s) = %q, want %q", c, got, w)
		}
	}
}

func TestNeverExecuteName(t *testing.T) {
	never := []string{"shutdown", "reboot", "halt", "poweroff", "init", "telinit", "systemctl",
		"mkfs", "mkfs.ext4", "mkfs.vfat", "mkswap", "dd", "wipefs", "fdisk", "sfdisk", "cfdisk",
		"parted", "shred", "kill", "killall", "pkill", "killall5", "rm", "rmdir",
		"systemd", "systemd-run", "systemd-tmpfiles", "reboot-now", "safe-shutdown", "do-halt",
		"RM", "xkill"}
	for _, n := range never {
		if !neverExecuteName(n) {
			t.Errorf("neverExecuteName(%q) = false, want true", n)
		}
	}
	allowed := []string{"ls", "cat", "git", "rmt", "ddate", "mkdir", "initdb", "sysctl", "journalctl"}
	for _, n := range allowed {
		if neverExecuteName(n) {
			t.Errorf("neverExecuteName(%q) = true, want false", n)
		}
	}
}

func TestSandboxOnly(t *testing.T) {
	for _, n := range []string{"crontab", "mail", "useradd", "update-alternatives", "dpkg-reconfigure", "fsck.ext4", "iptables-save"} {
		if !sandboxOnlyName(n) {
			t.Errorf("sandboxOnlyName(%q) = false", n)
		}
	}
	for _, n := range []string{"ls", "git", "curl"} {
		if sandboxOnlyName(n) {
			t.Errorf("sandboxOnlyName(%q) = true", n)
		}
	}
	if !sandboxOnlyPath("/usr/sbin/foo") || !sandboxOnlyPath("/sbin/foo") || sandboxOnlyPath("/usr/bin/foo") {
		t.Errorf("sandboxOnlyPath is wrong")
	}
}

func TestGuessCategory(t *testing.T) {
	tests := []struct {
		names []string
		path  string
		want  Category
	}{
		{[]string{"mawk", "awk", "nawk"}, "/usr/bin/mawk", FileOperations},
		{[]string{"rustup", "cargo", "rustc"}, "/root/.cargo/bin/rustup", Development},
		{[]string{"docker-compose"}, "/usr/bin/docker-compose", Container},
		{[]string{"gsutil"}, "/usr/bin/gsutil", Cloud},
		{[]string{"ssh-keygen"}, "/usr/bin/ssh-keygen", Security},
		{[]string{"tracepath"}, "/usr/bin/tracepath", Network},
		{[]string{"python3.11"}, "/usr/bin/python3.11", Development},
		{[]string{"sha256sum"}, "/usr/bin/sha256sum", FileOperations},
		{[]string{"timedatectl"}, "/usr/bin/timedatectl", SystemAdmin},
		{[]string{"zic"}, "/usr/sbin/zic", SystemAdmin},
		{[]string{"xeyes"}, "/usr/bin/xeyes", Other},
	}
	for _, tt := range tests {
		if got := guessCategory(tt.names, tt.path); got != tt.want {
			t.Errorf("guessCategory(%q, %s) = %s, want %s", tt.names, tt.path, got, tt.want)
		}
	}
}

// TestCapabilitiesOnRealHelp checks the keyword analysis on help texts
// captured from real tools (testdata/help).
func TestCapabilitiesOnRealHelp(t *testing.T) {
	tests := []struct {
		tool string
		cat  Category
		want Capabilities
	}{
		// GNU help ends in "online help: <https://...>"; that is not network use.
		{"ls", SystemAdmin, Capabilities{}},
		{"cp", SystemAdmin, Capabilities{FileOps: true, Destructive: true}},
		{"curl", Network, Capabilities{Network: true, FileOps: true}},
		{"git", Development, Capabilities{Network: true, FileOps: true, Destructive: true}},
		{"tar", FileOperations, Capabilities{FileOps: true, Destructive: true}},
		{"apt", Other, Capabilities{Network: true, SystemMod: true, Destructive: true}},
		// systemctl -H operates on a remote host.
		{"systemctl", SystemAdmin, Capabilities{Network: true, SystemMod: true, Privileged: true, Destructive: true}},
		{"docker", Container, Capabilities{Network: true, FileOps: true, SystemMod: true, Privileged: true, Destructive: true, ReadsStdin: true}},
	}
	for _, tt := range tests {
		t.Run(tt.tool, func(t *testing.T) {
			help := readTestdata(t, "help/"+tt.tool+".txt")
			a := analysis{names: []string{tt.tool}, help: help}
			got, evidence := a.capabilities()
			if got != tt.want {
				t.Errorf("capabilities = %+v, want %+v (evidence %q)", got, tt.want, evidence)
			}
		})
	}
}

func TestCapabilitiesFromFile(t *testing.T) {
	a := analysis{names: []string{"foo"}, path: "/usr/sbin/foo"}
	if c, ev := a.capabilities(); c != (Capabilities{}) || len(ev) != 0 {
		t.Errorf("sbin tool: %+v %q", c, ev)
	}
	a = analysis{names: []string{"foo"}, path: "/usr/bin/foo", mode: os.ModeSetuid | 0o755}
	if c, ev := a.capabilities(); !c.Privileged || !slices.Contains(ev, "privileged: setuid or setgid file") {
		t.Errorf("setuid tool not privileged: %+v", c)
	}
}

func TestKeywordTextDropsBoilerplate(t *testing.T) {
	help := "Usage: x [FILE]\nRead standard input.\n\nGNU coreutils online help: <https://www.gnu.org/software/coreutils/>\nReport bugs to <bug@example.org>\nFetch https://example.com/network.tar\n"
	text := keywordText(help, "")
	for _, bad := range []string{"https", "gnu org", "network", "bug"} {
		if strings.Contains(" "+text+" ", " "+bad+" ") {
			t.Errorf("keywordText kept %q: %q", bad, text)
		}
	}
	if !strings.Contains(text, "standard input") {
		t.Errorf("keywordText lost the text: %q", text)
	}
}

func readTestdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
