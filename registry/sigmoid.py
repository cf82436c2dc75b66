"""sigmoid(x) = 1 / (1 + exp(-x)),  sigmoid'(x) = e / (1 + e)^2 with e = exp(-|x|)."""

import sympy as sp
import torch

from registry.numeric import logistic_parts
from registry.spec import Activation


def numpy_f(x):
    return logistic_parts(x)[0]


def numpy_df(x):
    # e/(1+e)^2 is even in x and never forms 1 - sigma, which rounds to 0 for x > 37.
    e = logistic_parts(x)[2]
    return e / (1.0 + e) ** 2


SPEC = Activation(
    name="sigmoid",
    formula=r"\sigma(x) = \frac{1}{1 + e^{-x}}",
    sympy_expr=lambda x: 1 / (1 + sp.exp(-x)),
    numpy_f=numpy_f,
    numpy_df=numpy_df,
    torch_f=torch.sigmoid,
    torch_inplace=torch.sigmoid_,
    limits_f=lambda: (0.0, 1.0),
    limits_df=lambda: (0.0, 0.0),
)
