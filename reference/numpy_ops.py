"""NumPy route: f(x) and f'(x) from the registry's hand-written kernels, dtype preserved."""

from __future__ import annotations

import numpy as np

from registry import evaluate, get


def activation(name: str, x: object, **params: float) -> np.ndarray:
    """f(x) elementwise, in x's float dtype; no floating-point warning at any input."""
    spec = get(name)
    bound = spec.bind(**params)
    return evaluate(spec.numpy_f, spec.limits_f, x, bound)


def derivative(name: str, x: object, **params: float) -> np.ndarray:
    """f'(x) elementwise (left derivative at kinks, as in torch), in x's float dtype."""
    spec = get(name)
    bound = spec.bind(**params)
    return evaluate(spec.numpy_df, spec.limits_df, x, bound)
