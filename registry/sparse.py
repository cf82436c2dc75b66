"""jax.nn's sparse pair: sparse_plus(x) = 0, (x + 1)^2 / 4, x on x <= -1, |x| < 1, x >= 1, and its
derivative sparse_sigmoid(x) = clip(x + 1, 0, 2) / 2 (Blondel et al., Fenchel-Young losses, 6.2)."""

import numpy as np
import sympy as sp

from registry.numeric import cache_blocked, window
from registry.spec import Activation


def sparse_plus_f(x):
    # x + 1 is exact on [-1, -1/2] (Sterbenz), where the result is small; the clip makes it 0 from -1
    # down, so the square is the 0 there too.
    inner = np.clip(x, -1.0, 1.0) + 1.0
    return np.where(x < 1.0, inner * inner / 4.0, x)


SPARSE_PLUS = Activation(
    name="sparse_plus",
    formula=r"\mathrm{sparse\_plus}(x) = \begin{cases} 0 & x \le -1 \\ (x + 1)^2 / 4 & -1 < x < 1"
    r" \\ x & x \ge 1 \end{cases}",
    sympy_expr=lambda x: sp.Piecewise((0, x <= -1), ((x + 1) ** 2 / 4, x < 1), (x, True)),
    numpy_f=sparse_plus_f,
    numpy_df=lambda x: sparse_sigmoid_f(x),
    torch_f=None,
    limits_f=lambda: (0.0, np.inf),
    limits_df=lambda: (0.0, 1.0),
    # f is C^1 at both: f' is continuous there, so either side's derivative is the value.
    kinks=(-1.0, 1.0),
)


def sparse_sigmoid_f(x):
    return (np.clip(x, -1.0, 1.0) + 1.0) / 2.0


SPARSE_SIGMOID = Activation(
    name="sparse_sigmoid",
    formula=r"\mathrm{sparse\_sigmoid}(x) = \tfrac12 \min(\max(x + 1, 0), 2)",
    sympy_expr=lambda x: sp.Piecewise((0, x <= -1), ((x + 1) / 2, x < 1), (1, True)),
    numpy_f=sparse_sigmoid_f,
    numpy_df=cache_blocked(lambda x: np.multiply(window(x, -1.0, 1.0), 0.5)),
    torch_f=None,
    limits_f=lambda: (0.0, 1.0),
    limits_df=lambda: (0.0, 0.0),
    kinks=(-1.0, 1.0),
    kink_sides="-+",
)
