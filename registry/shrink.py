"""Shrinkage and threshold: hardshrink and threshold jump (f has no derivative at the jump), softshrink
and tanhshrink = x - tanh(x) are continuous. Parameters are torch's defaults (lambda = 1/2) and, for
threshold, which has none, threshold 1 and value 0; torch's backward returns the slope of the piece
that holds the point (hardshrink_backward, softshrink_backward and threshold_backward test |x| <= lambda
and x <= threshold), and so does each Piecewise here."""

from fractions import Fraction
from math import comb, factorial

import numpy as np
import sympy as sp
import torch.nn.functional as F

from registry.numeric import blend, cache_blocked, step
from registry.spec import Activation

LAMBDA = 0.5
THRESHOLD, VALUE = 1.0, 0.0
_HALF = sp.Rational(1, 2)


def _select_above(a, at, x):
    """x where a > at, else +0.0 (VALUE, threshold's, is 0 too)."""
    return _selected_and_step(a, at, x)[0]


def _selected_and_step(a, at, x):
    """(x [a > at] + 0, [a > at]): the selection in three plain passes and the step it multiplies by,
    which is the slope of hardshrink and of threshold. The + 0 turns the -0.0 of a negative x times 0
    into +0.0, as np.where(a > at, x, 0.0) gives it (tests/test_kinks_and_special_cases.py); x + 0 is
    x. A masked select costs four times as much where the mask is a coin toss."""
    slope = step(a, at)
    out = slope * x
    out += 0.0
    return out, slope


def softshrink_f(x):
    return _softshrink_of(x, np.abs(x))


def _softshrink_of(x, out):
    """sign(x) max(|x| - 1/2, 0) + 0, given out = |x| (overwritten), by copysign, with no masked
    select; the + 0 turns the -0.0 of a small negative x into +0.0, the registry's zero on every
    shrink's dead stretch (torch's softshrink gives -0.0 there: the same value). |x| - 1/2 is exact on
    [1/2, 1] (Sterbenz), where the result is small."""
    out -= LAMBDA
    np.maximum(out, 0.0, out=out)
    np.copysign(out, x, out=out)
    out += 0.0
    return out


def _softshrink_f_and_df(x):
    """(softshrink(x), softshrink'(x)) from one |x|."""
    a = np.abs(x)
    slope = step(a, LAMBDA)
    return _softshrink_of(x, a), slope


HARDSHRINK = Activation(
    name="hardshrink",
    formula=r"\mathrm{hardshrink}(x) = \begin{cases} x & |x| > \tfrac12 \\ 0 & |x| \le \tfrac12 \end{cases}",
    sympy_expr=lambda x: sp.Piecewise((x, x < -_HALF), (0, x <= _HALF), (x, True)),
    numpy_f=cache_blocked(lambda x: _select_above(np.abs(x), LAMBDA, x)),
    numpy_df=cache_blocked(lambda x: step(np.abs(x), LAMBDA)),
    numpy_f_df=lambda x: _selected_and_step(np.abs(x), LAMBDA, x),
    torch_f=lambda t: F.hardshrink(t, LAMBDA),
    limits_f=lambda: (-np.inf, np.inf),
    limits_df=lambda: (1.0, 1.0),
    jumps=(-LAMBDA, LAMBDA),
)

SOFTSHRINK = Activation(
    name="softshrink",
    formula=r"\mathrm{softshrink}(x) = \mathrm{sign}(x) \max(|x| - \tfrac12, 0)",
    sympy_expr=lambda x: sp.Piecewise((x + _HALF, x < -_HALF), (0, x <= _HALF), (x - _HALF, True)),
    numpy_f=cache_blocked(softshrink_f),
    numpy_df=cache_blocked(lambda x: step(np.abs(x), LAMBDA)),
    numpy_f_df=_softshrink_f_and_df,
    torch_f=lambda t: F.softshrink(t, LAMBDA),
    limits_f=lambda: (-np.inf, np.inf),
    limits_df=lambda: (1.0, 1.0),
    kinks=(-LAMBDA, LAMBDA),
    kink_sides="+-",
)

