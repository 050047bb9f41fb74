#!/usr/bin/python3
"""Writes the reference values engine/stats is tested against.

Run with Debian's Python and its python3-scipy / python3-statsmodels
packages (installed by `make deps`):

    /usr/bin/python3 engine/stats/testdata/gen.py [OUTDIR]

OUTDIR defaults to this script's directory. Every data set is drawn here
from numpy's PCG64 with a fixed seed and stored in datasets.json, so the Go
tests read the same numbers and need no Python. The output is
deterministic: running the script again with the same packages rewrites
identical files (TestFixturesUpToDate checks that with -fixtures).

Values SciPy returns as NaN or ±Inf are written as null, with SciPy's
warnings beside them; the Go tests check that the Go code returns an error
there instead.
"""

import json
import math
import os
import sys
import warnings
from fractions import Fraction

import numpy as np
import scipy
import statsmodels
from scipy import optimize, special, stats
from scipy.stats import _mannwhitneyu, _resampling, _stats_py
from statsmodels.stats.power import TTestIndPower

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))

VERSIONS = {
    "numpy": np.__version__,
    "python": sys.version.split()[0],
    "scipy": scipy.__version__,
    "statsmodels": statsmodels.__version__,
}


def num(v):
    """A JSON number, or None for NaN/±Inf."""
    v = float(v)
    return v if math.isfinite(v) else None


def call(f, *args, **kw):
    """f(*args, **kw) and the sorted, de-duplicated warnings it raised."""
    with warnings.catch_warnings(record=True) as w, np.errstate(all="warn"):
        warnings.simplefilter("always")
        r = f(*args, **kw)
    return r, sorted({str(x.message) for x in w})


def write(name, obj):
    obj = {"generated_by": "engine/stats/testdata/gen.py", "versions": VERSIONS, **obj}
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(obj, f, indent=1, sort_keys=True, allow_nan=False)
        f.write("\n")


# ---------------------------------------------------------------- data sets


def datasets():
    d = {}

    def rng(seed):
        return np.random.default_rng(seed)

    # Small normal samples, one for each branch of AS R94 (n = 3, 4..5,
    # 6..11, 12+).
    for n in (3, 4, 5, 6, 7, 11, 12):
        d[f"norm{n}"] = rng(100 + n).normal(10, 2, n)
    d["norm20"] = rng(1).normal(100, 5, 20)
    d["norm50"] = rng(2).normal(100, 5, 50)
    d["norm100"] = rng(3).normal(103, 5, 100)
    d["norm5000"] = rng(4).normal(0, 1, 5000)
    # Heavy tails and skew.
    d["cauchy200"] = rng(5).standard_cauchy(200)
    d["lognorm60"] = rng(6).lognormal(0.2, 1, 60)
    d["lognorm300"] = rng(7).lognormal(0, 1, 300)
    d["lognorm5000"] = rng(8).lognormal(0, 0.5, 5000)
    # Ties: rounded normals.
    d["ties30"] = np.round(rng(9).normal(0, 2, 30))
    d["ties40"] = np.round(rng(10).normal(1, 2, 40))
    d["ties8a"] = rng(11).integers(0, 4, 8).astype(float)
    d["ties8b"] = rng(12).integers(1, 5, 8).astype(float)
    # Zero variance.
    d["const10"] = np.full(10, 3.5)
    d["const12"] = np.full(12, 4.5)
    # Very unequal sizes.
    d["small5"] = rng(13).normal(50, 3, 5)
    # (SciPy 1.10's exact Mann-Whitney pmf, chosen here because the small
    # sample has 5 values, takes 90 s against 2000 values; 600 keeps
    # this script under a minute.)
    d["big600"] = rng(14).normal(51, 6, 600)
    # Distinct values for the exact Mann-Whitney distribution.
    d["exp8a"] = rng(15).exponential(1, 8)
    d["exp8b"] = rng(16).exponential(2, 8)
    d["exp3"] = rng(17).exponential(1, 3)
    d["exp7"] = rng(18).exponential(1, 7) + 0.3
    d["exp500"] = rng(19).exponential(1.5, 500)
    # Values around zero, for interpolation across a sign change.
    d["signs"] = np.array([-3.0, -1.5, -0.25, 0.0, 0.5, 0.75, 2.0, 10.0, -7.0])
    d["seq10"] = np.arange(1.0, 11.0)
    return {k: [float(x) for x in v] for k, v in d.items()}


