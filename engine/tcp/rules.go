package tcp

import (
	"strings"
)

// ruleID names the argument rule of a command in the built-in table. A
// switch dispatches them (rather than function values) so that the
// compiler can see that rules keep no reference to the argument slice,
// which lets Decide keep its words on the stack.
type ruleID uint8

const (
	ruleNone ruleID = iota
	ruleRm
	ruleShred
	ruleDd
	ruleMkfs
	ruleMkswap
	rulePartition
	ruleWipefs
	ruleBadblocks
	ruleHdparm
	ruleChmod
	ruleChown
	ruleChattr
	ruleGit
	ruleDocker
	ruleCompose
	ruleKubectl
	ruleHelm
	ruleTerraform
	ruleCloud
	ruleSystemctl
	ruleService
	ruleJournalctl
	ruleApt
	ruleDnf
	rulePacman
	ruleApk
	ruleSnap
	ruleBrew
	ruleDpkg
	ruleRpm
	rulePip
	ruleNpm
	ruleNpx
	ruleCargo
	ruleGo
	ruleMake
	ruleShell
	rulePython
	ruleCode
	ruleEval
	ruleSource
	ruleSsh
	ruleRsync
	ruleCurl
	ruleWget
	ruleHTTPie
	ruleNc
	ruleSocat
	ruleIptables
	ruleNft
	ruleUfw
	ruleFirewalld
	ruleIP
	ruleIfconfig
	ruleRoute
	ruleNmcli
	ruleKill
	rulePkill
	rulePower
	ruleInit
	ruleFind
	ruleSed
	ruleAwk
	ruleTee
	ruleCp
	ruleMv
	ruleLn
	ruleTruncate
	ruleEditor
	ruleCrontab
	rulePasswd
	ruleMount
	ruleUmount
	ruleSwapoff
	ruleSwapon
	ruleModprobe
	ruleSysctl
	ruleHostname
	ruleCtl
	ruleDate
	ruleSetenforce
	ruleEfiboot
	ruleFsck
	ruleZfs
	ruleCryptsetup
	ruleMdadm
	ruleDmesg
	ruleHistory
	ruleTar
	ruleUnzip
	ruleGpg
	ruleSshKeygen
	ruleVirsh
	ruleReader
	ruleSQL
	ruleRedis
	ruleNginx
	ruleApachectl
)

