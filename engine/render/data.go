package render

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"fmt"
	"strconv"
)

// writeData writes every table and series of every result, shown or
// hidden, as CSV under data/, so that a reader can check the numbers
// without the store.
func (r *renderer) writeData() {
	for _, bl := range r.blocks {
		id := cmp.Or(bl.b.ID, bl.b.Kind)
		for i, t := range bl.res.Tables {
			name := cmp.Or(t.Name, fmt.Sprintf("table%d", i+1))
			f := r.uniqueFile("data/", id+"-"+name, ".csv")
			r.files[f+".csv"] = tableCSV(t.Columns, t.Rows)
		}
		for i, s := range bl.res.Series {
			name := cmp.Or(s.Name, fmt.Sprintf("series%d", i+1))
			f := r.uniqueFile("data/", id+"-"+name, ".csv")
			head := "value"
			if s.Unit != "" {
				head = "value (" + s.Unit + ")"
			}
			rows := make([][]string, len(s.Values))
			for j, v := range s.Values {
				rows[j] = []string{strconv.Itoa(j), strconv.FormatFloat(v, 'g', -1, 64)}
			}
			r.files[f+".csv"] = tableCSV([]string{"index", head}, rows)
		}
	}
}

// tableCSV encodes a table with a header; rows are padded to a common
// width so that every record has the same number of fields.
func tableCSV(columns []string, rows [][]string) []byte {
	w := len(columns)
	for _, row := range rows {
		w = max(w, len(row))
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	// Writes to a bytes.Buffer cannot fail.
	_ = cw.Write(pad(columns, w))
	for _, row := range rows {
		_ = cw.Write(pad(row, w))
	}
	cw.Flush()
	return buf.Bytes()
}

func pad(row []string, w int) []string {
	if len(row) >= w {
		return row
	}
	return append(append(make([]string, 0, w), row...), make([]string, w-len(row))...)
}
