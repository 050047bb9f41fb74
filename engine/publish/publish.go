// Package publish turns a finished build into its artifact bundle: it
// renders the report and writes the files with their manifest.
package publish

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/bundle"
	"github.com/tcpreport/tcpreport/engine/render"
)

// Write renders b and writes its bundle under root: root/<report>/ and
// root/<report>.tar.gz, where <report> is the report's file name without
// extension. It returns the bundle directory and its manifest.
func Write(b *engine.Build, root string, png bool) (string, *bundle.Manifest, error) {
	out, err := render.Render(&render.Input{
		Doc:     b.Plan.Doc,
		Results: b.Results,
		Prov:    b.Prov,
		Params:  b.Plan.Params,
		PNG:     png,
	})
	if err != nil {
		return "", nil, err
	}
	name := strings.TrimSuffix(b.Plan.Report, filepath.Ext(b.Plan.Report))
	files := map[string][]byte{
		name + ".md":   out.Markdown,
		name + ".html": out.HTML,
	}
	for path, data := range out.Files {
		files[path] = data
	}
	for id, res := range b.Results {
		for _, f := range res.Files {
			path := "data/" + id + "-" + f.Name
			if _, dup := files[path]; dup {
				return "", nil, fmt.Errorf("%s: file %s would overwrite a rendered table or series of the same name in the bundle", id, f.Name)
			}
			files[path] = f.Data
		}
	}
	m := &bundle.Manifest{
		Format:       1,
		Report:       name,
		Version:      b.Prov.Version,
		VCS:          b.Prov.VCS,
		RunID:        b.Prov.RunID,
		ProtocolHash: b.Prov.ProtocolHash,
		Seed:         b.Prov.Seed,
		Environment:  map[string]string{},
		Keys:         map[string]string{},
		Status:       map[string]string{},
	}
	for _, f := range b.Prov.Env {
		m.Environment[f.Name] = f.Value
	}
	for _, d := range b.Prov.Directives {
		m.Keys[d.ID] = d.Key
		m.Status[d.ID] = d.Status
	}
	dir, err := bundle.Write(root, m, files)
	if err != nil {
		return "", nil, err
	}
	return dir, m, nil
}
