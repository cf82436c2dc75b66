"""inf and sup of f or f' over the reals, where each is attained or approached, and limits at +-inf."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import mpmath
import sympy as sp

from registry import get
from theory.symbolic import derivative, expression, x

# A sign change of g' on this grid brackets each numeric critical point; wide enough that
# every registry entry is monotone beyond it (its derivative has reached its limit to 1e-20).
_SCAN = (-60, 60, 0.125)
_DIGITS = 50


@dataclass(frozen=True)
class Extremum:
    """value = inf or sup; at = the point (or sp.oo / -sp.oo / an interval); attained or only approached."""

    value: sp.Expr
    at: object
    attained: bool
    closed_form: bool = True

    def as_float(self) -> float:
        return float(sp.N(self.value, _DIGITS))


@dataclass(frozen=True)
class Range:
    """inf and sup over the reals: inf <= g(x) <= sup, with < where not attained."""

    inf: Extremum
    sup: Extremum

    def contains_open(self, low: float, high: float) -> bool:
        """Is every value of g inside the open interval (low, high)?"""
        lo_ok = self.inf.as_float() > low or (self.inf.as_float() == low and not self.inf.attained)
        hi_ok = self.sup.as_float() < high or (self.sup.as_float() == high and not self.sup.attained)
        return lo_ok and hi_ok


def pieces(expr: sp.Expr) -> list[tuple[sp.Expr, sp.Set]]:
    """(expression, interval of the reals where it applies); one piece unless Piecewise."""
    expr = sp.piecewise_fold(expr)
    if not isinstance(expr, sp.Piecewise):
        return [(expr, sp.S.Reals)]
    out, taken = [], sp.S.EmptySet
    for piece, cond in expr.args:
        where = sp.S.Reals if cond is sp.true else cond.as_set()
        where = sp.Intersection(where, sp.Complement(sp.S.Reals, taken))
        out.append((piece, where))
        taken = sp.Union(taken, where)
    return out


def _numeric_critical_points(slope: sp.Expr, interval: sp.Interval) -> list[sp.Float]:
    """Roots of ``slope`` in ``interval`` located by sign changes on a grid, refined to 50 digits."""
    fn = sp.lambdify(x, slope, modules="mpmath")
    lo, hi, step = _SCAN
    roots = []
    with mpmath.workdps(_DIGITS + 10):
        grid = [mpmath.mpf(lo) + k * mpmath.mpf(step) for k in range(int((hi - lo) / step) + 1)]
        values = [fn(p) for p in grid]
        for a, b, va, vb in zip(grid, grid[1:], values, values[1:]):
            if va == 0:
                root = a
            elif va * vb < 0:
                root = mpmath.findroot(fn, (a, b), solver="anderson")
            else:
                continue
            if interval.contains(sp.Float(root, _DIGITS)) is sp.true:
                roots.append(sp.Float(root, _DIGITS))
    return roots


def _candidates(g: sp.Expr, interval: sp.Interval, numeric: bool) -> list[Extremum]:
    out = []
    for end, closed in ((interval.left, not interval.left_open), (interval.right, not interval.right_open)):
        if end.is_infinite:
            out.append(Extremum(limit_at(g, end), end, attained=False))
        elif closed:
            out.append(Extremum(sp.simplify(g.subs(x, end)), end, attained=True))
        else:
            direction = "+" if end == interval.left else "-"
            out.append(Extremum(sp.limit(g, x, end, direction), end, attained=False))
    slope = sp.diff(g, x)
    if sp.simplify(slope) == 0:
        return [Extremum(sp.simplify(g), interval, attained=True)]
    # numeric: sympy's solveset does not return on this entry's equation, so it is not asked
    found = None if numeric else sp.solveset(slope, x, interval)
    if isinstance(found, sp.FiniteSet):
        out += [Extremum(sp.simplify(g.subs(x, c)), c, attained=True) for c in found]
    elif found is not sp.S.EmptySet:
        for c in _numeric_critical_points(slope, interval):
            value = sp.Float(mp_value(g, c), _DIGITS)
            out.append(Extremum(value, c, attained=True, closed_form=False))
    return out


def mp_value(g: sp.Expr, at: sp.Float) -> mpmath.mpf:
    with mpmath.workdps(_DIGITS + 10):
        return sp.lambdify(x, g, modules="mpmath")(mpmath.mpf(str(at)))


@cache
def real_range(expr: sp.Expr, numeric: bool = False) -> Range:
    """Exact inf and sup of expr over the reals (Piecewise handled piece by piece); with ``numeric``
    the critical points are located numerically without asking sympy's solveset first."""
    cands = [c for piece, where in pieces(expr) for c in _candidates(piece, where, numeric)]
    key = lambda c: float(sp.N(c.value, _DIGITS))  # noqa: E731
    low, high = min(key(c) for c in cands), max(key(c) for c in cands)
    # Where the same value is both attained and approached, attained wins.
    inf = sorted((c for c in cands if key(c) == low), key=lambda c: not c.attained)[0]
    sup = sorted((c for c in cands if key(c) == high), key=lambda c: not c.attained)[0]
    return Range(inf, sup)