DATA = datasets()


def x(name):
    return np.array(DATA[name])


# A sample and what it is there to exercise.
PAIRS = [
    ("norm20", "norm100", "unequal sizes, normal"),
    ("norm50", "norm100", "normal, different means"),
    ("norm20", "norm20", "identical samples"),
    ("const10", "norm20", "one sample without spread"),
    ("const10", "const10", "identical samples without spread"),
    ("const10", "const12", "two different constants"),
    ("ties30", "ties40", "ties"),
    ("ties8a", "ties8b", "ties in small samples (asymptotic)"),
    ("cauchy200", "lognorm300", "heavy tails"),
    ("lognorm60", "lognorm300", "skewed"),
    ("small5", "big600", "very unequal sizes"),
    ("exp8a", "exp8b", "exact Mann-Whitney, 8 and 8"),
    ("exp3", "exp500", "exact Mann-Whitney, 3 and 500"),
    ("exp7", "exp8a", "exact Mann-Whitney, 7 and 8"),
    ("norm3", "norm4", "tiny samples"),
    ("norm5000", "lognorm5000", "n = 5000"),
]

PROBS = [0, 0.01, 0.1, 0.15, 0.25, 0.3, 0.35, 0.5, 0.6, 0.75, 0.9, 0.99, 1]
# numpy method names of R's types; type 3 is left out: numpy 1.24's
# "closest_observation" rounds to the odd order statistic where R (and
# Hyndman & Fan) take the even one, so the Go tests check type 3 by hand.
NUMPY_METHODS = {
    1: "inverted_cdf",
    2: "averaged_inverted_cdf",
    4: "interpolated_inverted_cdf",
    5: "hazen",
    6: "weibull",
    7: "linear",
    8: "median_unbiased",
    9: "normal_unbiased",
}


# ------------------------------------------------------------- one sample


def quantile(v, p, method):
    """numpy.quantile, or None where numpy 1.24 is wrong: "weibull" (type
    6) at p = 1 raises "kth out of bounds", and at p = 0 types 2, 4 and 6
    index the order statistic −1 and return the maximum; R clamps to the
    maximum and the minimum."""
    try:
        q = np.quantile(v, p, method=method)
    except ValueError:
        return None
    if p == 0 and q != np.min(v):
        return None
    return num(q)


def t_ppf(p, df):
    """The p-quantile of Student's t. SciPy 1.10's t.ppf (CDFLIB's cdft)
    is accurate to about 1e-8 only, so invert special.stdtr, which is
    accurate to a few ulps, with brentq from t.ppf's estimate."""
    q0 = stats.t.ppf(p, df)
    h = 1e-6 * (1 + abs(q0))
    return optimize.brentq(lambda q: special.stdtr(df, q) - p, q0 - h, q0 + h,
                           xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=200)


def median_ci(v, level):
    """Order-statistic interval for the median: the largest l with
    P(B <= l-1) <= (1-level)/2, B ~ Binomial(n, 1/2)."""
    n = len(v)
    a = (1 - level) / 2
    if stats.binom.cdf(0, n, 0.5) > a:
        return None
    l = 1
    while l < (n + 1) // 2 and stats.binom.cdf(l, n, 0.5) <= a:
        l += 1
    s = np.sort(v)
    return {"l": l, "low": float(s[l - 1]), "high": float(s[n - l]),
            "coverage": float(1 - 2 * stats.binom.cdf(l - 1, n, 0.5))}


