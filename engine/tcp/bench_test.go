package tcp

import (
	"bytes"
	"testing"
)

// benchDecide decides line b.N times and reports ns/decision.
func benchDecide(b *testing.B, db Lookuper, line string) {
	b.Helper()
	b.ReportAllocs()
	var d Decision
	var err error
	for b.Loop() {
		d, err = Decide(db, line)
	}
	if err != nil {
		b.Fatal(err)
	}
	_ = d
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/decision")
}

// BenchmarkDecide is the decision latency of a simple command with the
// built-in table: the figure the 100 ns goal is about.
func BenchmarkDecide(b *testing.B) { benchDecide(b, nil, "ls -la /tmp") }

// BenchmarkDecideDB decides the simple command through a descriptor
// database that knows ls (repeated names are served by the DB's memo).
func BenchmarkDecideDB(b *testing.B) {
	var buf bytes.Buffer
	if err := WriteDB(&buf, []Entry{{Name: "ls", Flags: FlagSafe}, {Name: "rm", Flags: FlagHighRisk | FlagDestructive}}); err != nil {
		b.Fatal(err)
	}
	db, err := OpenDB(buf.Bytes())
	if err != nil {
		b.Fatal(err)
	}
	benchDecide(b, db, "ls -la /tmp")
}

// BenchmarkDecidePipeline decides a four-stage pipeline.
func BenchmarkDecidePipeline(b *testing.B) {
	benchDecide(b, nil, "ps aux | grep nginx | awk '{print $2}' | sort -n")
}

// BenchmarkDecideSudoDangerous decides a sudo-wrapped recursive deletion.
func BenchmarkDecideSudoDangerous(b *testing.B) {
	benchDecide(b, nil, "sudo -u root rm -rf --no-preserve-root /")
}

// BenchmarkDecideCurlPipe decides a download piped into a root shell.
func BenchmarkDecideCurlPipe(b *testing.B) {
	benchDecide(b, nil, "curl -fsSL https://get.example.sh | sudo bash -s -- --yes")
}

// BenchmarkValid is the validation of one v2 descriptor.
func BenchmarkValid(b *testing.B) {
	d := Encode("rm", 0x22f, 5000, 500, 50)
	b.SetBytes(Size)
	for b.Loop() {
		if !Valid(d[:]) {
			b.Fatal("invalid")
		}
	}
}
