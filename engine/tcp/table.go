package tcp

import "strings"

// tool is an entry of the built-in table: the base risk of a common
// command when the database has no descriptor for it, and its rule.
type tool struct {
	kind     toolKind
	risk     Risk
	flags    Flags
	why      string
	rule     ruleID
	stdin    bool // an interpreter: runs code from stdin (the rule may say otherwise)
	download bool // writes what it fetches to stdout
	base     part // the decision from the table alone (tool name not set)
}

// toolKind says how command treats a name found in the table.
type toolKind uint8

const (
	kindTool    toolKind = iota // a command: decide it
	kindWrapper                 // runs another command (sudo, env, nohup …): unwrap it
	kindKeyword                 // a shell keyword before a command (if, then, !, {): skip it
)

// tools is the built-in table, by command name.
var tools = buildTools()

// toolIndex holds tools in an open-addressing hash table, a quarter full:
// a lookup is an FNV-1a hash of a few bytes and usually one string
// comparison, about three times faster than a map for these short keys.
var toolIndex = buildIndex(tools)

type toolSlot struct {
	name string
	t    *tool
}

func buildIndex(m map[string]*tool) []toolSlot {
	n := 1
	for n < 4*len(m) {
		n <<= 1
	}
	idx := make([]toolSlot, n)
	for name, t := range m {
		i := hashName(name) & uint32(n-1)
		for idx[i].t != nil {
			i = (i + 1) & uint32(n-1)
		}
		idx[i] = toolSlot{name, t}
	}
	return idx
}

func hashName(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return h
}

// findTool returns the table entry called exactly name, or nil.
func findTool(name string) *tool {
	mask := uint32(len(toolIndex) - 1)
	for i := hashName(name) & mask; ; i = (i + 1) & mask {
		s := &toolIndex[i]
		if s.t == nil || s.name == name {
			return s.t
		}
	}
}

// lookupTool returns the table entry of a command name; versioned names
// (python3.12, gcc-13) and filesystem-specific tools (mkfs.ext4,
// fsck.xfs) fall back to their family's entry.
func lookupTool(name string) *tool {
	if t := findTool(name); t != nil {
		return t
	}
	for _, fam := range [...]string{"mkfs", "fsck", "mount", "iptables", "ip6tables"} {
		if strings.HasPrefix(name, fam+".") || strings.HasPrefix(name, fam+"-") {
			return tools[fam]
		}
	}
	if t := strings.TrimRight(name, "0123456789."); t != name && t != "" {
		if tt := tools[t]; tt != nil {
			return tt
		}
		return tools[strings.TrimSuffix(t, "-")]
	}
	return nil
}