def describe():
    out = {}
    for name, vals in DATA.items():
        v = np.array(vals)
        n = len(v)
        r = {"n": n, "mean": num(np.mean(v)), "median": num(np.median(v)),
             "iqr": num(stats.iqr(v)),
             "mad": num(stats.median_abs_deviation(v, scale="normal"))}
        if n >= 2:
            r["sd"] = num(np.std(v, ddof=1))
            r["se"] = num(stats.sem(v))
            for level in (0.95, 0.99):
                (lo, hi), w = call(stats.t.interval, level, n - 1, loc=np.mean(v), scale=stats.sem(v))
                ci = {"scipy_low": num(lo), "scipy_high": num(hi), "warnings": w}
                se = stats.sem(v)
                if se > 0:
                    h = t_ppf((1 + level) / 2, n - 1) * se
                    ci["low"], ci["high"] = num(np.mean(v) - h), num(np.mean(v) + h)
                r[f"mean_ci_{level}"] = ci
        r["quantiles"] = {str(t): [quantile(v, p, m) for p in PROBS]
                          for t, m in NUMPY_METHODS.items()}
        r["median_ci"] = {str(level): median_ci(v, level) for level in (0.95, 0.99, 0.5)}
        out[name] = r
    write("describe.json", {"probs": PROBS, "samples": out})


def shapiro():
    out = {}
    for name, vals in DATA.items():
        if not 3 <= len(vals) <= 5000:
            continue
        (w, p), warn = call(stats.shapiro, np.array(vals))
        out[name] = {"w": num(w), "p": num(p), "warnings": warn}
    write("shapiro.json", {"samples": out})


# ------------------------------------------------------------- two samples


def cohen(a, b):
    n1, n2 = len(a), len(b)
    df = n1 + n2 - 2
    sp = math.sqrt(((n1 - 1) * np.var(a, ddof=1) + (n2 - 1) * np.var(b, ddof=1)) / df)
    if sp == 0:
        return None, None
    d = (np.mean(a) - np.mean(b)) / sp
    j = math.exp(special.gammaln(df / 2) - special.gammaln((df - 1) / 2)) / math.sqrt(df / 2)
    return float(d), float(d * j)


def two_sample():
    out = []
    for an, bn, why in PAIRS:
        a, b = x(an), x(bn)
        n1, n2 = len(a), len(b)
        r = {"a": an, "b": bn, "why": why}
        for center in ("mean", "median"):
            (w, p), warn = call(stats.levene, a, b, center=center)
            r[f"levene_{center}"] = {"w": num(w), "p": num(p), "warnings": warn}
        for eq, key in ((True, "student"), (False, "welch")):
            (t, p), warn = call(stats.ttest_ind, a, b, equal_var=eq)
            v1, v2 = np.var(a, ddof=1), np.var(b, ddof=1)
            if eq:
                df, _ = _stats_py._equal_var_ttest_denom(v1, n1, v2, n2)
            else:
                (df, _), _w = call(_stats_py._unequal_var_ttest_denom, v1, n1, v2, n2)
            r[key] = {"t": num(t), "p": num(p), "df": num(df), "warnings": warn}
        xy = np.concatenate([a, b])
        method = _mannwhitneyu._mwu_choose_method(n1, n2, xy, "auto")
        (u, p), warn = call(stats.mannwhitneyu, a, b, alternative="two-sided", use_continuity=True, method="auto")
        r["mwu"] = {"u": num(u), "p": num(p), "method": method, "warnings": warn}
        d, g = cohen(a, b)
        r["cohen_d"], r["hedges_g"] = d, g
        for level in (0.95, 0.9):
            v1, v2 = np.var(a, ddof=1), np.var(b, ddof=1)
            (df, se), _w = call(_stats_py._unequal_var_ttest_denom, v1, n1, v2, n2)
            if se == 0:
                r[f"mean_diff_ci_{level}"] = None
                continue
            diff = np.mean(a) - np.mean(b)
            h = t_ppf((1 + level) / 2, df) * se
            h0 = stats.t.ppf((1 + level) / 2, df) * se
            r[f"mean_diff_ci_{level}"] = {"low": num(diff - h), "high": num(diff + h),
                                          "scipy_low": num(diff - h0), "scipy_high": num(diff + h0)}
        r["achieved_power"] = None
        if d is not None:
            pw, _w = call(TTestIndPower().power, abs(d), n1, 0.05, ratio=n2 / n1)
            r["achieved_power"] = num(pw)
        out.append(r)
    write("twosample.json", {"pairs": out})


