"""The activation registry: every layer iterates ``ACTIVATIONS``; none names an activation."""

from __future__ import annotations

from registry import elu, gelu, leaky_relu, sigmoid, silu, softplus, tanh
from registry.numeric import FLOAT_DTYPES, as_float_array, evaluate, round_to
from registry.spec import Activation, Param

# Registry order is the order of the framework-audit ids A01..A09.
ACTIVATIONS: dict[str, Activation] = {
    spec.name: spec
    for spec in (
        sigmoid.SPEC,
        tanh.SPEC,
        leaky_relu.RELU,
        leaky_relu.SPEC,
        elu.SPEC,
        elu.SELU,
        softplus.SPEC,
        silu.SPEC,
        gelu.SPEC,
    )
}


def get(name: object) -> Activation:
    """The entry called ``name``; anything else is a ValueError listing the valid names."""
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; valid: {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[name]


__all__ = ["ACTIVATIONS", "Activation", "FLOAT_DTYPES", "Param", "as_float_array", "evaluate", "get", "round_to"]
