package tcp

import "strings"

// Rules for file, disk and permission commands.

func rmRule(args []string, p *part) {
	p.flags |= FlagDestructive | FlagFileModification
	o := opts{args: args}
	rec, force, crit, sys := false, false, "", false
	for a, ok := o.next(); ok; a, ok = o.next() {
		switch {
		case a.short == 'r' || a.short == 'R' || a.long == "--recursive":
			rec = true
		case a.short == 'f' || a.long == "--force":
			force = true
		case a.long == "--no-preserve-root":
			crit = "/"
		case a.operand:
			if crit == "" && isCritical(a.val) {
				crit = a.val
			}
			sys = sys || isSystemPath(a.val)
		}
	}
	switch {
	case crit != "" && rec:
		p.set(Critical, "recursive deletion of "+show(crit)+": the whole system, a home or top-level directory, or everything here")
	case rec && force:
		p.set(HighRisk, "recursive forced deletion")
	case rec:
		p.set(HighRisk, "recursive deletion")
	case crit != "":
		p.set(HighRisk, "deletes every file of "+show(crit))
	case sys:
		p.set(HighRisk, "deletes system files")
	default:
		p.set(MediumRisk, "deletes files")
	}
}

func ddRule(args []string, p *part) {
	for _, a := range args {
		of, ok := strings.CutPrefix(a, "of=")
		if !ok {
			continue
		}
		p.flags |= FlagFileModification
		switch {
		case isHarmlessDev(of):
		case isBlockDevice(of):
			p.flags |= FlagDestructive | FlagSystemModification
			p.set(Critical, "dd writes straight to the block device "+show(of))
		case isSystemPath(of):
			p.flags |= FlagSystemModification
			p.set(HighRisk, "dd overwrites a system file")
		default:
			p.set(MediumRisk, "dd writes a file")
		}
		return
	}
}

func partitionRule(name string, args []string, p *part) {
	p.flags |= FlagSystemModification
	list := false
	switch name {
	case "fdisk", "gdisk", "cfdisk":
		list = has(args, "bcCHSuLoOtw", 'l', "--list")
	case "sfdisk":
		list = has(args, "NXYoOuw", 'l', "--list", "--dump", "--json", "--show-size", "--verify", "--list-free", "--show-geometry") ||
			has(args, "NXYoOuw", 'd') || has(args, "NXYoOuw", 'J') || has(args, "NXYoOuw", 's') || has(args, "NXYoOuw", 'V') || has(args, "NXYoOuw", 'F')
	case "sgdisk":
		list = has(args, "", 'p', "--print", "--info", "--verify", "--print-mbr") || has(args, "", 'v')
		for _, a := range args {
			if strings.HasPrefix(a, "-i") || strings.HasPrefix(a, "--info") {
				list = true
			}
		}
	case "parted":
		list = has(args, "sfa", 'l', "--list")
		ops := false
		for _, a := range args[min(1, len(args)):] {
			switch a {
			case "print", "p", "unit", "help", "version":
				list = true
			case "mklabel", "mktable", "mkpart", "mkpartfs", "rm", "resizepart", "resize", "name", "set", "toggle", "rescue", "move", "cp", "disk_set", "disk_toggle":
				ops = true
			}
		}
		list = list && !ops
	}
	if list {
		p.set(LowRisk, "lists partition tables")
		return
	}
	p.flags |= FlagDestructive
	p.set(Critical, "edits a partition table (can destroy every partition)")
}

func hdparmRule(args []string, p *part) {
	for _, a := range args {
		for _, d := range [...]string{"--security-erase", "--sanitize", "--write-sector", "--fwdownload", "--dco-restore", "--trim-sector-ranges", "--make-bad-sector"} {
			if strings.HasPrefix(a, d) {
				p.flags |= FlagDestructive
				p.set(Critical, "erases or rewrites the drive at a low level")
				return
			}
		}
	}
	for _, a := range args {
		if strings.HasPrefix(a, "-") && strings.Trim(a[1:], "IitTgC") != "" {
			p.set(HighRisk, "changes drive settings")
			return
		}
	}
	p.set(LowRisk, "reads drive information or timing")
}

// modeRisk reads a chmod mode: world-writable and setuid/setgid bits.
func modeRisk(mode string) (world, setid bool) {
	if isOctal(mode) {
		n := 0
		for i := 0; i < len(mode); i++ {
			n = n*8 + int(mode[i]-'0')
		}
		return n&0o002 != 0, n&0o6000 != 0
	}
	for _, clause := range strings.Split(mode, ",") {
		i := 0
		for i < len(clause) && strings.IndexByte("ugoa", clause[i]) >= 0 {
			i++
		}
		who := clause[:i]
		for i < len(clause) {
			op := clause[i]
			if op != '+' && op != '-' && op != '=' {
				break
			}
			j := i + 1
			for j < len(clause) && strings.IndexByte("+-=", clause[j]) < 0 {
				j++
			}
			perms := clause[i+1 : j]
			if op != '-' {
				if strings.IndexByte(perms, 'w') >= 0 && (strings.ContainsAny(who, "oa")) {
					world = true
				}
				if strings.IndexByte(perms, 's') >= 0 && (who == "" || strings.ContainsAny(who, "uga")) {
					setid = true
				}
			}
			i = j
		}
	}
	return world, setid
}

