"""Summary statistics and Welch's t-test, standard library only."""

import math
import statistics
from typing import Dict, Sequence, Tuple


def summary(xs: Sequence[float]) -> Dict[str, float]:
    mean = statistics.fmean(xs)
    sd = statistics.stdev(xs) if len(xs) > 1 else 0.0
    return {"Min": min(xs), "Median": statistics.median(xs), "Amean": mean,
            "Stddev": sd, "CoeffVar": 100.0 * sd / mean if mean else 0.0,
            "Max": max(xs)}


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction for the incomplete beta function (Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c if abs(1.0 + aa / c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c if abs(1.0 + aa / c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 3e-14:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    lbeta = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    front = math.exp(lbeta + a * math.log(x) + b * math.log(1.0 - x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def welch_p(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Two-sided p-value of Welch's t-test; 1.0 when it cannot be computed."""
    if len(xs) < 2 or len(ys) < 2:
        return 1.0
    vx, vy = statistics.variance(xs) / len(xs), statistics.variance(ys) / len(ys)
    if vx + vy == 0.0:
        return 0.0 if statistics.fmean(xs) != statistics.fmean(ys) else 1.0
    t = (statistics.fmean(xs) - statistics.fmean(ys)) / math.sqrt(vx + vy)
    df = welch_df(statistics.variance(xs), len(xs), statistics.variance(ys), len(ys))
    return betainc(df / 2.0, 0.5, df / (df + t * t))


def t_crit(df: float, alpha: float = 0.05) -> float:
    """The two-sided critical t value: P(|T| > t) = alpha for df degrees of
    freedom (bisection on the same incomplete beta the p-value uses)."""
    lo, hi = 0.0, 1e4
    for _ in range(200):
        mid = (lo + hi) / 2.0
        if betainc(df / 2.0, 0.5, df / (df + mid * mid)) > alpha:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0


def t_sf(x: float, df: float) -> float:
    """P(T > x) for Student's t with df degrees of freedom (the incomplete
    beta welch_p() uses: the two-sided tail is I_{df/(df+x^2)}(df/2, 1/2));
    the normal distribution's for infinite df."""
    if math.isinf(df):
        return 1.0 - statistics.NormalDist().cdf(x)
    tail = betainc(df / 2.0, 0.5, df / (df + x * x)) / 2.0
    return tail if x >= 0.0 else 1.0 - tail


def welch_df(vx: float, nx: int, vy: float, ny: int) -> float:
    """Welch-Satterthwaite degrees of freedom for sample variances vx, vy of
    nx, ny samples (both at least 2; inf when both variances are 0)."""
    a, b = vx / nx, vy / ny
    if a + b == 0.0:
        return math.inf
    return (a + b) ** 2 / (a ** 2 / (nx - 1) + b ** 2 / (ny - 1))


def welch_ci(xs: Sequence[float], ys: Sequence[float],
             alpha: float = 0.05) -> Tuple[float, float]:
    """Confidence interval of mean(ys) - mean(xs) (Welch); (-inf, inf) when
    either side has fewer than two samples."""
    if len(xs) < 2 or len(ys) < 2:
        return (-math.inf, math.inf)
    vx, vy = statistics.variance(xs) / len(xs), statistics.variance(ys) / len(ys)
    d = statistics.fmean(ys) - statistics.fmean(xs)
    if vx + vy == 0.0:
        return (d, d)
    df = welch_df(statistics.variance(xs), len(xs), statistics.variance(ys), len(ys))
    half = t_crit(df, alpha) * math.sqrt(vx + vy)
    return (d - half, d + half)
