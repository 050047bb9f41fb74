package quality

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// State summarises what the gates of the module in dir depend on, cheaply:
// the go command's version and the content of every .go file, go.mod,
// go.sum and every file under a testdata directory (directories starting
// with "." are left out). Two equal states give the same gates, up to the
// tools' versions and timing.
func State(ctx context.Context, dir string) (string, error) {
	if _, err := modulePath(dir); err != nil {
		return "", err
	}
	v, err := exec.CommandContext(ctx, "go", "version").Output()
	if err != nil {
		return "", fmt.Errorf("go version: %w", err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", strings.TrimSpace(string(v)))
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if p != dir && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		base := d.Name()
		if !d.Type().IsRegular() || !(strings.HasSuffix(base, ".go") || base == "go.mod" || base == "go.sum" ||
			strings.HasPrefix(rel, "testdata/") || strings.Contains(rel, "/testdata/")) {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		fmt.Fprintf(h, "%s %x\n", rel, sum)
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
