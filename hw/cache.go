package hw

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Caches are the data cache sizes of one core, in bytes, as the kernel
// reports them; 0 when a level is absent or unreadable.
type Caches struct {
	L1d, L2, L3 int64
	// Source says where the sizes were read, or why they are guesses.
	Source string
}

// SysfsCPU0 is where ReadCaches looks on Linux.
const SysfsCPU0 = "/sys/devices/system/cpu/cpu0"

// ReadCaches reads the data and unified cache sizes of cpu0 from sysfs
// (dir is SysfsCPU0 outside tests). Levels it cannot read stay 0; an error
// says that no level could be read.
func ReadCaches(dir string) (Caches, error) {
	c := Caches{Source: filepath.Join(dir, "cache/index*/{level,type,size}")}
	idx, _ := filepath.Glob(filepath.Join(dir, "cache", "index*"))
	for _, d := range idx {
		level, err1 := os.ReadFile(filepath.Join(d, "level"))
		typ, err2 := os.ReadFile(filepath.Join(d, "type"))
		size, err3 := os.ReadFile(filepath.Join(d, "size"))
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		t := strings.TrimSpace(string(typ))
		if t != "Data" && t != "Unified" {
			continue
		}
		n, err := parseCacheSize(strings.TrimSpace(string(size)))
		if err != nil {
			return c, fmt.Errorf("%s: %w", filepath.Join(d, "size"), err)
		}
		switch strings.TrimSpace(string(level)) {
		case "1":
			c.L1d = n
		case "2":
			c.L2 = n
		case "3":
			c.L3 = n
		}
	}
	if c.L1d == 0 && c.L2 == 0 && c.L3 == 0 {
		return c, fmt.Errorf("no cache sizes under %s/cache", dir)
	}
	return c, nil
}

// parseCacheSize reads sysfs's "48K", "2048K", "300M".
func parseCacheSize(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, strings.TrimSuffix(s, "G")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("cache size %q is not a size", s)
	}
	return n * mult, nil
}

// Levels of the memory hierarchy a working set is sized for.
const (
	LevelL1   = "L1"
	LevelL2   = "L2"
	LevelL3   = "L3"
	LevelDRAM = "DRAM"
)

// Size limits of the DRAM working set: large enough to leave the caches
// behind, small enough for a shared machine.
const (
	minDRAM = 256 << 20
	maxDRAM = 512 << 20
)

// DefaultSizes returns one working-set size resident in each level: half
// of L1d, half of L2, an L3 size, and a DRAM size. The L3 is shared by every
// core of the socket (and, in a virtual machine, with other tenants), so the
// L3 size is min(L3/2, 4×L2): a share one core keeps. The DRAM size is
// 4×L3 clamped to 256–512 MiB (a shared machine's memory is not ours to
// fill), and at most memAvail/8 when memAvail > 0. Where 512 MiB is less
// than 4×L3 it still behaves as DRAM: on a VM reporting a 300 MiB L3,
// 512 MiB and 1 GiB read at the same bandwidth.
// Missing levels fall back to 48 KiB, 2 MiB and 32 MiB.
func (c Caches) DefaultSizes(memAvail int64) []int64 {
	l1, l2, l3 := c.L1d, c.L2, c.L3
	if l1 <= 0 {
		l1 = 48 << 10
	}
	if l2 <= 0 {
		l2 = 2 << 20
	}
	if l3 <= 0 {
		l3 = 32 << 20
	}
	dram := min(max(4*l3, minDRAM), maxDRAM)
	if memAvail > 0 {
		dram = min(dram, memAvail/8)
	}
	return []int64{l1 / 2, l2 / 2, min(l3/2, 4*l2), dram}
}

// Level names the smallest level a working set of size bytes fits in by
// the sizes the kernel reports. A working set under the L3 size is never
// called DRAM-resident, even though other cores (or tenants) may leave it
// only part of the L3: measured here, 64 MiB of a 300 MiB L3 ran at DRAM
// speed under load and at nearly twice that when the machine was quiet.
func (c Caches) Level(size int64) string {
	switch {
	case c.L1d > 0 && size <= c.L1d:
		return LevelL1
	case c.L2 > 0 && size <= c.L2:
		return LevelL2
	case c.L3 > 0 && size <= c.L3:
		return LevelL3
	}
	return LevelDRAM
}

// MemAvailable returns MemAvailable of /proc/meminfo in bytes, 0 when it
// cannot be read.
func MemAvailable() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "MemAvailable:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}
