"""f(x) and f'(x) as exact sympy expressions in the real symbol x, parameters as Rationals."""

from __future__ import annotations

from functools import cache

import sympy as sp

from registry import get

x = sp.Symbol("x", real=True)


def exact_param(value: float) -> sp.Rational:
    """The decimal a user writes, as an exact Rational: 0.01 -> 1/100 (not the binary double)."""
    return sp.Rational(repr(float(value)))


def _key(name: str, params: dict) -> tuple:
    spec = get(name)
    return name, tuple(sorted(spec.bind(**params).items()))


@cache
def _expression(name: str, bound: tuple, binary: bool) -> sp.Expr:
    as_rational = sp.Rational if binary else exact_param
    return get(name).sympy_expr(x, **{k: as_rational(v) for k, v in bound})


def expression(name: str, binary: bool = False, **params: float) -> sp.Expr:
    """f(x) exactly; at a kink the Piecewise uses a strict x > 0, as the registry states.

    Parameters enter as the decimal the user wrote (0.01 -> 1/100), or with ``binary=True``
    as the exact value of the double the numeric routes use (for comparisons in ulps).
    """
    return _expression(*_key(name, params), binary)


@cache
def _derivative(name: str, bound: tuple, binary: bool, order: int) -> sp.Expr:
    return sp.diff(_expression(name, bound, binary), x, order)


def derivative(name: str, order: int = 1, binary: bool = False, **params: float) -> sp.Expr:
    """d^order f / dx^order, differentiated by sympy (Piecewise pieces keep x > 0 strict)."""
    if isinstance(order, bool) or not isinstance(order, int):
        raise TypeError(f"order must be an int >= 1, got {order!r}")
    if order < 1:
        raise ValueError(f"order must be an int >= 1, got {order}")
    return _derivative(*_key(name, params), binary, order)
