"""Exact values at float inputs: sympy expressions evaluated by mpmath to >= 45 correct digits."""

from __future__ import annotations

from functools import cache, lru_cache

import mpmath
import numpy as np
import sympy as sp
from mpmath.libmp import libmpf

from registry import round_to
from theory.arb import arb_callable, arb_settled
from theory.precision import AGREE_BITS, AGREE_DIGITS, BELOW_FLOATS_DPS, BELOW_FLOATS_EXP10, MAX_DPS, START_DPS
from theory.symbolic import derivative, expression, x

BELOW_FLOATS = mpmath.mpf(10) ** -BELOW_FLOATS_EXP10


# From here on erfc is summed from its asymptotic series with the reduced exp (_exp below): mpmath's
# erfc takes its own e^(-z^2) by an integer power of e above 600 bits, milliseconds a call.
ERFC_SERIES_FROM = 2**20


def _erfc(z):
    """erfc(z), from the asymptotic series (``_erfc_asymptotic``) where |z| >= ERFC_SERIES_FROM,
    with erfc(z) = 2 - erfc(-z) for z < 0; mpmath.erfc elsewhere."""
    if z >= ERFC_SERIES_FROM:
        return _erfc_asymptotic(z)
    if z <= -ERFC_SERIES_FROM:
        return 2 - _erfc_asymptotic(-z)
    return mpmath.erfc(z)


def _erfc_asymptotic(z):
    """erfc(z) = e^(-z^2)/(z sqrt(pi)) sum_n (-1)^n (2n-1)!!/(2z^2)^n for z >= 2^20.

    For real z the series alternates and its remainder is below the first omitted term (DLMF 7.12.1
    with 7.12(i)), so it is summed until a term falls below 2^-prec; each term is at most
    (2n-1)/2^41 of the one before, so a few dozen terms reach 800 digits.
    """
    with mpmath.extraprec(20):
        q = 2 * z * z
        tiny = mpmath.ldexp(1, -mpmath.mp.prec)
        total = term = mpmath.mpf(1)
        n = 0
        while abs(term) > tiny:
            n += 1
            term *= -(2 * n - 1) / q
            total += term
        value = _exp(-z * z) / (z * mpmath.sqrt(mpmath.pi)) * total
    return +value


# |z| beyond which exp(z) is taken to within a factor of 2, as 2^floor(z / ln 2). Every float input
# times the registry's constants stays below 10^330, so only a power of x (gelu_tanh's e^(-2u) has
# u ~ x^3, up to 10^924) gets there; e^(-10^330) changes no digit of a sum it joins, and a value made
# of it lies so far below every float that its rounding to any dtype, 0, is all the suite reads of
# it. mpmath's exact exp of such an argument costs milliseconds at every precision, and inf would
# give inf/inf = NaN.
EXP_CUTOFF = mpmath.mpf(10) ** 330


# From here on exp is reduced by ln 2 first. mpmath's exp of an integer-valued argument above 600
# bits of precision raises e to that integer power (mpf_pow_int): at x = 1e150, gelu's e^(-x^2/2)
# took milliseconds a call, half of the framework audit's time for gelu.
REDUCE_FROM_MAG = 64


def _exp(z):
    """e^z = 2^k e^r, k = floor(z / ln 2), r = z - k ln 2 in [0, ln 2), for |z| >= 2^REDUCE_FROM_MAG;
    to within a factor of 2 where |z| > EXP_CUTOFF (see above); mpmath.exp elsewhere.

    The reduction runs with mag(z) + 16 extra bits, so k ln 2 carries an absolute error below
    2^-(prec + 16) and e^r is as exact as mpmath.exp(z) would be.
    """
    if abs(z) > EXP_CUTOFF:
        return mpmath.ldexp(1, int(mpmath.floor(z / mpmath.ln2)))
    mag = mpmath.mag(z)
    if mag < REDUCE_FROM_MAG:
        return mpmath.exp(z)
    with mpmath.extraprec(mag + 16):
        k = mpmath.floor(z / mpmath.ln2)
        r = z - k * mpmath.ln2
    return mpmath.ldexp(mpmath.exp(r), int(k))


class _log1p(sp.Function):
    """log(1 + a), printed as mpmath.log1p: sympy has no such function, mpmath does."""


class _expm1(sp.Function):
    """exp(a) - 1, printed as mpmath.expm1."""


class _erfc_of_minus(sp.Function):
    """erfc(-a), kept unevaluated: sympy rewrites erfc(-a) as 2 - erfc(a) on sight."""


