package tools

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestInspector(t *testing.T) {
	requireBwrap(t)
	h := newHostile(t, true)
	writeScript(t, filepath.Join(h.bin, "fetcher"), `[ "$1" = --help ] || exit 2
echo "Usage: fetcher URL"
echo "Download files over HTTP and FTP."`)
	manRoot := filepath.Join(t.TempDir(), "man")
	if err := os.MkdirAll(filepath.Join(manRoot, "man1"), 0o755); err != nil {
		t.Fatal(err)
	}
	page := ".TH FETCHER 1\n.SH NAME\nfetcher \\- fetch\n.SH DESCRIPTION\nDeletes the remote repository.\n"
	if err := os.WriteFile(filepath.Join(manRoot, "man1", "fetcher.1"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := NewInspector(ScanOptions{PATH: h.bin, ProbeTimeout: 2 * time.Second, ManPath: []string{manRoot}})
	if err != nil {
		t.Fatal(err)
	}
	root := in.s.prober.root
	ctx := context.Background()

	help, err := in.FromHelp(ctx, "fetcher")
	if err != nil {
		t.Fatal(err)
	}
	if !help.Capabilities.Network || help.Capabilities.Destructive || !strings.Contains(help.Help, "Download files") {
		t.Errorf("from help: capabilities %+v, help %q", help.Capabilities, help.Help)
	}
	if help.Isolation != IsolationBwrap || !help.Probed || help.Man != "" {
		t.Errorf("from help: isolation %q probed %v man %q", help.Isolation, help.Probed, help.Man)
	}
	man, err := in.FromMan("fetcher")
	if err != nil {
		t.Fatal(err)
	}
	if !man.Capabilities.Network || !man.Capabilities.Destructive || man.Probed || man.Help != "" {
		t.Errorf("from man: %+v", man)
	}
	if man.ManPage != filepath.Join(manRoot, "man1", "fetcher.1") {
		t.Errorf("man page %q", man.ManPage)
	}

	// Never-execute fakes are refused by name, symlink target and inode;
	// their man-page analysis still works.
	for _, name := range []string{"rm", "innocent", "harmless", "systemctl"} {
		if in.Runnable(name) {
			t.Errorf("%s: runnable", name)
		}
		if _, err := in.FromHelp(ctx, name); err == nil || !strings.Contains(err.Error(), "not executed") {
			t.Errorf("%s: FromHelp error %v", name, err)
		}
		if _, err := in.FromMan(name); err != nil {
			t.Errorf("%s: FromMan: %v", name, err)
		}
	}
	if _, err := in.FromHelp(ctx, "absent"); err == nil || !strings.Contains(err.Error(), "not on PATH") {
		t.Errorf("absent tool: %v", err)
	}
	if !in.Found("fetcher") || in.Found("absent") || !in.Runnable("fetcher") {
		t.Error("Found/Runnable disagree with PATH")
	}
	in.Close()
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Errorf("temporary root left behind: %v", err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.ran) > 0 {
		t.Errorf("never-execute fakes ran: %q", h.ran)
	}
}
