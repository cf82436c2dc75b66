"""Every tolerance the suite uses, as named data, one place.

NumPy vs exact (mpmath on the exact float input):
    |numpy - exact| <= ulps * ulp(exact) + cond * eps * |x g'(x)| + subnormal * |x| * tiny
where g is the function checked (f or f'), ulp is the dtype's spacing at exact, eps its
machine epsilon and tiny its smallest subnormal.
- ulps: float16/float32 are computed in float64 and rounded once, so they are (nearly)
  correctly rounded; float64 is native.
- cond: the error a backward-stable formula makes where g is ill conditioned, i.e. the error
  of g at a point within one ulp of x; needed only near a root of g that is not a float
  (silu' at -1.278..., gelu' at -0.751...), where every formula that subtracts cancels. It
  applies only on condition_region(name, fn): the stretch around each root of g where g's
  condition number is at least 1, computed with mpmath.
- subnormal: where an intermediate is subnormal and the kernel multiplies it by x
  (gelu at x < -37, float64), the result carries |x| subnormal spacings of absolute error;
  only there: every other kernel forms its tails from normal intermediates.
"""

from functools import cache

import mpmath
import numpy as np

import theory

ULPS = {np.float16: 0.51, np.float32: 0.51, np.float64: 4.0}
COND = {("silu", "df"): 1.0, ("gelu", "df"): 1.0, ("gelu_tanh", "df"): 1.0, ("mish", "df"): 1.0}
SUBNORMAL = {("gelu", "f", np.float64): 1.0, ("gelu", "df", np.float64): 1.0}

# torch autograd vs the NumPy derivative: |torch - numpy| <= k * eps * max(1, |x|, |f'(x)|).
# torch's formulas (s (1 + x (1 - s)) for silu', alpha e^x for elu') carry absolute errors of a
# few eps times their largest term, which is at most max(1, |x|, |f'(x)|). Relative differences
# in the tails are the framework audit's job (A01-A09).
TORCH_ABS_EPS = {np.float32: 4.0, np.float64: 4.0}
# An in-place twin (registry torch_inplace) takes f' from its output, e.g. elu' = elu(x) + alpha:
# the absolute error of f(x), a few eps times max(|f(x)|, alpha), passes into f' unamplified, so
# its bound's scale also has |f(x)| (alpha 462 at x = -20: f' = 9.5e-7 off by 5.7e-14).
# Documented torch behaviour outside that bound: softplus_beta(x) = x where beta x > threshold (20
# by default), so its gradient is exactly 1 there; in float64 the exact 1 - sigmoid(-beta x) differs
# from 1 until beta x ~ 37.
TORCH_SOFTPLUS_THRESHOLD = 20.0
# gelu's tanh approximation: torch's backward forms x^2 (for 3 kappa x^2); where that overflows,
# inf * 0 makes the gradient NaN (A17).
TORCH_NAN_WHERE_SQUARE_OVERFLOWS = ("gelu_tanh",)


def softplus_linearised(x: np.ndarray, beta: float = 1.0, threshold: float = TORCH_SOFTPLUS_THRESHOLD) -> np.ndarray:
    """Where torch's softplus returns x itself: beta x > threshold, the product rounded in x's dtype
    as torch's kernel forms it."""
    x = np.asarray(x)
    # beta x overflows to inf near the float maximum in torch's kernel too, and inf > threshold.
    with np.errstate(over="ignore"):
        return x * x.dtype.type(beta) > threshold


def torch_exceptions(name: str, x: np.ndarray, **params: float) -> np.ndarray:
    """Where torch's f' is outside the routes' bound by documented or audited behaviour: softplus
    past its threshold in float64, and gelu_tanh where x^2 overflows the dtype."""
    x = np.asarray(x)
    if name == "softplus" and x.dtype == np.float64:
        return softplus_linearised(x, **params)
    if name in TORCH_NAN_WHERE_SQUARE_OVERFLOWS:
        return np.abs(x) > np.sqrt(np.finfo(x.dtype).max)
    return np.zeros(x.shape, dtype=bool)


# torch behaviour outside that bound, found by the audit: some backward kernels hold a constant as a
# float32 scalar in every dtype, so in float64 the slope carries that constant's rounding:
# hardsigmoid's 1/6 (A12, 1/6 (1 + 3e-8) everywhere on (-3, 3)). The torch route is held to that
# relative error on top of the bound, and only there.
TORCH_FLOAT32_CONSTANTS = {"hardsigmoid": lambda: 1 / 6}