// apply runs rule r of the command name on its arguments.
func (e *eval) apply(r ruleID, name string, args []string, p *part) {
	switch r {
	case ruleRm:
		rmRule(args, p)
	case ruleShred:
		p.flags |= FlagDestructive | FlagFileModification
		if anyOperand(args, "nsu", isBlockDevice) {
			p.set(Critical, "overwrites a whole disk beyond recovery")
		} else {
			p.set(HighRisk, "overwrites files beyond recovery")
		}
	case ruleDd:
		ddRule(args, p)
	case ruleMkfs:
		p.flags |= FlagDestructive | FlagSystemModification
		p.set(Critical, "creates a filesystem, erasing what the device held")
	case ruleMkswap:
		p.flags |= FlagDestructive | FlagSystemModification
		if anyOperand(args, "LUpe", isBlockDevice) {
			p.set(Critical, "turns a disk device into swap, erasing it")
		} else {
			p.set(HighRisk, "turns a file into swap space")
		}
	case rulePartition:
		partitionRule(name, args, p)
	case ruleWipefs:
		p.flags |= FlagDestructive | FlagSystemModification
		if has(args, "ot", 'a', "--all") || has(args, "ot", 'o', "--offset") {
			p.set(Critical, "wipes filesystem and partition signatures from a device")
		} else {
			p.set(LowRisk, "lists filesystem signatures")
		}
	case ruleBadblocks:
		switch {
		case has(args, "bcdeiopt", 'w'):
			p.set(Critical, "destructive write test: overwrites the whole device")
		case has(args, "bcdeiopt", 'n'):
			p.set(HighRisk, "read-write test of a device")
		default:
			p.set(LowRisk, "read-only surface scan")
		}
	case ruleHdparm:
		hdparmRule(args, p)
	case ruleChmod:
		chmodRule(args, p)
	case ruleChown:
		chownRule(args, p)
	case ruleChattr:
		p.flags |= FlagFileModification
		for _, a := range args {
			if len(a) > 1 && (a[0] == '+' || a[0] == '-' || a[0] == '=') && strings.ContainsAny(a[1:], "ia") && a != "-a" {
				p.set(HighRisk, "changes the immutable or append-only attribute")
				return
			}
		}
		p.set(MediumRisk, "changes file attributes")
	case ruleGit:
		gitRule(args, p)
	case ruleDocker:
		dockerRule(args, p)
	case ruleCompose:
		composeRule(args, p)
	case ruleKubectl:
		kubectlRule(args, p)
	case ruleHelm:
		helmRule(args, p)
	case ruleTerraform:
		terraformRule(args, p)
	case ruleCloud:
		cloudRule(args, p)
	case ruleSystemctl:
		systemctlRule(args, p)
	case ruleService:
		serviceRule(args, p)
	case ruleJournalctl:
		for _, a := range args {
			if strings.HasPrefix(a, "--vacuum") || a == "--rotate" || a == "--flush" || a == "--relinquish-var" {
				p.set(MediumRisk, "deletes or rotates journal files")
				return
			}
		}
		p.set(Safe, "reads the system journal")
	case ruleApt:
		aptRule(args, p)
	case ruleDnf:
		dnfRule(args, p)
	case rulePacman:
		pacmanRule(args, p)
	case ruleApk:
		verbRule(args, p, "", verbs{
			safe: "info search list policy version stats dot",
			low:  "update cache fetch",
			med:  "add del upgrade fix",
		}, "package manager")
	case ruleSnap:
		verbRule(args, p, "", verbs{
			safe: "list find info services changes change version connections interfaces logs help known warnings",
			low:  "download",
			med:  "install refresh remove revert disable enable start stop restart connect disconnect set unset alias unalias",
		}, "package manager")
	case ruleBrew:
		verbRule(args, p, "", verbs{
			safe: "list ls info search outdated doctor config deps uses leaves home desc commands help --version",
			low:  "update cleanup fetch",
			med:  "install upgrade uninstall remove rm reinstall tap untap link unlink services pin unpin",
		}, "package manager")
	case ruleDpkg:
		dpkgRule(args, p)
	case ruleRpm:
		rpmRule(args, p)
	case rulePip:
		pipRule(args, p)
	case ruleNpm:
		npmRule(name, args, p)
	case ruleNpx:
		p.flags |= FlagNetworkAccess
		p.set(MediumRisk, "downloads a package and runs it")
	case ruleCargo:
		verbRule(args, p, "Z", verbs{
			safe: "tree metadata search locate-project version pkgid verify-project read-manifest help",
			low:  "build b check c test t bench run r doc fmt clippy clean fix new init add remove rm update generate-lockfile fetch vendor package",
			med:  "install uninstall publish yank login owner",
		}, "cargo")
	case ruleGo:
		goRule(args, p)
	case ruleMake:
		makeRule(args, p)
	case ruleShell:
		e.shellRule(name, args, p)
	case rulePython:
		e.pythonRule(args, p)
	case ruleCode:
		e.codeRule(name, args, p)
	case ruleEval:
		p.runs = true
		q, err := e.nested(strings.Join(args, " "), name)
		if err != nil {
			p.set(Critical, err.Error())
			return
		}
		p.adopt(q, true)
	case ruleSource:
		p.runs = true
		if len(args) > 0 {
			e.runFile = args[0]
		}
		p.set(LowRisk, "reads shell commands from a file into this shell")
	case ruleSsh:
		e.sshRule(args, p)
	case ruleRsync:
		rsyncRule(args, p)
	case ruleCurl:
		e.fetched = curlRule(args, p)
	case ruleWget:
		e.fetched = wgetRule(args, p)
	case ruleHTTPie:
		p.download = true
		for _, a := range args {
			switch strings.ToUpper(a) {
			case "POST", "PUT", "PATCH", "DELETE":
				p.set(MediumRisk, "sends a "+strings.ToUpper(a)+" request")
				return
			}
		}
	case ruleNc:
		ncRule(args, p)
	case ruleSocat:
		execs, listen := false, false
		for _, a := range args {
			u := strings.ToUpper(a)
			execs = execs || strings.Contains(u, "EXEC:") || strings.Contains(u, "SYSTEM:")
			listen = listen || strings.Contains(u, "-LISTEN")
		}
		switch {
		case execs && listen:
			p.set(Critical, "serves a program (a shell) to the network")
		case execs:
			p.set(HighRisk, "connects a program to a socket")
		}
	case ruleIptables:
		iptablesRule(args, p)
	case ruleNft:
		p.flags |= FlagSystemModification
		if has(args, "fI", 'f', "--file") {
			p.set(HighRisk, "loads firewall rules from a file")
			return
		}
		verbRule(args, p, "I", verbs{
			safe: "list describe monitor help",
			high: "flush add insert delete replace create destroy reset rename",
		}, "firewall")
	case ruleUfw:
		p.flags |= FlagSystemModification
		verbRule(args, p, "", verbs{
			safe: "status show version app help",
			med:  "logging",
			high: "enable disable reset reload default allow deny reject limit delete insert prepend route",
		}, "firewall")
	case ruleFirewalld:
		for _, a := range args {
			if strings.HasPrefix(a, "--add") || strings.HasPrefix(a, "--remove") || strings.HasPrefix(a, "--set") ||
				strings.HasPrefix(a, "--panic") || a == "--reload" || a == "--complete-reload" || a == "--runtime-to-permanent" ||
				strings.HasPrefix(a, "--new") || strings.HasPrefix(a, "--delete") || strings.HasPrefix(a, "--change") {
				p.flags |= FlagSystemModification
				p.set(HighRisk, "changes firewall rules")
				return
			}
		}
		p.set(Safe, "reads the firewall configuration")
	case ruleIP:
		e.ipRule(args, p)
	case ruleIfconfig:
		n := 0
		for _, a := range args {
			if a == "down" {
				p.set(HighRisk, "takes a network interface down")
				return
			}
			if !strings.HasPrefix(a, "-") {
				n++
			}
		}
		if n > 1 {
			p.set(MediumRisk, "changes network interface settings")
		} else {
			p.set(Safe, "shows network interfaces")
		}
	case ruleRoute:
		switch {
		case hasWord(args, "del", "delete", "flush"):
			p.set(HighRisk, "removes routes (can cut off access)")
		case hasWord(args, "add", "change", "replace"):
			p.set(MediumRisk, "changes the routing table")
		default:
			p.set(Safe, "shows the routing table")
		}
	case ruleNmcli:
		switch {
		case hasWord(args, "down", "delete", "del", "off", "disconnect"):
			p.set(HighRisk, "takes a network connection down or deletes it")
		case hasWord(args, "up", "modify", "mod", "add", "connect", "on", "reload", "load", "import", "edit", "set", "clone"):
			p.set(MediumRisk, "changes network connections")
		default:
			p.set(Safe, "shows network state")
		}
	case ruleKill:
		killRule(args, p)
	case rulePkill:
		pkillRule(name, args, p)
	case rulePower:
		p.flags |= FlagSystemModification
		switch {
		case name == "shutdown" && (has(args, "", 'c') || has(args, "", 'k')):
			p.set(LowRisk, "cancels a pending shutdown or only warns users")
		case has(args, "", 'w', "--wtmp-only"):
			p.set(LowRisk, "only writes the wtmp record")
		default:
			p.set(Critical, "shuts down, halts or reboots the machine")
		}
	case ruleInit:
		switch {
		case hasWord(args, "0", "6", "1", "s", "S", "single"):
			p.set(Critical, "changes the runlevel: halts, reboots or drops to single user")
		case hasWord(args, "q", "Q", "u", "U"):
			p.set(LowRisk, "re-reads the init configuration")
		default:
			p.set(HighRisk, "changes the runlevel")
		}
	case ruleFind:
		e.findRule(args, p)
	case ruleSed:
		sedRule(args, p)
	case ruleAwk:
		for _, a := range args {
			if strings.Contains(a, "system(") || strings.Contains(a, "| getline") || strings.Contains(a, "|getline") {
				p.set(MediumRisk, "the awk program runs shell commands")
				return
			}
			if strings.Contains(a, "print >") || strings.Contains(a, "printf >") || strings.Contains(a, "print>") || a == "inplace" {
				p.flags |= FlagFileModification
				p.set(MediumRisk, "the awk program writes files")
				return
			}
		}
	case ruleTee:
		teeRule(args, p)
	case ruleCp:
		cpRule(args, p)
	case ruleMv:
		mvRule(args, p)
	case ruleLn:
		p.flags |= FlagFileModification
		if lastOperand(args, "StT", isSystemPath) {
			p.flags |= FlagSystemModification
			p.set(HighRisk, "creates links in system directories")
		}
	case ruleTruncate:
		p.flags |= FlagFileModification | FlagDestructive
		if anyOperand(args, "or s", isSystemPath) {
			p.set(HighRisk, "truncates system files")
		} else {
			p.set(MediumRisk, "truncates files, losing their content")
		}
	case ruleEditor:
		p.flags |= FlagFileModification
		if anyOperand(args, "", isSystemPath) {
			p.flags |= FlagSystemModification
			p.set(HighRisk, "edits system files")
		}
	case ruleCrontab:
		switch {
		case has(args, "u", 'r'):
			p.set(HighRisk, "removes every cron job of the user")
		case has(args, "u", 'l'):
			p.set(Safe, "lists cron jobs")
		case has(args, "u", 'e'):
			p.set(MediumRisk, "edits scheduled jobs")
		default:
			p.set(MediumRisk, "replaces the crontab")
		}
	case rulePasswd:
		switch {
		case has(args, "", 'S', "--status"):
			p.set(Safe, "shows password status")
		case len(args) == 0:
			p.set(MediumRisk, "changes your password")
		default:
			p.set(HighRisk, "changes, locks or deletes an account's password")
		}
	case ruleMount:
		mountRule(args, p)
	case ruleUmount:
		p.flags |= FlagSystemModification
		switch {
		case has(args, "tO", 'a', "--all"):
			p.set(HighRisk, "unmounts every filesystem")
		case has(args, "tO", 'f', "--force") || has(args, "tO", 'l', "--lazy"):
			p.set(HighRisk, "forces an unmount")
		case anyOperand(args, "tO", isSystemPath) || anyOperand(args, "tO", isCritical):
			p.set(HighRisk, "unmounts a system filesystem")
		default:
			p.set(MediumRisk, "unmounts a filesystem")
		}
	case ruleSwapoff:
		p.flags |= FlagSystemModification
		p.set(HighRisk, "disables swap (can set off the out-of-memory killer)")
	case ruleSwapon:
		if len(args) == 0 || has(args, "", 's', "--show", "--summary") {
			p.set(Safe, "shows swap areas")
		} else {
			p.set(MediumRisk, "enables swap space")
		}
	case ruleModprobe:
		p.flags |= FlagSystemModification
		switch {
		case has(args, "CdS", 'n', "--dry-run") || has(args, "CdS", 'c', "--showconfig") || has(args, "CdS", 'D', "--show-depends"):
			p.set(Safe, "shows module configuration")
		case has(args, "CdS", 'r', "--remove"):
			p.set(HighRisk, "unloads a kernel module")
		default:
			p.set(HighRisk, "loads a kernel module")
		}
	case ruleSysctl:
		for _, a := range args {
			if strings.IndexByte(a, '=') > 0 && !strings.HasPrefix(a, "-") {
				p.flags |= FlagSystemModification
				p.set(HighRisk, "changes kernel parameters")
				return
			}
		}
		if has(args, "", 'w', "--write") || has(args, "", 'p', "--load", "--system") {
			p.flags |= FlagSystemModification
			p.set(HighRisk, "changes kernel parameters")
			return
		}
		p.set(Safe, "reads kernel parameters")
	case ruleHostname:
		if has(args, "F", 'F', "--file") || anyOperand(args, "F", func(string) bool { return true }) {
			p.flags |= FlagSystemModification
			p.set(HighRisk, "renames the host")
		} else {
			p.set(Safe, "shows the host name")
		}
	case ruleCtl:
		s, rest := sub(args, "HM", nil)
		switch {
		case strings.HasPrefix(s, "set-") || s == "hostname" && len(rest) > 0 || s == "deploy-location" || s == "chassis" && len(rest) > 0:
			p.flags |= FlagSystemModification
			p.set(HighRisk, "changes system settings")
		default:
			p.set(Safe, "shows system settings")
		}
	case ruleDate:
		if has(args, "dfr", 's', "--set") || anyOperand(args, "dfr", func(a string) bool { return a[0] != '+' }) {
			p.flags |= FlagSystemModification
			p.set(HighRisk, "sets the system clock")
		} else {
			p.set(Safe, "prints the date")
		}
	case ruleSetenforce:
		if hasWord(args, "0", "Permissive", "permissive") {
			p.set(HighRisk, "turns SELinux enforcement off")
		} else {
			p.set(MediumRisk, "changes SELinux enforcement")
		}
	case ruleEfiboot:
		for _, a := range args {
			if a != "-v" && a != "--verbose" {
				p.flags |= FlagSystemModification
				p.set(HighRisk, "changes the firmware boot configuration")
				return
			}
		}
		p.set(Safe, "shows the firmware boot entries")
	case ruleFsck:
		if has(args, "tC", 'n') || has(args, "tC", 'N') {
			p.set(LowRisk, "checks a filesystem without changing it")
		} else {
			p.flags |= FlagDestructive
			p.set(HighRisk, "repairs a filesystem (loses data if it is mounted)")
		}
	case ruleZfs:
		verbRule(args, p, "", verbs{
			safe: "list status get iostat history events version help diff userspace groupspace holds",
			med:  "snapshot create set inherit mount unmount clone send receive recv rename hold release bookmark promote import export online offline scrub trim add attach detach replace upgrade resilver clear split",
			high: "rollback",
			crit: "destroy labelclear",
		}, "ZFS")
	case ruleCryptsetup:
		verbRule(args, p, "cdhkKsSt", verbs{
			safe: "status luksDump isLuks luksUUID benchmark tcryptDump",
			med:  "open luksOpen close luksClose resize refresh",
			high: "luksAddKey luksChangeKey luksKillSlot luksRemoveKey luksSuspend luksHeaderRestore token",
			crit: "luksFormat erase luksErase reencrypt",
		}, "cryptsetup")
	case ruleMdadm:
		switch {
		case has(args, "lnec", 'C', "--create", "--zero-superblock", "--build"):
			p.set(Critical, "creates an array or wipes its superblocks, destroying data")
		case has(args, "lnec", 'D', "--detail", "--examine", "--query", "--detail-platform") || has(args, "lnec", 'E') || has(args, "lnec", 'Q'):
			p.set(Safe, "shows RAID state")
		default:
			p.set(HighRisk, "changes a RAID array")
		}
	case ruleDmesg:
		if has(args, "flnsF", 'C', "--clear", "--read-clear") || has(args, "flnsF", 'c') {
			p.set(LowRisk, "clears the kernel ring buffer")
		} else {
			p.set(Safe, "reads kernel messages")
		}
	case ruleHistory:
		if has(args, "d", 'c') || has(args, "d", 'd') || has(args, "d", 'w') {
			p.set(LowRisk, "clears or rewrites the shell history")
		}
	case ruleTar:
		tarRule(args, p)
	case ruleUnzip:
		switch {
		case has(args, "dx", 'l') || has(args, "dx", 't') || has(args, "dx", 'Z') || has(args, "dx", 'v') && !has(args, "dx", 'd'):
			p.set(Safe, "lists an archive")
		default:
			o := opts{args: args, withArg: "dx"}
			for a, ok := o.next(); ok; a, ok = o.next() {
				if a.short == 'd' && (isSystemPath(a.val) || isCritical(a.val)) {
					p.set(HighRisk, "extracts into a system directory")
					return
				}
			}
		}
	case ruleGpg:
		for _, a := range args {
			if strings.HasPrefix(a, "--delete-") {
				p.set(HighRisk, "deletes keys from the keyring")
				return
			}
		}
		if has(args, "uroe", 'k', "--list-keys", "--list-public-keys", "--list-sigs", "--fingerprint", "--verify", "--check-sigs", "--list-packets", "--card-status", "--list-secret-keys") || has(args, "uroe", 'K') {
			p.set(Safe, "reads the keyring")
		}
	case ruleSshKeygen:
		if has(args, "fFbtCNZ", 'l') || has(args, "fFbtCNZ", 'F') || has(args, "fFbtCNZ", 'y') || has(args, "fFbtCNZ", 'L') || has(args, "fFbtCNZ", 'B') {
			p.set(Safe, "reads a key")
		}
	case ruleVirsh:
		verbRule(args, p, "cr", verbs{
			safe: "list dominfo domstate dumpxml nodeinfo net-list pool-list vol-list capabilities version uri hostname domblklist domiflist dominfo domstats help",
			med:  "start create define resume suspend attach-device attach-disk attach-interface detach-device detach-disk detach-interface setmem setvcpus autostart net-start pool-start snapshot-create snapshot-create-as console edit",
			high: "shutdown reboot destroy reset managedsave net-destroy pool-destroy snapshot-delete snapshot-revert undefine",
			crit: "vol-delete vol-wipe pool-delete",
		}, "virsh")
		if hasWord(args, "undefine") && (has(args, "", 0, "--remove-all-storage", "--storage", "--wipe-storage")) {
			p.set(Critical, "deletes a virtual machine with its disks")
		}
	case ruleReader:
		for _, a := range args {
			if a != "" && (a[0] == '.' || a[0] == 'i' || strings.IndexByte(a, '/') >= 0) && isSecret(a) {
				p.set(MediumRisk, "reads credentials (private keys, password hashes, tokens)")
				return
			}
		}
	case ruleSQL:
		sqlRule(args, p)
	case ruleRedis:
		for _, a := range args {
			switch strings.ToUpper(a) {
			case "FLUSHALL", "FLUSHDB":
				p.flags |= FlagDestructive
				p.set(HighRisk, "deletes every key of the database")
				return
			case "SHUTDOWN", "DEBUG":
				p.set(HighRisk, "stops or crashes the server")
				return
			case "DEL", "UNLINK", "SET", "CONFIG", "EXPIRE", "RENAME", "HSET", "LPUSH", "RPUSH", "SADD", "ZADD", "INCR", "DECR":
				p.set(MediumRisk, "changes data in the database")
				return
			case "GET", "KEYS", "SCAN", "INFO", "PING", "TTL", "TYPE", "EXISTS", "HGETALL", "LRANGE", "SMEMBERS", "MONITOR", "DBSIZE", "HGET":
				p.set(Safe, "reads from the database")
				return
			}
		}
	case ruleNginx:
		o := opts{args: args, withArg: "scpeg"}
		for a, ok := o.next(); ok; a, ok = o.next() {
			switch {
			case a.short == 't' || a.short == 'T' || a.short == 'v' || a.short == 'V':
				p.set(Safe, "checks or prints the configuration")
				return
			case a.short == 's' && (a.val == "stop" || a.val == "quit"):
				p.set(HighRisk, "stops the web server")
				return
			case a.short == 's':
				p.set(MediumRisk, "signals the web server to reload or reopen logs")
				return
			}
		}
		p.set(MediumRisk, "starts the web server")
	case ruleApachectl:
		verbRule(args, p, "fkdCc", verbs{
			safe: "configtest -t -S -M -v -V status fullstatus -l -L",
			med:  "start graceful",
			high: "stop graceful-stop restart",
		}, "apachectl")
	}
}

