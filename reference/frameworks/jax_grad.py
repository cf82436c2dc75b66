"""JAX: f'(x) = vmap(grad(f))(x) with jax.nn's op, x64 enabled so that float64 stays float64."""

from __future__ import annotations

from functools import cache

import jax
import ml_dtypes
import numpy as np

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402  (after x64 is enabled)

NAME = "jax"
TITLE = "JAX grad"
# The one-sided derivative JAX returns at each kink, one character per kink of the registry entry
# ("-" left, "+" right, "m" the mean of the two). jax.nn documents leaky_relu as x for x >= 0 (so 1 at
# 0), relu6 with grad 0 at 0 and at 6; hard_tanh tests x > 1 and x < -1, so the middle piece holds
# both ends; hard_sigmoid and hard_silu go through relu6; sparse_sigmoid's jnp.clip splits a tie
# between its bounds evenly, which gives the mean (not documented). Elsewhere the left derivative.
KINK_SIDE = {
    "leaky_relu": "+",
    "hardtanh": "+-",
    "relu6": "-+",
    "hardsigmoid": "-+",
    "hardswish": "-+",
    "sparse_plus": "-+",
    "sparse_sigmoid": "mm",
}
_NUMPY_DTYPES = {"float16": np.float16, "bfloat16": ml_dtypes.bfloat16, "float32": np.float32, "float64": np.float64}

# The registry's default parameters, passed to jax.nn's op where it takes them.
OPS = {
    "sigmoid": jax.nn.sigmoid,
    "tanh": jnp.tanh,
    "relu": jax.nn.relu,
    "leaky_relu": lambda x: jax.nn.leaky_relu(x, negative_slope=0.01),
    "elu": lambda x: jax.nn.elu(x, alpha=1.0),
    "selu": jax.nn.selu,
    "softplus": jax.nn.softplus,
    "silu": jax.nn.silu,
    "gelu": lambda x: jax.nn.gelu(x, approximate=False),
    "hardtanh": jax.nn.hard_tanh,
    "relu6": jax.nn.relu6,
    "hardsigmoid": jax.nn.hard_sigmoid,
    "hardswish": jax.nn.hard_silu,
    "celu": lambda x: jax.nn.celu(x, alpha=1.0),
    "gelu_tanh": lambda x: jax.nn.gelu(x, approximate=True),
    "logsigmoid": jax.nn.log_sigmoid,
    "softsign": jax.nn.soft_sign,
    "mish": jax.nn.mish,
    "squareplus": lambda x: jax.nn.squareplus(x, b=4.0),
    "sparse_plus": jax.nn.sparse_plus,
    "sparse_sigmoid": jax.nn.sparse_sigmoid,
}


# How each op is spelled in jax.nn, where the registry's name differs (for the claims' scope).
OP_TEXT = {
    "tanh": "jax.numpy.tanh",
    "hardtanh": "jax.nn.hard_tanh",
    "hardsigmoid": "jax.nn.hard_sigmoid",
    "hardswish": "jax.nn.hard_silu",
    "gelu": "jax.nn.gelu(approximate=False)",
    "gelu_tanh": "jax.nn.gelu(approximate=True)",
    "logsigmoid": "jax.nn.log_sigmoid",
    "softsign": "jax.nn.soft_sign",
}


def version() -> str:
    return jax.__version__


def activations() -> list[str]:
    return list(OPS)


@cache
def _compiled(activation: str):
    return jax.jit(jax.vmap(jax.grad(OPS[activation])))


MIN_BUCKET = 1 << 10


def _bucket(n: int) -> int:
    """The padded length for n points: a power of two, at least MIN_BUCKET, so that jit compiles once
    per bucket instead of once per array length (an interval search calls with many lengths). The
    floor puts every short call (a search's 64 lanes, a few hundred ends) in one bucket: a compile
    costs 30 to 100 ms, a call of 1,024 points a few tenths of a millisecond."""
    return max(MIN_BUCKET, 1 << max(n - 1, 0).bit_length())


def derivative(activation: str, xs: np.ndarray, dtype: str) -> np.ndarray:
    padded = np.zeros(_bucket(len(xs)), dtype=_NUMPY_DTYPES[dtype])
    padded[: len(xs)] = xs.astype(_NUMPY_DTYPES[dtype])
    return np.asarray(_compiled(activation)(jnp.asarray(padded)))[: len(xs)].astype(np.float64)
