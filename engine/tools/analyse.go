package tools

import (
	"fmt"
	"io/fs"
	"regexp"
	"strings"
)

// Capability analysis.
//
// A capability is set when any of these holds:
//
//   - the tool's name (or an alias, or its resolved file's name) is in the
//     capability's name table below (capNames);
//   - one of the capability's keywords (capKeywords) occurs, as whole words,
//     in the help text or in the man page's NAME and DESCRIPTION sections
//     (at most 8 KiB of the latter); before matching, URLs, e-mail
//     addresses and boilerplate lines (bug-report addresses, copyright,
//     licence, "written by", "full documentation") are removed, so that a
//     GNU help's "online help: <https://...>" does not read as network use;
//   - Privileged also: the file is setuid or setgid. (An sbin directory
//     makes a tool SystemAdmin, base 5, not privileged as well: that would
//     rate every sbin tool CRITICAL.)
//
// Keywords are phrases, not single common words, to keep false positives
// down; the analysis is a heuristic and says what a tool can do, not what a
// given command line does.

// capKeywords are the keywords of each capability.
var capKeywords = map[string][]string{
	"network": {
		"url", "urls", "http", "https", "ftp", "download", "downloads",
		"downloading", "upload", "uploads", "uploading", "proxy", "tcp", "udp",
		"icmp", "dns", "ipv4", "ipv6", "network", "networking",
		"remote host", "remote hosts", "remote server", "remote repository",
		"remote machine", "internet", "network interface",
		"network connection", "network connections",
	},
	"fileops": {
		"copy files", "copy file", "move files", "rename files", "rename",
		"create directories", "make directories", "create the directory",
		"create files", "create a file", "remove files", "delete files",
		"overwrite", "overwrites", "edit files in place", "write to file",
		"write output to", "extract files", "extract", "archive", "archives",
		"compress", "compresses", "decompress", "uncompress",
		"create symbolic links", "make links", "make hard links",
		"change file timestamps", "change file mode", "change the owner",
		"change file owner", "write files", "writes files", "modify files",
	},
	"sysmod": {
		"kernel module", "kernel modules", "kernel parameters", "system clock",
		"hardware clock", "unmount", "umount", "mount a filesystem",
		"mount filesystems", "mount a file system", "swap space",
		"partition table", "firewall", "manipulate routing",
		"modify the routing table", "netfilter", "systemd", "system manager",
		"service manager", "init system", "runlevel", "boot loader",
		"bootloader", "reboot", "shutdown", "power off", "poweroff",
		"package manager", "install packages", "uninstall", "create a new user",
		"modify a user account", "delete a user account", "change password",
		"change the password", "change user password", "crontab", "sysctl",
		"change the owner", "change file owner", "change file mode",
		"file mode bits", "change group ownership", "block device",
		"loop device", "udev",
	},
	"privileged": {
		"root privileges", "requires root", "must be root", "run as root",
		"superuser privileges", "only the superuser", "only root",
		"another user", "sudoers", "privileged operations",
		"elevated privileges", "cap_sys_admin", "cap_net_admin", "cap_net_raw",
	},
	"destructive": {
		"delete", "deletes", "deleting", "remove files", "removes files",
		"remove each", "remove them", "remove packages", "erase", "erases", "wipe", "wipes",
		"overwrite", "overwrites", "overwriting", "destroy", "destroys",
		"shred", "unlink", "kill", "kills", "send a signal", "send signal",
		"purge", "build a linux filesystem",
		"create a filesystem", "make a filesystem", "reset hard", "irreversible",
		"permanently",
	},
	"stdin": {
		"standard input", "stdin",
	},
}

