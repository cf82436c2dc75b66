"""The clipped family: hardtanh = clip(x, -1, 1), relu6 = clip(x, 0, 6), hardsigmoid = relu6(x + 3)/6,
hardswish = x relu6(x + 3)/6. Pieces are polynomials; at each kink the Piecewise holds the slope torch's
backward kernel returns (hardtanh_backward and hardswish_backward: the outer piece's slope at both ends)."""

from functools import partial

import numpy as np
import sympy as sp
import torch.nn.functional as F

from registry.numeric import cache_blocked, step, window
from registry.spec import Activation


def clip_f(x, lo, hi):
    """min(max(x, lo), hi)."""
    return np.clip(x, lo, hi)


def clip_df(x, lo, hi, out=None):
    """1 on the open interval (lo, hi), else 0: at each kink the outer piece's slope, as torch's."""
    return window(x, lo, hi, out)


# Module-level functions bound by partial, not closures made at import: the kernels' bodies then run at
# call time, where mutation testing can switch them.
_hardtanh_f, _hardtanh_df = partial(clip_f, lo=-1.0, hi=1.0), partial(clip_df, lo=-1.0, hi=1.0)
_relu6_f, _relu6_df = partial(clip_f, lo=0.0, hi=6.0), partial(clip_df, lo=0.0, hi=6.0)

HARDTANH = Activation(
    name="hardtanh",
    formula=r"\mathrm{hardtanh}(x) = \min(\max(x, -1), 1)",
    sympy_expr=lambda x: sp.Piecewise((-1, x <= -1), (x, x < 1), (1, True)),
    numpy_f=_hardtanh_f,
    numpy_df=cache_blocked(_hardtanh_df, writes_out=True),
    torch_f=F.hardtanh,
    torch_inplace=F.hardtanh_,
    limits_f=lambda: (-1.0, 1.0),
    limits_df=lambda: (0.0, 0.0),
    kinks=(-1.0, 1.0),
    kink_sides="-+",
)

RELU6 = Activation(
    name="relu6",
    formula=r"\mathrm{relu6}(x) = \min(\max(x, 0), 6)",
    sympy_expr=lambda x: sp.Piecewise((0, x <= 0), (x, x < 6), (6, True)),
    numpy_f=_relu6_f,
    numpy_df=cache_blocked(_relu6_df, writes_out=True),
    torch_f=F.relu6,
    limits_f=lambda: (0.0, 6.0),
    limits_df=lambda: (0.0, 0.0),
    kinks=(0.0, 6.0),
    kink_sides="-+",
)


def hardsigmoid_f(x):
    """(clip(x, -3, 3) + 3) / 6: 0 and 1 exactly outside [-3, 3], no masked select.

    (x + 3)/6, not x/6 + 1/2: near the root -3, x + 3 is exact (Sterbenz) where x/6 + 1/2 cancels."""
    out = np.clip(x, -3.0, 3.0)
    out += 3.0
    out /= 6.0
    return out


HARDSIGMOID = Activation(
    name="hardsigmoid",
    formula=r"\mathrm{hardsigmoid}(x) = \mathrm{relu6}(x + 3) / 6",
    sympy_expr=lambda x: sp.Piecewise((0, x <= -3), (x / 6 + sp.Rational(1, 2), x < 3), (1, True)),
    numpy_f=hardsigmoid_f,
    numpy_df=cache_blocked(lambda x: np.multiply(window(x, -3.0, 3.0), 1.0 / 6.0)),
    torch_f=F.hardsigmoid,
    limits_f=lambda: (0.0, 1.0),
    limits_df=lambda: (0.0, 0.0),
    kinks=(-3.0, 3.0),
    kink_sides="-+",
)


def hardswish_f(x):
    """x (clip(x, -3, 3) + 3)/6: x times exactly 1 from 3 on (no product that could overflow), x
    times 0 at and below -3 (-0.0 there, as torch's x relu6(x + 3)/6), no masked select.

    clip(x, -3, 3) + 3 is exact near the root -3 (Sterbenz) and x itself is exact near the root 0:
    relative accuracy at both."""
    return _hardswish_times_x(np.clip(x, -3.0, 3.0), x)


def _hardswish_times_x(inner, x):
    """x (inner + 3)/6, inner = clip(x, -3, 3) left as it is."""
    out = inner + 3.0
    out /= 6.0
    out *= x
    return out


def hardswish_df(x):
    """(2x + 3)/6 on (-3, 3), 0 at and below -3, 1 at and above 3 (_hardswish_slope)."""
    return _hardswish_slope(np.clip(x, -3.0, 3.0), x)


def _hardswish_slope(inner, x):
    """(2 inner + 3)/6 on (-3, 3), 0 below and 1 above, from inner = clip(x, -3, 3) (overwritten).

    2x + 3 is exact near its root -3/2 (Sterbenz); torch's x/3 + 1/2 is the same value. window (2 inner
    + 3)/6 + [x >= 3] is each piece exactly: a product with 0 or 1, then a sum with 0."""
    inner *= 2.0
    inner += 3.0
    inner /= 6.0
    inner *= window(x, -3.0, 3.0)
    inner += step(x, 3.0, np.greater_equal)
    return inner


def _hardswish_f_and_df(x):
    """(hardswish(x), hardswish'(x)) from one clip(x, -3, 3)."""
    inner = np.clip(x, -3.0, 3.0)
    return _hardswish_times_x(inner, x), _hardswish_slope(inner, x)


HARDSWISH = Activation(
    name="hardswish",
    formula=r"\mathrm{hardswish}(x) = x\,\mathrm{relu6}(x + 3) / 6",
    sympy_expr=lambda x: sp.Piecewise((0, x <= -3), (x * (x + 3) / 6, x < 3), (x, True)),
    numpy_f=cache_blocked(hardswish_f),
    numpy_df=cache_blocked(hardswish_df),
    numpy_f_df=_hardswish_f_and_df,
    torch_f=F.hardswish,
    limits_f=lambda: (-0.0, np.inf),  # -0.0: x times 0, as f gives it at every finite x <= -3
    limits_df=lambda: (0.0, 1.0),
    kinks=(-3.0, 3.0),
    kink_sides="-+",
)
