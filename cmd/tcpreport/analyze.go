package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/tcpreport/tcpreport/engine/stats"
)

func newAnalyzeCmd(g *globals) *cobra.Command {
	var (
		asJSON bool
		alpha  float64
		seed   uint64
	)
	cmd := &cobra.Command{
		Use:   "analyze [--json] [--alpha A] [--seed N] A.txt B.txt",
		Short: "Compare two samples of measurements, such as timings",
		Long: `Analyze compares two independent samples, A and B, read from files with one
number per line (blank lines are skipped; # starts a comment). Differences
are A − B and ratios A / B, so with a baseline's timings in A and a new
method's in B, "median A / B" is the speedup.

For each sample: n, mean, standard deviation, median, quartiles (type 7),
the t interval for the mean, the order-statistic interval for the median,
outliers flagged by IQR fences (k = 1.5) and by the MAD rule (3.5 scaled
MADs) — counted and kept, never removed — and Shapiro–Wilk (Royston's
AS R94, for 3 ≤ n ≤ 5000).

For the pair: Levene (mean-centred) and Brown–Forsythe (median-centred)
tests of equal variances; Student's and Welch's t-tests; the Mann–Whitney U
test (exact for small samples without ties, else the normal approximation
with tie and continuity correction, as SciPy's "auto" decides); Cohen's d
and Hedges' g; Welch's interval for the difference of means; a percentile
bootstrap interval for the ratio of medians (10000 resamples, seeded by
--seed); the power the two-sided t-test had at --alpha for an effect of
|d|. Intervals are at 1 − alpha. P-values are two-sided. The values agree
with scipy.stats and statsmodels (see engine/stats/testdata/gen.py).

The test reported as "selected" follows the research design: if
Shapiro–Wilk rejects normality of neither sample (p > alpha), Levene
decides between Student's t (equal variances) and Welch's t; otherwise —
normality rejected, or not checkable (n < 3 or n > 5000, no spread) — the
Mann–Whitney U test. Every check is printed with its statistic and p.

With --json, one JSON object with the fields n1 n2 mean1 mean2 sd1 sd2
median1 median2 shapiro_w1 shapiro_p1 shapiro_w2 shapiro_p2 levene_w
levene_p brown_forsythe_w brown_forsythe_p student_t student_df student_p
welch_t welch_df welch_p mwu_u mwu_p mwu_method cohen_d hedges_g
mean_diff_ci_low mean_diff_ci_high median_ratio median_ratio_ci_low
median_ratio_ci_high test_selected p_selected; a field is null when the
data do not define it (say, Shapiro–Wilk for n > 5000, or t for two
constant samples). mwu_u is U of A; mwu_method is "exact" or "asymptotic";
test_selected is "student", "welch" or "mann-whitney".

Exit status: 0 on success, 1 when a file cannot be read or has a line that
is not a number (every such line is reported as file:line), 2 on a usage
error.`,
		Example: `  tcpreport analyze baseline.txt tcp.txt
  tcpreport analyze --json --alpha 0.01 --seed 7 help-ns.txt tcp-ns.txt | jq .p_selected`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usageError{fmt.Errorf("analyze: give two sample files, A and B, not %d (see 'tcpreport analyze --help')", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if !(alpha > 0 && alpha < 1) {
				return usageError{fmt.Errorf("analyze: --alpha %v is not in (0, 1); use e.g. 0.05", alpha)}
			}
			a, errA := readSamples(args[0])
			b, errB := readSamples(args[1])
			if err := errors.Join(errA, errB); err != nil {
				for _, line := range strings.Split(err.Error(), "\n") {
					fmt.Fprintln(g.stderr, "tcpreport:", line)
				}
				return errSilent
			}
			c, err := stats.Compare(a, b, alpha, seed)
			if err != nil {
				return err
			}
			if asJSON {
				return json.NewEncoder(g.stdout).Encode(analysisJSON(c))
			}
			return printAnalysis(g.stdout, c, args[0], args[1])
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object (fields listed above)")
	cmd.Flags().Float64Var(&alpha, "alpha", 0.05, "significance level; intervals are at 1 − `alpha`")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "`seed` of the bootstrap of the ratio of medians")
	return cmd
}

// readSamples reads a sample file; a file needs 2 values to be compared.
func readSamples(path string) ([]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	x, err := stats.ParseSamples(f, path)
	if err != nil {
		return nil, err
	}
	if len(x) < 2 {
		return nil, fmt.Errorf("%s: 1 value; analyze needs at least 2 per file", path)
	}
	return x, nil
}

// analysisOutput is 'analyze --json': exactly the fields of issue 4, null
// where the data do not define them.
type analysisOutput struct {
	N1                int      `json:"n1"`
	N2                int      `json:"n2"`
	Mean1             *float64 `json:"mean1"`
	Mean2             *float64 `json:"mean2"`
	SD1               *float64 `json:"sd1"`
	SD2               *float64 `json:"sd2"`
	Median1           *float64 `json:"median1"`
	Median2           *float64 `json:"median2"`
	ShapiroW1         *float64 `json:"shapiro_w1"`
	ShapiroP1         *float64 `json:"shapiro_p1"`
	ShapiroW2         *float64 `json:"shapiro_w2"`
	ShapiroP2         *float64 `json:"shapiro_p2"`
	LeveneW           *float64 `json:"levene_w"`
	LeveneP           *float64 `json:"levene_p"`
	BrownForsytheW    *float64 `json:"brown_forsythe_w"`
	BrownForsytheP    *float64 `json:"brown_forsythe_p"`
	StudentT          *float64 `json:"student_t"`
	StudentDF         *float64 `json:"student_df"`
	StudentP          *float64 `json:"student_p"`
	WelchT            *float64 `json:"welch_t"`
	WelchDF           *float64 `json:"welch_df"`
	WelchP            *float64 `json:"welch_p"`
	MWUU              *float64 `json:"mwu_u"`
	MWUP              *float64 `json:"mwu_p"`
	MWUMethod         *string  `json:"mwu_method"`
	CohenD            *float64 `json:"cohen_d"`
	HedgesG           *float64 `json:"hedges_g"`
	MeanDiffCILow     *float64 `json:"mean_diff_ci_low"`
	MeanDiffCIHigh    *float64 `json:"mean_diff_ci_high"`
	MedianRatio       *float64 `json:"median_ratio"`
	MedianRatioCILow  *float64 `json:"median_ratio_ci_low"`
	MedianRatioCIHigh *float64 `json:"median_ratio_ci_high"`
	TestSelected      *string  `json:"test_selected"`
	PSelected         *float64 `json:"p_selected"`
}

// num is v, or nil when v is not a finite number (JSON has no NaN).
func num(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func numPtr(v *float64) *float64 {
	if v == nil {
		return nil
	}
	return num(*v)
}

func analysisJSON(c *stats.Comparison) analysisOutput {
	o := analysisOutput{
		N1: c.A.N, N2: c.B.N,
		Mean1: num(c.A.Mean), Mean2: num(c.B.Mean),
		SD1: num(c.A.SD), SD2: num(c.B.SD),
		Median1: num(c.A.Median), Median2: num(c.B.Median),
		CohenD: numPtr(c.CohenD), HedgesG: numPtr(c.HedgesG),
	}
	stat := func(t *stats.Test) (s, p *float64) {
		if t == nil {
			return nil, nil
		}
		return num(t.Statistic), num(t.P)
	}
	o.ShapiroW1, o.ShapiroP1 = stat(c.ShapiroA)
	o.ShapiroW2, o.ShapiroP2 = stat(c.ShapiroB)
	o.LeveneW, o.LeveneP = stat(c.Levene)
	o.BrownForsytheW, o.BrownForsytheP = stat(c.BrownForsythe)
	o.StudentT, o.StudentP = stat(c.Student)
	o.WelchT, o.WelchP = stat(c.Welch)
	if c.Student != nil {
		o.StudentDF = num(c.Student.DF)
	}
	if c.Welch != nil {
		o.WelchDF = num(c.Welch.DF)
	}
	o.MWUU, o.MWUP = stat(c.MannWhitney)
	if c.MannWhitney != nil {
		o.MWUMethod = &c.MannWhitney.Method
	}
	if c.MeanDiffCI != nil {
		o.MeanDiffCILow, o.MeanDiffCIHigh = num(c.MeanDiffCI.Low), num(c.MeanDiffCI.High)
	}
	if r := c.MedianRatio; r != nil {
		o.MedianRatio = num(r.Estimate)
		o.MedianRatioCILow, o.MedianRatioCIHigh = num(r.Interval.Low), num(r.Interval.High)
	}
	if c.Selected.Test != "" {
		o.TestSelected = &c.Selected.Test
		o.PSelected = num(c.Selected.Result.P)
	}
	return o
}

// printAnalysis writes the human report: a column per sample, then the
// tests of the pair, then the selected test and why.
func printAnalysis(w io.Writer, c *stats.Comparison, nameA, nameB string) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	level := fmt.Sprintf("%g%%", 100*(1-c.Alpha))
	row := func(label string, a, b string) { fmt.Fprintf(tw, "%s\t%s\t%s\n", label, a, b) }
	each := func(label string, f func(s stats.Summary) string) { row(label, f(c.A), f(c.B)) }

	row("", nameA, nameB)
	row("n", fmt.Sprint(c.A.N), fmt.Sprint(c.B.N))
	each("mean ± sd", func(s stats.Summary) string { return g4(s.Mean) + " ± " + g4(s.SD) })
	each("  "+level+" CI (t)", func(s stats.Summary) string { return interval(s.MeanCI) })
	each("median", func(s stats.Summary) string { return g4(s.Median) })
	each("  "+level+" CI (order stat.)", func(s stats.Summary) string {
		if s.MedianCI == nil {
			return "—"
		}
		return interval(s.MedianCI) + fmt.Sprintf(" (%.1f%%)", 100*s.MedianCI.Level)
	})
	each("quartiles (type 7)", func(s stats.Summary) string { return g4(s.Q1) + " … " + g4(s.Q3) })
	each("min … max", func(s stats.Summary) string { return g4(s.Min) + " … " + g4(s.Max) })
	each("outliers (kept)", func(s stats.Summary) string {
		mad := "—"
		if s.MADFences != nil {
			mad = fmt.Sprint(s.MADFences.Count())
		}
		return fmt.Sprintf("%d IQR, %s MAD", s.IQRFences.Count(), mad)
	})
	row("Shapiro-Wilk", testCell(c.ShapiroA, "W"), testCell(c.ShapiroB, "W"))
	fmt.Fprintln(tw)

	pair := func(label, value string) { fmt.Fprintf(tw, "%s\t%s\n", label, value) }
	pair("Levene (mean)", testCell(c.Levene, "W"))
	pair("Brown-Forsythe (median)", testCell(c.BrownForsythe, "W"))
	pair("Student t", testCell(c.Student, "t"))
	pair("Welch t", testCell(c.Welch, "t"))
	pair("Mann-Whitney U", testCell(c.MannWhitney, "U"))
	if c.CohenD != nil {
		pair("Cohen's d", fmt.Sprintf("%s (%s); Hedges' g %s", g4(*c.CohenD), stats.CohenLabel(*c.CohenD), g4(*c.HedgesG)))
	} else {
		pair("Cohen's d", "—")
	}
	if c.MeanDiffCI != nil {
		pair("mean A − B", fmt.Sprintf("%s, %s CI %s (%s)", g4(c.A.Mean-c.B.Mean), level, interval(c.MeanDiffCI), c.MeanDiffCI.Method))
	} else {
		pair("mean A − B", g4(c.A.Mean-c.B.Mean)+", CI —")
	}
	if r := c.MedianRatio; r != nil {
		pair("median A / B", fmt.Sprintf("%s, %s CI %s (%s)", g4(r.Estimate), level, interval(&r.Interval), r.Interval.Method))
	} else {
		pair("median A / B", "—")
	}
	if c.AchievedPower != nil {
		pair("achieved power", fmt.Sprintf("%.3g (two-sided t, alpha %g, |d| %s)", *c.AchievedPower, c.Alpha, g4(math.Abs(*c.CohenD))))
	} else {
		pair("achieved power", "—")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	s := c.Selected
	fmt.Fprintf(w, "\nselected: %s, p %.3g\n  %s\n", s.Result.Name, s.Result.P, s.Reason)
	if len(c.Missing) > 0 {
		fmt.Fprintln(w, "\nnot computable:")
		for _, m := range c.Missing {
			fmt.Fprintf(w, "  %s: %v\n", m.What, m.Err)
		}
	}
	return nil
}

// g4 formats a value to 4 significant digits.
func g4(v float64) string { return fmt.Sprintf("%.4g", v) }

func interval(iv *stats.Interval) string {
	if iv == nil {
		return "—"
	}
	return "[" + g4(iv.Low) + ", " + g4(iv.High) + "]"
}

// testCell is a test's statistic, df and p on one line, or a dash.
func testCell(t *stats.Test, stat string) string {
	if t == nil {
		return "—"
	}
	s := stat + " " + g4(t.Statistic)
	if t.DF != 0 && t.DF2 == 0 {
		s += ", df " + g4(t.DF)
	}
	s += fmt.Sprintf(", p %.3g", t.P)
	if t.Method != "" {
		s += " (" + t.Method + ")"
	}
	return s
}