// capNames are the tools whose names alone give a capability.
var capNames = map[string]map[string]bool{
	"network": set("curl", "wget", "ping", "ping4", "ping6", "netstat", "ss", "dig",
		"nslookup", "host", "traceroute", "traceroute6", "tracepath", "mtr", "ssh",
		"scp", "sftp", "ssh-keyscan", "rsync", "nc", "ncat", "netcat", "socat",
		"telnet", "ftp", "tftp", "lftp", "ip", "ifconfig", "route", "arp", "nmap",
		"tcpdump", "iptables", "ip6tables", "nft", "docker", "podman", "kubectl",
		"helm", "aws", "gcloud", "gsutil", "az", "terraform", "git", "apt", "apt-get",
		"npm", "npx", "pip", "pip3", "cargo", "gpg", "whois"),
	"fileops": set("cp", "mv", "rm", "rmdir", "mkdir", "ln", "touch", "install", "dd",
		"tar", "gzip", "gunzip", "zip", "unzip", "bzip2", "xz", "zstd", "cpio", "tee",
		"truncate", "shred", "unlink", "chmod", "chown", "chgrp", "rsync", "scp",
		"sed", "split", "csplit", "patch"),
	"sysmod": set("systemctl", "shutdown", "reboot", "halt", "poweroff", "init", "telinit",
		"mount", "umount", "swapon", "swapoff", "modprobe", "insmod", "rmmod",
		"depmod", "sysctl", "iptables", "ip6tables", "nft", "useradd", "userdel",
		"usermod", "groupadd", "groupdel", "groupmod", "passwd", "chpasswd",
		"chmod", "chown", "chgrp", "apt", "apt-get", "dpkg", "rpm", "yum", "dnf",
		"snap", "mkfs", "mkswap", "fdisk", "sfdisk", "cfdisk", "parted", "wipefs",
		"hwclock", "timedatectl", "hostnamectl", "crontab", "update-alternatives",
		"ldconfig", "visudo", "kill", "killall", "pkill", "docker", "podman"),
	"privileged": set("sudo", "su", "doas", "pkexec", "runuser", "chroot", "mount",
		"umount", "useradd", "userdel", "usermod", "groupadd", "groupdel", "passwd",
		"iptables", "ip6tables", "nft", "modprobe", "insmod", "rmmod", "shutdown",
		"reboot", "halt", "poweroff", "fdisk", "sfdisk", "parted", "mkfs", "chown",
		"visudo", "docker", "systemctl"),
	"destructive": set("rm", "rmdir", "unlink", "shred", "dd", "mkfs", "mkswap",
		"wipefs", "fdisk", "sfdisk", "cfdisk", "gdisk", "sgdisk", "parted",
		"blkdiscard", "kill", "killall", "killall5", "pkill", "skill", "truncate",
		"shutdown", "reboot", "halt", "poweroff", "iptables"),
	"stdin": set("cat", "tee", "sort", "uniq", "wc", "tr", "sed", "awk", "grep",
		"head", "tail", "xargs", "gzip", "bzip2", "xz", "base64"),
}

// floorNames get security level 8 at least, whatever the analysis says
// (the design's rule); mkfs.* variants count as mkfs.
var floorNames = set("rm", "dd", "mkfs", "fdisk", "iptables", "kill", "shutdown")

// CriticalFloor is the security level floorNames never go below.
const CriticalFloor = 8

// SecurityLevel is the design's rule: the category's base (security 3,
// system admin 5, network 2, container 4, cloud 4, development 1, file
// operations 2; Other 1) plus 3 for privileges, 2 destructive, 2 system
// modification, 1 network; at least 8 when any of names is rm, dd, mkfs
// (or mkfs.*), fdisk, iptables, kill or shutdown; at most 10.
func SecurityLevel(cat Category, c Capabilities, names ...string) int {
	level, ok := categoryBase[cat]
	if !ok {
		level = categoryBase[Other]
	}
	if c.Privileged {
		level += 3
	}
	if c.Destructive {
		level += 2
	}
	if c.SystemMod {
		level += 2
	}
	if c.Network {
		level++
	}
	for _, n := range names {
		if floorNames[n] || strings.HasPrefix(n, "mkfs.") {
			level = max(level, CriticalFloor)
		}
	}
	return min(level, 10)
}

