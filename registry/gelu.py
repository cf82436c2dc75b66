"""gelu(x) = x Phi(x) = (x/2) erfc(-x/sqrt 2),  gelu'(x) = Phi(x) + x phi(x).

With y = |x| and g = e^{-y^2/2}, the lower tail is Phi(-y) = g F(y) / 2, F(y) = erfcx(y / sqrt 2), so
Phi(x) = g F/2 for x < 0 and 1 - g F/2 for x >= 0; and gelu'(x) = g K(y) for x < 0 and 1 - g K(y) for
x >= 0, with K(y) = F(y)/2 - y / sqrt(2 pi). F and K come from registry/gelu_table.py, K tabulated in
its own right so that it does not cancel around gelu's root (-0.75). gelu_tanh below.
"""

import math

import numpy as np
import sympy as sp
import torch.nn.functional as F

from registry.gelu_table import CENTRES, F_COEFFICIENTS, K_COEFFICIENTS
from registry.numeric import (
    DEEP_TAIL,
    TAIL_UNSCALE,
    blend,
    cache_blocked,
    dd_mul,
    logistic_dd,
    step,
    tail_exp,
    two_product,
    two_square,
    two_sum,
)
from registry.spec import Activation

# Beyond |x| = 40, phi(x) < 1e-347 and Phi(-|x|) < 1e-349: both 0 in float64, which the clip keeps.
_CLIP = 40.0
# Below -37 gelu'(x) = x phi(x) + Phi(x) is below 1e-296 in magnitude and rounds to 0 from -38.5 on.
_UNDERFLOWS_FROM = 37.0
_CENTRES = np.array(CENTRES)
# A float's bits shifted right by 50 are its biased exponent and two leading mantissa bits: 4088 for
# y in [1/2, 5/8), piece 1 of registry/gelu_table.py; everything below 1/2 is piece 0.
_FIRST_QUARTER_BITS = (1022 << 2) - 1


_F_ROWS, _K_ROWS = np.array(F_COEFFICIENTS), np.array(K_COEFFICIENTS)  # row j: every piece's u^j coefficient


def _gauss(y):
    """e^{-y^2/2} with y^2 = p + e carried exactly: e^{-p/2} (1 - e/2) (y <= 40)."""
    p, e = two_square(y)
    return np.exp(-0.5 * p) * (1.0 - 0.5 * e)


def piece_of(y):
    """The piece of registry/gelu_table.py that holds each y >= 0 (a contiguous float64 array)."""
    piece = y.view(np.int64) >> 50
    piece -= _FIRST_QUARTER_BITS
    return np.maximum(piece, 0, out=piece)


def located(y):
    """(k, u): the piece k of each y >= 0 (read off its bits) and u = y - c_k, for 0 <= y < 48 (exact,
    the two within a factor 2 of each other, but for y < 1/8: registry/gelu_fit.centre_of)."""
    piece = piece_of(y)
    return piece, y - np.take(_CENTRES, piece, mode="clip")  # pieces are in range: "clip" skips the bounds check


def by_pieces(rows: np.ndarray, y, at=None):
    """sum_j rows[j][k] u^j by Horner, (k, u) = located(y), or ``at`` where the caller has it."""
    piece, u = located(y) if at is None else at
    out = np.take(rows[-1], piece, mode="clip")
    for row in rows[-2::-1]:
        out *= u
        out += np.take(row, piece, mode="clip")
    return out


def erfcx_scaled(y, at=None):
    """F(y) = erfcx(y / sqrt 2) = e^{y^2/2} erfc(y / sqrt 2) for 0 <= y <= 40."""
    return by_pieces(_F_ROWS, y, at)


def gelu_slope_factor(y, at=None):
    """K(y) = F(y)/2 - y / sqrt(2 pi) for 0 <= y <= 40: gelu'(-y) = e^{-y^2/2} K(y)."""
    return by_pieces(_K_ROWS, y, at)


def _reflected(x, at_minus_y):
    """v(-|x|) for x < 0 and 1 - v(-|x|) for x >= 0, given v(-|x|) (Phi and gelu' both have this symmetry)."""
    return blend(step(x, 0.0, np.greater_equal), 1.0 - at_minus_y, at_minus_y)


def normal_cdf(x):
    """Phi(x) = Phi(-|x|) for x < 0 and 1 - Phi(-|x|) for x >= 0; Phi(-|x|) <= 1/2, so 1 - it does not cancel."""
    y = np.minimum(np.abs(x), _CLIP)
    return _cdf(x, y, _gauss(y), located(y))


