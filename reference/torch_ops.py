"""torch route: f through torch's own op, f' through autograd of that op."""

from __future__ import annotations

import torch

from registry import ACTIVATIONS, get

_TORCH_FLOATS = (torch.float16, torch.bfloat16, torch.float32, torch.float64)


def _as_tensor(x: object) -> torch.Tensor:
    t = x if isinstance(x, torch.Tensor) else torch.as_tensor(x)
    if t.dtype not in _TORCH_FLOATS:
        raise TypeError(f"input must have a float dtype (float16, bfloat16, float32, float64), got {t.dtype}")
    return t


def _op(name: str, inplace: bool):
    spec = get(name)
    if spec.torch_f is None:
        having = ", ".join(n for n, a in ACTIVATIONS.items() if a.torch_f is not None)
        raise ValueError(f"torch has no op for {name}; it has: {having}")
    if not inplace:
        return spec, spec.torch_f
    if spec.torch_inplace is None:
        having = ", ".join(n for n, a in ACTIVATIONS.items() if a.torch_inplace is not None)
        raise ValueError(f"{name} has no in-place torch op; these do: {having}")
    return spec, spec.torch_inplace


def torch_activation(name: str, x: object, *, inplace: bool = False, **params: float) -> torch.Tensor:
    """f(x) by torch's op (its in-place twin on a copy with ``inplace``), same dtype as x."""
    spec, op = _op(name, inplace)
    t = _as_tensor(x)
    with torch.no_grad():
        return op(t.clone() if inplace else t, **spec.bind(**params))


def torch_derivative(name: str, x: object, *, inplace: bool = False, **params: float) -> torch.Tensor:
    """f'(x) by autograd: the gradient of sum(f(x)) with respect to x, elementwise. With ``inplace``
    the op overwrites a copy of x, so autograd differentiates it from its output."""
    spec, op = _op(name, inplace)
    bound = spec.bind(**params)
    leaf = _as_tensor(x).detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(op(leaf.clone() if inplace else leaf, **bound).sum(), leaf)
    return grad