# ------------------------------------------------- exact Mann-Whitney U


def gaussian_binomial_cdf(k, m, n):
    """P(U <= k) from the coefficients of [m+n choose m]_q in Python's
    exact integers (an independent check for sizes where SciPy 1.10's
    recursive pmf would take too long)."""
    c = [1] + [0] * k
    for i in range(1, m + 1):
        for j in range(i, k + 1):
            c[j] += c[j - i]
        for j in range(k, n + i - 1, -1):
            c[j] -= c[j - n - i]
    return float(Fraction(sum(c), math.comb(m + n, m)))


def mwu_exact():
    cases = []
    for m, n, ks in [(1, 1, [0, 1]), (2, 3, [0, 1, 2, 3, 6]), (3, 5, [0, 2, 7, 15]),
                     (8, 8, [0, 5, 13, 20, 31, 32, 64]), (4, 9, [3, 17, 18]),
                     (3, 500, [0, 100, 700, 749]), (5, 200, [10, 250, 499])]:
        for k in ks:
            p = _mannwhitneyu._mwu_state.cdf(k, m, n)
            cases.append({"m": m, "n": n, "k": k, "cdf": float(p), "source": "scipy"})
    for m, n, ks in [(8, 5000, [100, 5000, 19999]), (6, 100000, [1000, 299999]),
                     (8, 300000, [1000000])]:
        for k in ks:
            cases.append({"m": m, "n": n, "k": k, "cdf": gaussian_binomial_cdf(k, m, n), "source": "python integers"})
    write("mwu_exact.json", {"cases": cases})


# --------------------------------------------------------------- bootstrap


def bootstrap():
    def mean(v, axis=-1):
        return np.mean(v, axis=axis)

    def median(v, axis=-1):
        return np.median(v, axis=axis)

    def ratio(a, b, axis=-1):
        return np.median(a, axis=axis) / np.median(b, axis=axis)

    def diff(a, b, axis=-1):
        return np.mean(a, axis=axis) - np.mean(b, axis=axis)

    cases = [("mean", mean, ["norm50"]), ("median", median, ["lognorm300"]),
             ("ratio_of_medians", ratio, ["lognorm60", "lognorm300"]),
             ("mean_difference", diff, ["norm20", "norm100"])]
    out = []
    for i, (stat, f, names) in enumerate(cases):
        data = tuple(x(nm) for nm in names)
        res = stats.bootstrap(data, f, n_resamples=999, vectorized=True, method="BCa",
                              random_state=np.random.default_rng(1000 + i))
        dist = res.bootstrap_distribution
        r = {"statistic": stat, "samples": names, "distribution": [float(v) for v in dist]}
        for level in (0.95, 0.9):
            for method in ("BCa", "percentile"):
                again = stats.bootstrap(data, f, n_resamples=0, vectorized=True, method=method,
                                        confidence_level=level, bootstrap_result=res)
                ci = again.confidence_interval
                r[f"{method}_{level}"] = {"low": num(ci.low), "high": num(ci.high)}
            a1, a2, a_hat = _resampling._bca_interval(data, f, axis=-1, alpha=(1 - level) / 2,
                                                      theta_hat_b=dist, batch=None)
            r[f"bca_params_{level}"] = {"alpha1": num(a1), "alpha2": num(a2), "a_hat": num(a_hat)}
        out.append(r)
    write("bootstrap.json", {"cases": out})