func isOctal(s string) bool {
	if s == "" || len(s) > 5 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '7' {
			return false
		}
	}
	return true
}

func chmodRule(args []string, p *part) {
	p.flags |= FlagFileModification
	rec, mode, crit, sys, dashdash, ref := false, "", false, false, false, false
	for _, a := range args {
		switch {
		case dashdash || mode != "" && !(len(a) > 1 && a[0] == '-' && strings.Trim(a[1:], "Rcfv") == ""):
			if mode == "" {
				mode = a
				continue
			}
			crit = crit || isCritical(a)
			sys = sys || isSystemPath(a)
		case a == "--":
			dashdash = true
		case a == "--recursive":
			rec = true
		case strings.HasPrefix(a, "--reference"):
			ref = true
			mode = "(reference)"
		case strings.HasPrefix(a, "--"):
		case len(a) > 1 && a[0] == '-' && strings.Trim(a[1:], "Rcfv") == "":
			rec = rec || strings.IndexByte(a, 'R') >= 0
		default:
			mode = a
		}
	}
	world, setid := false, false
	if !ref {
		world, setid = modeRisk(mode)
	}
	switch {
	case rec && crit:
		p.flags |= FlagSystemModification
		p.set(Critical, "recursive permission change on / , a home or top-level directory")
	case world:
		p.set(HighRisk, "makes files world-writable")
	case setid:
		p.flags |= FlagPrivilegeEscalation
		p.set(HighRisk, "sets the setuid or setgid bit")
	case sys:
		p.flags |= FlagSystemModification
		p.set(HighRisk, "changes permissions of system files")
	case rec:
		p.set(MediumRisk, "recursive permission change")
	default:
		p.set(LowRisk, "changes file permissions")
	}
}

func chownRule(args []string, p *part) {
	p.flags |= FlagFileModification
	o := opts{args: args}
	rec, owner, crit, sys := false, false, false, false
	for a, ok := o.next(); ok; a, ok = o.next() {
		switch {
		case a.short == 'R' || a.long == "--recursive":
			rec = true
		case strings.HasPrefix(a.long, "--reference"):
			owner = true
		case a.operand && !owner:
			owner = true
		case a.operand:
			crit = crit || isCritical(a.val)
			sys = sys || isSystemPath(a.val)
		}
	}
	switch {
	case rec && crit:
		p.flags |= FlagSystemModification
		p.set(Critical, "recursive ownership change of / , a home or top-level directory")
	case sys:
		p.flags |= FlagSystemModification
		p.set(HighRisk, "changes ownership of system files")
	case rec:
		p.set(MediumRisk, "recursive ownership change")
	default:
		p.set(MediumRisk, "changes file ownership")
	}
}

func sedRule(args []string, p *part) {
	o := opts{args: args, withArg: "efl", long: []string{"--expression", "--file", "--line-length"}}
	inplace, script, files, sys := false, false, 0, false
	for a, ok := o.next(); ok; a, ok = o.next() {
		switch {
		case a.short == 'i' || strings.HasPrefix(a.long, "--in-place"):
			inplace = true
		case a.short == 'e' || a.short == 'f' || a.long == "--expression" || a.long == "--file":
			script = true
		case a.operand && !script:
			script = true
		case a.operand:
			files++
			sys = sys || isSystemPath(a.val)
		}
	}
	switch {
	case inplace && sys:
		p.flags |= FlagFileModification | FlagSystemModification
		p.set(HighRisk, "edits system files in place")
	case inplace:
		p.flags |= FlagFileModification
		p.set(MediumRisk, "edits files in place")
	}
}

func teeRule(args []string, p *part) {
	o := opts{args: args, long: nil}
	app, n := false, 0
	for a, ok := o.next(); ok; a, ok = o.next() {
		switch {
		case a.short == 'a' || a.long == "--append":
			app = true
		case a.operand && isHarmlessDev(a.val):
		case a.operand:
			n++
			switch {
			case isBlockDevice(a.val):
				p.flags |= FlagDestructive | FlagSystemModification | FlagFileModification
				p.set(Critical, "tee writes straight to a block device")
				return
			case isSystemPath(a.val):
				p.flags |= FlagSystemModification | FlagFileModification
				p.set(HighRisk, "tee writes into a system file")
				return
			}
		}
	}
	switch {
	case n > 0 && app:
		p.flags |= FlagFileModification
		p.set(LowRisk, "appends to files")
	case n > 0:
		p.flags |= FlagFileModification
		p.set(MediumRisk, "overwrites files")
	}
}