// anyOperand reports whether an operand of args satisfies f.
func anyOperand(args []string, withArg string, f func(string) bool) bool {
	o := opts{args: args, withArg: withArg}
	for a, ok := o.next(); ok; a, ok = o.next() {
		if a.operand && a.val != "" && f(a.val) {
			return true
		}
	}
	return false
}

// countOperands returns the number of operands in args.
func countOperands(args []string, withArg string) int {
	o := opts{args: args, withArg: withArg}
	n := 0
	for a, ok := o.next(); ok; a, ok = o.next() {
		if a.operand {
			n++
		}
	}
	return n
}

// lastOperand reports whether the last operand of args satisfies f.
func lastOperand(args []string, withArg string, f func(string) bool) bool {
	o := opts{args: args, withArg: withArg}
	last := ""
	for a, ok := o.next(); ok; a, ok = o.next() {
		if a.operand {
			last = a.val
		}
	}
	return last != "" && f(last)
}

// show quotes s for a reason text, shortened if long.
func show(s string) string {
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return "'" + s + "'"
}

// verbs classes the subcommands of a tool, as space-separated lists.
type verbs struct{ safe, low, med, high, crit string }

// verbRule sets p from the first operand of args found in v; what is
// "tool" is named in reasons. An operand in no list leaves p as it is.
func verbRule(args []string, p *part, withArg string, v verbs, tool string) {
	s, _ := sub(args, withArg, nil)
	if s == "" {
		return
	}
	switch {
	case inList(v.crit, s):
		p.flags |= FlagDestructive
		p.set(Critical, tool+" "+s+": destroys data or the system")
	case inList(v.high, s):
		p.set(HighRisk, tool+" "+s+": hard to undo")
	case inList(v.med, s):
		p.set(MediumRisk, tool+" "+s+": changes state")
	case inList(v.low, s):
		p.set(LowRisk, tool+" "+s+": minor, local change")
	case inList(v.safe, s):
		p.set(Safe, tool+" "+s+": read-only")
	}
}

// inList reports whether w is one of the space-separated words of list.
func inList(list, w string) bool {
	for list != "" {
		var x string
		x, list, _ = strings.Cut(list, " ")
		if x == w {
			return true
		}
	}
	return false
}
