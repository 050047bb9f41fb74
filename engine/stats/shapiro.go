package stats

import "math"

// shapiroMaxN is the largest sample for which Royston's approximation of
// the p-value is valid.
const shapiroMaxN = 5000

// ShapiroWilk tests the null hypothesis that x was drawn from a normal
// distribution: W and its p-value by Royston's algorithm AS R94 (1995), for
// 3 ≤ n ≤ 5000, as scipy.stats.shapiro computes them (the double-precision
// translation SciPy uses since 1.11: AS 111 normal quantiles for the
// coefficients, AS 66 for the normal tail). Small p-values reject
// normality.
//
// Data whose values are all equal have no W: the error wraps
// ErrZeroVariance (SciPy warns and returns W = 1, p = 1). Samples larger
// than 5000 give ErrTooMany (SciPy warns that the p-value may be
// inaccurate).
func ShapiroWilk(x []float64) (Test, error) {
	const fn = "ShapiroWilk"
	if err := check(fn, x, 3); err != nil {
		return Test{}, err
	}
	if len(x) > shapiroMaxN {
		return Test{}, errorf(fn, ErrTooMany, "n = %d: Royston's p-value approximation is valid for 3 ≤ n ≤ %d; normality cannot be checked this way", len(x), shapiroMaxN)
	}
	return shapiroSorted(fn, sortedCopy(x))
}

// shapiroSorted is ShapiroWilk on sorted, finite s with 3 ≤ n ≤ 5000; it
// does not modify s.
func shapiroSorted(fn string, s []float64) (Test, error) {
	n := len(s)
	if s[0] == s[n-1] {
		return Test{}, errorf(fn, ErrZeroVariance, "all %d values are equal (%g); W is undefined", n, s[0])
	}
	// Centre on the median, which loses no precision in W and keeps the
	// coefficients' arithmetic away from large offsets.
	med := medianSorted(s)
	y := make([]float64, n)
	for i, v := range s {
		y[i] = v - med
	}
	if r := y[n-1] - y[0]; r < 1e-10 {
		// W is scale invariant; rescale tiny ranges (as R does) so that the
		// algorithm's zero-range guard (1e-19) cannot trip.
		for i := range y {
			y[i] /= r
		}
	}
	w, p := swilk(y, false)
	return Test{Name: "Shapiro-Wilk", Statistic: w, P: p}, nil
}

// swilkFloat is the precision swilk computes in.
type swilkFloat interface{ ~float32 | ~float64 }

// swilk returns W and its p-value for sorted x, 3 ≤ len(x), following
// AS R94 (Royston 1995, Applied Statistics 44(4), 547–551) statement by
// statement, without the censoring branch.
//
// With F = float32 and legacy set it reproduces SciPy ≤ 1.10, which runs
// the original single-precision Fortran (swilk.f): constants of 5 to 7
// digits and PW = 6/π·(asin √W − π/3) for n = 3. Tests use that mode to
// check this port against the SciPy that Debian ships, bit for bit where
// the C library's single-precision functions round correctly. Production
// uses F = float64 without legacy, as SciPy ≥ 1.11 does.
func swilk[F swilkFloat](x []F, legacy bool) (w, pw float64) {
	sqrt := func(v F) F { return F(math.Sqrt(float64(v))) }
	log := func(v F) F { return F(math.Log(float64(v))) }
	exp := func(v F) F { return F(math.Exp(float64(v))) }

	var (
		c1 = []F{0.0, 0.221157, -0.147981, -2.071190, 4.434685, -2.706056}
		c2 = []F{0.0, 0.042981, -0.293762, -1.752461, 5.682633, -3.582633}
		c3 = []F{0.5440, -0.39978, 0.025054, -6.714e-4}
		c4 = []F{1.3822, -0.77857, 0.062767, -0.0020322}
		c5 = []F{-1.5861, -0.31082, -0.083751, 0.0038915}
		c6 = []F{-0.4803, -0.082676, 0.0030302}
		g  = []F{-2.273, 0.459}
	)
	var sqrth, pi6, stqr F = math.Sqrt2 / 2, 6 / math.Pi, math.Pi / 3
	if legacy {
		sqrth, pi6, stqr = 0.70711, 1.909859, 1.047198
	}
	const small = 1e-19

	n := len(x)
	nn2 := n / 2
	an := F(n)
	a := make([]F, nn2)
	if n == 3 {
		a[0] = sqrth
	} else {
		an25 := an + 0.25
		var summ2 F
		for i := range a {
			a[i] = ppnd((F(i+1) - 0.375) / an25)
			summ2 += a[i] * a[i]
		}
		summ2 *= 2
		ssumm2 := sqrt(summ2)
		rsn := 1 / sqrt(an)
		a1 := poly(c1, rsn) - a[0]/ssumm2
		i1 := 1
		var fac F
		if n > 5 {
			i1 = 2
			a2 := -a[1]/ssumm2 + poly(c2, rsn)
			fac = sqrt((summ2 - 2*(a[0]*a[0]) - 2*(a[1]*a[1])) / (1 - 2*(a1*a1) - 2*(a2*a2)))
			a[1] = a2
		} else {
			fac = sqrt((summ2 - 2*(a[0]*a[0])) / (1 - 2*(a1*a1)))
		}
		a[0] = a1
		for i := i1; i < nn2; i++ {
			a[i] = -a[i] / fac
		}
	}

	rng := x[n-1] - x[0]
	if rng < small {
		return 1, 1 // ifault 6; callers rule this out
	}
	// coef is the i-th (0-based) coefficient of the full antisymmetric
	// vector, with j = n−1−i its mirror; SIGN(1, I−J)·A(MIN(I, J)).
	coef := func(i, j int) F {
		if i < j {
			return -a[i]
		}
		return a[j]
	}
	xx := x[0] / rng
	sx := xx
	sa := -a[0]
	for i, j := 1, n-2; i < n; i, j = i+1, j-1 {
		xi := x[i] / rng
		sx += xi
		if i != j {
			sa += coef(i, j)
		}
	}
	sa /= F(n)
	sx /= F(n)
	var ssa, ssx, sax F
	for i, j := 0, n-1; i < n; i, j = i+1, j-1 {
		var asa F
		if i != j {
			asa = coef(i, j) - sa
		} else {
			asa = -sa
		}
		xsx := x[i]/rng - sx
		ssa += asa * asa
		ssx += xsx * xsx
		sax += asa * xsx
	}
	// w1 is 1 − W, computed so as to avoid rounding error for W near 1.
	ssassx := sqrt(ssa * ssx)
	w1 := (ssassx - sax) * (ssassx + sax) / (ssa * ssx)
	wf := 1 - w1

	if n == 3 {
		if legacy {
			return float64(wf), float64(pi6 * (F(math.Asin(float64(sqrt(wf)))) - stqr))
		}
		// The exact distribution; W ≥ 3/4 in theory, clamped against
		// rounding (SciPy gh-18322).
		if wf < 0.75 {
			return 0.75, 0
		}
		return float64(wf), float64(1 - pi6*F(math.Acos(float64(sqrt(wf)))))
	}
	y := log(w1)
	lxx := log(an)
	var m, s F
	if n <= 11 {
		gamma := poly(g, an)
		if y >= gamma {
			return float64(wf), float64(F(small))
		}
		y = -log(gamma - y)
		m = poly(c3, an)
		s = exp(poly(c4, an))
	} else {
		m = poly(c5, lxx)
		s = exp(poly(c6, lxx))
	}
	return float64(wf), float64(F(alnorm(float64((y-m)/s), true)))
}

