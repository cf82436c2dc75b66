"""Frameworks as adapters: (activation, dtype, points) -> f'(points) as that framework computes it.

Each adapter is one module with ``NAME``, ``TITLE``, ``version()``, ``activations()`` (the registry
names it has an op for), ``derivative(activation, xs, dtype)`` (xs: float64 values representable in dtype; the result as
float64) and ``KINK_SIDE`` (the one-sided derivative the framework documents at a kink). Adding a
framework (TensorFlow, MLX) is one module and one line in ``_MODULES``. Modules are imported on
first use, so that asking for torch never pays for importing JAX.
"""

from __future__ import annotations

import importlib
from types import ModuleType

import numpy as np
import torch

_MODULES = {
    "torch": "reference.frameworks.torch_autograd",
    "jax": "reference.frameworks.jax_grad",
    "numpy": "reference.frameworks.numpy_reference",
}
AUDITED = ("torch", "jax")  # the frameworks whose gradients are claims; numpy is the baseline beside them
DTYPES = ("float16", "bfloat16", "float32", "float64")


def adapter(name: object) -> ModuleType:
    """The adapter module for ``name``; anything else is a ValueError listing the valid names."""
    if not isinstance(name, str) or name not in _MODULES:
        raise ValueError(f"unknown framework {name!r}; valid: {', '.join(_MODULES)}")
    return importlib.import_module(_MODULES[name])


def check_dtype(dtype: object) -> str:
    if not isinstance(dtype, str) or dtype not in DTYPES:
        raise ValueError(f"unknown dtype {dtype!r}; valid: {', '.join(DTYPES)}")
    return dtype


def supports(framework: str, activation: str) -> bool:
    return activation in adapter(framework).activations()


def to_dtype(values: np.ndarray, dtype: str) -> np.ndarray:
    """values rounded once to dtype and back to float64; bfloat16, which NumPy lacks, through torch."""
    with np.errstate(over="ignore"):
        t = torch.as_tensor(np.asarray(values, dtype=np.float64)).to(getattr(torch, check_dtype(dtype)))
    return t.to(torch.float64).numpy()


def gradient(framework: str, activation: str, xs: np.ndarray, dtype: str) -> np.ndarray:
    """f'(xs) computed in dtype by the framework's own gradient, returned as float64."""
    module = adapter(framework)
    check_dtype(dtype)
    if not supports(framework, activation):
        raise ValueError(f"{framework} has no op for {activation}; it has: {', '.join(module.activations())}")
    return np.asarray(module.derivative(activation, np.asarray(xs, dtype=np.float64), dtype), dtype=np.float64)


__all__ = ["AUDITED", "DTYPES", "adapter", "check_dtype", "gradient", "supports", "to_dtype"]