// copyTarget returns the destination of cp, mv and ln (the
// -t/--target-directory value or the last operand) and whether one of the
// other operands is critical or a system path.
func copyTarget(args []string, withArg string) (dest string, srcCrit, srcSys bool) {
	long := []string{"--target-directory", "--suffix"}
	o := opts{args: args, withArg: withArg, long: long}
	n, hasT := 0, false
	for a, ok := o.next(); ok; a, ok = o.next() {
		switch {
		case a.short == 't' || a.long == "--target-directory":
			dest, hasT = a.val, true
		case a.operand:
			n++
		}
	}
	o = opts{args: args, withArg: withArg, long: long}
	i := 0
	for a, ok := o.next(); ok; a, ok = o.next() {
		if !a.operand {
			continue
		}
		if !hasT && i == n-1 {
			dest = a.val
		} else {
			srcCrit = srcCrit || isCritical(a.val)
			srcSys = srcSys || isSystemPath(a.val)
		}
		i++
	}
	return dest, srcCrit, srcSys
}

func cpRule(args []string, p *part) {
	p.flags |= FlagFileModification
	dest, _, _ := copyTarget(args, "tSZ")
	switch {
	case isBlockDevice(dest):
		p.flags |= FlagDestructive | FlagSystemModification
		p.set(Critical, "copies onto a block device")
	case isSystemPath(dest):
		p.flags |= FlagSystemModification
		p.set(HighRisk, "copies into system directories")
	}
}

func mvRule(args []string, p *part) {
	p.flags |= FlagFileModification
	dest, crit, sys := copyTarget(args, "tS")
	switch {
	case crit:
		p.flags |= FlagDestructive | FlagSystemModification
		p.set(Critical, "moves / , a home or top-level directory away")
	case dest == "/dev/null":
		p.flags |= FlagDestructive
		p.set(HighRisk, "mv onto /dev/null loses the file (and replaces the device when root)")
	case isBlockDevice(dest):
		p.flags |= FlagDestructive | FlagSystemModification
		p.set(Critical, "moves a file onto a block device")
	case sys || isSystemPath(dest):
		p.flags |= FlagSystemModification
		p.set(HighRisk, "moves system files")
	}
}

func mountRule(args []string, p *part) {
	o := opts{args: args, withArg: "tOoLUTN", long: []string{"--types", "--options", "--label", "--uuid", "--target", "--source"}}
	n, remount, bind, sys := 0, false, false, false
	for a, ok := o.next(); ok; a, ok = o.next() {
		switch {
		case a.short == 'o' || a.long == "--options":
			remount = remount || strings.Contains(a.val, "remount")
		case a.short == 'B' || a.long == "--bind" || a.long == "--rbind" || a.long == "--move" || a.short == 'M':
			bind = true
		case a.short == 'a' || a.long == "--all":
			n++
		case a.operand:
			n++
			sys = sys || isSystemPath(a.val) || isCritical(a.val)
		}
	}
	p.flags |= FlagSystemModification
	switch {
	case n == 0 && !remount:
		p.set(Safe, "lists mounted filesystems")
	case remount:
		p.set(HighRisk, "remounts a filesystem with other options")
	case bind && sys:
		p.set(HighRisk, "mounts over a system directory")
	default:
		p.set(MediumRisk, "mounts a filesystem")
	}
}

func tarRule(args []string, p *part) {
	mode := byte(0)
	setMode := func(c byte) {
		if mode == 0 {
			switch c {
			case 'x', 'c', 't', 'r', 'u', 'A', 'd':
				mode = c
			}
		}
	}
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		for i := 0; i < len(args[0]); i++ { // old style: tar xzf file
			setMode(args[0][i])
		}
	}
	dir, runs, del := "", false, false
	o := opts{args: args, withArg: "fCbTXgHKLNVIF", long: []string{"--file", "--directory", "--files-from", "--exclude-from", "--to-command", "--use-compress-program"}}
	for a, ok := o.next(); ok; a, ok = o.next() {
		switch {
		case a.short != 0:
			setMode(a.short)
			if a.short == 'C' {
				dir = a.val
			}
		case a.long == "--extract" || a.long == "--get":
			setMode('x')
		case a.long == "--create":
			setMode('c')
		case a.long == "--list":
			setMode('t')
		case a.long == "--delete":
			del = true
		case a.long == "--directory":
			dir = a.val
		case a.long == "--to-command" || strings.HasPrefix(a.long, "--checkpoint-action") && strings.Contains(a.val, "exec") || a.long == "--use-compress-program":
			runs = true
		}
	}
	p.flags |= FlagFileModification
	switch {
	case runs:
		p.set(HighRisk, "tar runs a command while it works")
	case mode == 'x' && dir != "" && (isCritical(dir) || isSystemPath(dir)):
		p.flags |= FlagSystemModification
		p.set(HighRisk, "extracts over / or a system directory")
	case del:
		p.set(MediumRisk, "deletes members from an archive")
	case mode == 't' || mode == 'd':
		p.flags &^= FlagFileModification
		p.set(Safe, "lists an archive")
	case mode == 'x':
		p.set(LowRisk, "extracts an archive")
	case mode != 0:
		p.set(LowRisk, "writes an archive")
	}
}
