"""dy/dW1 of the width-1 depth-n model z1 = W1 x + b1, a_i = f(z_i), z_i = W_i a_{i-1} + b_i, y = f(z_n)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from theory.symbolic import expression
from theory.symbolic import x as _x

f = sp.Function("f")


@dataclass(frozen=True)
class ChainModel:
    """Symbols and the forward pass of the depth-n model: z[i], a[i] for i = 1..n (index 0 unused)."""

    n: int
    x: sp.Symbol
    W: tuple
    b: tuple
    z: tuple
    a: tuple

    @property
    def y(self) -> sp.Expr:
        return self.a[self.n]


def check_depth(n: object) -> int:
    """n itself if it is an int >= 1; bool or non-int is a TypeError, n < 1 a ValueError."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"depth must be an int >= 1, got {type(n).__name__} {n!r}")
    if n < 1:
        raise ValueError(f"depth must be an int >= 1, got {n}")
    return n


@lru_cache(maxsize=None)
def chain_model(n: int) -> ChainModel:
    """The model's forward pass built symbolically, with f an undefined sympy Function."""
    check_depth(n)
    xin = sp.Symbol("x", real=True)
    W = (None,) + sp.symbols(f"W1:{n + 1}", real=True)
    b = (None,) + sp.symbols(f"b1:{n + 1}", real=True)
    z, a = [None], [xin]
    for i in range(1, n + 1):
        z.append(W[i] * a[i - 1] + b[i])
        a.append(f(z[i]))
    return ChainModel(n, xin, W, b, tuple(z), tuple(a))


def chain_gradient(n: int, name: str | None = None, **params: float) -> sp.Expr:
    """dy/dW1 by sympy's differentiation of the model itself; f left symbolic unless name is given."""
    model = chain_model(check_depth(n))
    grad = sp.diff(model.y, model.W[1])
    if name is None:
        return grad
    body = expression(name, **params)
    return grad.subs(f, sp.Lambda(_x, body)).doit()


def chain_gradient_product(n: int) -> sp.Expr:
    """The closed form f'(z_n) * prod_{i=2..n} W_i f'(z_{i-1}) * x, typed in from the chain rule."""
    model = chain_model(check_depth(n))
    t = sp.Dummy("t")

    def fprime(arg: sp.Expr) -> sp.Expr:
        return sp.Subs(sp.Derivative(f(t), t), t, arg)

    product = fprime(model.z[n]) * model.x
    for i in range(2, n + 1):
        product *= model.W[i] * fprime(model.z[i - 1])
    return product
