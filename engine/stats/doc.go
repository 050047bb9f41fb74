// Package stats computes the descriptive statistics, hypothesis tests,
// effect sizes, confidence intervals and power analyses that tcpreport
// reports, with the semantics of SciPy and statsmodels (checked against
// them by fixtures in testdata/, written by testdata/gen.py).
//
// Every function validates its input: NaN, ±Inf, empty samples or samples
// too small for the statistic give an *Error that wraps one of the Err*
// sentinels, never a panic and never a NaN result. Samples are never
// modified; functions that need order statistics sort a copy. Outliers are
// flagged and counted, never dropped.
//
// Compare computes everything 'tcpreport analyze' prints for two samples,
// including the choice of test (Shapiro–Wilk on both samples, then Levene,
// then Student or Welch; Mann–Whitney otherwise) with every assumption check
// it made. Randomness (the bootstrap) is seeded and uses math/rand/v2's PCG;
// results do not depend on GOMAXPROCS.
package stats
