package tools

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestDpkgOwners(t *testing.T) {
	// testdata/dpkg/info holds real .list files (trimmed); the ":amd64"
	// qualified one is written here, as ':' does not belong in a module's
	// file names.
	dir := t.TempDir()
	for _, name := range []string{"coreutils.list", "mawk.list"} {
		copyFile(t, filepath.Join("testdata", "dpkg", "info", name), filepath.Join(dir, name))
	}
	copyFile(t, filepath.Join("testdata", "dpkg", "libc-bin.arch-list"), filepath.Join(dir, "libc-bin:amd64.list"))

	want := map[string]bool{}
	for _, p := range []string{"/usr/bin/ls", "/usr/bin/cp", "/usr/bin/mawk", "/usr/sbin/ldconfig", "/usr/bin/getent", "/usr/bin/nothing"} {
		for _, v := range usrMergeVariants(p) {
			want[v] = true
		}
	}
	owners, err := dpkgOwners(dir, want)
	if err != nil {
		t.Fatal(err)
	}
	check := func(path, pkg string) {
		t.Helper()
		for _, v := range usrMergeVariants(path) {
			if got, ok := owners[v]; ok {
				if got != pkg {
					t.Errorf("owner of %s = %q, want %q", path, got, pkg)
				}
				return
			}
		}
		if pkg != "" {
			t.Errorf("no owner for %s, want %q", path, pkg)
		}
	}
	check("/usr/bin/cp", "coreutils") // listed as /bin/cp
	check("/usr/bin/mawk", "mawk")
	check("/usr/sbin/ldconfig", "libc-bin") // listed as /sbin/ldconfig, arch dropped
	check("/usr/bin/getent", "libc-bin")
	check("/usr/bin/nothing", "")
	if _, ok := owners["/etc"]; ok {
		t.Errorf("an unwanted path was recorded")
	}

	empty, err := dpkgOwners(filepath.Join(dir, "missing"), want)
	if err != nil || len(empty) != 0 {
		t.Errorf("missing dir: %v %v", empty, err)
	}
}

func TestUsrMergeVariants(t *testing.T) {
	tests := map[string][]string{
		"/usr/bin/ls":   {"/usr/bin/ls", "/bin/ls"},
		"/sbin/fdisk":   {"/sbin/fdisk", "/usr/sbin/fdisk"},
		"/opt/x/bin/y":  {"/opt/x/bin/y"},
		"/usr/lib/a/b":  {"/usr/lib/a/b", "/lib/a/b"},
		"/usr/local/go": {"/usr/local/go"},
	}
	for in, want := range tests {
		if got := usrMergeVariants(in); !slices.Equal(got, want) {
			t.Errorf("usrMergeVariants(%s) = %q, want %q", in, got, want)
		}
	}
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
