"""Every tolerance the suite uses, as named data, one place.

NumPy vs exact (mpmath on the exact float input):
    |numpy - exact| <= ulps * ulp(exact) + cond * eps * |x g'(x)| + subnormal * |x| * tiny
where g is the function checked (f or f'), ulp is the dtype's spacing at exact, eps its
machine epsilon and tiny its smallest subnormal.
- ulps: float16/float32 are computed in float64 and rounded once, so they are (nearly)
  correctly rounded; float64 is native.
- cond: the error a backward-stable formula makes where g is ill conditioned, i.e. the error
  of g at a point within one ulp of x; needed only near a root of g that is not a float
  (silu' at -1.278..., gelu' at -0.751...), where every formula that subtracts cancels.
- subnormal: where an intermediate is subnormal and the kernel multiplies it by x
  (gelu at x < -37), the result carries |x| subnormal spacings of absolute error.
"""

import mpmath
import numpy as np

ULPS = {np.float16: 0.51, np.float32: 0.51, np.float64: 4.0}
COND = {("silu", "df"): 1.0, ("gelu", "df"): 1.0}
SUBNORMAL = {np.float64: 1.0}

# torch autograd vs the NumPy derivative: |torch - numpy| <= k * eps * max(1, |x|, |f'(x)|).
# torch's formulas (s (1 + x (1 - s)) for silu', alpha e^x for elu') carry absolute errors of a
# few eps times their largest term, which is at most max(1, |x|, |f'(x)|). Relative differences
# in the tails are the framework audit's job (A01-A09).
TORCH_ABS_EPS = {np.float32: 4.0, np.float64: 4.0}
# An in-place twin (registry torch_inplace) takes f' from its output, e.g. elu' = elu(x) + alpha:
# the absolute error of f(x), a few eps times max(|f(x)|, alpha), passes into f' unamplified, so
# its bound's scale also has |f(x)| (alpha 462 at x = -20: f' = 9.5e-7 off by 5.7e-14).
# Documented torch behaviour outside that bound: softplus(x) = x for x > threshold (20), so its
# gradient is exactly 1 there; in float64 the exact 1 - sigmoid(-x) differs from 1 until ~37.
TORCH_SOFTPLUS_THRESHOLD = 20.0

# Deep chain: float routes against each other (relative), log-magnitude against mpmath (absolute in log).
CHAIN_RTOL = {np.float64: 1e-9}
# A product that lands among the subnormals keeps an absolute, not a relative, precision.
CHAIN_ATOL_SUBNORMALS = 4
LOG_MAGNITUDE_ATOL = 1e-9

# Framework audit (A01-A09): "within a few ulps" of the exact derivative where that is a normal
# float of the dtype. Four: correctly rounded results are within 0.5, good library code within 1
# to 2; more means digits lost to cancellation or a shortcut formula.
AUDIT_FEW_ULPS = 4.0


def relative_bound(value, digits: int):
    """value * (1 + 10^-digits), built in the current mpmath context, for comparing an exact value
    that claims about that many correct digits. At mpmath's default 15 digits 1 + 10^-45 is 1, and
    the bound would silently be value itself: a context too coarse for the tolerance raises instead."""
    if mpmath.mp.dps < digits + 5:
        raise ValueError(
            f"a tolerance of 1e-{digits} needs at least {digits + 5} digits; the mpmath context has {mpmath.mp.dps}"
        )
    return mpmath.mpf(value) * (1 + mpmath.mpf(10) ** -digits)
