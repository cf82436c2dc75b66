"""leaky_relu(x; a) = x if x > 0 else a x;  relu = leaky_relu with a = 0."""

import numpy as np
import sympy as sp
import torch
import torch.nn.functional as F

from registry.numeric import step
from registry.spec import Activation, Param


def numpy_f(x, slope):
    """max(x, a x): x for x > 0 and a x below, as 0 <= a < 1 makes a x the greater only there (rounding
    keeps |fl(a x)| <= |x|, and where the two are equal, signed zeros included, they are the same
    bits). Two plain passes, where a masked select on mixed signs costs about ten."""
    scaled = np.multiply(x, slope)
    return np.maximum(x, scaled, out=scaled)


def numpy_df(x, slope):
    # max(step(x), a) is 1 or a exactly (0 <= a < 1), without a masked select.
    out = step(x)
    return np.maximum(out, slope, out=out) if slope else out


def sympy_expr(x, slope):
    return sp.Piecewise((x, x > 0), (slope * x, True))


SPEC = Activation(
    name="leaky_relu",
    formula=r"\mathrm{leaky\_relu}_a(x) = \begin{cases} x & x > 0 \\ a x & x \le 0 \end{cases}",
    sympy_expr=sympy_expr,
    numpy_f=numpy_f,
    numpy_df=numpy_df,
    torch_f=lambda t, slope: F.leaky_relu(t, negative_slope=slope),
    torch_inplace=lambda t, slope: F.leaky_relu_(t, negative_slope=slope),
    limits_f=lambda slope: (-np.inf if slope > 0 else 0.0, np.inf),
    limits_df=lambda slope: (slope, 1.0),
    params=(Param("slope", 0.01, 0.0, 1.0, high_closed=False),),
    kinks=(0.0,),
)


def relu_f_and_df(x):
    """(relu(x), relu'(x)) from one step: x [x > 0] is max(x, 0 x) bit for bit (-0.0 below 0 and at
    -0.0, +0.0 at +0.0), and [x > 0] is relu'."""
    slope = step(x)
    return x * slope, slope


RELU = Activation(
    name="relu",
    formula=r"\mathrm{relu}(x) = \max(x, 0)",
    sympy_expr=lambda x: sympy_expr(x, 0),
    numpy_f=lambda x: numpy_f(x, 0.0),
    numpy_df=lambda x: numpy_df(x, 0.0),
    numpy_f_df=relu_f_and_df,
    torch_f=torch.relu,
    torch_inplace=torch.relu_,
    limits_f=lambda: SPEC.limits_f(0.0),
    limits_df=lambda: SPEC.limits_df(0.0),
    kinks=(0.0,),
)


def _prelu(t, weight):
    # F.prelu takes the slope as a tensor (one per channel; one here), of t's dtype.
    return F.prelu(t, torch.tensor([weight], dtype=t.dtype))


PRELU = Activation(
    name="prelu",
    formula=r"\mathrm{prelu}_w(x) = \begin{cases} x & x > 0 \\ w x & x \le 0 \end{cases}",
    sympy_expr=lambda x, weight: sympy_expr(x, weight),
    numpy_f=lambda x, weight: numpy_f(x, weight),
    numpy_df=lambda x, weight: numpy_df(x, weight),
    torch_f=_prelu,
    limits_f=lambda weight: SPEC.limits_f(weight),
    limits_df=lambda weight: SPEC.limits_df(weight),
    # nn.PReLU's initial slope; the learned one is audited at that value.
    params=(Param("weight", 0.25, 0.0, 1.0, high_closed=False),),
    kinks=(0.0,),
)

# rrelu outside training is leaky_relu with the mean of its slope range, (1/8 + 1/3)/2 = 11/48.
RRELU_LOWER, RRELU_UPPER = sp.Rational(1, 8), sp.Rational(1, 3)
RRELU_SLOPE = (RRELU_LOWER + RRELU_UPPER) / 2

RRELU = Activation(
    name="rrelu",
    formula=r"\mathrm{rrelu}(x) = \begin{cases} x & x > 0 \\ \tfrac{11}{48} x & x \le 0 \end{cases}"
    r"\ (\text{eval mode})",
    sympy_expr=lambda x: sympy_expr(x, RRELU_SLOPE),
    numpy_f=lambda x: numpy_f(x, float(RRELU_SLOPE)),
    numpy_df=lambda x: numpy_df(x, float(RRELU_SLOPE)),
    torch_f=lambda t: F.rrelu(t, float(RRELU_LOWER), float(RRELU_UPPER), training=False),
    torch_inplace=lambda t: F.rrelu_(t, float(RRELU_LOWER), float(RRELU_UPPER), training=False),
    limits_f=lambda: SPEC.limits_f(float(RRELU_SLOPE)),
    limits_df=lambda: SPEC.limits_df(float(RRELU_SLOPE)),
    kinks=(0.0,),
)