def torch_constant_relative_error(name: str, dtype, **params: float) -> float:
    """|c32 - c| / c for an activation whose torch backward uses a float32 constant c32 in float64
    (TORCH_FLOAT32_CONSTANTS, at these parameters), else 0."""
    constant = TORCH_FLOAT32_CONSTANTS.get(name)
    if constant is None or np.dtype(dtype) != np.float64:
        return 0.0
    c = constant(**params)
    return abs(float(np.float32(c)) - c) / c


# Deep chain: float routes against each other (relative), log-magnitude against mpmath (absolute in log).
CHAIN_RTOL = {np.float64: 1e-9}
# A product that lands among the subnormals keeps an absolute, not a relative, precision: each
# multiplication there rounds by up to half a subnormal spacing, and every later factor scales
# what was lost (see chain_subnormal_atol).
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


def torch_factor_relative_error(name: str, z, fprime_z) -> mpmath.mpf:
    """The relative error torch's f'(z) may carry as one factor of a chain, for the exact f'(z) != 0:
    TORCH_ABS_EPS ulps of max(1, |z|, |f'(z)|) in float64, and for softplus past its documented
    threshold the whole gap between its linearised derivative 1 and the exact sigmoid(z)."""
    eps = np.finfo(np.float64).eps
    rel = TORCH_ABS_EPS[np.float64] * eps * max(1, abs(z), abs(fprime_z)) / abs(fprime_z)
    if name == "softplus" and z > TORCH_SOFTPLUS_THRESHOLD:
        rel += abs(1 - fprime_z) / abs(fprime_z)
    return rel + torch_constant_relative_error(name, np.float64)


def chain_subnormal_atol(values) -> float:
    """Absolute error a float64 product of ``values`` may carry once it is subnormal: half a
    subnormal spacing per multiplication, scaled by every factor after it, bounded by
    CHAIN_ATOL_SUBNORMALS spacings times the product of max(1, |v|), times the count."""
    scale = 1.0
    for v in values:
        scale *= max(1.0, abs(float(v)))
    return CHAIN_ATOL_SUBNORMALS * len(values) * scale * 2.0**-1074


def subnormal_factor_log_error(name, z, fprime_z) -> float:
    """Error in log|f'(z)| when the exact factor f'(z) rounds to a subnormal float64: the NumPy
    derivative's absolute budget there (ULPS spacings plus SUBNORMAL |z| spacings, as above) over
    |f'(z)|. 0 for a factor that is normal or exactly 0; inf once the budget reaches |f'(z)|, or
    when the factor rounds to 0 (the log of the float factor then says nothing)."""
    rounded = abs(float(fprime_z))
    if fprime_z == 0 or rounded >= np.finfo(np.float64).tiny:
        return 0.0
    if rounded == 0:
        return float("inf")
    subnormal = SUBNORMAL.get((name, "df", np.float64), 0.0)
    relative = (ULPS[np.float64] + subnormal * max(1.0, abs(float(z)))) * 2.0**-1074 / rounded
    return float(-mpmath.log(1 - relative)) if relative < 1 else float("inf")


@cache
def condition_region(name: str, fn: str) -> tuple[tuple[float, float], ...]:
    """Where COND applies: around each root r of g (f for fn = "f", f' for "df") on [-10, 10], the
    maximal interval of x where g's condition number |x g'(x) / g(x)| is at least 1, i.e. where a
    backward-stable formula's error eps |x g'(x)| is an ulp or more. It cannot reach past a zero of
    g' (the condition number is 0 there; gelu'' vanishes at -sqrt 2), so the tails, where the
    condition number grows again, are outside: there the budget is ULPS alone, and a kernel that
    loses digits in a tail cannot hide in the slack."""
    order = 1 if fn == "df" else 0

    def g(x, k=0):
        return theory.exact_derivative(name, float(x), order + k) if order + k else theory.exact_activation(name, x)

    def slack(x) -> bool:  # condition number |x g'(x) / g(x)| at least 1
        return abs(g(x)) <= abs(x * g(x, 1))

    grid = np.linspace(-10.0, 10.0, 401)
    values = [g(x) for x in grid]
    regions = []
    for a, b, ga, gb in zip(grid, grid[1:], values, values[1:]):
        if ga * gb >= 0:
            continue
        root = float(mpmath.findroot(lambda t: g(float(t)), (a, b), solver="bisect"))
        edges = []
        for step in (-1e-2, 1e-2):
            inside, x = root, root + step
            while slack(x):
                inside, x = x, x + step
            for _ in range(60):  # bisect the edge between inside (slack) and x (not)
                mid = (inside + x) / 2
                inside, x = (mid, x) if slack(mid) else (inside, mid)
            edges.append(inside)
        regions.append((min(edges), max(edges)))
    return tuple(regions)
