package render

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tcpreport/tcpreport/engine"
)

// provData is the provenance appendix of the HTML page.
type provData struct {
	Missing      bool
	RunID        string
	ProtocolHash string
	Seed         int64
	Version      string
	VCS          string
	Env          []engine.Fact
	Directives   []provRow
	Projection   bool
}

type provRow struct {
	ID, Kind, Status, Duration, Key, Where string
	RunID, FullRunID                       string
}

func (r *renderer) provData() provData {
	p := r.in.Prov
	if p == nil {
		return provData{Missing: true, Projection: r.projection}
	}
	d := provData{
		RunID:        p.RunID,
		ProtocolHash: p.ProtocolHash,
		Seed:         p.Seed,
		Version:      orUnknown(p.Version),
		VCS:          p.VCS,
		Env:          p.Env,
		Projection:   r.projection,
	}
	for _, dr := range p.Directives {
		d.Directives = append(d.Directives, provRow{
			ID:        dr.ID,
			Kind:      dr.Kind,
			Status:    dr.Status,
			RunID:     shortRun(dr.RunID),
			FullRunID: dr.RunID,
			Duration:  duration(dr.Duration),
			Key:       short(dr.Key, 12),
			Where:     where(dr),
		})
	}
	return d
}

// mdAppendix is the provenance appendix of the Markdown output.
func (r *renderer) mdAppendix() string {
	var b strings.Builder
	b.WriteString("## Appendix: Provenance\n\n")
	d := r.provData()
	if d.Missing {
		b.WriteString("**Not available:** no provenance was recorded for this build.\n")
	} else {
		vcs := "revision unknown"
		if d.VCS != "" {
			vcs = "revision " + codeSpan(d.VCS, false)
		}
		fmt.Fprintf(&b, "- **Run:** %s\n", codeSpan(d.RunID, false))
		fmt.Fprintf(&b, "- **Protocol hash:** %s\n", codeSpan(d.ProtocolHash, false))
		fmt.Fprintf(&b, "- **Seed:** %d\n", d.Seed)
		fmt.Fprintf(&b, "- **tcpreport:** %s (%s)\n", escapeText(d.Version, false), vcs)
		if len(d.Env) > 0 {
			b.WriteString("\n### Environment fingerprint\n\n")
			rows := make([][]string, len(d.Env))
			for i, f := range d.Env {
				rows[i] = []string{f.Name, f.Value}
			}
			b.WriteString(mdTable([]string{"Fact", "Value"}, rows))
			b.WriteByte('\n')
		}
		if len(d.Directives) > 0 {
			b.WriteString("\n### Directives\n\n")
			b.WriteString("| ID | Kind | Status | Run | Duration | Key | Executor/host |\n")
			b.WriteString("| --- | --- | --- | --- | ---: | --- | --- |\n")
			for _, row := range d.Directives {
				status := escapeText(row.Status, false)
				if row.Status == engine.StatusStale || row.Status == engine.StatusFailed {
					status = "**" + status + "**"
				}
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n",
					codeSpan(row.ID, true), escapeText(row.Kind, false), status,
					codeSpan(row.RunID, true), escapeText(row.Duration, false),
					codeSpan(row.Key, true), escapeText(row.Where, false))
			}
		}
	}
	if d.Projection {
		b.WriteString("\nValues marked (projection) are computed by a declared model from measured inputs; they are not measurements.\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// short returns the first n bytes of an id or hash.
func short(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// shortRun shortens a run id such as 20250102T030405Z-a075332d to its
// random suffix, which tells runs of the same second apart; other ids to
// their first 8 bytes.
func shortRun(id string) string {
	if i := strings.LastIndexByte(id, '-'); i >= 0 && len(id)-i-1 >= 4 {
		return id[i+1:]
	}
	return short(id, 8)
}

// where names the executor and host a directive ran on.
func where(d engine.DirectiveRun) string {
	switch {
	case d.Executor != "" && d.Host != "":
		return d.Executor + "@" + d.Host
	default:
		return d.Executor + d.Host
	}
}

// duration prints d with three significant digits.
func duration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Microsecond:
		return fmt.Sprintf("%dns", d.Nanoseconds())
	case d < time.Millisecond:
		return sig3(float64(d)/float64(time.Microsecond)) + "µs"
	case d < time.Second:
		return sig3(float64(d)/float64(time.Millisecond)) + "ms"
	case d < time.Minute:
		return sig3(d.Seconds()) + "s"
	default:
		return d.Round(time.Second).String()
	}
}

// sig3 prints v, in [1, 1000), with about three significant digits and
// never in exponent form.
func sig3(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}
