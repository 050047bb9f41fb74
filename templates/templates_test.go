package templates

import (
	"html/template"
	"regexp"
	"testing"
)

func TestFS(t *testing.T) {
	if _, err := template.ParseFS(FS, "report.html.tmpl"); err != nil {
		t.Fatalf("report.html.tmpl: %v", err)
	}
	css, err := FS.ReadFile("style.css")
	if err != nil {
		t.Fatal(err)
	}
	if len(css) == 0 {
		t.Error("style.css is empty")
	}
}

// TestSelfContained checks that neither file names anything outside the
// page: a report must open offline and leak nothing when opened.
func TestSelfContained(t *testing.T) {
	external := regexp.MustCompile(`(?i)(https?:|ftp:|//[a-z0-9.-]+\.[a-z]{2,}|@import|url\()`)
	for _, name := range []string{"report.html.tmpl", "style.css"} {
		b, err := FS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if m := external.Find(b); m != nil {
			t.Errorf("%s refers to an external resource: %q", name, m)
		}
	}
}
