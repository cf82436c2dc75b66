"""mish(x) = x tanh(softplus(x)),  mish'(x) = t + x sech^2(softplus(x)) sigma(x) with t = tanh(softplus(x)).

With E = e^{-|x|} every factor is rational in E, so nothing overflows:
x >= 0: t = (1 + 2E) / (1 + 2E + 2E^2),  sech^2 = 4 E^2 (1 + E)^2 / (1 + 2E + 2E^2)^2,  sigma = 1 / (1 + E);
x < 0:  w = E (E + 2),  t = w / (w + 2),  sech^2 = 4 (w + 1) / (w + 2)^2,  sigma = E / (1 + E).
"""

import numpy as np
import sympy as sp
import torch.nn.functional as F

from registry.numeric import (
    blend,
    cache_blocked,
    exp_minus_abs,
    step,
    with_deep_tail,
)
from registry.spec import Activation


def numpy_f(x):
    """mish(x) = x t with t = tanh(softplus(x)) and E = e^{-|x|}, one formula for t a stretch, each
    with little cancellation (at most 2/5 subtracted from 1 on either side; in between, w >= 1.16):

    x >= 0:          t = 1 - 2 E^2 / (1 + 2 (E + E^2));
    -3/4 <= x < 0:   t = w / (w + 2),  w = 3 + u (u + 4) with u = e^x - 1 = expm1(x): t is near 3/5
                     there, and u, not E, carries x's small size exactly;
    x < -3/4:        t = E (1 - E (1 + E) / ((1 + E)^2 + 1)),  t ~ E as x -> -inf.

    Plain float64, against a double-double t before (at about a fifth of the cost): measured
    against mpmath, at most 2.61 ulps on 9.1e5 points over every stretch and the tails, within the
    budget of 4 (the double-double form: about 2.0). Nothing overflows: E <= 1, |u| < 1, and x
    is multiplied only by t <= 1. Below DEEP_TAIL t = E is subnormal or nearly so: there f = x e^x,
    formed scaled (with_deep_tail)."""
    e = exp_minus_abs(x)
    e2 = np.square(e)
    # x >= 0
    positive = e + e2
    positive *= 2.0
    positive += 1.0
    np.divide(e2, positive, out=positive)
    positive *= 2.0
    np.subtract(1.0, positive, out=positive)
    # -3/4 <= x < 0
    u = np.expm1(np.minimum(x, 0.0))
    near = u + 4.0
    near *= u
    near += 3.0
    t_near = near + 2.0
    np.divide(near, t_near, out=t_near)
    # x < -3/4
    one_e = e + 1.0
    far = np.square(one_e)
    far += 1.0
    one_e *= e
    np.divide(one_e, far, out=far)
    np.subtract(1.0, far, out=far)
    far *= e
    t = blend(step(x, 0.0, np.greater_equal), positive, blend(step(x, -0.75, np.less), far, t_near))
    t *= x
    return with_deep_tail(t, x, lambda xd: xd)


def numpy_df(x):
    """mish'(x) with E = e^{-|x|}, one formula a stretch, each a few roundings from the exact value:

    x >= 0:         1 + E^2 (x (1 + E) - H) / H^2,  H = 1/2 + E + E^2 (t = 1 - 2E^2 / (2H) and the
                    second term summed into one correction, at most 0.4 in magnitude, added to 1);
    x < -1/2:       E (x + 1 + E (x + 3/2 + E + E^2/4)) / ((v + 2) v + 1),  v = E + E^2/2: the numerator
                    is t + x sech^2 sigma over a common denominator, (1 + v)^2 by Horner, so the
                    cancellation of t against x sech^2 sigma below the root (-1.19) is done exactly in
                    the polynomial's coefficients (x + 1 for large |x|);
    -1/2 <= x < 0:  1/2 + ((v - 1)/2 + x E (1 + E) / V) / V,  V = 1 + v: f' is near 1/2 there, so the
                    rounding of the small part counts for little (v - 1 is exact: v is in [1/2, 3/2]).

    Plain float64 throughout, against double-double arithmetic before (the same accuracy budget at a
    tenth of the cost): measured against mpmath, at most 2.9 ulps outside the root's condition region
    on 2.7e5 points of [-760, 40] and of the tails to 1e3 (the double-double form: 1.5 on 5.5e4 others).
    Nothing overflows: x is multiplied only by numbers at most 2, and by at most 1 where |x| > 745.
    Below DEEP_TAIL E is subnormal: there f' = e^x (1 + x), formed scaled (with_deep_tail)."""
    e = exp_minus_abs(x)
    e2 = np.square(e)
    s = e + e2  # E (1 + E)
    h = s + 0.5
    pos = e + 1.0
    pos *= x
    pos -= h
    pos *= e2
    np.square(h, out=h)
    pos /= h
    pos += 1.0
    v = e2 * 0.5
    v += e
    big_v = v + 1.0
    far = e2 * 0.25
    far += e
    far += x
    far += 1.5
    far *= e
    far += x + 1.0
    far *= e
    square = v + 2.0
    square *= v
    square += 1.0
    far /= square
    near = s
    near /= big_v
    near *= x
    v -= 1.0
    v *= 0.5
    near += v
    near /= big_v
    near += 0.5
    out = blend(step(x, 0.0, np.greater_equal), pos, blend(step(x, -0.5, np.less), far, near))
    return with_deep_tail(out, x, lambda xd: 1.0 + xd)


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