func buildTools() map[string]*tool {
	m := make(map[string]*tool, 640)
	add := func(r Risk, f Flags, rule ruleID, why, names string) *tool {
		t := &tool{risk: r, flags: f, why: "built-in table: " + why, rule: rule}
		for _, n := range strings.Fields(names) {
			if m[n] != nil {
				panic("tcp: built-in table lists " + n + " twice")
			}
			m[n] = t
		}
		return t
	}
	const (
		net  = FlagNetworkAccess
		fm   = FlagFileModification
		sys  = FlagSystemModification
		dst  = FlagDestructive
		root = FlagRequiresRoot
	)

	// Shell keywords that may stand before a command, and wrappers that run
	// the rest of their arguments as a command (see unwrap). Their risk is
	// used only when unwrap declines (ionice -p).
	add(Safe, 0, ruleNone, "shell keyword", "! { } if then else elif fi do done while until esac").kind = kindKeyword
	add(HighRisk, FlagPrivilegeEscalation, ruleNone, "runs a command with other privileges", "sudo doas pkexec run0 su").kind = kindWrapper
	add(Safe, 0, ruleNone, "runs a command", "env nohup builtin setsid chronic unbuffer busybox nice timeout time exec command xargs stdbuf watch").kind = kindWrapper
	add(LowRisk, 0, ruleNone, "changes the I/O priority of running processes", "ionice").kind = kindWrapper

	// Read-only: listing, reading, searching, printing, querying state.
	add(Safe, 0, ruleNone, "reads or prints without changing anything", `
		ls ll dir vdir wc sort uniq cut paste join tr column fold fmt expand unexpand pr rev seq shuf
		comm diff diff3 sdiff cmp colordiff pwd whoami id groups who w last lastlog users uname arch hostid
		uptime free vmstat iostat mpstat sar nproc lscpu lsblk lsusb lspci lsmod lshw lsof lsns lslocks lsipc
		blkid findmnt df du stat file which whereis type realpath readlink basename dirname md5sum sha1sum
		sha224sum sha256sum sha384sum sha512sum b2sum cksum sum base32 jq gron tree locate plocate mlocate
		apropos whatis man info help tldr printenv echo printf true false test [ [[ : sleep cal ncal bc dc expr
		factor numfmt yes tty getconf getent ps pgrep pidof pstree top htop btop atop systemd-analyze ss netstat
		arp ethtool iwconfig resolvectl lsattr getfacl getcap namei tput clear reset alias unalias export unset
		cd pushd popd dirs set shopt read wait jobs fg bg hash umask ulimit readonly declare typeset local let
		shift return exit logout trap times grep egrep fgrep rg ag ack zgrep zcat bzcat xzcat zstdcat zless
		lvs vgs pvs lvdisplay vgdisplay pvdisplay lvscan vgscan pvscan iptables-save getenforce sestatus
		dpkg-query apt-cache lsb_release sensors ldd nm objdump readelf size envsubst
	`)
	add(Safe, 0, ruleReader, "reads files", "cat tac nl head tail less more most bat strings xxd hexdump od base64")
	add(Safe, 0, ruleJournalctl, "reads the system journal", "journalctl")
	add(Safe, 0, ruleDmesg, "reads kernel messages", "dmesg")
	add(Safe, 0, ruleHistory, "prints the shell history", "history")
	add(Safe, 0, ruleFind, "searches files", "find")
	add(Safe, 0, ruleSed, "filters text", "sed")
	add(Safe, 0, ruleAwk, "filters text", "awk gawk mawk nawk")
	add(Safe, 0, ruleTee, "copies stdin to stdout", "tee")
	add(Safe, 0, ruleDate, "prints the date", "date")
	add(Safe, 0, ruleHostname, "shows the host name", "hostname")
	add(Safe, 0, ruleCtl, "shows system settings", "hostnamectl timedatectl localectl")
	add(Safe, 0, ruleSysctl, "reads kernel parameters", "sysctl")
	add(Safe, 0, ruleIP, "shows network configuration", "ip")
	add(Safe, 0, ruleIfconfig, "shows network interfaces", "ifconfig")
	add(Safe, 0, ruleRoute, "shows the routing table", "route")
	add(Safe, 0, ruleNmcli, "shows network state", "nmcli")
	add(Safe, 0, ruleSwapon, "shows swap areas", "swapon")
	add(Safe, 0, ruleMount, "lists mounts", "mount")
	add(Safe, 0, ruleEfiboot, "shows boot entries", "efibootmgr")

	// Small, local, easily undone changes; read-only network access.
	add(LowRisk, fm, ruleNone, "small local file change", "mkdir touch rmdir mktemp split csplit gzip gunzip bzip2 bunzip2 xz unxz zstd unzstd lz4 zip 7z 7za rar unrar pigz renice logger wall write mesg")
	add(LowRisk, fm, ruleTar, "archives files", "tar")
	add(LowRisk, fm, ruleUnzip, "extracts an archive", "unzip")
	add(LowRisk, fm, ruleCp, "copies files", "cp install")
	add(LowRisk, fm, ruleMv, "moves or renames files", "mv")
	add(LowRisk, fm, ruleLn, "creates links", "ln")
	add(LowRisk, fm, ruleChmod, "changes file permissions", "chmod")
	add(LowRisk, fm, ruleEditor, "edits files", "vi vim nvim nano emacs ed micro code gedit kate joe view")
	add(LowRisk, net, ruleNone, "reads from the network", "ping ping6 traceroute traceroute6 tracepath mtr dig nslookup host whois drill arping")
	add(LowRisk, net, ruleCurl, "fetches a URL", "curl")
	add(LowRisk, net|fm, ruleWget, "downloads a file", "wget")
	add(LowRisk, net|fm, ruleNone, "downloads files", "aria2c axel")
	add(LowRisk, net, ruleHTTPie, "fetches a URL", "http https xh")
	add(LowRisk, 0, ruleNone, "builds code", "gcc g++ cc c++ clang clang++ ld as rustc javac cmake ninja meson tsc gradle mvn ant bazel")
	add(LowRisk, 0, ruleMake, "runs build recipes", "make gmake")
	add(LowRisk, 0, ruleGo, "Go toolchain", "go")
	add(LowRisk, 0, ruleCargo, "Rust toolchain", "cargo")
	add(LowRisk, 0, ruleGit, "version control", "git")
	add(LowRisk, 0, ruleNone, "encrypts, signs or inspects", "openssl age")
	add(LowRisk, 0, ruleGpg, "encrypts, signs or inspects", "gpg gpg2")
	add(LowRisk, fm, ruleSshKeygen, "creates or inspects keys", "ssh-keygen")
	add(LowRisk, 0, ruleNone, "manages the key agent", "ssh-add ssh-agent ssh-keyscan")
	add(LowRisk, 0, ruleSource, "reads shell commands from a file", "source .")

	// Changes that lose or overwrite some data, touch shared or remote
	// state, or run code the line does not show.
	add(MediumRisk, dst|fm, ruleNone, "deletes a file", "unlink")
	add(MediumRisk, dst|fm, ruleTruncate, "truncates files", "truncate")
	add(MediumRisk, fm, ruleChown, "changes file ownership", "chown chgrp")
	add(MediumRisk, fm, ruleChattr, "changes file attributes", "chattr")
	add(MediumRisk, fm, ruleNone, "changes access lists", "setfacl setcap")
	add(MediumRisk, dst|fm, ruleDd, "copies raw data", "dd")
	add(MediumRisk, net|fm, ruleNone, "copies files to or from another host", "scp sftp ftp lftp")
	add(MediumRisk, net|fm, ruleRsync, "synchronises files", "rsync")
	add(MediumRisk, net, ruleSsh, "runs commands on another host", "ssh mosh")
	add(MediumRisk, net, ruleNone, "copies a key to another host", "ssh-copy-id")
	add(MediumRisk, net, ruleNone, "opens network connections", "telnet nmap masscan tcpdump tshark wireshark iperf iperf3 hping3")
	add(MediumRisk, net, ruleNc, "raw network connections", "nc ncat netcat")
	add(MediumRisk, net, ruleSocat, "relays network connections", "socat")
	add(MediumRisk, 0, ruleCrontab, "schedules jobs", "crontab")
	add(MediumRisk, 0, ruleNone, "schedules a command", "at batch systemd-run")
	add(MediumRisk, 0, ruleNone, "runs in new namespaces", "unshare")
	add(MediumRisk, 0, ruleEval, "evaluates a command line", "eval")
	t := add(MediumRisk, 0, ruleShell, "runs shell commands", "sh bash zsh dash ksh mksh fish csh tcsh ash")
	t.stdin = true
	t = add(MediumRisk, 0, rulePython, "runs Python code", "python python2 python3 pypy pypy3")
	t.stdin = true
	t = add(MediumRisk, 0, ruleCode, "runs code", "perl ruby node nodejs deno php lua luajit Rscript pwsh tclsh irb")
	t.stdin = true
	add(MediumRisk, net, rulePip, "Python packages", "pip pip3 pipx uv")
	add(MediumRisk, net, ruleNpm, "JavaScript packages", "npm pnpm yarn bun")
	add(MediumRisk, net, ruleNpx, "downloads and runs a package", "npx pnpx bunx")
	add(MediumRisk, net, ruleNone, "installs packages", "gem composer")
	add(MediumRisk, 0, ruleDocker, "containers", "docker podman nerdctl")
	add(MediumRisk, 0, ruleCompose, "container projects", "docker-compose podman-compose")
	add(MediumRisk, net, ruleKubectl, "Kubernetes", "kubectl oc")
	add(MediumRisk, net, ruleHelm, "Kubernetes packages", "helm")
	add(MediumRisk, net, ruleTerraform, "infrastructure as code", "terraform tofu")
	add(MediumRisk, net, ruleCloud, "cloud resources", "aws gcloud az doctl gsutil s3cmd linode-cli hcloud oci rclone")
	add(MediumRisk, sys, ruleSystemctl, "services", "systemctl")
	add(MediumRisk, sys, ruleService, "services", "service")
	add(MediumRisk, sys, ruleApt, "Debian packages", "apt apt-get aptitude nala")
	add(MediumRisk, sys, ruleDnf, "RPM packages", "dnf yum microdnf zypper")
	add(MediumRisk, sys, rulePacman, "Arch packages", "pacman yay paru")
	add(MediumRisk, sys, ruleApk, "Alpine packages", "apk")
	add(MediumRisk, sys, ruleSnap, "snaps", "snap flatpak")
	add(MediumRisk, sys, ruleBrew, "Homebrew packages", "brew")
	add(MediumRisk, sys, ruleDpkg, "Debian packages", "dpkg")
	add(MediumRisk, sys, ruleRpm, "RPM packages", "rpm")
	add(MediumRisk, sys, ruleNone, "reconfigures a package", "dpkg-reconfigure update-alternatives")
	add(MediumRisk, net, ruleSQL, "database client", "mysql mariadb psql sqlite3 mongo mongosh sqlcmd clickhouse-client cqlsh")
	add(MediumRisk, net, ruleRedis, "database client", "redis-cli")
	add(MediumRisk, net, ruleNginx, "web server", "nginx")
	add(MediumRisk, net, ruleApachectl, "web server", "apachectl apache2ctl")
	add(MediumRisk, sys, ruleVirsh, "virtual machines", "virsh")
	add(MediumRisk, 0, ruleNone, "virtual machines", "vagrant qemu-system-x86_64 VBoxManage")
	add(MediumRisk, 0, ruleNone, "requests certificates", "certbot")
	add(MediumRisk, sys, ruleUmount, "unmounts filesystems", "umount")
	add(MediumRisk, sys, ruleNone, "brings an interface up", "ifup")
	add(MediumRisk, sys, ruleNone, "rebuilds the linker cache", "ldconfig")
	add(MediumRisk, sys, ruleSetenforce, "changes SELinux mode", "setenforce")
	add(MediumRisk, sys, rulePasswd, "changes passwords", "passwd")
	add(MediumRisk, 0, ruleNone, "changes the login shell", "chsh chfn")

	// Destructive, hard to undo, or system-wide.
	add(HighRisk, dst|fm, ruleRm, "deletes files", "rm")
	add(HighRisk, dst|fm, ruleShred, "overwrites files", "shred srm wipe")
	add(HighRisk, sys, ruleKill, "signals processes", "kill")
	add(HighRisk, sys, rulePkill, "signals processes by name", "pkill killall skill")
	add(HighRisk, sys|root, ruleIptables, "firewall", "iptables ip6tables iptables-legacy iptables-nft ip6tables-legacy ip6tables-nft ebtables arptables")
	add(HighRisk, sys|root, ruleNone, "loads firewall rules", "iptables-restore ip6tables-restore")
	add(HighRisk, sys|root, ruleNft, "firewall", "nft")
	add(HighRisk, sys|root, ruleUfw, "firewall", "ufw")
	add(HighRisk, sys|root, ruleFirewalld, "firewall", "firewall-cmd")
	add(HighRisk, sys|root, ruleNone, "manages accounts", "useradd adduser userdel deluser usermod groupadd groupdel groupmod gpasswd chpasswd chage newusers vipw vigr visudo sudoedit")
	add(HighRisk, sys|root, ruleSwapoff, "disables swap", "swapoff")
	add(HighRisk, sys|root, ruleModprobe, "kernel modules", "modprobe")
	add(HighRisk, sys|root, ruleNone, "loads or unloads kernel modules", "insmod rmmod")
	add(HighRisk, sys|root, ruleNone, "changes boot configuration", "grub-install update-grub grub-mkconfig grub2-mkconfig update-initramfs dracut bootctl")
	add(HighRisk, sys|root, ruleFsck, "checks and repairs filesystems", "fsck e2fsck xfs_repair btrfsck")
	add(HighRisk, sys|root, ruleNone, "changes logical volumes", "lvcreate vgcreate pvcreate lvextend vgextend lvresize lvreduce lvchange vgchange lvrename vgrename pvmove")
	add(HighRisk, sys|root, ruleZfs, "ZFS", "zfs zpool")
	add(HighRisk, sys|root, ruleCryptsetup, "encrypted volumes", "cryptsetup")
	add(HighRisk, sys|root, ruleMdadm, "RAID arrays", "mdadm")
	add(HighRisk, sys|root, ruleHdparm, "drive settings", "hdparm")
	add(HighRisk, sys|root, ruleBadblocks, "tests drives", "badblocks")
	add(HighRisk, sys|root, ruleNone, "enters another root or namespaces", "chroot nsenter pivot_root")
	add(HighRisk, sys, ruleNone, "takes an interface down", "ifdown")

	// Irreversible destruction or loss of the machine.
	add(Critical, dst|sys|root, ruleMkfs, "creates filesystems", "mkfs mke2fs mkdosfs mkntfs mkexfatfs")
	add(Critical, dst|sys|root, ruleMkswap, "creates swap", "mkswap")
	add(Critical, dst|sys|root, rulePartition, "edits partition tables", "fdisk sfdisk cfdisk gdisk sgdisk parted")
	add(Critical, dst|sys|root, ruleWipefs, "wipes signatures", "wipefs")
	add(Critical, dst|sys|root, ruleNone, "discards a whole device", "blkdiscard")
	add(Critical, dst|sys|root, ruleNone, "removes volumes with their data", "lvremove vgremove pvremove")
	add(Critical, sys|root, rulePower, "shuts down or reboots", "shutdown reboot halt poweroff")
	add(Critical, sys|root, ruleInit, "changes the runlevel", "init telinit")
	add(Critical, sys|root, ruleNone, "kills every process or replaces the kernel", "killall5 kexec")
	for _, t := range m {
		t.base = part{risk: t.risk, flags: t.flags, why: t.why, src: SourceTable, has: true, stdin: t.stdin, download: t.download}
	}
	return m
}
