"""mish(x) = x tanh(softplus(x)),  mish'(x) = t + x sech^2(softplus(x)) sigma(x) with t = tanh(softplus(x)).

With E = e^{-|x|} both factors are rational in E, so nothing overflows and nothing cancels:
x >= 0: t = (1 + 2E) / (1 + 2E + 2E^2),  sech^2 = 4 E^2 (1 + E)^2 / (1 + 2E + 2E^2)^2;
x < 0:  w = E (E + 2),  t = w / (w + 2),  sech^2 = 4 (w + 1) / (w + 2)^2.
"""

import numpy as np
import sympy as sp
import torch.nn.functional as F

from registry.numeric import (
    DEEP_TAIL,
    TAIL_UNSCALE,
    blend,
    cache_blocked,
    dd_div,
    dd_mul,
    exp_minus_abs,
    logistic_dd,
    step,
    tail_exp,
    two_sum,
)
from registry.spec import Activation

# Below -700, t = e^x (1 + O(e^x)) is subnormal or nearly so: there the products are formed with
# registry.numeric.tail_exp, scaled.


def _parts(x):
    """(t, sech^2(softplus x) sigma(x)) as double-doubles: mish' = t + x sech^2 sigma cancels around
    its root (-1.19), and the double-double sum leaves one rounding."""
    e = exp_minus_abs(x)
    zero = np.zeros_like(e)
    positive = step(x, 0.0, np.greater_equal)
    # x >= 0: t = (1 + 2E) / (1 + 2E + 2E^2),  sech^2 = 4 (E (1 + E) / (1 + 2E + 2E^2))^2
    e1 = dd_mul(e, zero, *two_sum(1.0, e))  # E (1 + E)
    d_hi, d_lo = two_sum(1.0, 2.0 * e1[0])
    d_pos = (d_hi, d_lo + 2.0 * e1[1])
    t_pos = dd_div(*two_sum(1.0, 2.0 * e), *d_pos)
    r = dd_div(*e1, *d_pos)
    sech2_pos = dd_mul(*r, 4.0 * r[0], 4.0 * r[1])
    # x < 0: w = E (E + 2),  t = w / (w + 2),  sech^2 = 4 (w + 1) / (w + 2)^2
    w = dd_mul(e, zero, *two_sum(e, 2.0))
    w2_hi, w2_lo = two_sum(w[0], 2.0)
    w2 = (w2_hi, w2_lo + w[1])
    t_neg = dd_div(*w, *w2)
    w1_hi, w1_lo = two_sum(w[0], 1.0)
    sech2_neg = dd_div(*dd_div(4.0 * w1_hi, 4.0 * (w1_lo + w[1]), *w2), *w2)
    s, _ = logistic_dd(x, zero, e)
    t = tuple(blend(positive.copy(), p, n) for p, n in zip(t_pos, t_neg))
    sech2 = tuple(blend(positive.copy(), p, n) for p, n in zip(sech2_pos, sech2_neg))
    return t, dd_mul(*sech2, *s)


def numpy_f(x):
    t, _ = _parts(x)
    out = x * t[0] + x * t[1]
    deep = x < DEEP_TAIL
    out[deep] = (x[deep] * tail_exp(x[deep])) * TAIL_UNSCALE
    return out


def numpy_df(x):
    t, sech2_s = _parts(x)
    # Beyond |x| = 1000 the second term is below 1e-400 (or x < -700 is taken below): clipped, so
    # that the double-double product cannot overflow.
    xc = np.clip(x, -1e3, 1e3)
    xs_hi, xs_lo = dd_mul(xc, np.zeros_like(x), *sech2_s)
    hi, lo = two_sum(t[0], xs_hi)
    out = hi + (lo + t[1] + xs_lo)
    deep = x < DEEP_TAIL  # t = e^x, sech^2 = 1, sigma = e^x to 1e-304: f' = e^x (1 + x)
    out[deep] = (tail_exp(x[deep]) * (1.0 + x[deep])) * TAIL_UNSCALE
    return out


SPEC = Activation(
    name="mish",
    formula=r"\mathrm{mish}(x) = x \tanh(\log(1 + e^{x}))",
    sympy_expr=lambda x: x * sp.tanh(sp.log(1 + sp.exp(x))),
    numpy_f=cache_blocked(numpy_f),
    numpy_df=cache_blocked(numpy_df),
    torch_f=F.mish,
    limits_f=lambda: (-0.0, np.inf),
    limits_df=lambda: (0.0, 1.0),
)