// analysis is the input of Analyse.
type analysis struct {
	names []string // name, aliases, resolved file name
	path  string
	mode  fs.FileMode
	help  string
	man   string
}

// capabilities derives capabilities from names, help and man page, with
// the evidence for each one set ("network: name curl", "destructive:
// keyword \"delete\"").
func (a analysis) capabilities() (Capabilities, []string) {
	words := " " + keywordText(a.help, a.man) + " "
	var evidence []string
	has := func(cap string) bool {
		for _, n := range a.names {
			if capNames[cap][n] || (strings.HasPrefix(n, "mkfs") && capNames[cap]["mkfs"]) {
				evidence = append(evidence, cap+": name "+n)
				return true
			}
		}
		if k := firstKeyword(words, capKeywords[cap]); k != "" {
			evidence = append(evidence, fmt.Sprintf("%s: keyword %q", cap, k))
			return true
		}
		return false
	}
	c := Capabilities{
		Network:     has("network"),
		FileOps:     has("fileops"),
		SystemMod:   has("sysmod"),
		Privileged:  has("privileged"),
		Destructive: has("destructive"),
		ReadsStdin:  has("stdin"),
	}
	if !c.Privileged {
		switch {
		case a.mode&(fs.ModeSetuid|fs.ModeSetgid) != 0:
			c.Privileged = true
			evidence = append(evidence, "privileged: setuid or setgid file")
		}
	}
	return c, evidence
}

var (
	urlPattern   = regexp.MustCompile(`(?i)\b(?:https?|ftp)://\S+|\bwww\.\S+|<[^<>\s]+@[^<>\s]+>|\b[\w.+-]+@[\w-]+\.[\w.-]+`)
	nonWord      = regexp.MustCompile(`[^a-z0-9_]+`)
	boilerplates = []string{
		"report bugs", "report translation bugs", "full documentation",
		"or available locally", "gnu coreutils online help", "written by",
		"copyright", "license", "licence", "this is free software",
		"there is no warranty", "home page", "homepage", "general help using gnu",
		"e-mail bug reports", "email bug reports", "bug reports", "see also",
		"for complete documentation", "reporting bugs", "author",
	}
)