# ------------------------------------------------------------------ power


def power():
    tp = TTestIndPower()
    grid = []
    for d in (0.0, 0.1, 0.2, 0.5, 0.8, 1.5, -0.5, 3.0):
        for n1 in (2.5, 5, 20, 64, 500):
            for alpha in (0.05, 0.01, 0.2):
                for ratio in (1, 0.5, 3):
                    p, w = call(tp.power, d, n1, alpha, ratio=ratio)
                    grid.append({"effect_size": d, "nobs1": n1, "alpha": alpha, "ratio": ratio,
                                 "power": num(p), "warnings": w})

    def refine(f, x0):
        # statsmodels stops at xtol 1e-5; polish its root on its own power
        # function so the Go solution can be checked tightly.
        lo, hi = x0 * (1 - 1e-3), x0 * (1 + 1e-3)
        r, _ = call(optimize.brentq, f, lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500)
        return r

    solve = []
    for d, alpha, pw, ratio in [(0.2, 0.05, 0.8, 1), (0.5, 0.05, 0.8, 1), (0.8, 0.05, 0.9, 1),
                                (0.5, 0.01, 0.9, 2), (1.5, 0.05, 0.8, 0.5), (0.3, 0.1, 0.95, 3)]:
        v, w = call(tp.solve_power, effect_size=d, nobs1=None, alpha=alpha, power=pw, ratio=ratio)
        ref = refine(lambda n: tp.power(d, n, alpha, ratio=ratio) - pw, v)
        solve.append({"unknown": "nobs1", "effect_size": d, "alpha": alpha, "power": pw,
                      "ratio": ratio, "statsmodels": float(v), "root": float(ref), "warnings": w})
    for n1, alpha, pw, ratio in [(10, 0.05, 0.8, 1), (50, 0.05, 0.8, 1), (200, 0.01, 0.9, 1),
                                 (30, 0.05, 0.5, 2)]:
        v, w = call(tp.solve_power, effect_size=None, nobs1=n1, alpha=alpha, power=pw, ratio=ratio)
        ref = refine(lambda e: tp.power(e, n1, alpha, ratio=ratio) - pw, v)
        solve.append({"unknown": "effect_size", "nobs1": n1, "alpha": alpha, "power": pw,
                      "ratio": ratio, "statsmodels": float(v), "root": float(ref), "warnings": w})
    for d, n1, pw, ratio in [(0.5, 64, 0.8, 1), (0.3, 100, 0.5, 1), (1.0, 20, 0.9, 1.5)]:
        v, w = call(tp.solve_power, effect_size=d, nobs1=n1, alpha=None, power=pw, ratio=ratio)
        ref = refine(lambda a: tp.power(d, n1, a, ratio=ratio) - pw, v)
        solve.append({"unknown": "alpha", "effect_size": d, "nobs1": n1, "power": pw,
                      "ratio": ratio, "statsmodels": float(v), "root": float(ref), "warnings": w})
    for d, n1, alpha, pw in [(0.5, 50, 0.05, 0.8), (0.8, 20, 0.05, 0.8), (0.4, 80, 0.05, 0.75)]:
        v, w = call(tp.solve_power, effect_size=d, nobs1=n1, alpha=alpha, power=pw, ratio=None)
        ref = refine(lambda r: tp.power(d, n1, alpha, ratio=r) - pw, v)
        solve.append({"unknown": "ratio", "effect_size": d, "nobs1": n1, "alpha": alpha,
                      "power": pw, "statsmodels": float(v), "root": float(ref), "warnings": w})
    write("power.json", {"grid": grid, "solve": solve})


def main():
    write("datasets.json", {"datasets": DATA})
    describe()
    shapiro()
    two_sample()
    mwu_exact()
    bootstrap()
    power()


if __name__ == "__main__":
    main()
