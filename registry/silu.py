"""silu(x) = x sigmoid(x),  silu'(x) = sigmoid(x) (1 + x sigmoid(-x))."""

import numpy as np
import sympy as sp
import torch.nn.functional as F

from registry.numeric import cache_blocked, logistic, logistic_parts, with_deep_tail
from registry.spec import Activation

# Below -700, 1 + e^x rounds to 1 and sigma(x) = e^x, subnormal or nearly so: x sigma(x) would
# magnify its rounding |x|-fold, so there both are formed scaled (registry.numeric.with_deep_tail).


def numpy_f(x):
    return _value(x, logistic(x))


def numpy_df(x):
    s, s_neg, _ = logistic_parts(x)
    return _slope(x, s, s_neg)


def _value(x, s):
    """x sigma(x), given s = sigma(x)."""
    return with_deep_tail(x * s, x, lambda xd: xd)


def _slope(x, s, s_neg):
    """sigma(x) (1 + x sigma(-x)), given s = sigma(x) and s_neg = sigma(-x)."""
    # On x < -700, 1 - sigma(x) is 1 in float64 and x sigma^2 < 10^-600: f' = sigma(x)(1 + x).
    return with_deep_tail(s * (1.0 + x * s_neg), x, lambda xd: 1.0 + xd)


def f_and_df(x):
    """(silu(x), silu'(x)) from one logistic_parts(x), whose sigma(x) is logistic(x) bit for bit."""
    s, s_neg, _ = logistic_parts(x)
    return _value(x, s), _slope(x, s, s_neg)


SPEC = Activation(
    name="silu",
    formula=r"\mathrm{silu}(x) = \frac{x}{1 + e^{-x}}",
    sympy_expr=lambda x: x / (1 + sp.exp(-x)),
    numpy_f=cache_blocked(numpy_f),
    numpy_df=cache_blocked(numpy_df),
    numpy_f_df=f_and_df,
    torch_f=F.silu,
    limits_f=lambda: (-0.0, np.inf),
    limits_df=lambda: (0.0, 1.0),
)