THRESHOLD_SPEC = Activation(
    name="threshold",
    formula=r"\mathrm{threshold}(x) = \begin{cases} x & x > 1 \\ 0 & x \le 1 \end{cases}",
    sympy_expr=lambda x: sp.Piecewise((0, x <= 1), (x, True)),
    numpy_f=lambda x: _select_above(x, THRESHOLD, x),
    numpy_df=lambda x: step(x, THRESHOLD),
    numpy_f_df=lambda x: _selected_and_step(x, THRESHOLD, x),
    torch_f=lambda t: F.threshold(t, THRESHOLD, VALUE),
    torch_inplace=lambda t: F.threshold_(t, THRESHOLD, VALUE),
    limits_f=lambda: (VALUE, np.inf),
    limits_df=lambda: (0.0, 1.0),
    jumps=(THRESHOLD,),
)


def _x_coth_x_minus_one(terms: int) -> np.ndarray:
    """Taylor coefficients c_n of x coth(x) - 1 = sum_{n>=1} c_n x^{2n}, c_n = 4^n B_2n / (2n)!, as
    float64, highest first (for Horner). Bernoulli numbers by their recurrence, in exact fractions."""
    bern = [Fraction(1)]
    for m in range(1, 2 * terms + 1):
        bern.append(-sum(comb(m + 1, k) * bern[k] for k in range(m)) / (m + 1))
    return np.array([float(4**n * bern[2 * n] / factorial(2 * n)) for n in range(terms, 0, -1)])


# The series has radius pi: on |x| < 1 the ratio of successive terms tends to (1/pi)^2 ~ 0.10, and the
# first term left out after 18, |c_19| x^38, is below 2^-60 of the first, c_1 x^2 = x^2/3
# (tests/test_numpy_vs_exact.py bounds the whole tail): far below the rounding of the terms kept.
SERIES_TERMS = 18
_COTH_SERIES = _x_coth_x_minus_one(SERIES_TERMS)
_SERIES_BELOW = 1.0
_EXP_CAP = 40.0  # 2/(e^{2a} + 1) < 1e-34 beyond: below an ulp of a - 1


def tanhshrink_f(x):
    """x - tanh(x), odd, without cancellation (_tanhshrink_of)."""
    a = np.abs(x)
    return _tanhshrink_of(x, a, np.tanh(a))


def _tanhshrink_of(x, a, t):
    """x - tanh x without cancellation, given a = |x| and t = tanh(a): t (a coth(a) - 1) by its series
    on |x| < 1, and (a - 1) + 2/(e^{2a} + 1), a sum of two positive terms, beyond; odd in x."""
    s = np.minimum(a, _SERIES_BELOW) ** 2  # the series is used below 1 only
    series = np.full_like(a, _COTH_SERIES[0])  # Horner in place: no array made a term
    for c in _COTH_SERIES[1:]:
        series *= s
        series += c
    series *= s
    small = np.multiply(t, series, out=series)
    large = (a - 1.0) + 2.0 / (np.expm1(2.0 * np.minimum(a, _EXP_CAP)) + 2.0)
    # blend, not a masked select: both pieces are finite everywhere, and copysign sets the sign of a 0.
    return np.copysign(blend(step(a, _SERIES_BELOW, np.less), small, large), x)


def _tanhshrink_f_and_df(x):
    """(tanhshrink(x), tanhshrink'(x) = tanh(x)^2) from one tanh(|x|) (np.tanh is odd bit for bit)."""
    a = np.abs(x)
    t = np.tanh(a)
    return _tanhshrink_of(x, a, t), np.square(t)


TANHSHRINK = Activation(
    name="tanhshrink",
    formula=r"\mathrm{tanhshrink}(x) = x - \tanh(x)",
    sympy_expr=lambda x: x - sp.tanh(x),
    numpy_f=cache_blocked(tanhshrink_f),
    numpy_df=lambda x: np.tanh(x) ** 2,
    numpy_f_df=_tanhshrink_f_and_df,
    torch_f=F.tanhshrink,
    limits_f=lambda: (-np.inf, np.inf),
    limits_df=lambda: (1.0, 1.0),
)
