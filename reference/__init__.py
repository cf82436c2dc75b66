"""Numeric layer: hand-written NumPy kernels and torch (library ops + autograd)."""

from reference.chain import (
    ChainGradient,
    chain_factors,
    chain_gradient,
    chain_gradient_prefixes,
    forward,
    log_gradient_by_depth,
    torch_chain_gradient,
    torch_chain_gradient_prefixes,
)
from reference.numpy_ops import activation, derivative
from reference.torch_ops import torch_activation, torch_derivative

__all__ = [
    "ChainGradient",
    "activation",
    "chain_factors",
    "chain_gradient",
    "chain_gradient_prefixes",
    "derivative",
    "forward",
    "log_gradient_by_depth",
    "torch_activation",
    "torch_chain_gradient",
    "torch_chain_gradient_prefixes",
    "torch_derivative",
]
