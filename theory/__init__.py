"""Exact layer: sympy expressions, derivatives, ranges, limits and chain-rule products."""

from theory.chain import (
    ChainModel,
    chain_gradient,
    chain_gradient_mp,
    chain_gradient_product,
    chain_model,
    check_depth,
    pre_activations_mp,
    with_activation,
)
from theory.mp import (
    exact_activation,
    exact_derivative,
    mp_callable,
    mp_eval,
    settled,
    settled_callable,
    ulp,
    ulp_error,
    ulp_exponent,
)
from theory.ranges import (
    Extremum,
    Range,
    derivative_range,
    limits_at_infinity,
    one_sided_limit,
    output_range,
    real_range,
)
from theory.symbolic import derivative, exact_param, expression, x

__all__ = [
    "ChainModel",
    "Extremum",
    "Range",
    "chain_gradient",
    "chain_gradient_mp",
    "chain_gradient_product",
    "chain_model",
    "check_depth",
    "derivative",
    "derivative_range",
    "exact_activation",
    "exact_derivative",
    "exact_param",
    "expression",
    "limits_at_infinity",
    "mp_callable",
    "settled",
    "settled_callable",
    "mp_eval",
    "one_sided_limit",
    "output_range",
    "pre_activations_mp",
    "real_range",
    "ulp",
    "ulp_exponent",
    "ulp_error",
    "with_activation",
    "x",
]
