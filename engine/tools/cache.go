package tools

import (
	"bufio"
	"encoding/gob"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
)

// cacheFormat names the cache file's layout and the analysis that filled
// it; bump it when either changes so that old entries are not served.
const cacheFormat = "tcpreport/engine/tools cache v1"

// Cache remembers what Scan learned about each executable, keyed by the
// executable's resolved path, size, modification time and inode (plus the
// device), by the name, aliases and category it was analysed under, and by
// the probe settings (timeout, output cap, isolation). A changed binary, a
// new alias or other settings make a miss. It is safe for concurrent use.
type Cache struct {
	path     string
	mu       sync.Mutex
	entries  map[string]cacheEntry
	warnings []string
	hits     int
	misses   int
	dirty    bool
}

// fileKey identifies one version of an executable.
type fileKey struct {
	Path    string
	Size    int64
	MtimeNs int64
	Inode   uint64
	Dev     uint64
}

// keyOf returns the key of the file at path described by fi.
func keyOf(path string, fi fs.FileInfo) fileKey {
	k := fileKey{Path: path, Size: fi.Size(), MtimeNs: fi.ModTime().UnixNano()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		k.Inode, k.Dev = st.Ino, uint64(st.Dev)
	}
	return k
}

type cacheEntry struct {
	File     fileKey
	Settings string
	Tool     Tool
}

type cacheFile struct {
	Format  string
	Entries map[string]cacheEntry
}

// NewCache returns an empty cache that Save writes to path ("" for a cache
// that lives in memory only).
func NewCache(path string) *Cache {
	return &Cache{path: path, entries: make(map[string]cacheEntry)}
}

// LoadCache reads the cache file at path. A missing file gives an empty
// cache. A file that cannot be decoded or has another format also gives an
// empty cache, with a warning (Warnings) saying so; the next Save replaces
// it. Other errors (permissions) are returned.
func LoadCache(path string) (*Cache, error) {
	c := NewCache(path)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("tool cache: %w", err)
	}
	defer f.Close()
	var cf cacheFile
	if err := gob.NewDecoder(bufio.NewReaderSize(f, 1<<20)).Decode(&cf); err != nil {
		c.warnings = append(c.warnings, fmt.Sprintf("tool cache %s is unreadable (%v); starting empty", path, err))
		return c, nil
	}
	if cf.Format != cacheFormat {
		c.warnings = append(c.warnings, fmt.Sprintf("tool cache %s has format %q, not %q; starting empty", path, cf.Format, cacheFormat))
		return c, nil
	}
	if cf.Entries != nil {
		c.entries = cf.Entries
	}
	return c, nil
}

// Save writes the cache to its file atomically (a temporary file renamed
// over it). A cache without a file, or unchanged since loading, is not
// written.
func (c *Cache) Save() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.path == "" || !c.dirty {
		return nil
	}
	dir := filepath.Dir(c.path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("tool cache: %w", err)
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(c.path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("tool cache: %w", err)
	}
	w := bufio.NewWriterSize(tmp, 1<<20)
	err = gob.NewEncoder(w).Encode(cacheFile{Format: cacheFormat, Entries: c.entries})
	if err == nil {
		err = w.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), c.path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("tool cache %s: %w", c.path, err)
	}
	c.dirty = false
	return nil
}

// Path returns the file the cache is saved to.
func (c *Cache) Path() string { return c.path }

// Len returns the number of cached tools.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// Stats returns the hits and misses of every Scan that used the cache.
func (c *Cache) Stats() (hits, misses int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.misses
}

// Warnings returns what went wrong while loading the cache.
func (c *Cache) Warnings() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.warnings)
}

// entryKey names a tool in the cache: resolved path, name, aliases and
// category.
func entryKey(t *Tool) string {
	return strings.Join([]string{t.Path, t.Name, strings.Join(t.Aliases, ","), string(t.Category)}, "\x00")
}

// get returns the cached tool for t when file and settings match.
func (c *Cache) get(t *Tool, file fileKey, settings string) (Tool, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[entryKey(t)]
	if !ok || e.File != file || e.Settings != settings {
		c.misses++
		return Tool{}, false
	}
	c.hits++
	return e.Tool, true
}

// put stores t.
func (c *Cache) put(t *Tool, file fileKey, settings string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[entryKey(t)] = cacheEntry{File: file, Settings: settings, Tool: *t}
	c.dirty = true
}
