"""tanh(x),  tanh'(x) = 1 - tanh(x)^2 = 4e / (1 + e)^2 with e = exp(-2|x|)."""

import numpy as np
import sympy as sp
import torch

from registry.numeric import cache_blocked, capped
from registry.spec import Activation


def numpy_f(x, out=None):
    """tanh(x) by np.tanh: +-1 at +-inf and NaN at NaN, with no floating-point flag."""
    return np.tanh(x, out=out)


def numpy_df(x, out=None):
    # 1 - tanh^2 rounds to 0 from |x| ~ 19 on; 4e/(1+e)^2 keeps full relative accuracy.
    # -2|x| overflows to -inf past |x| = 9e307, where exp gives the 0 it gives from |x| = 373 on: the
    # flag is ignored rather than |x| capped, which would take a pass of its own.
    # Near 0 (|x| < 1e-8) the rounding can land above the supremum 1, which the exact value never
    # exceeds: capped (registry.numeric.capped, whose pass runs only where a value is above 1).
    # A signaling NaN raises "invalid" in the product, the first arithmetic pass; its result is the
    # NaN it should be.
    e = np.abs(x, out=out)
    with np.errstate(over="ignore", invalid="ignore"):
        e *= -2.0
    np.exp(e, out=e)
    denominator = e + 1.0
    np.square(denominator, out=denominator)  # the unary loop: twice a product of two operands' speed
    e *= 4.0
    e /= denominator
    return capped(e, 1.0)


SPEC = Activation(
    name="tanh",
    formula=r"\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}",
    sympy_expr=lambda x: sp.tanh(x),
    numpy_f=cache_blocked(numpy_f, nonfinite_safe=True, writes_out=True),
    numpy_df=cache_blocked(numpy_df, nonfinite_safe=True, writes_out=True),
    torch_f=torch.tanh,
    torch_inplace=torch.tanh_,
    limits_f=lambda: (-1.0, 1.0),
    limits_df=lambda: (0.0, 0.0),
)
