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
# jax.nn documents leaky_relu as x for x >= 0, so its derivative at 0 is the right-hand one (1); relu
# is documented with relu'(0) = 0, elu and selu with the exponential branch on x <= 0: left-hand.
KINK_SIDE = {"leaky_relu": "+"}
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
}


def version() -> str:
    return jax.__version__


def activations() -> list[str]:
    return list(OPS)


@cache
def _compiled(activation: str):
    return jax.jit(jax.vmap(jax.grad(OPS[activation])))


def derivative(activation: str, xs: np.ndarray, dtype: str) -> np.ndarray:
    x = jnp.asarray(xs.astype(_NUMPY_DTYPES[dtype]))
    return np.asarray(_compiled(activation)(x)).astype(np.float64)
