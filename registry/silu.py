"""silu(x) = x sigmoid(x),  silu'(x) = sigmoid(x) (1 + x sigmoid(-x))."""

import numpy as np
import sympy as sp
import torch.nn.functional as F

from registry.numeric import logistic_parts
from registry.spec import Activation

_DEEP = -708.0


def _deep_log_sigmoid(x):
    """log sigma(x) = x - log1p(e^x) on x < -708 (other entries get a dummy point)."""
    xd = np.where(x < _DEEP, x, _DEEP - 1.0)
    return xd, xd - np.log1p(np.exp(xd))


def numpy_f(x):
    # Below -708 sigma(x) is subnormal (and so is the result), and x * sigma(x) would magnify its rounding |x|-fold;
    # there the product goes through logs: -exp(log|x| + log sigma(x)).
    xd, log_s = _deep_log_sigmoid(x)
    return np.where(x < _DEEP, -np.exp(np.log(-xd) + log_s), x * logistic_parts(x)[0])


def numpy_df(x):
    s, s_neg, _ = logistic_parts(x)
    # On x < -708, 1 - sigma(x) is 1 in float64 and x sigma^2 < 10^-600: f' = sigma(x)(1 + x).
    xd, log_s = _deep_log_sigmoid(x)
    return np.where(x < _DEEP, -np.exp(np.log(-1.0 - xd) + log_s), s * (1.0 + x * s_neg))


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
