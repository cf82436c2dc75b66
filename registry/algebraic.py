"""Algebraic activations: softsign(x) = x / (1 + |x|) and jax.nn's squareplus(x; b) = (x + sqrt(x^2 + b)) / 2."""

import numpy as np
import sympy as sp
import torch.nn.functional as F

from registry.numeric import cache_blocked, two_square, two_sum
from registry.spec import Activation, Param


def softsign_df(x):
    # 1/(1 + |x|), squared: (1 + |x|)^2 would overflow from |x| ~ 1e154 on, where the exact value
    # is still a (subnormal) float.
    r = 1.0 / (1.0 + np.abs(x))
    return r * r


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
    corrected once by the residual (x^2 + b - r^2) / 2r. hypot(x, sqrt b) rounds sqrt(b) first, and
    squareplus' f' uses h twice: at b = 6 that was 4.6 ulps near x = 0. Above _SQUARE_IS_A_FLOAT,
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
    # (1 + x/h)/2; on x < 0, 1 + x/h = b / (h (h + |x|)), taken as two quotients so that
    # h (h + |x|) never overflows (|x| > 1e154), where the exact value is still a float.
    h, a = _hypot(x, b), np.abs(x)
    return np.where(x >= 0, (1.0 + x / h) / 2.0, ((b / 4.0) / h) / (h / 2.0 + a / 2.0))


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
