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

import numpy as np

ULPS = {np.float16: 0.51, np.float32: 0.51, np.float64: 4.0}
COND = {("silu", "df"): 1.0, ("gelu", "df"): 1.0}
SUBNORMAL = {np.float64: 1.0}

# torch autograd vs the NumPy derivative: absolute difference, in units of the dtype's eps
# (both are O(1) functions; relative differences in the tails are the framework audit's job).
TORCH_ABS_EPS = {np.float32: 8.0, np.float64: 8.0}

# Deep chain: float routes against each other (relative), log-magnitude against mpmath (absolute in log).
CHAIN_RTOL = {np.float64: 1e-9}
LOG_MAGNITUDE_ATOL = 1e-9