def _cdf(x, y, gauss, at):
    """Phi(x) as normal_cdf gives it, from y = min(|x|, 40), e^{-y^2/2} and located(y); gauss is read,
    not written (gelu' reads it too)."""
    lower = erfcx_scaled(y, at)
    lower *= gauss
    lower *= 0.5
    return _reflected(x, lower)


def numpy_f(x):
    return x * normal_cdf(x)


def numpy_df(x):
    y = np.minimum(np.abs(x), _CLIP)
    return _slope(x, y, _gauss(y), located(y))


def _slope(x, y, gauss, at):
    """gelu'(x) from y = min(|x|, 40), e^{-y^2/2} and located(y).

    Phi(x) + x phi(x) = g K for x < 0 and 1 - g K for x >= 0: a product of g with K, which the table
    gives within 1.6 ulps, or to a small absolute error where K crosses 0 (gelu's root;
    tests/test_gelu_table.py)."""
    k = gelu_slope_factor(y, at)
    k *= gauss
    out = _reflected(x, k)
    # For x < 0 the blend gives 0 (1 - k) + k: k, but +0.0 for a k of -0.0, which the exact gelu'
    # (negative below its root) rounds to below -38.5. There k itself, where one reduction finds such x.
    if y.max(initial=0.0) > _UNDERFLOWS_FROM:
        deep = x < -_UNDERFLOWS_FROM
        out[deep] = k[deep]
    return out


def f_and_df(x):
    """(gelu(x), gelu'(x)) from one y, one e^{-y^2/2} and one reading of the pieces."""
    y = np.minimum(np.abs(x), _CLIP)
    gauss, at = _gauss(y), located(y)
    return x * _cdf(x, y, gauss, at), _slope(x, y, gauss, at)


SPEC = Activation(
    name="gelu",
    formula=r"\mathrm{gelu}(x) = x\,\Phi(x) = \frac{x}{2}\,\mathrm{erfc}\!\left(-\frac{x}{\sqrt{2}}\right)",
    sympy_expr=lambda x: x / 2 * sp.erfc(-x / sp.sqrt(2)),
    numpy_f=cache_blocked(numpy_f),
    numpy_df=cache_blocked(numpy_df),
    numpy_f_df=f_and_df,
    torch_f=F.gelu,
    limits_f=lambda: (-0.0, np.inf),
    limits_df=lambda: (0.0, 1.0),
)


# gelu's tanh approximation: kappa = 0.044715 and sqrt(2/pi), each split into a double and its
# remainder (tests check both splits against mpmath), so that u below is carried to ~32 digits.
KAPPA = "0.044715"
K_HI = 0.044715
K_LO = float(sp.Rational(KAPPA) - sp.Rational(K_HI))
C_HI = math.sqrt(2.0 / math.pi)
C_LO = float(sp.N(sp.sqrt(2 / sp.pi) - sp.Rational(C_HI), 40))
# Beyond |x| = 30, 2u exceeds 1900 and sigma(2u) is 0 or 1 in float64.
_TANH_CLIP = 30.0
# Above -20 gelu_tanh' is at least 2.9e-259 in magnitude (it rounds to 0 from about -21.7 on).
_TANH_UNDERFLOWS_FROM = 20.0


def _tanh_gelu_parts(x):
    """(xc, (s, s_lo), (n, n_lo), (du, du_lo), scale): x clipped to +-30, s = sigma(2u) / scale,
    n = sigma(-2u) and du = u'(x) as double-doubles, for u = sqrt(2/pi) (x + kappa x^3). sigma(2u) has condition
    number |2u| (up to 1900 here), so u is carried to ~32 digits; the products after it are
    double-double too, so that the result rounds about once. Where 2u < -700, sigma(2u) = e^{2u} is
    subnormal or nearly so and would keep only its few digits: there s carries the factor e^{64}
    (registry.numeric.tail_exp), and each result is multiplied by scale = e^{-64} last."""
    xc = np.clip(x, -_TANH_CLIP, _TANH_CLIP)
    x2 = two_square(xc)
    a = dd_mul(*x2, K_HI, K_LO)  # kappa x^2
    b, eb = two_sum(1.0, a[0])
    v = dd_mul(xc, 0.0, b, eb + a[1])  # x (1 + kappa x^2)
    u, eu = dd_mul(*v, C_HI, C_LO)
    z, dz = 2.0 * u, 2.0 * eu
    s, s_neg = (list(part) for part in logistic_dd(z, dz))
    deep = z < DEEP_TAIL
    s[0][deep] = tail_exp(z[deep])
    s[1][deep] = s[0][deep] * dz[deep]
    s_neg[0][deep], s_neg[1][deep] = 1.0, 0.0
    three_a = two_product(a[0], 3.0)
    w, ew = two_sum(1.0, three_a[0])
    du = dd_mul(w, ew + (three_a[1] + 3.0 * a[1]), C_HI, C_LO)  # sqrt(2/pi) (1 + 3 kappa x^2)
    return xc, tuple(s), tuple(s_neg), du, np.where(deep, TAIL_UNSCALE, 1.0)


