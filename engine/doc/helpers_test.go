package doc_test

import "strings"

// md lets Go raw strings hold Markdown: it turns each ´ into a backtick.
func md(s string) string { return strings.ReplaceAll(s, "´", "`") }
