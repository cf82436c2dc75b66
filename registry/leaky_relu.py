"""leaky_relu(x; a) = x if x > 0 else a x;  relu = leaky_relu with a = 0."""

import numpy as np
import sympy as sp
import torch
import torch.nn.functional as F

from registry.spec import Activation, Param


def numpy_f(x, slope):
    return np.where(x > 0, x, x * slope)


def numpy_df(x, slope):
    return np.where(x > 0, 1.0, slope)


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

RELU = Activation(
    name="relu",
    formula=r"\mathrm{relu}(x) = \max(x, 0)",
    sympy_expr=lambda x: sympy_expr(x, 0),
    numpy_f=lambda x: numpy_f(x, 0.0),
    numpy_df=lambda x: numpy_df(x, 0.0),
    torch_f=torch.relu,
    torch_inplace=torch.relu_,
    limits_f=lambda: SPEC.limits_f(0.0),
    limits_df=lambda: SPEC.limits_df(0.0),
    kinks=(0.0,),
)