def gelu_tanh_f(x):
    return _tanh_gelu_value(x, *_tanh_gelu_parts(x))


def gelu_tanh_df(x):
    return _tanh_gelu_slope(x, *_tanh_gelu_parts(x))


def gelu_tanh_f_and_df(x):
    """(gelu_tanh(x), gelu_tanh'(x)) from one _tanh_gelu_parts(x), the double-double u and sigma(2u)
    that are most of either's cost."""
    parts = _tanh_gelu_parts(x)
    return _tanh_gelu_value(x, *parts), _tanh_gelu_slope(x, *parts)


def _tanh_gelu_value(x, xc, s, s_neg, du, scale):
    """x sigma(2u), from _tanh_gelu_parts(x); beyond the clip max(x, 0). It has x's sign (sigma > 0),
    also where it rounds to 0 and a sum of two zeros came out +0.0: copysign gives every value x's."""
    out = np.where(np.abs(x) > _TANH_CLIP, np.maximum(x, 0.0), (x * s[0] + x * s[1]) * scale)
    return np.copysign(out, x, out=out)


def _tanh_gelu_slope(x, xc, s, s_neg, du, scale):
    """gelu_tanh' = (1 + tanh u)/2 + x u' sech^2(u)/2 = sigma(2u) (1 + 2 x u' sigma(-2u)), from
    _tanh_gelu_parts(x); beyond the clip the result is 0 or 1 and t is unused."""
    t = dd_mul(*dd_mul(2.0 * xc, 0.0, *du), *s_neg)
    one_t, e1 = two_sum(1.0, t[0])
    hi, lo = dd_mul(*s, one_t, e1 + t[1])
    inside = (hi + lo) * scale
    # Where the slope rounds to 0 (below -21, where it is negative), hi carries its sign and hi + lo
    # may not; one reduction finds whether any x is that deep.
    if xc.min(initial=0.0) < -_TANH_UNDERFLOWS_FROM:
        zero = inside == 0.0
        inside[zero] = np.copysign(0.0, hi[zero])  # hi is scaled (e^64 in the deep tail): its sign only
    # Beyond the clip 1 above and, below, -0.0: the exact slope there is negative (x u' sigma(-2u) < -1).
    return np.where(np.abs(x) > _TANH_CLIP, np.where(x > 0, 1.0, -0.0), inside)


GELU_TANH = Activation(
    name="gelu_tanh",
    formula=r"\mathrm{gelu}_{\tanh}(x) = \frac{x}{2}"
    r"\left(1 + \tanh\!\left(\sqrt{2/\pi}\,(x + 0.044715\,x^3)\right)\right)",
    # (1 + tanh u)/2 = 1/(1 + e^{-2u}): the same function, written so that no exact evaluation cancels.
    sympy_expr=lambda x: x / (1 + sp.exp(-2 * sp.sqrt(2 / sp.pi) * (x + sp.Rational(KAPPA) * x**3))),
    numpy_f=cache_blocked(gelu_tanh_f),
    numpy_df=cache_blocked(gelu_tanh_df),
    numpy_f_df=gelu_tanh_f_and_df,
    torch_f=lambda t: F.gelu(t, approximate="tanh"),
    limits_f=lambda: (-0.0, np.inf),
    limits_df=lambda: (0.0, 1.0),
    # sympy's solveset does not return on f'' = 0 or f' = 0 here (the x^3 inside exp); their roots are
    # located numerically (theory.ranges), as solveset's ConditionSet would have led to anyway.
    extra={"critical_points": "numeric"},
)
