"""dy/dW1 of the width-1 depth-n model z1 = W1 x + b1, a_i = f(z_i), z_i = W_i a_{i-1} + b_i, y = f(z_n)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import mpmath
import sympy as sp

from theory.mp import mp_callable, settled, settled_callable
from theory.symbolic import derivative, expression
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


@cache
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
    return with_activation(grad, name, **params)


def with_activation(expr: sp.Expr, name: str, **params: float) -> sp.Expr:
    """expr with f(u) -> f's expression at u and f'(u) -> its derivative at u.

    For a Piecewise f the result nests each layer's condition inside the next one's, so its
    size grows exponentially with depth; numeric work uses ``chain_gradient_mp`` instead.
    """
    body, slope = expression(name, **params), derivative(name, **params)
    expr = _mark_derivatives(expr)
    expr = expr.replace(fprime, lambda arg: slope.subs(_x, arg))
    return expr.replace(f, lambda arg: body.subs(_x, arg))


fprime = sp.Function("fprime")
F_PRIME = sp.Function("f'")  # the same f'(u), named for the page


def _mark_derivatives(expr: sp.Expr, as_function=fprime) -> sp.Expr:
    """Subs(Derivative(f(t), t), t, u) -> as_function(u) (fprime for the evaluators, F_PRIME for
    the page): sympy's own chain-rule output, renamed."""
    return expr.replace(
        lambda e: isinstance(e, sp.Subs) and isinstance(e.expr, sp.Derivative), lambda e: as_function(e.point[0])
    )


def chain_latex(expr: sp.Expr) -> str:
    """LaTeX of a chain-rule expression in f, each f'(u) written f'(u).

    sympy writes f'(u) as Subs(Derivative(f(t), t), t, u). A Subs equals its renamed self, so
    sympy's cache hands back whichever bound name it met first (a fresh Dummy, or t), and Dummies
    sort by creation: printed as it is, the text depended on what had run before in the process."""
    return sp.latex(_mark_derivatives(expr, F_PRIME))


def chain_gradient_mp(n: int, name: str, **params: float):
    """dy/dW1 as sympy derived it, evaluated by mpmath with f and f' of the activation:
    a function of (x, W1..Wn, b1..bn) as mpf values."""
    return _chain_gradient_mp(check_depth(n), name, tuple(sorted(params.items())))


@cache
def _chain_gradient_mp(n: int, name: str, params: tuple):
    params = dict(params)
    model = chain_model(n)
    functions = {
        "f": mp_callable(expression(name, binary=True, **params), (_x,)),
        "fprime": mp_callable(derivative(name, binary=True, **params), (_x,)),
    }
    gradient = mp_callable(_mark_derivatives(chain_gradient(n)), (model.x, *model.W[1:], *model.b[1:]), functions)
    # Settled: f and f' of some entries cancel at fixed precision (1 + tanh u far left, x - tanh x near 0).
    return lambda *args: settled(gradient, *(mpmath.mpf(a) for a in args))


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


def pre_activations_mp(name: str, x: float, W, b, **params: float) -> list:
    """z_1..z_n of the chain in mpmath at the caller's working precision, on the exact float inputs."""
    f = settled_callable(expression(name, binary=True, **params))
    a, zs = mpmath.mpf(x), []
    for w, c in zip(W, b):
        zs.append(mpmath.mpf(w) * a + mpmath.mpf(c))
        a = f(zs[-1])
    return zs
