"""elu(x; alpha) = x if x > 0 else alpha (exp(x) - 1);  selu = lambda01 elu(x; alpha01);  celu = elu at alpha = 1."""

from decimal import Decimal

import numpy as np
import sympy as sp
import torch.nn.functional as F

from registry.numeric import cache_blocked, step, where_positive, with_deep_tail
from registry.spec import Activation, Param

# Klambauer et al. (2017), as printed in the paper and used by torch.nn.SELU.
SELU_ALPHA = "1.6732632423543772848170429916717"
SELU_SCALE = "1.0507009873554804934193349852946"


def _elu_value(x, below, above):
    """above x [x > 0] + below expm1(x [x <= 0]): an elu scaled to slope ``above``, with no masked select.

    Each piece is exact where it is not wanted: a product with 0 is a zero, expm1(+0) = +0, and a sum
    with a zero keeps the other term (signed zeros as np.where gives them: -0.0 at -0.0). expm1 sees x
    clamped to x <= 0, where it cannot overflow, and x is multiplied by the step before the scale, so
    no overflow can meet a 0."""
    above_part = step(x)
    below_part = np.subtract(1.0, above_part)
    below_part *= x
    np.expm1(below_part, out=below_part)
    below_part *= below
    above_part *= x
    if above != 1.0:
        above_part *= above
    above_part += below_part
    return above_part


def numpy_f(x, alpha):
    return _elu_value(x, alpha, 1.0)


def _elu_slope(x, below, above):
    """above where x > 0, else below e^x: the derivative of an elu scaled to slope ``above``.

    Below DEEP_TAIL e^x is subnormal, or nearly so, and keeps only a few digits, which a factor below
    of up to 1e3 would scale into hundreds of the result's spacings: there below e^x is formed scaled
    (registry.numeric.with_deep_tail)."""
    slope = np.exp(np.minimum(x, 0.0))
    slope *= below
    return where_positive(x, above, with_deep_tail(slope, x, lambda xd: below))


def numpy_df(x, alpha):
    if alpha == 1.0:  # e^{min(x, 0)} is exactly 1 for x > 0: the whole derivative
        return np.exp(np.minimum(x, 0.0))
    return _elu_slope(x, alpha, 1.0)


def sympy_expr(x, alpha):
    return sp.Piecewise((x, x > 0), (alpha * (sp.exp(x) - 1), True))


SPEC = Activation(
    name="elu",
    formula=r"\mathrm{elu}_\alpha(x) = \begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0 \end{cases}",
    sympy_expr=sympy_expr,
    numpy_f=numpy_f,
    numpy_df=numpy_df,
    torch_f=lambda t, alpha: F.elu(t, alpha=alpha),
    torch_inplace=lambda t, alpha: F.elu_(t, alpha=alpha),
    limits_f=lambda alpha: (-alpha, np.inf),
    limits_df=lambda alpha: (0.0, 1.0),
    params=(Param("alpha", 1.0, 0.0, 1e3, low_closed=False),),
    kinks=(0.0,),
)

_L = float(SELU_SCALE)
# lambda01 alpha01, the exact product rounded once (float(l) * float(a) would round twice).
_LA = float(Decimal(SELU_SCALE) * Decimal(SELU_ALPHA))


def selu_f(x):
    # lambda01 * x exceeds the float64 range only where the exact value does too: inf is right.
    with np.errstate(over="ignore"):
        return _elu_value(x, _LA, _L)


def selu_df(x):
    return _elu_slope(x, _LA, _L)


SELU = Activation(
    name="selu",
    formula=r"\mathrm{selu}(x) = \lambda_{01}\,\mathrm{elu}_{\alpha_{01}}(x)",
    sympy_expr=lambda x: sp.Rational(SELU_SCALE) * sympy_expr(x, sp.Rational(SELU_ALPHA)),
    numpy_f=selu_f,
    numpy_df=cache_blocked(selu_df),
    torch_f=F.selu,
    torch_inplace=F.selu_,
    limits_f=lambda: (-_LA, np.inf),
    limits_df=lambda: (0.0, _L),
    kinks=(0.0,),
)


# celu is audited and tested at torch's and JAX's default alpha = 1 only, where it equals elu: torch
# holds alpha and 1/alpha as float32 scalars in every dtype, so in float64 any other alpha carries
# their rounding (e^{x fl32(1/alpha)}, off by |x| ulps of 1/alpha), which no route here models.
CELU_ALPHA = 1.0

CELU = Activation(
    name="celu",
    formula=r"\mathrm{celu}(x) = \begin{cases} x & x > 0 \\ \alpha (e^{x/\alpha} - 1) & x \le 0 \end{cases}"
    r",\ \alpha = 1",
    sympy_expr=lambda x: sympy_expr(x, sp.Integer(1)),
    numpy_f=lambda x: numpy_f(x, CELU_ALPHA),
    numpy_df=lambda x: numpy_df(x, CELU_ALPHA),
    torch_f=lambda t: F.celu(t, alpha=CELU_ALPHA),
    torch_inplace=lambda t: F.celu_(t, alpha=CELU_ALPHA),
    limits_f=lambda: (-CELU_ALPHA, np.inf),
    limits_df=lambda: (0.0, 1.0),
    kinks=(0.0,),
)
