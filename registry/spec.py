"""Activation = (name, parameters, sympy expression, NumPy f and f', torch f): one record each."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Param:
    """A real parameter p with default d and valid range low <(=) p <(=) high."""

    name: str
    default: float
    low: float
    high: float
    low_closed: bool = True
    high_closed: bool = True

    def describe(self) -> str:
        left = "[" if self.low_closed else "("
        right = "]" if self.high_closed else ")"
        return f"{self.name} in {left}{self.low}, {self.high}{right}"

    def validate(self, value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
            raise TypeError(f"{self.name} must be a real number ({self.describe()}), got {value!r}")
        v = float(value)
        above = v >= self.low if self.low_closed else v > self.low
        below = v <= self.high if self.high_closed else v < self.high
        if math.isnan(v) or not (above and below):
            raise ValueError(f"{self.name}={value!r} is out of range: {self.describe()}")
        return v


@dataclass(frozen=True)
class Activation:
    """One registry entry.

    ``sympy_expr(x, **params)`` is exact, with parameters passed as sympy Rationals. At each kink
    its Piecewise gives the kink to the piece whose slope torch's backward kernel returns there:
    the left-hand derivative (relu'(0) = 0, leaky_relu'(0) = slope) unless ``kink_sides`` says
    ``+`` for that kink (hardtanh'(1) = 0, the right-hand one). ``jumps`` are points where f itself
    is discontinuous (hardshrink, threshold): f has no derivative there, and the registry's value is
    that of the piece holding the point, which is again what torch returns.
    ``numpy_f``/``numpy_df`` take a float64 array (infinities already replaced, see
    ``registry.numeric``) and return float64; ``limits_f(**params)`` and ``limits_df(**params)``
    give the values at (-inf, +inf) that the NumPy route returns there; ``torch_f`` uses
    torch's own op. ``numpy_f_df``, where f and f' share most of their work (the logistic's
    e^{-|x|} and 1 + e, gelu_tanh's double-double u), takes the same array and returns (f, f'), bit
    for bit what ``numpy_f`` and ``numpy_df`` give (tests/test_kernel_pairs.py): the deep chain,
    which needs both at every layer, calls it once a layer. ``torch_inplace``, where torch has one,
    is the same op writing into its argument; autograd then takes f' from the output (elu:
    f'(x) = f(x) + alpha on x <= 0, no second exp), which is why training code prefers it.
    ``torch_f`` is None for an activation torch does not have (jax.nn's squareplus, sparse_plus,
    sparse_sigmoid).
    """

    name: str
    formula: str
    sympy_expr: Callable
    numpy_f: Callable
    numpy_df: Callable
    torch_f: Callable | None
    limits_f: Callable
    limits_df: Callable
    params: tuple[Param, ...] = ()
    kinks: tuple[float, ...] = ()
    kink_sides: str = ""  # one "-" or "+" per kink; empty means "-" at every kink
    jumps: tuple[float, ...] = ()
    torch_inplace: Callable | None = None
    numpy_f_df: Callable | None = None
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kink_sides and (len(self.kink_sides) != len(self.kinks) or set(self.kink_sides) - {"-", "+"}):
            raise ValueError(
                f"{self.name}: kink_sides needs one '-' or '+' per kink {self.kinks}, got {self.kink_sides!r}"
            )

    def side_at(self, kink: float) -> str:
        """The one-sided derivative ("-" or "+") that the registry's value at ``kink`` equals."""
        return self.kink_sides[self.kinks.index(kink)] if self.kink_sides else "-"

    @property
    def breaks(self) -> tuple[float, ...]:
        """Every kink and jump, ascending: where f' is not given by one smooth formula."""
        return tuple(sorted({*self.kinks, *self.jumps}))

    def bind(self, **params: object) -> dict[str, float]:
        """Validated parameters with defaults filled in; unknown names are a ValueError."""
        known = {p.name: p for p in self.params}
        unknown = sorted(set(params) - set(known))
        if unknown:
            valid = ", ".join(p.describe() for p in self.params) or "none"
            raise ValueError(f"{self.name} has no parameter {', '.join(unknown)}; valid: {valid}")
        return {n: p.validate(params[n]) if n in params else p.default for n, p in known.items()}
