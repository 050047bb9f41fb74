package quality

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
)

// DocCoverage counts the exported identifiers of the module's non-test,
// non-generated files outside package main, and those with a doc comment.
type DocCoverage struct {
	Exported, Documented int
	Percent              float64
	// ParseErrors are files that could not be parsed; their identifiers
	// are not counted.
	ParseErrors []string
}

// docGate measures documentation coverage with go/ast. An exported
// package-level func, type, const or var counts, and a method when its
// receiver type is exported. It is documented by its own doc comment; a
// const or var in a parenthesised group also by the group's doc comment or
// its own line comment, as go doc shows them.
func docGate(rep *Report, dir string, files []string, minPct float64) {
	th := fmt.Sprintf("≥ %g%%", minPct)
	var dc DocCoverage
	fset := token.NewFileSet()
	for _, rel := range files {
		if strings.HasSuffix(rel, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, rel), nil, parser.ParseComments)
		if err != nil {
			dc.ParseErrors = append(dc.ParseErrors, err.Error())
			continue
		}
		if f.Name.Name == "main" || ast.IsGenerated(f) {
			continue
		}
		check := func(name *ast.Ident, documented bool, what, prefix string) {
			if !name.IsExported() {
				return
			}
			dc.Exported++
			if documented {
				dc.Documented++
				return
			}
			p := fset.Position(name.Pos())
			rep.Findings = append(rep.Findings, Finding{Gate: GateDocCoverage, File: rel, Line: p.Line, Col: p.Column,
				Msg: fmt.Sprintf("exported %s %s%s has no doc comment", what, prefix, name.Name)})
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				what, prefix := "func", ""
				if d.Recv != nil {
					recv := receiverType(d.Recv)
					if recv == nil || !recv.IsExported() {
						continue
					}
					what, prefix = "method", recv.Name+"."
				}
				check(d.Name, d.Doc != nil, what, prefix)
			case *ast.GenDecl:
				grouped := d.Lparen.IsValid()
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						check(s.Name, s.Doc != nil || d.Doc != nil, "type", "")
					case *ast.ValueSpec:
						what := strings.ToLower(d.Tok.String())
						doc := s.Doc != nil || d.Doc != nil || (grouped && s.Comment != nil)
						for _, n := range s.Names {
							check(n, doc, what, "")
						}
					}
				}
			}
		}
	}
	dc.Percent = pct(dc.Documented, dc.Exported)
	rep.Docs = dc
	if len(dc.ParseErrors) > 0 {
		rep.Gates = append(rep.Gates, notAvailable(GateDocCoverage, th, "files do not parse: "+strings.Join(dc.ParseErrors, "; ")))
		return
	}
	if dc.Exported == 0 {
		rep.Gates = append(rep.Gates, notAvailable(GateDocCoverage, th, "no exported identifiers outside package main"))
		return
	}
	rep.Gates = append(rep.Gates, Gate{Name: GateDocCoverage, Value: dc.Percent, Unit: "%", Threshold: th,
		Measured: fmt.Sprintf("%d of %d exported identifiers documented (%.1f%%)", dc.Documented, dc.Exported, dc.Percent),
		Outcome:  judge(dc.Percent >= minPct)})
}

// receiverType returns the name of a method's receiver type.
func receiverType(fl *ast.FieldList) *ast.Ident {
	if len(fl.List) == 0 {
		return nil
	}
	t := fl.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
		case *ast.IndexExpr:
			t = x.X
		case *ast.IndexListExpr:
			t = x.X
		case *ast.ParenExpr:
			t = x.X
		case *ast.Ident:
			return x
		default:
			return nil
		}
	}
}
