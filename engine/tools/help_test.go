package tools

import (
	"slices"
	"strings"
	"testing"
)

// TestSubcommandsOnRealHelp parses help texts captured from real tools.
func TestSubcommandsOnRealHelp(t *testing.T) {
	tests := []struct {
		tool  string
		count int      // how many, exactly
		first []string // the first few, in order
		has   []string
		not   []string
	}{
		{tool: "git", count: 22, first: []string{"clone", "init", "add", "mv"}, has: []string{"push", "rebase", "tag"}, not: []string{"help", "usage"}},
		{tool: "docker", first: []string{"run", "exec", "ps", "build"}, has: []string{"container", "volume", "swarm", "attach", "wait"}, not: []string{"config.json", "debug", "host"}},
		{tool: "systemctl", first: []string{"list-units", "list-automounts", "list-sockets"}, has: []string{"start", "stop", "bind", "reboot", "kexec"},
			// "set-property UNIT PROPERTY=VALUE... Sets one" has one space
			// before its description: too ambiguous to take.
			not: []string{"ordered", "units", "otherwise", "set-property"}},
		{tool: "apt", count: 12, first: []string{"list", "search", "show", "install"}, has: []string{"full-upgrade", "satisfy"}},
		{tool: "openssl", first: []string{"asn1parse", "ca", "ciphers", "cmp"}, has: []string{"x509", "md5", "sha256", "aes-256-cbc"}},
		{tool: "cargo", first: []string{"build", "check", "clean", "doc"}, has: []string{"install", "uninstall"}, not: []string{"b", "c", "...", "version"}},
		{tool: "go", count: 19, first: []string{"bug", "build", "clean"}, has: []string{"vet", "mod"}, not: []string{"buildconstraint", "cache"}},
		{tool: "ip", first: []string{"address", "addrlabel", "amt"}, has: []string{"link", "route", "xfrm"}, not: []string{"inet", "mpls"}},
		{tool: "npm", first: []string{"access", "adduser", "audit"}, has: []string{"install", "whoami", "view"}, not: []string{"foo"}},
		{tool: "kubectl", first: []string{"create", "expose", "run", "set"}, has: []string{"delete", "port-forward", "api-resources"}},
		{tool: "ls", count: 0},
		{tool: "cp", count: 0},
		{tool: "tar", count: 0},
		{tool: "curl", count: 0},
	}
	for _, tt := range tests {
		t.Run(tt.tool, func(t *testing.T) {
			got := Subcommands(readTestdata(t, "help/"+tt.tool+".txt"))
			if tt.count > 0 || len(tt.first) == 0 {
				if len(got) != tt.count {
					t.Errorf("%d subcommands, want %d: %q", len(got), tt.count, got)
				}
			}
			if len(got) < len(tt.first) || !slices.Equal(got[:len(tt.first)], tt.first) {
				t.Errorf("subcommands start %q, want %q", got[:min(len(got), len(tt.first))], tt.first)
			}
			for _, h := range tt.has {
				if !slices.Contains(got, h) {
					t.Errorf("missing %q in %q", h, got)
				}
			}
			for _, n := range tt.not {
				if slices.Contains(got, n) {
					t.Errorf("%q taken as a subcommand: %q", n, got)
				}
			}
		})
	}
}

func TestVersionLine(t *testing.T) {
	tests := []struct {
		out  string
		ok   bool
		want string
	}{
		{"ls (GNU coreutils) 9.1\nCopyright (C) 2022\n", true, "ls (GNU coreutils) 9.1"},
		{"\n\n  git version 2.39.5  \n", true, "git version 2.39.5"},
		{"no digits here\nnor here\n", true, "no digits here"},
		{"no digits here\n", false, ""},
		{"pyenv: pip3.6: command not found\n\nThe `pip3.6' command exists in these Python versions:\n  3.6.15\n", false, ""},
		{"ssh: unknown option -- -\nusage: ssh [-46V]\n", false, ""},
		{"Usage: foo [-v]\nfoo version 1.2\n", true, "foo version 1.2"},
		{"pyenv: pip3.6: command not found\n", false, ""},
		{"(gtk-tool:2): Gtk-WARNING **: 15:58:01.123: cannot open display\n", true, ""},
		{strings.Repeat("x", 1000) + "\nv1.0\n", false, "v1.0"},
		{strings.Repeat("y", 999) + "\n", true, strings.Repeat("y", 999)},
		{"a\nb\nc\nd\ne\nversion 6.1\n", false, ""},
		{"", true, ""},
	}
	for _, tt := range tests {
		if got := versionLine(tt.out, tt.ok); got != tt.want {
			t.Errorf("versionLine(%.40q, %v) = %.40q, want %.40q", tt.out, tt.ok, got, tt.want)
		}
	}
}

func TestOffers(t *testing.T) {
	ssh := readTestdata(t, "help/ssh.txt")
	tests := []struct {
		text, arg string
		want      bool
	}{
		{ssh, "-V", true},
		{ssh, "-v", true},
		{ssh, "-h", false},
		{"usage: x [-h] [-V]", "-h", true},
		{"  -V, --version  print version", "-V", true},
		{"unknown option --version", "-V", false},
		{"unknown option --version", "-v", false},
		{"Commands:\n  version   Show the version\n", "version", true},
		{"print the version and exit", "version", false},
		{"where  OBJECT := { address | help }", "help", true},
		{"try 'foo --help' for help", "help", false},
	}
	for _, tt := range tests {
		if got := offers(tt.text, tt.arg); got != tt.want {
			t.Errorf("offers(%.30q, %q) = %v, want %v", tt.text, tt.arg, got, tt.want)
		}
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"\x1b[1mNAME\x1b[m\r\n", "NAME\n"},
		{"N\bNA\bAM\bME\b", "NAM"},
		{"_\bu_\bn_\bd", "und"},
		{"a\x00b\x07c\td", "abc\td"},
		{"bad \xff utf8", "bad \uFFFD utf8"},
		{"\x1b]0;title\x07text", "text"},
	}
	for _, tt := range tests {
		if got := cleanText(tt.in); got != tt.want {
			t.Errorf("cleanText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzSubcommands(f *testing.F) {
	for _, name := range []string{"git", "docker", "systemctl", "openssl", "npm", "ip"} {
		f.Add(readTestdata(f, "help/"+name+".txt"))
	}
	f.Add("Commands:\n  a, b, c\n  x")
	f.Add("OBJECT := { a | b")
	f.Fuzz(func(t *testing.T, help string) {
		for _, s := range Subcommands(help) {
			if !subToken.MatchString(s) {
				t.Fatalf("subcommand %q is not a name", s)
			}
		}
		cleanText(help)
		versionLine(help, true)
	})
}
