package stats

import (
	"math"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"
)

// The distribution functions the tests need, on gonum's special functions.
// Survival functions are computed directly, not as 1 − CDF, so that small
// p-values keep their relative precision.

// normSF is P(Z > z) for a standard normal Z.
func normSF(z float64) float64 { return 0.5 * math.Erfc(z/math.Sqrt2) }

// normCDF is P(Z ≤ z) for a standard normal Z.
func normCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

// normQuantile is Φ⁻¹(p).
func normQuantile(p float64) float64 { return mathext.NormalQuantile(p) }

// tCDF is P(T ≤ t) for Student's t with df degrees of freedom (df > 0,
// not necessarily an integer).
func tCDF(t, df float64) float64 {
	if t == 0 {
		return 0.5
	}
	x := df / (df + t*t)
	tail := 0.5 * mathext.RegIncBeta(df/2, 0.5, x)
	if t < 0 {
		return tail
	}
	return 1 - tail
}

// tTwoSided is the two-sided p-value 2·P(T ≥ |t|), as SciPy's
// 2*stdtr(df, -|t|).
func tTwoSided(t, df float64) float64 {
	if math.IsInf(t, 0) {
		return 0
	}
	return 2 * tCDF(-math.Abs(t), df)
}

// tQuantile is the p-quantile of Student's t with df degrees of freedom.
func tQuantile(p, df float64) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(p)
}

// fSF is P(F > x) for Snedecor's F with d1 and d2 degrees of freedom.
func fSF(x, d1, d2 float64) float64 {
	if x <= 0 {
		return 1
	}
	return mathext.RegIncBeta(d2/2, d1/2, d2/(d2+d1*x))
}

// binomCDF is P(B ≤ k) for B ~ Binomial(n, p).
func binomCDF(k, n int, p float64) float64 {
	switch {
	case k < 0:
		return 0
	case k >= n:
		return 1
	}
	return mathext.RegIncBeta(float64(n-k), float64(k+1), 1-p)
}

// nctCDF is P(T ≤ t) for the noncentral t distribution with df degrees of
// freedom and noncentrality nc (Lenth's AS 243, as gonum implements it).
func nctCDF(t, df, nc float64) float64 {
	return distuv.NoncentralT{Nu: df, Mu: nc}.CDF(t)
}

// nctSF is P(T > t) for the noncentral t distribution. By symmetry,
// P(T > t | nc) = P(T < −t | −nc), which keeps precision in the upper tail.
func nctSF(t, df, nc float64) float64 {
	return nctCDF(-t, df, -nc)
}

// brent finds a root of f in [a, b], where f(a) and f(b) differ in sign,
// to within tol (Brent's method: inverse quadratic interpolation, secant
// steps and bisection).
func brent(f func(float64) float64, a, b, tol float64) (float64, bool) {
	fa, fb := f(a), f(b)
	if fa == 0 {
		return a, true
	}
	if fb == 0 {
		return b, true
	}
	if math.Signbit(fa) == math.Signbit(fb) {
		return 0, false
	}
	c, fc := a, fa
	d := b - a
	e := d
	for range 200 {
		if math.Signbit(fb) == math.Signbit(fc) {
			c, fc = a, fa
			d = b - a
			e = d
		}
		if math.Abs(fc) < math.Abs(fb) {
			a, b, c = b, c, b
			fa, fb, fc = fb, fc, fb
		}
		tol1 := 2*0x1p-52*math.Abs(b) + tol/2
		m := (c - b) / 2
		if math.Abs(m) <= tol1 || fb == 0 {
			return b, true
		}
		if math.Abs(e) >= tol1 && math.Abs(fa) > math.Abs(fb) {
			var p, q float64
			s := fb / fa
			if a == c {
				p, q = 2*m*s, 1-s
			} else {
				t, r := fa/fc, fb/fc
				p = s * (2*m*t*(t-r) - (b-a)*(r-1))
				q = (t - 1) * (r - 1) * (s - 1)
			}
			if p > 0 {
				q = -q
			} else {
				p = -p
			}
			if 2*p < min(3*m*q-math.Abs(tol1*q), math.Abs(e*q)) {
				e, d = d, p/q
			} else {
				d, e = m, m
			}
		} else {
			d, e = m, m
		}
		a, fa = b, fb
		if math.Abs(d) > tol1 {
			b += d
		} else {
			b += math.Copysign(tol1, m)
		}
		fb = f(b)
	}
	return b, true
}