def _without_cancellation(expr: sp.Expr) -> sp.Expr:
    """log(1 + a) -> log1p(a), exp(a) - 1 -> expm1(a), and sympy's erfc(-a) -> 2 - erfc(a)
    undone where that makes the expression shorter: the same value, no digits lost."""
    unflipped = expr.replace(sp.erfc, lambda a: 2 - _erfc_of_minus(a))
    if sp.count_ops(unflipped) < sp.count_ops(expr):
        expr = unflipped
    expr = expr.replace(
        lambda e: isinstance(e, sp.log) and e.args[0].is_Add and sp.S.One in e.args[0].args,
        lambda e: _log1p(e.args[0] - 1),
    )
    return expr.replace(
        lambda e: (
            e.is_Add and sp.S.NegativeOne in e.args and any(isinstance(t, sp.exp) for t in e.args) and len(e.args) == 2
        ),
        lambda e: _expm1(next(t for t in e.args if isinstance(t, sp.exp)).args[0]),
    )


@cache
def compiled(expr: sp.Expr, symbols: tuple = (x,)):
    """mp_callable(expr, symbols), made once per expression: lambdify costs milliseconds."""
    return mp_callable(expr, symbols)


def settled(fn, *args: mpmath.mpf) -> mpmath.mpf:
    """fn(*args) with the precision doubled from 50 digits (or the caller's working precision, if
    higher) until two values agree to 45 digits.

    Doubling handles the cancellation some sympy forms carry (1 - tanh(x)^2 at large x, exp(x) - 1
    at tiny x, x - tanh(x) at small x); an exact 0 is not trusted, since cancellation produces exact
    zeros, and keeps doubling (1 - tanh(100)^2 is 0 until 200 digits). From 800 digits on, a value
    that stays below 10^-400 (76 orders under the smallest float64 subnormal) is returned as 0. A
    nonzero value below 10^-400 that disagrees with the value before it goes straight to 800 digits,
    where that rule decides: the doublings between would only repeat the question (e^{-x^2/2} at
    x = -1e250 needs 500-digit exponent arithmetic and is noise below that). The arguments are exact
    (floats, or values the caller computed at least as precisely), so raising the working precision
    only removes rounding.
    """
    previous = None
    dps = max(START_DPS, mpmath.mp.dps)  # a caller that asked for more digits gets at least those
    ceiling = max(MAX_DPS, 2 * mpmath.mp.dps)  # and may double past MAX_DPS
    while dps <= ceiling:
        with mpmath.workdps(dps):
            value = fn(*(+a for a in args))
            if previous is not None:
                if value != 0 and abs(value - previous) <= abs(value) * mpmath.mpf(10) ** -AGREE_DIGITS:
                    return +value
                if dps >= BELOW_FLOATS_DPS and abs(value) < BELOW_FLOATS and abs(previous) < BELOW_FLOATS:
                    return mpmath.mpf(0)
        # A nonzero value below floats that disagrees with the one before it: only 800 digits settle it.
        noise = previous is not None and value != 0 and abs(value) < BELOW_FLOATS
        previous = value
        dps = BELOW_FLOATS_DPS if noise and dps < BELOW_FLOATS_DPS // 2 else dps * 2
    raise ArithmeticError(f"{fn} at {args!r} did not settle by {ceiling} digits")


def settled_callable(expr: sp.Expr, symbols: tuple = (x,)):
    """expr as a function of mpf arguments, each value to 45 digits or the working precision if
    higher: by ball arithmetic where expr is of x alone and arb has its functions, else ``settled``."""
    ball = _ball_callable(expr) if symbols == (x,) else None
    if ball is not None:  # one evaluation with a proved error bound, 20 to 40 times cheaper
        return lambda at: arb_settled(ball, at, max(AGREE_BITS, mpmath.mp.prec))
    fn = compiled(expr, symbols)
    return lambda *args: settled(fn, *args)


def mp_eval(expr: sp.Expr, at: float) -> mpmath.mpf:
    """expr(at) on the exact binary value of ``at``, by ``settled_callable``; remembered per (expr,
    at, working precision): the suite asks for the same points across dtypes and tests."""
    at = float(at)
    if not np.isfinite(at):
        raise ValueError(f"mp_eval needs a finite point, got {at!r}")
    return _mp_eval(expr, at, mpmath.mp.dps)


@lru_cache(maxsize=1 << 18)
def _mp_eval(expr: sp.Expr, at: float, dps: int) -> mpmath.mpf:
    # -0.0 and 0.0 share an entry: both are mpf 0, so the exact value is the same.
    return settled_callable(expr)(mpmath.mpf(at))


@cache
def _ball_callable(expr: sp.Expr):
    return arb_callable(_without_cancellation(expr))