def derivative_range(name: str, **params: float) -> Range:
    """inf and sup of f' over the reals, each with where it is attained or approached."""
    return real_range(derivative(name, **params), _numeric_only(name))


def _numeric_only(name: str) -> bool:
    """The registry's note that sympy's solveset does not return on this entry's equations."""
    return get(name).extra.get("critical_points") == "numeric"


def output_range(name: str, **params: float) -> Range:
    """inf and sup of f over the reals, each with where it is attained or approached."""
    return real_range(expression(name, **params), _numeric_only(name))


def limits_at_infinity(name: str, order: int, **params: float) -> tuple[sp.Expr, sp.Expr]:
    """(lim_{x->-oo}, lim_{x->+oo}) of f (order 0) or of its order-th derivative."""
    expr = expression(name, **params) if order == 0 else derivative(name, order, **params)
    return limits_of(expr)


@cache
def limits_of(expr: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """(lim_{x->-oo}, lim_{x->+oo}) of an expression in x, each on the piece that reaches that end
    (sympy's limit() of a Piecewise at oo fails on the comparison of its conditions with zoo)."""
    found = {}
    for piece, where in pieces(expr):
        if where.inf == -sp.oo:
            found[-1] = limit_at(piece, -sp.oo)
        if where.sup == sp.oo:
            found[1] = limit_at(piece, sp.oo)
    return found[-1], found[1]


def limit_at(piece: sp.Expr, end: sp.Expr) -> sp.Expr:
    """lim piece as x -> end (+-oo): piece's value at end in the extended reals where that value is
    determinate, else sympy's limit().

    sympy's arithmetic on +-oo gives nan for every indeterminate form (oo - oo, 0 oo, oo / oo, 1^oo),
    and its functions take their limits at +-oo (exp(-oo) = 0, erfc(oo) = 0, tanh(oo) = 1), so a real
    or infinite value is the limit (an oscillating piece gives the AccumBounds limit() gives), in
    milliseconds where limit() takes a tenth of a second (a new parameter value needs new limits).
    """
    value = piece.subs(x, end)
    if value.is_extended_real:
        return value
    return sp.limit(piece, x, end)


def one_sided_limit(expr: sp.Expr, at: float, side: str) -> sp.Expr:
    """lim expr as x -> at from side '+' or '-', taken on the piece that applies on that side.

    sympy's limit() of a Piecewise at a breakpoint ignores the side (sympy 1.14 gives
    lim_{x->0+} of relu' as 0), so the piece is chosen here first.
    """
    if side not in ("+", "-"):
        raise ValueError(f"side must be '+' or '-', got {side!r}")
    at = sp.nsimplify(at)
    near = sp.Interval.open(at, at + 1) if side == "+" else sp.Interval.open(at - 1, at)
    for piece, where in pieces(expr):
        # The piece that applies right next to ``at``: its part of ``near`` reaches ``at`` itself (a
        # piece that only meets ``near`` farther out, as hardshrink's x < -1/2 does left of 0, does not).
        part = sp.Intersection(where, near)
        if part != sp.S.EmptySet and (part.inf if side == "+" else part.sup) == at:
            return sp.limit(piece, x, at, side)
    raise ArithmeticError(f"no piece of {expr} applies on side {side} of {at}")
