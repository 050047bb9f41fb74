package tools

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
)

// DefaultDpkgInfoDir is where dpkg keeps one PACKAGE.list file of installed
// paths per package.
const DefaultDpkgInfoDir = "/var/lib/dpkg/info"

// dpkgOwners reads every *.list file in dir once and returns, for each
// path in want, the package that lists it. A missing dir (no dpkg) gives an
// empty map. Package names lose their ":arch" qualifier.
func dpkgOwners(dir string, want map[string]bool) (map[string]string, error) {
	owners := make(map[string]string)
	if len(want) == 0 {
		return owners, nil
	}
	lists, err := filepath.Glob(filepath.Join(dir, "*.list"))
	if err != nil {
		return owners, err
	}
	for _, list := range lists {
		data, err := os.ReadFile(list)
		if err != nil {
			continue // a package being removed; not worth failing the scan
		}
		pkg := strings.TrimSuffix(filepath.Base(list), ".list")
		pkg, _, _ = strings.Cut(pkg, ":")
		for len(data) > 0 {
			line := data
			if i := bytes.IndexByte(data, '\n'); i >= 0 {
				line, data = data[:i], data[i+1:]
			} else {
				data = nil
			}
			if want[string(line)] {
				if _, ok := owners[string(line)]; !ok {
					owners[string(line)] = pkg
				}
			}
		}
	}
	return owners, nil
}

// usrMergeVariants returns path and the names it has on the other side of
// the /usr merge: dpkg lists /bin/ls while the file is /usr/bin/ls.
func usrMergeVariants(path string) []string {
	out := []string{path}
	for _, p := range [][2]string{
		{"/usr/bin/", "/bin/"}, {"/usr/sbin/", "/sbin/"}, {"/usr/lib/", "/lib/"},
		{"/usr/lib64/", "/lib64/"},
	} {
		if rest, ok := strings.CutPrefix(path, p[0]); ok {
			out = append(out, p[1]+rest)
		} else if rest, ok := strings.CutPrefix(path, p[1]); ok {
			out = append(out, p[0]+rest)
		}
	}
	return out
}
