package stats

import (
	"fmt"
	"math"
)

// madScale makes the median absolute deviation a consistent estimator of
// the standard deviation of normal data: 1/Φ⁻¹(3/4), as
// scipy.stats.median_abs_deviation(scale="normal") uses.
const madScale = 1.482602218505602

// Fences are the bounds of an outlier rule. Values outside [Low, High] are
// flagged; nothing is removed, so that a report can count them and say
// what it did with them.
type Fences struct {
	Rule      string  // the rule, for reports, e.g. "IQR fences, k = 1.5"
	Center    float64 // the median
	Spread    float64 // the IQR, or the normal-scaled MAD
	Low, High float64
	Flagged   []int // positions in the input of the flagged values, ascending
}

// Count returns the number of flagged values.
func (f *Fences) Count() int { return len(f.Flagged) }

// IQRFences flags the values of x outside Tukey's fences
// [Q1 − k·IQR, Q3 + k·IQR], with type-7 quartiles; k = 1.5 is the usual
// choice, 3 flags only "far out" values.
func IQRFences(x []float64, k float64) (*Fences, error) {
	const fn = "IQRFences"
	if err := check(fn, x, 1); err != nil {
		return nil, err
	}
	if !(k > 0) || math.IsInf(k, 0) {
		return nil, errorf(fn, ErrParam, "k = %v must be a positive number (1.5 is usual)", k)
	}
	return iqrFences(x, sortedCopy(x), k), nil
}

func iqrFences(x, sorted []float64, k float64) *Fences {
	q1 := quantileSorted(sorted, 0.25, 7)
	q3 := quantileSorted(sorted, 0.75, 7)
	iqr := q3 - q1
	f := &Fences{
		Rule:   fmt.Sprintf("IQR fences, k = %g (quartiles type 7)", k),
		Center: medianSorted(sorted),
		Spread: iqr,
		Low:    q1 - k*iqr,
		High:   q3 + k*iqr,
	}
	f.flag(x)
	return f
}

// IQR returns the interquartile range Q3 − Q1 of x with type-7 quartiles
// (scipy.stats.iqr).
func IQR(x []float64) (float64, error) {
	if err := check("IQR", x, 1); err != nil {
		return 0, err
	}
	s := sortedCopy(x)
	return quantileSorted(s, 0.75, 7) - quantileSorted(s, 0.25, 7), nil
}

// MAD returns the median absolute deviation of x from its median, scaled by
// 1/Φ⁻¹(3/4) ≈ 1.4826 to estimate the standard deviation of normal data
// (scipy.stats.median_abs_deviation(x, scale="normal")).
func MAD(x []float64) (float64, error) {
	if err := check("MAD", x, 1); err != nil {
		return 0, err
	}
	_, mad := medianMAD(x, nil)
	return mad, nil
}

// medianMAD returns the median of x and its scaled MAD; sorted, when not
// nil, is x sorted.
func medianMAD(x, sorted []float64) (med, mad float64) {
	if sorted != nil {
		med = medianSorted(sorted)
	} else {
		buf := make([]float64, len(x))
		copy(buf, x)
		med = median(buf)
	}
	dev := make([]float64, len(x))
	for i, v := range x {
		dev[i] = math.Abs(v - med)
	}
	return med, madScale * median(dev)
}

// MADFences flags the values of x farther than k scaled MADs from the
// median: the modified z-score rule of Iglewicz and Hoaglin, who suggest
// k = 3.5. When more than half the values equal the median the MAD is zero
// and the rule cannot scale: the error wraps ErrZeroVariance.
func MADFences(x []float64, k float64) (*Fences, error) {
	const fn = "MADFences"
	if err := check(fn, x, 1); err != nil {
		return nil, err
	}
	if !(k > 0) || math.IsInf(k, 0) {
		return nil, errorf(fn, ErrParam, "k = %v must be a positive number (3.5 is usual)", k)
	}
	return madFences(x, nil, k)
}

func madFences(x, sorted []float64, k float64) (*Fences, error) {
	med, mad := medianMAD(x, sorted)
	if mad == 0 {
		return nil, errorf("MADFences", ErrZeroVariance, "the MAD is 0: at least half of the %d values equal the median %g, so the rule cannot scale; use IQR fences", len(x), med)
	}
	f := &Fences{
		Rule:   fmt.Sprintf("MAD rule, |x − median| > %g × 1.4826 MAD", k),
		Center: med,
		Spread: mad,
		Low:    med - k*mad,
		High:   med + k*mad,
	}
	f.flag(x)
	return f, nil
}

func (f *Fences) flag(x []float64) {
	for i, v := range x {
		if v < f.Low || v > f.High {
			f.Flagged = append(f.Flagged, i)
		}
	}
}
