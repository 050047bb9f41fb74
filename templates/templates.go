// Package templates holds the embedded HTML template and style sheet the
// renderer uses for self-contained HTML reports.
package templates

import "embed"

// FS holds report.html.tmpl, the page template, and style.css, the style
// sheet the renderer inlines into every page.
//
//go:embed report.html.tmpl style.css
var FS embed.FS