// poly evaluates the polynomial c[0] + c[1]·x + ... in AS 181.2's order of
// operations.
func poly[F swilkFloat](c []F, x F) F {
	r := c[0]
	if len(c) == 1 {
		return r
	}
	p := x * c[len(c)-1]
	for j := len(c) - 2; j > 0; j-- {
		p = (p + c[j]) * x
	}
	return r + p
}

// ppnd is the normal quantile of AS 111 (Beasley and Springer 1977), the
// approximation AS R94 uses for its coefficients.
func ppnd[F swilkFloat](p F) F {
	const split = 0.42
	q := p - 0.5
	if F(math.Abs(float64(q))) <= split {
		r := q * q
		return q * (((-25.44106049637*r+41.39119773534)*r+-18.61500062529)*r + 2.50662823884) /
			((((3.13082909833*r+-21.06224101826)*r+23.08336743743)*r+-8.47351093090)*r + 1)
	}
	r := p
	if q > 0 {
		r = 1 - p
	}
	if r <= 0 {
		return 0
	}
	r = F(math.Sqrt(-float64(F(math.Log(float64(r))))))
	v := (((2.32121276858*r+4.85014127135)*r+-2.29796479134)*r + -2.78718931138) /
		((1.63706781897*r+3.54388924762)*r + 1)
	if q < 0 {
		return -v
	}
	return v
}

// alnorm is the normal tail area of AS 66 (Hill 1973): P(Z > x) when upper,
// P(Z < x) otherwise. AS R94 uses it for the p-value.
func alnorm(x float64, upper bool) float64 {
	const (
		ltone, utzero, con = 7.0, 38.0, 1.28

		a1, a2, a3, a4, a5, a6, a7 = 0.398942280444, 0.399903438504, 5.75885480458,
			29.8213557808, 2.62433121679, 48.6959930692, 5.92885724438
		b1, b2, b3, b4, b5, b6 = 0.398942280385, 3.8052e-8, 1.00000615302,
			3.98064794e-4, 1.98615381364, 0.151679116635
		b7, b8, b9, b10, b11, b12 = 5.29330324926, 4.8385912808, 15.1508972451,
			0.742380924027, 30.789933034, 3.99019417011
	)
	up := upper
	z := x
	if z < 0 {
		up = !up
		z = -z
	}
	var t float64
	switch {
	case !(z <= ltone || up && z <= utzero):
		t = 0
	case z <= con:
		y := 0.5 * z * z
		t = 0.5 - z*(a1-a2*y/(y+a3-a4/(y+a5+a6/(y+a7))))
	default:
		y := 0.5 * z * z
		t = b1 * math.Exp(-y) / (z - b2 + b3/(z+b4+b5/(z-b6+b7/(z+b8-b9/(z+b10+b11/(z+b12))))))
	}
	if !up {
		return 1 - t
	}
	return t
}
