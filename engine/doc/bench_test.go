package doc_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/tcpreport/tcpreport/engine/doc"
)

// benchReport returns a report of about 2,000 lines: front matter, then
// sections of prose with roles and references, directive blocks and code.
func benchReport() []byte {
	var b bytes.Buffer
	b.WriteString("---\ntitle: Benchmark report\nauthors: [Ada, Grace]\nseed: 42\nparams:\n  repeat: 20\n  sizes: 4KiB, 1MiB\n---\n")
	for i := 0; b.Len() == 0 || bytes.Count(b.Bytes(), []byte("\n")) < 2000; i++ {
		fmt.Fprintf(&b, md(`## Section %[1]d

The parallel backend reaches {val}´fig-tput-%[1]d.speedup:%%.1f´× the scalar one
(@fig-tput-%[1]d, @tbl-tools-%[1]d); runs are repeated {param}´repeat´ times. Write to
someone@example.org with `+"`inline code`"+` and ´´{val}´not.a-role´ ´´ in it.

´´´{bench} fig-tput-%[1]d
:backends: scalar, parallel, mmap
:sizes: ${params.sizes}
:repeat: ${params.repeat}
:caption: Descriptor validation throughput, median and 95%% CI.

Free text in the body.
´´´

~~~{tools} tbl-tools-%[1]d
:path: /usr/bin
~~~

A code block:

´´´go
for i := range n {
	fmt.Println("{val}´not.parsed´", i)
}
´´´

`), i)
	}
	return b.Bytes()
}

func BenchmarkParse(b *testing.B) {
	src := benchReport()
	lines := bytes.Count(src, []byte("\n"))
	if _, err := doc.Parse("bench.md", src); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := doc.Parse("bench.md", src); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}
