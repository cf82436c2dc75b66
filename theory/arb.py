"""Exact values at float inputs by ball arithmetic: f(x) in [m - r, m + r], proved by arb
(python-flint), with the precision doubled until r <= 2^-bits |m|.

A ball carries its own error bound, so one evaluation tells whether the digits are right; the
mpmath route (theory/mp.py, ``settled``) has to evaluate twice and compare, at 20 to 40 times the
cost. It serves expressions of x alone whose functions arb has (``arb_callable`` says None
otherwise); tests/test_exact_route.py holds it to the mpmath route.
"""

from __future__ import annotations

from functools import cache

import mpmath
import sympy as sp
from flint import arb, ctx
from sympy.printing.lambdarepr import LambdaPrinter

from theory.precision import BELOW_FLOATS_BITS, BELOW_FLOATS_EXP10, MAX_BITS
from theory.symbolic import x

START_BITS = 200
# From BELOW_FLOATS_BITS on, a ball inside (-10^-400, 10^-400) that is still not accurate is taken
# as 0: it rounds to 0 in every dtype. Only cancellation gets there (1 - tanh(x)^2 at large x); the
# mpmath route has the same rule (theory/precision.py).
BELOW_FLOATS = arb(f"1e-{BELOW_FLOATS_EXP10}")


def _method(name: str):
    return lambda a: getattr(a, name)()


# sympy's name -> the arb method; the project's cancellation-free forms (theory/mp.py) included.
FUNCTIONS = {
    name: _method(name) for name in ("exp", "sqrt", "erf", "erfc", "tanh", "log", "log1p", "expm1", "cosh", "sinh")
} | {
    "_log1p": _method("log1p"),
    "_expm1": _method("expm1"),
    "_erfc_of_minus": lambda a: (-a).erfc(),
    "Abs": abs,
    "arb": arb,
    "_binary": lambda man, exp: arb(man) * arb(2) ** exp,  # exact: a power of two is exact in arb
}


class _ArbPrinter(LambdaPrinter):
    """Python source in which every constant is an exact arb: integers and rationals as arb
    quotients, pi as arb's ball of it, floats by their binary mantissa and exponent; functions by
    their bare names, looked up in FUNCTIONS."""

    def _print_Integer(self, e):
        return f"arb({e.p})"

    def _print_Rational(self, e):
        return f"(arb({e.p})/{e.q})"

    def _print_Float(self, e):
        sign, man, exp, _ = e._mpf_
        return f"_binary({-man if sign else man}, {exp})"

    def _print_Pi(self, e):
        return "arb.pi()"

    def _print_Exp1(self, e):
        return "arb.const_e()"

    def _print_Pow(self, e, rational=False):
        base = self._print(e.base)
        if e.exp.is_Integer:  # an int exponent: arb raises to it exactly by repeated squaring
            return f"({base})**({int(e.exp)})"
        if e.exp == sp.S.Half:
            return f"sqrt({base})"
        return f"({base})**({self._print(e.exp)})"

    def _module_format(self, fqn, **_):  # sympy's register flag: nothing to import, names are looked up in FUNCTIONS
        return fqn.split(".")[-1]

    def _print_Function(self, e):
        return f"{type(e).__name__}({', '.join(self._print(a) for a in e.args)})"


@cache
def arb_callable(expr: sp.Expr):
    """expr (of x alone, cancellation-free form) as a function of an arb ball, or None where expr
    has a function arb lacks here or another free symbol."""
    if expr.free_symbols - {x}:
        return None
    names = {type(f).__name__ for f in expr.atoms(sp.Function)} - {"Piecewise"}  # printed as if-else
    if not names <= FUNCTIONS.keys():
        return None
    return sp.lambdify(x, expr, modules=[FUNCTIONS], printer=_ArbPrinter)


def _point(at: float | mpmath.mpf) -> tuple[int, int]:
    """(mantissa, exponent) of a float or an mpf: at = mantissa 2^exponent exactly."""
    # A float converts to mpf exactly. mpf.man_exp drops the sign: read it from _mpf_.
    sign, man, exp, _ = (at if isinstance(at, mpmath.mpf) else mpmath.mpf(at))._mpf_
    return (-int(man) if sign else int(man)), int(exp)


def arb_settled(fn, at: float | mpmath.mpf, bits: int) -> mpmath.mpf:
    """fn(at) to ``bits`` correct bits, as an mpf of bits + 32 bits: the ball's midpoint once its
    radius is below 2^-bits of it, the precision doubled from max(START_BITS, bits + 50) until then.

    ``at`` is taken exactly (a float, or an mpf of any precision). A ball that stays inside
    (-10^-400, 10^-400) from BELOW_FLOATS_BITS on is 0 (see above).
    """
    man, exp = _point(at)
    saved = ctx.prec
    prec = max(START_BITS, bits + 50)
    ceiling = max(MAX_BITS, 2 * bits)  # a caller asking for more bits may double past MAX_BITS
    try:
        while prec <= ceiling:
            ctx.prec = prec
            point = arb(man) * arb(2) ** exp  # a ball around at, exact where prec holds man's bits
            value = fn(point)
            if value.is_exact() or value.rel_accuracy_bits() >= bits:
                man, exp = value.mid().man_exp()
                with mpmath.workprec(bits + 32):
                    return mpmath.mpf((int(man), int(exp)))
            if prec >= BELOW_FLOATS_BITS and value.abs_upper() < BELOW_FLOATS:
                return mpmath.mpf(0)
            prec *= 2
    finally:
        ctx.prec = saved
    raise ArithmeticError(f"{fn} at {at!r} did not settle by {ceiling} bits")
