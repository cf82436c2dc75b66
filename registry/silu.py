"""silu(x) = x sigmoid(x),  silu'(x) = sigmoid(x) (1 + x sigmoid(-x))."""

import numpy as np
import sympy as sp
import torch.nn.functional as F

from registry.numeric import DEEP_TAIL, TAIL_UNSCALE, cache_blocked, logistic, logistic_parts, tail_exp
from registry.spec import Activation


def _deep(x, mask, factor):
    """factor(x) sigma(x) on x[mask] (x < -700, where 1 + e^x rounds to 1 and sigma(x) = e^x), formed
    scaled (registry.numeric.tail_exp) so that no subnormal is ever multiplied; three roundings."""
    xd = x[mask]
    return (factor(xd) * tail_exp(xd)) * TAIL_UNSCALE


def numpy_f(x):
    # Below -708 sigma(x) is subnormal, and x * sigma(x) would magnify its rounding |x|-fold;
    # there the product is formed scaled up (_deep).
    out = x * logistic(x)
    deep = x < DEEP_TAIL
    out[deep] = _deep(x, deep, lambda xd: xd)
    return out


def numpy_df(x):
    s, s_neg, _ = logistic_parts(x)
    out = s * (1.0 + x * s_neg)
    # On x < -700, 1 - sigma(x) is 1 in float64 and x sigma^2 < 10^-600: f' = sigma(x)(1 + x).
    deep = x < DEEP_TAIL
    out[deep] = _deep(x, deep, lambda xd: 1.0 + xd)
    return out


SPEC = Activation(
    name="silu",
    formula=r"\mathrm{silu}(x) = \frac{x}{1 + e^{-x}}",
    sympy_expr=lambda x: x / (1 + sp.exp(-x)),
    numpy_f=cache_blocked(numpy_f),
    numpy_df=cache_blocked(numpy_df),
    torch_f=F.silu,
    limits_f=lambda: (-0.0, np.inf),
    limits_df=lambda: (0.0, 1.0),
)
