"""torch: f'(x) = the gradient of sum(f(x)) by autograd, through the registry's torch op."""

from __future__ import annotations

import numpy as np
import torch

from reference.torch_ops import torch_derivative
from registry import ACTIVATIONS

NAME = "torch"
TITLE = "torch autograd"
# torch's backward kernels test x > 0 (threshold_backward, elu_backward): the left derivative.
KINK_SIDE: dict[str, str] = {}


def version() -> str:
    return torch.__version__


def activations() -> list[str]:
    return list(ACTIVATIONS)


def derivative(activation: str, xs: np.ndarray, dtype: str) -> np.ndarray:
    t = torch.as_tensor(xs).to(getattr(torch, dtype))
    return torch_derivative(activation, t).to(torch.float64).numpy()
