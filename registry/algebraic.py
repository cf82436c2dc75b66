"""Algebraic activations: softsign(x) = x / (1 + |x|) and jax.nn's squareplus(x; b) = (x + sqrt(x^2 + b)) / 2."""

import numpy as np
import sympy as sp
import torch.nn.functional as F

from registry.numeric import cache_blocked, step, two_square, two_sum
from registry.spec import Activation, Param


def softsign_df(x):
    # 1/(1 + |x|), squared: (1 + |x|)^2 would overflow from |x| ~ 1e154 on, where the exact value
    # is still a (subnormal) float.
    r = 1.0 / (1.0 + np.abs(x))
    return np.square(r, out=r)


SOFTSIGN = Activation(
    name="softsign",
    formula=r"\mathrm{softsign}(x) = \frac{x}{1 + |x|}",
    # Piecewise rather than Abs: sympy differentiates |x| into sign(x) and then DiracDelta.
    sympy_expr=lambda x: sp.Piecewise((x / (1 - x), x < 0), (x / (1 + x), True)),
    numpy_f=cache_blocked(lambda x: x / (1.0 + np.abs(x))),
    numpy_df=cache_blocked(softsign_df),
    torch_f=F.softsign,
    limits_f=lambda: (-1.0, 1.0),
    limits_df=lambda: (0.0, 0.0),
)


_SQUARE_IS_A_FLOAT = 1e140  # below it x^2 (and its Dekker split) is a float; above it b is under x^2's rounding


def _hypot(x, b):
    """h = sqrt(x^2 + b) to about half an ulp: x^2 + b as a double-double (to about 2^-104), its root r
    corrected once by the residual (x^2 + b - r^2) / 2r. hypot(x, sqrt b) rounds sqrt(b) first: at
    b = 6, squareplus' f' formed from it was 4.6 ulps off near x = 0. Above _SQUARE_IS_A_FLOAT,
    h = |x| to the last bit, which hypot gives without overflow."""
    a = np.abs(x)
    near = np.minimum(a, _SQUARE_IS_A_FLOAT)
    square, square_lo = two_square(near)
    s, s_lo = two_sum(square, b)
    s_lo = s_lo + square_lo
    r = np.sqrt(s)
    rr, rr_lo = two_square(r)
    h = r + (((s - rr) - rr_lo) + s_lo) / (2.0 * r)
    return np.where(a < _SQUARE_IS_A_FLOAT, h, np.hypot(x, np.sqrt(b)))


def squareplus_f(x, b):
    # On x < 0, x + h cancels; (x + h)/2 = b / (2 (h + |x|)) there, a quotient of positive terms.
    # Halves are taken first so that nothing overflows at |x| near the float64 maximum.
    h, a = _hypot(x, b), np.abs(x)
    return np.where(x >= 0, x / 2.0 + h / 2.0, (b / 4.0) / (h / 2.0 + a / 2.0))


def squareplus_df(x, b):
    """f'(x) = 1/2 + x / (2h), h = sqrt(x^2 + b): g = (b/2) / (t + |x| h) with t = x^2 + b is f'(-|x|),
    and f'(x) = |[x >= 0] - g| (f'(x) + f'(-x) = 1, and g <= 1/2).

    On x < 0, 1/2 - |x|/(2h) cancels; (b/2) / (t + |x| h) = b / (2h (h + |x|)) is the same value as
    a quotient of positive terms, and formed from t itself rather than h^2 it takes six roundings
    (x^2, t, h, |x| h, the sum, the quotient), weighted so that their sum is at most 4.5 units of
    2^-53 (at |x| >> sqrt b; 3 at x = 0): 4.5 ulps where f' lies just below a power of two and all six
    fall the same way, above the float64 budget of 4, which no measurement has come near. Measured
    against mpmath: 3.1 ulps at worst on 2e5 points with x^2/b in [0.09, 10^4] and b from 1e-6 to
    1e6, where sqrt(x^2 + b) to half an ulp by double-doubles and two more quotients measured 3.5, at
    eight times the cost. On x >= 0, 1 - g is at least 1/2 and g at most 1/2, so the subtraction adds
    one rounding and no cancellation. Past |x| = _SQUARE_IS_A_FLOAT (x^2 would overflow), b is under
    x^2's rounding: g = ((b/4)/|x|)/|x|, two quotients that never overflow."""
    a = np.abs(x)
    far = np.max(a, initial=0.0) >= _SQUARE_IS_A_FLOAT  # one reduction; the masked route only when needed
    near = np.minimum(a, _SQUARE_IS_A_FLOAT) if far else a
    t = np.square(near)
    t += b
    g = np.sqrt(t)
    g *= near
    g += t
    np.divide(b / 2.0, g, out=g)
    if far:
        big = a >= _SQUARE_IS_A_FLOAT
        g[big] = ((b / 4.0) / a[big]) / a[big]
    out = step(x, 0.0, np.greater_equal)
    out -= g
    return np.abs(out, out=out)


SQUAREPLUS = Activation(
    name="squareplus",
    formula=r"\mathrm{squareplus}_b(x) = \frac{x + \sqrt{x^2 + b}}{2}",
    sympy_expr=lambda x, b: (x + sp.sqrt(x**2 + b)) / 2,
    numpy_f=cache_blocked(squareplus_f),
    numpy_df=cache_blocked(squareplus_df),
    torch_f=None,
    limits_f=lambda b: (0.0, np.inf),
    limits_df=lambda b: (0.0, 1.0),
    # jax.nn's default b = 4; b > 0 keeps it smooth (b = 0 is relu). The range keeps b/4 and
    # sqrt(b) normal floats, so the kernel's quotients round only once each.
    params=(Param("b", 4.0, 1e-6, 1e6),),
)
