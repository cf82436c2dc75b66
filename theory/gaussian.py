"""Gaussian expectations E[g(sqrt(q) z)], z ~ N(0, 1): closed form where every piece integrates
(relu, leaky relu, elu, selu give erf/erfc forms; theory/gaussian_pieces.py for sums of c x^k e^(a x),
sympy's integrate for any other piece), else 35-digit mpmath quadrature."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import mpmath
import sympy as sp

from registry import get
from theory.gaussian_pieces import piece_moment
from theory.mp import compiled
from theory.ranges import limits_of, pieces
from theory.symbolic import derivative, expression, x

z = sp.Symbol("z", real=True)
q = sp.Symbol("q", positive=True)
_PDF = sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi)
DIGITS = 35
KINDS = ("mean", "second", "slope2")


@dataclass(frozen=True)
class Moment:
    """value at the given q (mpf, 35 digits); closed_form in the symbol q, or None; method."""

    value: mpmath.mpf
    closed_form: sp.Expr | None
    method: str


def integrand(name: str, kind: str, **params: float) -> sp.Expr:
    """g for E[g(sqrt(q) z)]: f, f^2 or f'^2 of the activation, in the symbol x."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if kind == "mean":
        return expression(name, **params)
    if kind == "second":
        return expression(name, **params) ** 2
    return derivative(name, **params) ** 2


@cache
def at_infinite_q(name: str, kind: str, params: tuple = ()) -> mpmath.mpf:
    """lim_{q->oo} E[g(sqrt(q) z)] = (g(-oo) + g(+oo))/2 for g = f^2 or f'^2: g >= 0, so where g is
    bounded dominated convergence gives the mean of its two limits (z < 0 and z > 0 each have
    probability 1/2), and where g grows without bound at an end the expectation does too (+inf).
    Not for f itself, whose two ends may have opposite infinite limits."""
    if kind == "mean":
        raise ValueError("E[f(sqrt(q) z)] has no limit as q grows for every f: at q = inf, kind second or slope2")
    ends = limits_of(integrand(name, kind, **dict(params)))
    if not all(end.is_extended_real for end in ends):
        raise ValueError(f"{name}: {kind}'s integrand has no limit at an end ({ends[0]}, {ends[1]})")
    if sp.oo in ends:
        return mpmath.inf
    return mpmath.mpf(sp.N(ends[0] + ends[1], DIGITS + 5)) / 2


@cache
def closed_form(name: str, kind: str, params: tuple = ()) -> sp.Expr | None:
    """E[g(sqrt(q) z)] as a sympy expression in q, when g is piecewise and each piece integrates."""
    g = sp.piecewise_fold(integrand(name, kind, **dict(params)))
    if not isinstance(g, sp.Piecewise) or not get(name).breaks:
        # smooth entries (sigmoid, tanh, ...) have no elementary Gaussian integral; softsign is written
        # piecewise only to spare sympy |x|, and sympy's integrate does not return on its pieces
        return None
    total = sp.S.Zero
    for piece, where in pieces(g):
        lo, hi = where.inf / sp.sqrt(q), where.sup / sp.sqrt(q)  # x = sqrt(q) z keeps the order
        part = piece_moment(piece, lo, hi, q)  # sums of c x^k e^(a x): by hand, milliseconds
        if part is None:
            part = sp.integrate(piece.subs(x, sp.sqrt(q) * z) * _PDF, (z, lo, hi))
        if part.has(sp.Integral):
            return None
        total += part
    # The shorter of simplify's form and the expanded sum: the report prints it.
    return min(sp.simplify(total), sp.expand(total), key=sp.count_ops)


def moment(name: str, kind: str, at_q: float, digits: int = DIGITS, **params: float) -> Moment:
    """E[g(sqrt(q) z)] at q = at_q > 0: closed form if sympy has one, else quadrature. At the ends,
    q = 0 gives g(0), and q = +inf gives the limit as q grows, (g(-oo) + g(+oo))/2 (see at_infinite_q)."""
    key = tuple(sorted(params.items()))
    with mpmath.workdps(digits):
        qv = mpmath.mpf(at_q)
        if qv == 0:
            g = compiled(integrand(name, kind, **params))
            return Moment(g(mpmath.mpf(0)), None, "value at 0")
        if qv == mpmath.inf:
            return Moment(at_infinite_q(name, kind, key), None, "limit as q grows without bound")
        form = closed_form(name, kind, key)
        if form is not None:
            return Moment(+compiled(form, (q,))(qv), form, "closed form")
        g = compiled(integrand(name, kind, **params))
        s = mpmath.sqrt(qv)
        # e^(-t^2/2), and 1/sqrt(2 pi) once outside: mpmath.npdf's generality cost 60% of the quadrature.
        value = mpmath.quad(lambda t: g(s * t) * mpmath.exp(-t * t / 2), [-mpmath.inf, 0, mpmath.inf])
        return Moment(value / mpmath.sqrt(2 * mpmath.pi), None, "quadrature")