// keywordText prepares help and man text for containsAny: boilerplate and
// URLs removed, lower case, words separated by single spaces, padded.
func keywordText(help, man string) string {
	var b strings.Builder
	b.WriteByte(' ')
	add := func(text string, max int) {
		if len(text) > max {
			text = text[:max]
		}
		for line := range strings.SplitSeq(text, "\n") {
			lower := strings.ToLower(strings.TrimSpace(line))
			boiler := false
			for _, p := range boilerplates {
				if strings.HasPrefix(lower, p) {
					boiler = true
					break
				}
			}
			if boiler {
				continue
			}
			lower = urlPattern.ReplaceAllString(lower, " ")
			b.WriteString(nonWord.ReplaceAllString(lower, " "))
			b.WriteByte(' ')
		}
	}
	add(help, 64<<10)
	if man != "" {
		add(manNameLine(man), 400)
		add(manSection(man, "DESCRIPTION", 8<<10), 8<<10)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// firstKeyword returns the first of keywords that occurs in text (as
// prepared by keywordText and padded with spaces) as whole words, or "".
func firstKeyword(text string, keywords []string) string {
	for _, k := range keywords {
		norm := strings.Join(strings.Fields(nonWord.ReplaceAllString(k, " ")), " ")
		if strings.Contains(text, " "+norm+" ") {
			return k
		}
	}
	return ""
}

// categoryRules guess the category of a tool that is not on the research
// design's list (in the "all" scope), from its names: exact names or
// prefixes, the first matching rule wins. A tool no rule matches is
// SystemAdmin when a name ends in "ctl" (timedatectl, journalctl) or it
// lies in an sbin directory, else Other (base level 1).
var categoryRules = []struct {
	cat      Category
	exact    map[string]bool
	prefixes []string
}{
	{Container, set("ctr", "crictl", "runc", "crun", "buildah", "skopeo", "kind", "k9s", "nerdctl", "lxc", "lxd", "minikube"),
		[]string{"docker", "podman", "kube", "helm", "containerd"}},
	{Cloud, set("az", "bq", "doctl", "heroku", "eksctl", "s3cmd", "pulumi"),
		[]string{"aws", "gcloud", "gsutil", "terraform"}},
	{Security, set("scp", "sftp", "openssl", "su", "doas", "pkexec", "nft", "ufw", "passwd",
		"chpasswd", "visudo", "certtool", "keytool", "age", "cryptsetup", "setcap",
		"getcap", "chage", "faillog", "semanage"),
		[]string{"ssh", "gpg", "sudo", "iptables", "ip6tables", "pinentry", "aa-", "apparmor"}},
	{Network, set("netstat", "ss", "dig", "nslookup", "host", "mtr", "ip", "ifconfig", "route",
		"nc", "ncat", "netcat", "socat", "telnet", "ftp", "tftp", "lftp", "rsync", "nmap",
		"tcpdump", "ethtool", "nmcli", "resolvectl", "whois", "arp"),
		[]string{"curl", "wget", "ping", "traceroute", "tracepath", "iw", "ldap"}},
	{Development, set("cc", "c++", "ld", "as", "make", "cmake", "gmake", "ninja", "npm", "npx",
		"yarn", "rustc", "rustup", "rustdoc", "rustfmt", "go", "gofmt", "gem", "irb",
		"strace", "ltrace", "valgrind", "objdump", "nm", "readelf", "strip", "ar",
		"ranlib", "pkg-config", "autoconf", "automake", "libtool", "m4", "bison",
		"yacc", "flex", "lex", "cpp", "javac"),
		[]string{"git", "gcc", "g++", "clang", "ld.", "python", "pip", "pydoc", "idle",
			"2to3", "node", "cargo", "java", "perl", "ruby", "php", "lua", "gdb", "lldb"}},
	{FileOperations, set("egrep", "fgrep", "rg", "gawk", "mawk", "nawk", "gunzip", "zcat",
		"bzip2", "bunzip2", "xz", "unxz", "zstd", "unzip", "7z", "cpio", "cat", "head",
		"tail", "less", "more", "cut", "sort", "uniq", "wc", "tr", "tee", "touch", "mkdir",
		"ln", "diff", "cmp", "patch", "file", "stat", "du", "basename", "dirname",
		"realpath", "readlink", "split", "join", "paste", "xargs", "install",
		"truncate", "shred", "rmdir", "unlink", "dd"),
		[]string{"sha", "md5sum", "b2sum"}},
	{SystemAdmin, set("ps", "top", "htop", "free", "uptime", "who", "w", "id", "groups",
		"users", "mount", "umount", "df", "pkill", "killall", "nice", "renice", "service",
		"shutdown", "reboot", "halt", "poweroff", "init", "dmesg", "lsblk", "lsof",
		"lscpu", "lspci", "lsusb", "uname", "hostname", "date", "crontab", "chgrp",
		"journalctl", "useradd", "userdel", "usermod", "groupadd", "groupdel",
		"modprobe", "sysctl", "fdisk", "parted"),
		[]string{"systemd", "dpkg", "apt", "mkfs", "kill"}},
}

// guessCategory applies categoryRules to a tool's names and path.
func guessCategory(names []string, path string) Category {
	for _, n := range names {
		if c, ok := listedCategory[n]; ok {
			return c
		}
	}
	for _, r := range categoryRules {
		for _, n := range names {
			if r.exact[n] {
				return r.cat
			}
			for _, p := range r.prefixes {
				if strings.HasPrefix(n, p) {
					return r.cat
				}
			}
		}
	}
	for _, n := range names {
		if strings.HasSuffix(n, "ctl") {
			return SystemAdmin
		}
	}
	if path != "" && sandboxOnlyPath(path) {
		return SystemAdmin
	}
	return Other
}
