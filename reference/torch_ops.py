"""torch route: f through torch's own op, f' through autograd of that op."""

from __future__ import annotations

import torch

from registry import get

_TORCH_FLOATS = (torch.float16, torch.bfloat16, torch.float32, torch.float64)


def _as_tensor(x: object) -> torch.Tensor:
    t = x if isinstance(x, torch.Tensor) else torch.as_tensor(x)
    if t.dtype not in _TORCH_FLOATS:
        raise TypeError(f"input must have a float dtype (float16, bfloat16, float32, float64), got {t.dtype}")
    return t


def torch_activation(name: str, x: object, **params: float) -> torch.Tensor:
    """f(x) by torch's op, same dtype as x."""
    spec = get(name)
    with torch.no_grad():
        return spec.torch_f(_as_tensor(x), **spec.bind(**params))


def torch_derivative(name: str, x: object, **params: float) -> torch.Tensor:
    """f'(x) by autograd: the gradient of sum(f(x)) with respect to x, elementwise."""
    spec = get(name)
    bound = spec.bind(**params)
    leaf = _as_tensor(x).detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(spec.torch_f(leaf, **bound).sum(), leaf)
    return grad
