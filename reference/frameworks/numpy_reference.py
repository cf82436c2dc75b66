"""The baseline: f'(x) by this suite's NumPy reference, computed in float64 and rounded once."""

from __future__ import annotations

import numpy as np

from reference.frameworks import to_dtype
from reference.numpy_ops import derivative as numpy_derivative
from registry import ACTIVATIONS

NAME = "numpy"
TITLE = "NumPy reference (baseline)"
# the registry's convention: the left derivative, except where kink_sides says
KINK_SIDE = {name: spec.kink_sides for name, spec in ACTIVATIONS.items() if spec.kink_sides}


def version() -> str:
    return np.__version__


def activations() -> list[str]:
    return list(ACTIVATIONS)


def derivative(activation: str, xs: np.ndarray, dtype: str) -> np.ndarray:
    if dtype == "bfloat16":  # NumPy has no bfloat16: the reference in float32, rounded once more
        return to_dtype(numpy_derivative(activation, xs.astype(np.float32)), dtype)
    return numpy_derivative(activation, xs.astype(dtype)).astype(np.float64)
