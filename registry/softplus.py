"""softplus_b(x) = log(1 + exp(b x)) / b = max(x, 0) + log1p(exp(-|b x|)) / b,  softplus_b' = sigmoid(b x).

torch's F.softplus(x, beta, threshold) returns x itself where beta x > threshold (20 by default):
that switch is torch's shortcut, not part of the function, so the registry holds the exact softplus
and the torch route states the switch as its exception (tests/tolerances.py, claim A07).
"""

import math

import numpy as np
import sympy as sp
import torch.nn.functional as F

from registry.numeric import (
    DEEP_TAIL,
    TAIL_UNSCALE,
    cache_blocked,
    exp_minus_abs,
    logistic_dd,
    logistic_reciprocal,
    tail_exp,
    two_product,
)
from registry.spec import Activation, Param

# Beyond |x| = 1e200 both parts have long saturated (|b x| >= 1e197); clipping there keeps
# two_product's operands and product below its 1e290 limit, so no inf - inf can arise.
_SATURATED = 1e200


def _scales_exactly(beta: float) -> bool:
    """beta is a power of two (torch's default 1 among them): beta x is exact, no two_product needed."""
    return math.frexp(beta)[0] == 0.5


def _scaled(x, beta):
    """z + dz = beta x exactly: sigma(z) is as sensitive to z's rounding as |z| (1 - sigma(z)), which
    is hundreds of ulps at z = -700, so the rounding error of beta x is carried, not dropped; dz = 0
    where beta scales exactly."""
    xc = np.clip(x, -_SATURATED, _SATURATED)
    if _scales_exactly(beta):
        return xc * beta, np.zeros_like(xc)
    return two_product(xc, beta)


def numpy_f(x, beta):
    z, dz = _scaled(x, beta)
    e = exp_minus_abs(z)
    if not _scales_exactly(beta):  # where it does, dz = 0 and e is already e^{-|z + dz|}
        e -= e * (np.sign(z) * dz)  # e^{-|z + dz|} = e^{-|z|} (1 - sign(z) dz) to first order
    out = np.log1p(e, out=e)
    if beta != 1.0:
        out /= beta
    out += np.maximum(x, 0.0)
    # Below z = -700, log1p(e^z) = e^z is subnormal or nearly so, and a beta < 1 would scale its
    # rounding up into a normal result: formed scaled there (registry.numeric.tail_exp). One
    # reduction decides whether any z is that deep.
    if z.min(initial=0.0) < DEEP_TAIL:
        deep = z < DEEP_TAIL
        # + 0.0: softplus is positive, and where e^{z + 64} is 0 a huge z's dz (below -1 past |z| ~ 1e16)
        # would make the product -0.0.
        out[deep] = ((tail_exp(z[deep]) * (1.0 + dz[deep])) / beta) * TAIL_UNSCALE + 0.0
    return out


def numpy_df(x, beta):
    if _scales_exactly(beta):  # z exact: 1 / (1 + e^{-z}) is within the budget, at a fifth of the cost
        # No clip needed: past the float range beta x is +-inf, where sigma gives the 1 or 0 it gives
        # at the clip (sigma(+-1e200 beta) is already 1 or 0).
        with np.errstate(over="ignore"):
            return logistic_reciprocal(x if beta == 1.0 else x * beta)
    (hi, lo), _ = logistic_dd(*_scaled(x, beta))
    return hi + lo


SPEC = Activation(
    name="softplus",
    formula=r"\mathrm{softplus}_\beta(x) = \tfrac{1}{\beta}\log(1 + e^{\beta x})",
    sympy_expr=lambda x, beta: sp.log(1 + sp.exp(beta * x)) / beta,
    numpy_f=cache_blocked(numpy_f),
    numpy_df=cache_blocked(numpy_df),
    # threshold left at torch's default, 20: the route's documented exception where beta x > 20.
    torch_f=lambda t, beta: F.softplus(t, beta=beta),
    limits_f=lambda beta: (0.0, np.inf),
    limits_df=lambda beta: (0.0, 1.0),
    # torch's default beta = 1; 1e-3 to 1e3 spans the sharpness settings in use (beta = 100 makes it
    # nearly relu) while b/4-style constants stay normal floats.
    params=(Param("beta", 1.0, 1e-3, 1e3),),
)
