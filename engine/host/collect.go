package host

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Info is the full description of the machine for a report.
type Info struct {
	// Facts are every fact, in a fixed order: Fingerprint's first, then
	// CPU frequency and caches, memory, the disk of the working directory,
	// kernel TCP settings and the network interfaces.
	Facts []Fact
	// CPUCores is the number of logical CPUs, 0 when not available.
	CPUCores int
	// MemTotal and MemAvailable are in bytes, 0 when not available.
	MemTotal, MemAvailable int64
}

// Get returns the value of the fact named name, or "" if Info has none.
func (i Info) Get(name string) string {
	for _, f := range i.Facts {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// Collect describes the machine: everything in Fingerprint and the facts
// that may change between runs. A source that cannot be read gives a fact
// whose value says "not available: <reason>"; Collect only fails when ctx is
// done.
func Collect(ctx context.Context) (Info, error) {
	if err := ctx.Err(); err != nil {
		return Info{}, err
	}
	facts, m := fingerprint()
	info := Info{CPUCores: m.cores, MemTotal: m.memTotal}

	facts = append(facts, cpuFreq(m.cpuinfo)...)
	facts = append(facts, cpuCaches()...)

	avail := notAvailable("%v", m.memErr)
	if m.memErr == nil {
		if n, ok := m.meminfo["MemAvailable"]; ok {
			info.MemAvailable = n
			avail = formatBytes(n)
		} else {
			avail = notAvailable("/proc/meminfo has no MemAvailable")
		}
	}
	facts = append(facts, Fact{"mem.available", avail})
	facts = append(facts, workDisk()...)
	facts = append(facts, tcpSettings()...)

	if err := ctx.Err(); err != nil {
		return Info{}, err
	}
	facts = append(facts, interfaces()...)
	info.Facts = facts
	return info, nil
}

const cpu0 = "/sys/devices/system/cpu/cpu0"

// cpuFreq gives cpu.freq.max, cpu.freq.cur and the source they come from:
// cpufreq when the kernel exposes it, else the "cpu MHz" of /proc/cpuinfo,
// which has no maximum.
func cpuFreq(ci cpuinfo) []Fact {
	maxKHz, maxErr := readInt(cpu0 + "/cpufreq/cpuinfo_max_freq")
	curKHz, curErr := readInt(cpu0 + "/cpufreq/scaling_cur_freq")
	if maxErr == nil || curErr == nil {
		f := []Fact{
			{"cpu.freq.max", mhz(maxKHz, maxErr)},
			{"cpu.freq.cur", mhz(curKHz, curErr)},
			{"cpu.freq.source", "cpufreq of cpu0 (" + cpu0 + "/cpufreq)"},
		}
		return f
	}
	cur := notAvailable("%v", ci.err)
	if ci.err == nil {
		cur = notAvailable("/proc/cpuinfo has no cpu MHz")
		if v, ok := ci.first["cpu MHz"]; ok {
			if x, err := strconv.ParseFloat(v, 64); err == nil {
				cur = fmt.Sprintf("%.0f MHz", x)
			}
		}
	}
	return []Fact{
		{"cpu.freq.max", notAvailable("the kernel exposes no cpufreq for cpu0")},
		{"cpu.freq.cur", cur},
		{"cpu.freq.source", "/proc/cpuinfo cpu MHz of the first processor"},
	}
}

func mhz(khz int64, err error) string {
	if err != nil {
		return notAvailable("%v", err)
	}
	return fmt.Sprintf("%d MHz", khz/1000)
}

func readInt(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return n, nil
}

func readTrim(path string) (string, error) {
	b, err := os.ReadFile(path)
	return strings.TrimSpace(string(b)), err
}

// cpuCaches gives one fact per cache of cpu0, named cpu.cache.L1d,
// cpu.cache.L1i, cpu.cache.L2, ... in the kernel's index order.
func cpuCaches() []Fact {
	dirs, err := filepath.Glob(cpu0 + "/cache/index*")
	if err != nil || len(dirs) == 0 {
		return []Fact{{"cpu.cache", notAvailable("no %s/cache/index* in sysfs", cpu0)}}
	}
	index := func(d string) int {
		n, _ := strconv.Atoi(strings.TrimPrefix(filepath.Base(d), "index"))
		return n
	}
	slices.SortFunc(dirs, func(a, b string) int { return index(a) - index(b) })
	var facts []Fact
	for _, d := range dirs {
		level, err1 := readTrim(d + "/level")
		typ, err2 := readTrim(d + "/type")
		size, err3 := readTrim(d + "/size")
		name := "cpu.cache." + filepath.Base(d)
		if err1 == nil && err2 == nil {
			name = "cpu.cache.L" + level + map[string]string{"Data": "d", "Instruction": "i"}[typ]
		}
		val := notAvailable("%v", err3)
		if err3 == nil {
			val = cacheSize(size)
		}
		facts = append(facts, Fact{name, val})
	}
	return facts
}

// cacheSize turns sysfs's "48K" into "48 KiB"; sysfs means binary units.
func cacheSize(s string) string {
	mult := map[byte]int64{'K': 1 << 10, 'M': 1 << 20, 'G': 1 << 30}
	if s != "" {
		if m, ok := mult[s[len(s)-1]]; ok {
			if n, err := strconv.ParseInt(s[:len(s)-1], 10, 64); err == nil {
				return formatExact(n * m)
			}
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return formatExact(n)
	}
	return s
}

// workDisk describes the filesystem holding the working directory.
func workDisk() []Fact {
	wd, err := os.Getwd()
	if err != nil {
		na := notAvailable("%v", err)
		return []Fact{{"disk.path", na}, {"disk.fs", na}, {"disk.size", na}, {"disk.free", na}}
	}
	if p, err := filepath.EvalSymlinks(wd); err == nil {
		wd = p
	}
	size, free, err := diskSpace(wd)
	sizeV, freeV := notAvailable("%v", err), notAvailable("%v", err)
	if err == nil {
		sizeV, freeV = formatBytes(size), formatBytes(free)+" (available to unprivileged users)"
	}
	return []Fact{
		{"disk.path", wd},
		{"disk.fs", fsType(wd)},
		{"disk.size", sizeV},
		{"disk.free", freeV},
	}
}

// fsType names the filesystem type of the mount holding path, from
// /proc/self/mountinfo (the statfs magic cannot tell ext3 from ext4).
func fsType(path string) string {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return notAvailable("%v", err)
	}
	best, typ := "", ""
	for line := range strings.Lines(string(b)) {
		// id parent maj:min root mountpoint options [optional...] - type source superopts
		pre, post, ok := strings.Cut(line, " - ")
		if !ok {
			continue
		}
		f, g := strings.Fields(pre), strings.Fields(post)
		if len(f) < 5 || len(g) < 1 {
			continue
		}
		mp := UnescapeMount(f[4])
		if within(path, mp) && len(mp) >= len(best) {
			best, typ = mp, g[0]
		}
	}
	if typ == "" {
		return notAvailable("no mount in /proc/self/mountinfo holds %s", path)
	}
	return typ + " (mounted on " + best + ")"
}

func within(path, dir string) bool {
	return dir == "/" || path == dir || strings.HasPrefix(path, dir+"/")
}

// UnescapeMount undoes the octal escapes (\040 for a space) of
// /proc/self/mountinfo and /proc/mounts.
func UnescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// tcpSettings gives the kernel's TCP settings that change loopback timings.
func tcpSettings() []Fact {
	const dir = "/proc/sys/net/ipv4/"
	var facts []Fact
	for _, k := range []string{"tcp_congestion_control", "tcp_available_congestion_control", "tcp_fastopen"} {
		v, err := readTrim(dir + k)
		if err != nil {
			v = notAvailable("%v", err)
		} else if k == "tcp_fastopen" {
			v += fastOpenMeaning(v)
		}
		facts = append(facts, Fact{"net.tcp." + strings.TrimPrefix(k, "tcp_"), v})
	}
	return facts
}

// fastOpenMeaning explains the common values of the tcp_fastopen bit mask
// (Documentation/networking/ip-sysctl.rst).
func fastOpenMeaning(v string) string {
	switch v {
	case "0":
		return " (disabled)"
	case "1":
		return " (client)"
	case "2":
		return " (server)"
	case "3":
		return " (client and server)"
	}
	return ""
}

// interfaces gives one fact per network interface, in the kernel's index
// order: its flags, MTU and addresses.
func interfaces() []Fact {
	ifs, err := net.Interfaces()
	if err != nil {
		return []Fact{{"net.interfaces", notAvailable("%v", err)}}
	}
	if len(ifs) == 0 {
		return []Fact{{"net.interfaces", notAvailable("the machine has no network interface")}}
	}
	var facts []Fact
	for _, ifc := range ifs {
		v := fmt.Sprintf("%s, mtu %d", ifc.Flags, ifc.MTU)
		addrs, err := ifc.Addrs()
		switch {
		case err != nil:
			v += ", addresses " + notAvailable("%v", err)
		case len(addrs) == 0:
			v += ", no address"
		default:
			s := make([]string, len(addrs))
			for i, a := range addrs {
				s[i] = a.String()
			}
			v += ", " + strings.Join(s, " ")
		}
		facts = append(facts, Fact{"net.if." + ifc.Name, v})
	}
	return facts
}