def exact_activation(name: str, at: float, **params: float) -> mpmath.mpf:
    """f(at) from the sympy expression (parameters as their exact doubles), via mp_eval."""
    return mp_eval(expression(name, binary=True, **params), at)


def exact_derivative(name: str, at: float, order: int = 1, **params: float) -> mpmath.mpf:
    """f^(order)(at) from sympy's derivative (parameters as their exact doubles), via mp_eval."""
    return mp_eval(derivative(name, order, binary=True, **params), at)


@cache
def _format(dtype) -> tuple[int, int, mpmath.mpf]:
    """(minexp, nmant, overflow) of dtype: overflow = max + ulp(max)/2, the least |value| that
    rounds to inf."""
    info = np.finfo(dtype)
    top = mpmath.mpf(float(info.max))
    with mpmath.workdps(60):  # the midpoint has one bit more than a float64 holds
        return info.minexp, info.nmant, top + mpmath.ldexp(1, int(mpmath.frexp(top)[1]) - 2 - info.nmant)


def raw_mpf(value) -> tuple:
    """value's raw mpf (sign, man, exp, bc), |value| = man 2^exp with a bc-bit man, as it is: an mpmath
    mpf and a sympy Float carry one; a float converts exactly. (mpf(value) would round it to the
    working precision, and a value just under a power of two would round up into the next binade.)"""
    raw = getattr(value, "_mpf_", None)
    return raw if raw is not None else libmpf.from_float(float(value))


def binade(raw: tuple) -> int:
    """e with 2^e <= |value| < 2^(e + 1) for a nonzero raw mpf: read off exactly (a log2 rounded to the
    working precision would read the top of a binade as the next power of two, doubling its ulp)."""
    return raw[2] + raw[3] - 1


def ulps_between(computed: float, exact_raw: tuple, k: int) -> float:
    """|computed - exact| / 2^k: the difference taken exactly, scaled by a shift of the exponent, and
    rounded once to the nearest float (inf past float64's range)."""
    difference = libmpf.mpf_sub(libmpf.from_float(computed), exact_raw)  # prec 0: exact
    return libmpf.to_float(libmpf.mpf_shift(libmpf.mpf_abs(difference), -k), rnd=libmpf.round_nearest)


def ulp_exponent(value: mpmath.mpf, dtype) -> int:
    """k with ulp(value) = 2^k: the spacing of dtype's floats at |value| (the subnormal spacing below
    the normal range)."""
    minexp, nmant, _ = _format(dtype)
    raw = raw_mpf(value)
    if not raw[1]:
        if value != 0:
            raise ValueError(f"ulp of {value}: only a finite value has one")
        return minexp - nmant
    return max(binade(raw), minexp) - nmant


def ulp(value: mpmath.mpf, dtype) -> mpmath.mpf:
    """2^ulp_exponent(value, dtype): the spacing of dtype's floats at |value|."""
    return mpmath.mpf((0, 1, ulp_exponent(value, dtype), 1))


def ulp_error(computed: float, exact: mpmath.mpf, dtype) -> float:
    """|computed - exact| / ulp(exact) in dtype, rounded once (ulps_between); inf for a NaN, or an
    inf where the correctly rounded exact value is finite (and 0 where both overflow to the same inf)."""
    computed = float(computed)
    if np.isnan(computed):
        return float("inf")
    exact_raw = raw_mpf(exact)
    if libmpf.mpf_cmp(libmpf.mpf_abs(exact_raw), _format(dtype)[2]._mpf_) >= 0:
        rounded = np.copysign(np.inf, -1.0 if exact_raw[0] else 1.0)
    elif np.dtype(dtype) == np.float64:
        rounded = 0.0  # below the overflow threshold, float64's nearest is finite
    else:
        # Through float64, as every route rounds: the double rounding can reach inf at the threshold.
        rounded = round_to(np.asarray(libmpf.to_float(exact_raw, rnd=libmpf.round_nearest)), dtype)
    if np.isinf(rounded) or np.isinf(computed):
        return 0.0 if computed == float(rounded) else float("inf")
    return ulps_between(computed, exact_raw, ulp_exponent(exact, dtype))


def mp_callable(expr: sp.Expr, symbols: tuple, functions: dict | None = None) -> object:
    """expr as an mpmath function of ``symbols`` (evaluated at the caller's working precision);
    ``functions`` maps the names of undefined sympy functions in expr to callables."""
    mapping = dict(functions or {}) | {
        "erfc": _erfc,
        "_erfc_of_minus": lambda a: _erfc(-a),
        "_log1p": mpmath.log1p,
        "_expm1": mpmath.expm1,
        "exp": _exp,
    }
    return sp.lambdify(symbols, _without_cancellation(expr), modules=[mapping, "mpmath"])
