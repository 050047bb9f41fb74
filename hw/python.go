package hw

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// DefaultPython is the interpreter of the Python peer: Debian's own, not
// whichever python3 comes first on PATH (a pyenv or venv build would
// measure a different interpreter from run to run).
const DefaultPython = "/usr/bin/python3"

//go:embed peer.py
var peerScript []byte

// Peer is the result of the Python peer: the reference implementation's
// per-descriptor path (struct unpack, zlib.crc32, a plain loop).
type Peer struct {
	// Interpreter is the python3 that ran, Version its version.
	Interpreter string `json:"interpreter"`
	Version     string `json:"version,omitempty"`
	// NotAvailable, when set, says why there is no figure.
	NotAvailable string `json:"not_available,omitempty"`
	// Descriptors is how many records of File each pass validated.
	Descriptors int    `json:"descriptors,omitempty"`
	File        string `json:"file,omitempty"`
	// Rate is in descriptors/s, one sample per pass.
	Rate            Stat    `json:"rate"`
	NsPerDescriptor float64 `json:"ns_per_descriptor,omitempty"`
}

// runPeer runs the peer script with python over the first limit records of
// the database at dbPath, repeat passes; want is the number of those
// records that are valid. Problems become NotAvailable: the peer is a
// reference point, not the subject of the benchmark.
func runPeer(ctx context.Context, python, dbPath string, limit, repeat, want int, tmp string) Peer {
	p := Peer{Interpreter: python, File: filepath.Base(dbPath)}
	if _, err := os.Stat(python); err != nil {
		p.NotAvailable = fmt.Sprintf("no Python interpreter at %s (%v)", python, errors.Unwrap(err))
		return p
	}
	dir, err := os.MkdirTemp(tmp, "tcpreport-peer-")
	if err != nil {
		p.NotAvailable = fmt.Sprintf("cannot write the peer script: %v", err)
		return p
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "peer.py")
	if err := os.WriteFile(script, peerScript, 0o644); err != nil {
		p.NotAvailable = fmt.Sprintf("cannot write the peer script: %v", err)
		return p
	}
	cmd := exec.CommandContext(ctx, python, "-S", "-E", script, dbPath, fmt.Sprint(limit), fmt.Sprint(repeat))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		p.NotAvailable = fmt.Sprintf("the peer failed: %v: %s", err, strings.TrimSpace(stderr.String()))
		return p
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	var samples []float64
	for line := 0; sc.Scan(); line++ {
		if line == 0 {
			var hdr struct {
				Python      string `json:"python"`
				Descriptors int    `json:"descriptors"`
			}
			if err := json.Unmarshal(sc.Bytes(), &hdr); err != nil || hdr.Descriptors <= 0 {
				p.NotAvailable = fmt.Sprintf("the peer printed %q, not its header", sc.Text())
				return p
			}
			p.Version, p.Descriptors = hdr.Python, hdr.Descriptors
			continue
		}
		var pass struct {
			Valid   int     `json:"valid"`
			Seconds float64 `json:"seconds"`
		}
		if err := json.Unmarshal(sc.Bytes(), &pass); err != nil || pass.Seconds <= 0 {
			p.NotAvailable = fmt.Sprintf("the peer printed %q, not a timed pass", sc.Text())
			return p
		}
		if pass.Valid != want {
			p.NotAvailable = fmt.Sprintf("the peer counted %d valid descriptors of %d, Go counts %d: it does not validate the same way", pass.Valid, p.Descriptors, want)
			return p
		}
		samples = append(samples, float64(p.Descriptors)/pass.Seconds)
	}
	if len(samples) != repeat {
		p.NotAvailable = fmt.Sprintf("the peer timed %d passes, not %d", len(samples), repeat)
		return p
	}
	p.Rate = NewStat(samples)
	p.NsPerDescriptor = 1e9 / p.Rate.Median
	return p
}
