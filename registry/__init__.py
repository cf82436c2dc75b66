"""The activation registry: every layer iterates ``ACTIVATIONS``; none names an activation."""

from __future__ import annotations

from registry import algebraic, elu, gelu, hard, leaky_relu, mish, shrink, sigmoid, silu, softplus, sparse, tanh
from registry.numeric import FLOAT_DTYPES, as_float_array, evaluate, round_to
from registry.spec import Activation, Param

# Registry order is the order of the framework-audit ids: position n is A<n> for torch and J<n> for
# JAX, so one number names one activation in both series. torch's ops come first (A01-A24); jax.nn's
# own (squareplus, sparse_plus, sparse_sigmoid) last, and a framework without an op skips that number.
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
        hard.HARDTANH,
        hard.RELU6,
        hard.HARDSIGMOID,
        hard.HARDSWISH,
        elu.CELU,
        leaky_relu.PRELU,
        leaky_relu.RRELU,
        gelu.GELU_TANH,
        sigmoid.LOGSIGMOID,
        algebraic.SOFTSIGN,
        mish.SPEC,
        shrink.TANHSHRINK,
        shrink.HARDSHRINK,
        shrink.SOFTSHRINK,
        shrink.THRESHOLD_SPEC,
        algebraic.SQUAREPLUS,
        sparse.SPARSE_PLUS,
        sparse.SPARSE_SIGMOID,
    )
}


def get(name: object) -> Activation:
    """The entry called ``name``; anything else is a ValueError listing the valid names."""
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; valid: {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[name]


__all__ = ["ACTIVATIONS", "Activation", "FLOAT_DTYPES", "Param", "as_float_array", "evaluate", "get", "round_to"]
