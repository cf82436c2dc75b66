"""gelu(x) = x Phi(x) = (x/2) erfc(-x/sqrt 2),  gelu'(x) = Phi(x) + x phi(x)."""

import math

import numpy as np
import sympy as sp
import torch.nn.functional as F

from registry.numeric import two_product
from registry.spec import Activation

_erfc = np.frompyfunc(math.erfc, 1, 1)
# 1/sqrt(2) = R_HI + R_LO to 32 digits (tests check it against mpmath).
R_HI = 0.7071067811865476
R_LO = -4.833646656726457e-17
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
# Beyond |x| = 40, phi(x) < 1e-347 and every correction below is 0 in float64.
_CLIP = 40.0


def _gauss(x):
    """exp(-x^2/2) with x^2 = p + e carried exactly: exp(-p/2) (1 - e/2)."""
    xc = np.clip(x, -_CLIP, _CLIP)
    p, e = two_product(xc, xc)
    return np.exp(-0.5 * p) * (1.0 - 0.5 * e)


def normal_cdf(x):
    """Phi(x) = erfc(t)/2, t = -x/sqrt 2, with the rounding of t corrected to first order.

    erfc(t) has condition number ~2t^2, so the 1/2-ulp error of t alone costs ~x^2 ulps
    (1000 ulps at x = -34); t = t_f + d exactly, erfc(t) = erfc(t_f) - d (2/sqrt pi) e^{-t_f^2}.
    """
    xc = np.clip(x, -_CLIP, _CLIP)
    p, e = two_product(xc, R_HI)
    d = -(e + xc * R_LO)
    # Beyond the clip the correction is 0, and erfc needs the unclipped argument.
    t = np.where(np.abs(x) < _CLIP, -p, -x * R_HI)
    return (_erfc(t).astype(np.float64) - d * _TWO_OVER_SQRT_PI * _gauss(xc)) / 2.0


def numpy_f(x):
    return x * normal_cdf(x)


def numpy_df(x):
    return normal_cdf(x) + x * _gauss(x) * _INV_SQRT_2PI


SPEC = Activation(
    name="gelu",
    formula=r"\mathrm{gelu}(x) = x\,\Phi(x) = \frac{x}{2}\,\mathrm{erfc}\!\left(-\frac{x}{\sqrt{2}}\right)",
    sympy_expr=lambda x: x / 2 * sp.erfc(-x / sp.sqrt(2)),
    numpy_f=numpy_f,
    numpy_df=numpy_df,
    torch_f=F.gelu,
    limits_f=lambda: (-0.0, np.inf),
    limits_df=lambda: (0.0, 1.0),
)
