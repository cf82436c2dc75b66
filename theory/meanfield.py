"""Mean-field signal propagation (Poole et al. 2016, Schoenholz et al. 2017) for wide random nets
with W_ij ~ N(0, sigma_w^2 / N), b_i ~ N(0, sigma_b^2):
    q -> sigma_w^2 E[f(sqrt(q) z)^2] + sigma_b^2,   chi_1 = sigma_w^2 E[f'(sqrt(q*) z)^2]."""

from __future__ import annotations

from dataclasses import dataclass

import mpmath

from theory.gaussian import moment

# 20 digits: q* and chi_1 are needed to ~1e-12, and 35-digit quadrature inside a fixed-point
# iteration inside a root search costs minutes.
DIGITS = 20
CRITICAL_TOL = mpmath.mpf(10) ** -6
# q past which a map still above the identity is taken to grow without bound (q* = +inf): a net whose
# pre-activations have variance 10^12 has left every regime the mean-field claims speak of.
Q_UNBOUNDED = mpmath.mpf(10) ** 12
# q below which the variance is taken to have collapsed to its fixed point 0.
Q_COLLAPSED = mpmath.mpf(10) ** -12


def q_map(name: str, sigma_w: float, sigma_b: float, q: float, **params: float) -> mpmath.mpf:
    """One layer of the variance map."""
    with mpmath.workdps(DIGITS):
        return mpmath.mpf(sigma_w) ** 2 * moment(name, "second", q, DIGITS, **params).value + mpmath.mpf(sigma_b) ** 2


def fixed_point(name: str, sigma_w: float, sigma_b: float, **params: float) -> mpmath.mpf:
    """q* = q_map(q*), the fixed point reached by iterating the map from q = 1, finished on a
    bracket of the sign change of q_map(q) - q once the iteration slows; 0 when it collapses toward
    0 (sigma_b = 0, a contracting map); +inf where q grows without bound (q_map(q) > q from the last
    iterate up to Q_UNBOUNDED: relu from sigma_w^2 = 2 on with sigma_b > 0, elu at sigma_w = 1.5,
    sigma_b = 0.3). Where the map is neutral (relu at sigma_w^2 = 2, sigma_b = 0) every q is a fixed
    point and q = 1 is returned. Where it contracts by at most 1/2, the answer is within
    10^-(DIGITS - 6) max(1, q*) of q*: the iteration stops once a step is that small, and what is
    left is at most the last step."""
    with mpmath.workdps(DIGITS):
        # With sigma_b = 0 and f(0) = 0, q = 0 is a fixed point; the iteration creeps toward it
        # like 1/n when it attracts (tanh at sigma_w = 1), so test that directly.
        probe = mpmath.mpf(10) ** -6
        if sigma_b == 0 and q_map(name, sigma_w, 0.0, probe, **params) < probe:
            return mpmath.mpf(0)
        qv = mpmath.mpf(1)
        for _ in range(60):
            nxt = q_map(name, sigma_w, sigma_b, qv, **params)
            if abs(nxt - qv) <= mpmath.mpf(10) ** -(DIGITS - 6) * max(1, abs(qv)):
                return nxt
            if nxt < Q_COLLAPSED:
                return mpmath.mpf(0)
            qv = nxt

        def excess(t: mpmath.mpf) -> mpmath.mpf:
            return q_map(name, sigma_w, sigma_b, t, **params) - t

        # A bracket [lo, hi] with excess(lo) > 0 > excess(hi), by doubling or halving from the last
        # iterate: a secant step from one point can land below q = 0, where the map is not defined.
        lo = hi = qv
        while excess(hi) > 0:
            if hi > Q_UNBOUNDED:
                return mpmath.inf
            lo, hi = hi, 2 * hi
        while excess(lo) < 0:
            if lo < Q_COLLAPSED:
                return mpmath.mpf(0)
            lo, hi = lo / 2, lo
        return mpmath.findroot(excess, (lo, hi), solver="anderson")


def chi1(name: str, sigma_w: float, sigma_b: float, q_star: mpmath.mpf | None = None, **params: float) -> mpmath.mpf:
    """sigma_w^2 E[f'(sqrt(q*) z)^2]: the per-layer growth of the squared gradient norm."""
    with mpmath.workdps(DIGITS):
        qs = fixed_point(name, sigma_w, sigma_b, **params) if q_star is None else q_star
        return mpmath.mpf(sigma_w) ** 2 * moment(name, "slope2", qs, DIGITS, **params).value


@dataclass(frozen=True)
class Phase:
    q_star: mpmath.mpf
    chi1: mpmath.mpf
    phase: str  # ordered (chi_1 < 1), critical, chaotic (chi_1 > 1)
    depth_scale: float  # 1 / |ln chi_1|: layers over which gradients shrink or grow by e


def phase(name: str, sigma_w: float, sigma_b: float, **params: float) -> Phase:
    qs = fixed_point(name, sigma_w, sigma_b, **params)
    c = chi1(name, sigma_w, sigma_b, qs, **params)
    kind = "critical" if abs(c - 1) < CRITICAL_TOL else ("ordered" if c < 1 else "chaotic")
    scale = float("inf") if kind == "critical" else float(1 / abs(mpmath.log(c)))
    return Phase(qs, c, kind, scale)
