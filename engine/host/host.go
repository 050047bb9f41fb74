// Package host reads facts about the machine tcpreport runs on and measures
// its loopback network.
package host

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Fact is one named fact about the machine. A fact whose source is missing
// has a Value that starts with "not available: ", followed by the reason.
type Fact struct {
	Name, Value string
}

// notAvailable is the value of a fact whose source could not be read.
func notAvailable(format string, args ...any) string {
	return "not available: " + fmt.Sprintf(format, args...)
}

// fingerprintNames are the names of Fingerprint's facts, in its order.
var fingerprintNames = []string{
	"os", "arch", "kernel", "distro", "cpu.model", "cpu.cores", "mem.total", "go.version",
}

// FingerprintNames returns the names of the facts Fingerprint returns, in the
// same order. Directives whose results depend on the machine declare them.
func FingerprintNames() []string {
	return append([]string(nil), fingerprintNames...)
}

// Fingerprint returns the facts that identify the machine for cache keys, in
// the order of FingerprintNames. Only facts that stay the same from run to run
// enter it (nothing like free memory, clock frequency, uptime or the host
// name), and it only reads small files: it never starts a process.
func Fingerprint() []Fact {
	facts, _ := fingerprint()
	return facts
}

// Hostname returns the name of the machine, for provenance. It is not part of
// the fingerprint: renaming a machine does not change what it measures.
func Hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return notAvailable("%v", err)
	}
	return h
}

// machine holds the numbers behind the fingerprint's text.
type machine struct {
	cores    int   // logical CPUs, 0 if unknown
	memTotal int64 // bytes, 0 if unknown
	cpuinfo  cpuinfo
	meminfo  map[string]int64 // bytes by /proc/meminfo key
	memErr   error
}

func fingerprint() ([]Fact, machine) {
	var m machine
	m.cpuinfo = readCPUInfo()
	m.meminfo, m.memErr = readMeminfo()

	cores := m.cpuinfo.coresFact()
	if m.cpuinfo.processors > 0 {
		m.cores = m.cpuinfo.processors
	}
	mem := notAvailable("%v", m.memErr)
	if m.memErr == nil {
		if n, ok := m.meminfo["MemTotal"]; ok {
			m.memTotal = n
			mem = formatBytes(n)
		} else {
			mem = notAvailable("/proc/meminfo has no MemTotal")
		}
	}
	facts := []Fact{
		{"os", runtime.GOOS},
		{"arch", runtime.GOARCH},
		{"kernel", kernelRelease()},
		{"distro", distro()},
		{"cpu.model", m.cpuinfo.modelFact()},
		{"cpu.cores", cores},
		{"mem.total", mem},
		{"go.version", runtime.Version()},
	}
	return facts, m
}

// kernelRelease is what uname -r prints.
func kernelRelease() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return notAvailable("%v", err)
	}
	return strings.TrimSpace(string(b))
}

// distro is PRETTY_NAME of os-release(5), which is looked up in /etc first
// and then in /usr/lib.
func distro() string {
	var firstErr error
	for _, path := range []string{"/etc/os-release", "/usr/lib/os-release"} {
		b, err := os.ReadFile(path)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		for line := range strings.Lines(string(b)) {
			v, ok := strings.CutPrefix(strings.TrimSpace(line), "PRETTY_NAME=")
			if ok {
				return unquoteOSRelease(v)
			}
		}
		return notAvailable("%s has no PRETTY_NAME", path)
	}
	return notAvailable("%v", firstErr)
}

// unquoteOSRelease undoes the shell-style quoting os-release(5) allows.
func unquoteOSRelease(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		q := v[0]
		v = v[1 : len(v)-1]
		if q == '"' {
			var b strings.Builder
			for i := 0; i < len(v); i++ {
				if v[i] == '\\' && i+1 < len(v) && strings.IndexByte("\"\\$`", v[i+1]) >= 0 {
					i++
				}
				b.WriteByte(v[i])
			}
			v = b.String()
		}
	}
	return v
}

// cpuinfo is what tcpreport reads from /proc/cpuinfo.
type cpuinfo struct {
	err        error
	processors int               // "processor" entries: logical CPUs
	first      map[string]string // the first value of each key
}

func readCPUInfo() cpuinfo {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return cpuinfo{err: err}
	}
	ci := cpuinfo{first: map[string]string{}}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if k == "processor" {
			ci.processors++
		}
		if _, seen := ci.first[k]; !seen {
			ci.first[k] = v
		}
	}
	if err := sc.Err(); err != nil {
		return cpuinfo{err: err}
	}
	return ci
}

func (ci cpuinfo) modelFact() string {
	if ci.err != nil {
		return notAvailable("%v", ci.err)
	}
	// x86 writes "model name"; some ARM boards write "Model"; ARM servers
	// only give the implementer and part numbers.
	for _, k := range []string{"model name", "Model", "cpu model"} {
		if v := ci.first[k]; v != "" {
			return v
		}
	}
	impl, part := ci.first["CPU implementer"], ci.first["CPU part"]
	if impl != "" && part != "" {
		return "CPU implementer " + impl + ", part " + part
	}
	return notAvailable("/proc/cpuinfo names no CPU model")
}

func (ci cpuinfo) coresFact() string {
	if ci.err != nil {
		return notAvailable("%v", ci.err)
	}
	if ci.processors == 0 {
		return notAvailable("/proc/cpuinfo lists no processor")
	}
	return strconv.Itoa(ci.processors)
}

// readMeminfo returns /proc/meminfo's kB fields in bytes.
func readMeminfo() (map[string]int64, error) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return nil, err
	}
	m := map[string]int64{}
	for line := range strings.Lines(string(b)) {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		m[k] = n << 10
	}
	return m, nil
}

// formatBytes writes n in binary units with one decimal: "23.6 GiB".
func formatBytes(n int64) string {
	const units = "KMGTPE"
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	f := float64(n)
	i := -1
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	return fmt.Sprintf("%.1f %ciB", f, units[i])
}

// formatExact writes n in the largest binary unit that divides it: "48 KiB".
func formatExact(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for n != 0 && n%1024 == 0 && i < len(units)-1 {
		n /= 1024
		i++
	}
	return fmt.Sprintf("%d %s", n, units[i])
}
