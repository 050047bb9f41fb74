package tools

import (
	"path/filepath"
	"strings"
)

// neverExecute are tools Scan never runs, whatever the argument: they power
// off, format, partition, wipe, delete or signal, and a single misparsed
// argument could be enough. They are analysed from name and man page only.
var neverExecute = set(
	"shutdown", "reboot", "halt", "poweroff", "init", "telinit", "runlevel",
	"systemctl", "mkfs", "mkswap", "mke2fs", "mkdosfs", "mkntfs", "mkexfatfs",
	"dd", "wipefs", "blkdiscard", "badblocks", "fdisk", "sfdisk", "cfdisk",
	"gdisk", "sgdisk", "cgdisk", "parted", "partprobe", "shred",
	"kill", "killall", "killall5", "pkill", "skill", "snice", "xkill",
	"rm", "rmdir", "unlink", "kexec", "ctrlaltdel", "pivot_root",
	"switch_root", "sulogin", "agetty", "getty",
)

// neverExecuteParts are substrings that put any name on the never-execute
// list (reboot-like wrappers, every *kill* tool).
var neverExecuteParts = []string{"reboot", "poweroff", "shutdown", "halt", "kill"}

// neverExecutePrefixes put names on the never-execute list by prefix:
// mkfs.ext4 and friends, and systemd and its systemd-* control tools.
var neverExecutePrefixes = []string{"mkfs.", "mkfs", "systemd"}

// neverExecuteName reports whether name is on the never-execute list.
func neverExecuteName(name string) bool {
	n := strings.ToLower(name)
	if neverExecute[n] {
		return true
	}
	for _, p := range neverExecuteParts {
		if strings.Contains(n, p) {
			return true
		}
	}
	for _, p := range neverExecutePrefixes {
		if strings.HasPrefix(n, p) {
			return true
		}
	}
	return false
}

// sandboxOnly are tools that run only inside bwrap: administration tools
// whose argument parsing is loose enough that --version or -v could act
// (write a crontab, send mail, change accounts, run package scripts) and
// that a read-only, network-less sandbox makes harmless. Without bwrap they
// are analysed like never-execute tools. Every tool in an sbin directory is
// treated the same way (see sandboxOnlyPath).
var sandboxOnly = set(
	"passwd", "chsh", "chfn", "chage", "gpasswd", "newgrp", "su", "sg",
	"crontab", "at", "batch", "atrm", "mail", "mailx", "bsd-mailx",
	"sendmail", "logger", "wall", "write", "mesg",
	"useradd", "userdel", "usermod", "groupadd", "groupdel", "groupmod",
	"adduser", "deluser", "addgroup", "delgroup", "chpasswd", "chgpasswd",
	"newusers", "vipw", "vigr", "pwconv", "pwunconv", "grpconv", "grpunconv",
	"ldconfig", "depmod", "modprobe", "insmod", "rmmod", "swapon", "swapoff",
	"mount", "umount", "sysctl", "hwclock", "losetup", "blockdev",
	"service", "invoke-rc.d", "start-stop-daemon", "pam-auth-update",
)

// sandboxOnlyPrefixes and sandboxOnlySuffixes extend sandboxOnly by pattern.
var (
	sandboxOnlyPrefixes = []string{"update-", "fsck", "e2fsck", "tune2fs", "debugfs", "resize2fs", "iptables", "ip6tables", "nft", "ebtables", "arptables"}
	sandboxOnlySuffixes = []string{"-reconfigure"}
)

// sandboxOnlyName reports whether name runs only inside bwrap.
func sandboxOnlyName(name string) bool {
	n := strings.ToLower(name)
	if sandboxOnly[n] {
		return true
	}
	for _, p := range sandboxOnlyPrefixes {
		if strings.HasPrefix(n, p) {
			return true
		}
	}
	for _, s := range sandboxOnlySuffixes {
		if strings.HasSuffix(n, s) {
			return true
		}
	}
	return false
}

// sandboxOnlyPath reports whether path lies in an sbin directory, the home
// of system administration commands, which run only inside bwrap.
func sandboxOnlyPath(path string) bool {
	return filepath.Base(filepath.Dir(path)) == "sbin"
}

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
