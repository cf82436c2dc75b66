"""sigmoid(x) = 1 / (1 + exp(-x)),  sigmoid'(x) = e / (1 + e)^2 with e = exp(-|x|);  logsigmoid = log sigmoid."""

import numpy as np
import sympy as sp
import torch
import torch.nn.functional as F

from registry.numeric import cache_blocked, capped, exp_minus_abs, logistic, logistic_over
from registry.spec import Activation


def numpy_df(x):
    e = exp_minus_abs(x)
    return _slope(e, e + 1.0)


def _slope(e, denominator):
    """e / (1 + e)^2, given denominator = 1 + e (squared in place), e overwritten.

    e/(1+e)^2 is even in x and never forms 1 - sigma, which rounds to 0 for x > 37. Near 0 its
    rounding can land one ulp above the supremum 1/4 (0.25000000000000006 at x = 7.5e-16); the
    exact value never exceeds 1/4, so capping there only removes rounding error."""
    np.square(denominator, out=denominator)
    e /= denominator
    return capped(e, 0.25)


def f_and_df(x):
    """(sigma(x), sigma'(x)) from one e = exp(-|x|) and one 1 + e: logistic(x) and numpy_df(x), the
    same operations on the same values."""
    e = exp_minus_abs(x)
    denominator = e + 1.0
    f = logistic_over(x, e, denominator)
    return f, _slope(e, denominator)


SPEC = Activation(
    name="sigmoid",
    formula=r"\sigma(x) = \frac{1}{1 + e^{-x}}",
    sympy_expr=lambda x: 1 / (1 + sp.exp(-x)),
    numpy_f=cache_blocked(logistic, nonfinite_safe=True),
    numpy_df=cache_blocked(numpy_df, nonfinite_safe=True),
    numpy_f_df=f_and_df,
    torch_f=torch.sigmoid,
    torch_inplace=torch.sigmoid_,
    limits_f=lambda: (0.0, 1.0),
    limits_df=lambda: (0.0, 0.0),
)


def logsigmoid_f(x):
    # log sigma(x) = -softplus(-x) = -(log1p(e^{-|x|}) - min(x, 0)): no exp overflows, nothing
    # cancels, and where the value rounds to 0 it is -0.0, the sign of the exact value.
    return -(np.log1p(exp_minus_abs(x)) - np.minimum(x, 0.0))


LOGSIGMOID = Activation(
    name="logsigmoid",
    formula=r"\log \sigma(x) = -\log(1 + e^{-x})",
    sympy_expr=lambda x: -sp.log(1 + sp.exp(-x)),
    numpy_f=cache_blocked(logsigmoid_f),
    numpy_df=cache_blocked(lambda x: logistic(-x), nonfinite_safe=True),
    torch_f=F.logsigmoid,
    limits_f=lambda: (-np.inf, -0.0),
    limits_df=lambda: (1.0, 0.0),
)
