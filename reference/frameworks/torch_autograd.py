"""torch: f'(x) = the gradient of sum(f(x)) by autograd, through the registry's torch op."""

from __future__ import annotations

import numpy as np
import torch

from reference.torch_ops import torch_derivative
from registry import ACTIVATIONS

NAME = "torch"
TITLE = "torch autograd"
# torch's value at each kink is the registry's own convention (each Piecewise holds the piece whose
# slope torch's backward kernel returns there): the left derivative, except where kink_sides says.
KINK_SIDE = {name: spec.kink_sides for name, spec in ACTIVATIONS.items() if spec.kink_sides}


# The op as a user calls it, where the registry's name alone does not say (for the claims' scope).
OP_TEXT = {
    "softplus": "torch.nn.functional.softplus(x, beta, threshold=20)",
    "gelu_tanh": "torch.nn.functional.gelu(x, approximate='tanh')",
    "rrelu": "torch.nn.functional.rrelu(x, 1/8, 1/3, training=False)",
    "threshold": "torch.nn.functional.threshold(x, 1.0, 0.0)",
    "prelu": "torch.nn.functional.prelu(x, weight) with one weight",
}


def version() -> str:
    return torch.__version__


def activations() -> list[str]:
    return [name for name, spec in ACTIVATIONS.items() if spec.torch_f is not None]


def derivative(activation: str, xs: np.ndarray, dtype: str) -> np.ndarray:
    t = torch.as_tensor(xs).to(getattr(torch, dtype))
    return torch_derivative(activation, t).to(torch.float64).numpy()
