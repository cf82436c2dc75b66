"""silu(x) = x sigmoid(x),  silu'(x) = sigmoid(x) (1 + x sigmoid(-x))."""

import numpy as np
import sympy as sp
import torch.nn.functional as F

from registry.numeric import logistic_parts
from registry.spec import Activation

_DEEP = -708.0


def _deep(x, mask, log_factor):
    """-exp(log(log_factor(x)) + log sigma(x)) on x[mask] (x < -708), the log of sigma being
    x - log1p(e^x): no subnormal intermediate is ever multiplied."""
    xd = x[mask]
    return -np.exp(np.log(log_factor(xd)) + xd - np.log1p(np.exp(xd)))


def numpy_f(x):
    # Below -708 sigma(x) is subnormal (and so is the result), and x * sigma(x) would magnify
    # its rounding |x|-fold; there the product goes through logs.
    out = x * logistic_parts(x)[0]
    deep = x < _DEEP
    out[deep] = _deep(x, deep, np.negative)
    return out


def numpy_df(x):
    s, s_neg, _ = logistic_parts(x)
    out = s * (1.0 + x * s_neg)
    # On x < -708, 1 - sigma(x) is 1 in float64 and x sigma^2 < 10^-600: f' = sigma(x)(1 + x).
    deep = x < _DEEP
    out[deep] = _deep(x, deep, lambda xd: -1.0 - xd)
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
