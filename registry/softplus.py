"""softplus(x) = log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)),  softplus' = sigmoid."""

import numpy as np
import sympy as sp
import torch.nn.functional as F

from registry.numeric import logistic_parts
from registry.spec import Activation


def numpy_f(x):
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def numpy_df(x):
    return logistic_parts(x)[0]


SPEC = Activation(
    name="softplus",
    formula=r"\mathrm{softplus}(x) = \log(1 + e^{x})",
    sympy_expr=lambda x: sp.log(1 + sp.exp(x)),
    numpy_f=numpy_f,
    numpy_df=numpy_df,
    torch_f=F.softplus,
    limits_f=lambda: (0.0, np.inf),
    limits_df=lambda: (0.0, 1.0),
)
