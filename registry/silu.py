"""silu(x) = x sigmoid(x),  silu'(x) = sigmoid(x) (1 + x sigmoid(-x))."""

import numpy as np
import sympy as sp
import torch.nn.functional as F

from registry.numeric import logistic_parts
from registry.spec import Activation

_DEEP = -708.0
# e^(x + 60) e^-60: on x < -708, x + 60 is exact (it stays in x's binade down to -1024, and below
# that e^(x + 60) is 0 either way) and e^(x + 60) is a normal float, so sigma(x) = e^x / (1 + e^x)
# is never formed as a subnormal (1 + e^x rounds to 1 there); three roundings in all.
_SCALE = 60.0
_UNSCALE = np.exp(-_SCALE)


def _deep(x, mask, factor):
    """factor(x) sigma(x) on x[mask] (x < -708), scaled so that no subnormal is ever multiplied."""
    xd = x[mask]
    return (factor(xd) * np.exp(xd + _SCALE)) * _UNSCALE


def numpy_f(x):
    # Below -708 sigma(x) is subnormal, and x * sigma(x) would magnify its rounding |x|-fold;
    # there the product is formed scaled up (_deep).
    out = x * logistic_parts(x)[0]
    deep = x < _DEEP
    out[deep] = _deep(x, deep, lambda xd: xd)
    return out


def numpy_df(x):
    s, s_neg, _ = logistic_parts(x)
    out = s * (1.0 + x * s_neg)
    # On x < -708, 1 - sigma(x) is 1 in float64 and x sigma^2 < 10^-600: f' = sigma(x)(1 + x).
    deep = x < _DEEP
    out[deep] = _deep(x, deep, lambda xd: 1.0 + xd)
    return out


SPEC = Activation(
    name="silu",
    formula=r"\mathrm{silu}(x) = \frac{x}{1 + e^{-x}}",
    sympy_expr=lambda x: x / (1 + sp.exp(-x)),
    numpy_f=numpy_f,
    numpy_df=numpy_df,
    torch_f=F.silu,
    limits_f=lambda: (-0.0, np.inf),
    limits_df=lambda: (0.0, 1.0),
)
