package stats

// Levene tests the null hypothesis that the samples come from populations
// with equal variances, on absolute deviations from each sample's mean
// (Levene 1960; scipy.stats.levene(*samples, center="mean")). The
// statistic W follows F(k−1, N−k) under the null hypothesis.
func Levene(samples ...[]float64) (Test, error) {
	return levene("Levene", "Levene", mean, samples)
}

// BrownForsythe is Levene's test on absolute deviations from each sample's
// median (Brown and Forsythe 1974; scipy.stats.levene(*samples,
// center="median")), which is robust to non-normal data.
func BrownForsythe(samples ...[]float64) (Test, error) {
	return levene("BrownForsythe", "Brown-Forsythe", func(x []float64) float64 {
		buf := make([]float64, len(x))
		copy(buf, x)
		return median(buf)
	}, samples)
}

func levene(fn, name string, center func([]float64) float64, samples [][]float64) (Test, error) {
	k := len(samples)
	if k < 2 {
		return Test{}, errorf(fn, ErrTooFew, "%d sample(s) given; the test compares at least 2", k)
	}
	if err := checkAll(fn, samples, 1); err != nil {
		return Test{}, err
	}
	centers := make([]float64, k)
	for i, s := range samples {
		centers[i] = center(s)
	}
	return leveneCentered(fn, name, samples, centers)
}

// leveneCentered computes the test with given centres.
func leveneCentered(fn, name string, samples [][]float64, centers []float64) (Test, error) {
	k := len(samples)
	ntot := 0
	for _, s := range samples {
		ntot += len(s)
	}
	if ntot <= k {
		return Test{}, errorf(fn, ErrTooFew, "%d values in %d samples; the test needs more values than samples", ntot, k)
	}
	zbar := make([]float64, k) // mean absolute deviation of each sample
	var zbarAll float64
	z := make([]float64, 0, len(samples[0]))
	dvar := 0.0
	for i, s := range samples {
		z = z[:0]
		for _, v := range s {
			d := v - centers[i]
			if d < 0 {
				d = -d
			}
			z = append(z, d)
		}
		zbar[i] = mean(z)
		zbarAll += zbar[i] * float64(len(s))
		dvar += variance0(z, zbar[i])
	}
	zbarAll /= float64(ntot)
	var between float64
	for i, s := range samples {
		d := zbar[i] - zbarAll
		between += float64(len(s)) * d * d
	}
	numer := float64(ntot-k) * between
	denom := float64(k-1) * dvar
	if denom == 0 {
		return Test{}, errorf(fn, ErrZeroVariance, "the absolute deviations from the centres do not vary within any sample; the statistic is undefined")
	}
	w := numer / denom
	d1, d2 := float64(k-1), float64(ntot-k)
	return Test{Name: name, Statistic: w, DF: d1, DF2: d2, P: fSF(w, d1, d2)}, nil
}

// variance0 is the sum of squared deviations of x from m.
func variance0(x []float64, m float64) float64 {
	if len(x) < 2 {
		return 0
	}
	return variance(x, m) * float64(len(x)-1)
}
