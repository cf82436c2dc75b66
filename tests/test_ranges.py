"""derivative_range and output_range: the stated inf/sup bound every value and are tight."""

from functools import cache

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, target

import theory
from tests.strategies import ACTIVATION_NAMES, floats_of

# Calibrates the instruments (the routes agree); establishes no claim.
pytestmark = pytest.mark.instrument

RANGES = {"f": (theory.output_range, theory.exact_activation), "df": (theory.derivative_range, theory.exact_derivative)}


@cache
def range_at_60_digits(name: str, which: str) -> tuple:
    """(inf, attained, sup, attained) of f or f' with each finite end in mpmath at 60 digits, None if
    infinite: evaluated once a test instead of at every example."""
    r = RANGES[which][0](name)
    with mpmath.workdps(60):
        ends = [mpmath.mpf(str(sp.N(e.value, 60))) if e.value.is_finite else None for e in (r.inf, r.sup)]
    return ends[0], r.inf.attained, ends[1], r.sup.attained


@pytest.mark.parametrize("which", RANGES)
@pytest.mark.parametrize("name", ACTIVATION_NAMES)
@given(at=floats_of(np.float64, allow_nan=False, allow_infinity=False))
def test_every_value_lies_in_the_stated_range(name, which, at):
    lo, lo_attained, hi, hi_attained = range_at_60_digits(name, which)
    value = RANGES[which][1](name, at)
    slack = mpmath.mpf(10) ** -45  # the 50-digit extremum of a numeric root, rounded
    with mpmath.workdps(60):
        if lo is not None:
            target(-min(float(value - lo), 1e300), label="approach inf")
            assert value >= lo - slack if lo_attained else value > lo - slack
        if hi is not None:
            target(max(float(value - hi), -1e300), label="approach sup")
            assert value <= hi + slack if hi_attained else value < hi + slack


@pytest.mark.parametrize("which", RANGES)
@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_extremes_are_attained_where_stated_or_approached_at_infinity(name, which):
    range_of, _ = RANGES[which]
    g = theory.expression(name) if which == "f" else theory.derivative(name)
    r = range_of(name)
    for ext in (r.inf, r.sup):
        at = ext.at
        if ext.attained and isinstance(at, sp.Set):
            point = at.inf + 1 if at.inf.is_finite else at.sup - 1
            assert sp.simplify(g.subs(theory.x, point) - ext.value) == 0
        elif ext.attained:
            assert abs(sp.N(g.subs(theory.x, at) - ext.value, 50)) < 1e-45
        elif at in (sp.oo, -sp.oo):
            assert ext.value in theory.limits_at_infinity(name, 0 if which == "f" else 1)
        else:  # approached at a finite open end of a piece
            assert ext.value in (theory.one_sided_limit(g, at, "-"), theory.one_sided_limit(g, at, "+"))


@pytest.mark.parametrize(
    ("name", "inf", "sup"),
    [("sigmoid", 0, sp.Rational(1, 4)), ("tanh", 0, 1), ("relu", 0, 1), ("elu", 0, 1)],
)
def test_closed_form_derivative_ranges(name, inf, sup):
    r = theory.derivative_range(name)
    assert (r.inf.value, r.sup.value) == (inf, sup)
    assert r.inf.closed_form and r.sup.closed_form


def test_silu_derivative_extremes_are_numeric_roots_marked_as_such():
    r = theory.derivative_range("silu")
    assert not r.sup.closed_form and not r.inf.closed_form
    # silu'' vanishes there, to the 50 digits the root is given with.
    second = theory.derivative("silu", 2)
    assert abs(sp.N(second.subs(theory.x, r.sup.at), 50)) < 1e-45


def test_the_numeric_root_scan_finds_roots_on_its_first_point_and_in_its_last_cell():
    """Sign changes on the grid from -60 to 60 in steps of 1/8, refined to 50 digits: a root on the
    grid's first point (a zero value, no sign change), one mid-cell, one on an inner grid point (found
    once, from the cell it starts; the cell it ends has a zero product, not a sign change) and one
    inside the last cell; on an interval that leaves out the first, that one is dropped."""
    from theory.ranges import _numeric_critical_points
    from theory.symbolic import x

    slope = (x + 60) * (x - sp.Rational(959, 16)) * (x - sp.Rational(1, 3)) * (x - 2)
    found = _numeric_critical_points(slope, sp.Interval(-60, 60))
    assert [float(r) for r in found] == [-60.0, 1 / 3, 2.0, 959 / 16]
    assert abs(found[1] - sp.Rational(1, 3)) < sp.Float(10) ** -45
    assert [float(r) for r in _numeric_critical_points(slope, sp.Interval.open(0, 60))] == [1 / 3, 2.0, 959 / 16]


def test_ranges_follow_the_parameters_given():
    """elu with alpha = 2: f ranges over (-2, oo); f' = 2 e^x on the left piece (the one that holds 0,
    where it is 2) and 1 on the right, so it ranges over (0, 2]."""
    f, df = theory.output_range("elu", alpha=2.0), theory.derivative_range("elu", alpha=2.0)
    assert (float(f.inf.value), f.inf.attained) == (-2.0, False) and f.sup.value == sp.oo
    assert (float(df.inf.value), df.inf.attained) == (0.0, False)
    assert (float(df.sup.value), df.sup.at, df.sup.attained) == (2.0, 0, True)
    assert float(theory.output_range("elu").inf.value) == -1.0


def test_limits_at_infinity_of_a_higher_derivative_are_that_derivatives():
    """softplus'' = sigma' and elu'' = alpha e^x on the left tend to 0 on both sides, where f' tends to
    0 and 1: the order asked for is the one differentiated."""
    for name in ("softplus", "elu"):
        assert theory.limits_at_infinity(name, 1) == (0, 1)
        assert theory.limits_at_infinity(name, 2) == (0, 0)


def test_a_range_lies_in_an_open_interval_only_if_no_attained_extreme_touches_its_ends():
    """sigmoid' has inf 0 (not attained) and sup 1/4 (attained at 0); relu' attains both 0 and 1."""
    r = theory.derivative_range("sigmoid")
    assert r.contains_open(0.0, 0.3) and r.contains_open(-1.0, 0.26)
    assert not r.contains_open(0.0, 0.25) and not r.contains_open(0.01, 0.3)
    assert not theory.derivative_range("relu").contains_open(0.0, 2.0)  # relu' attains its inf, 0


def test_a_one_sided_limit_where_no_piece_applies_says_so():
    with pytest.raises(ArithmeticError, match=r"no piece of .* applies on side \+ of 1"):
        theory.ranges.one_sided_limit(sp.Piecewise((theory.x, theory.x < 0)), 1.0, "+")


def test_an_open_end_at_a_pole_is_approached_from_inside_its_piece():
    """1/x on x > 0 is unbounded above as x -> 0+, and on x < 0 unbounded below as x -> 0-: the limit at
    a piece's open end is taken from the side the piece lies on (the two-sided view would give the other
    sign). No activation has a pole, so only such an expression shows it."""
    t = theory.x
    right = theory.ranges.real_range(sp.Piecewise((t, t <= 0), (1 / t, True)))
    assert (right.sup.value, right.sup.at, right.sup.attained) == (sp.oo, 0, False)
    left = theory.ranges.real_range(sp.Piecewise((1 / t, t < 0), (t, True)))
    assert (left.inf.value, left.inf.at, left.inf.attained) == (-sp.oo, 0, False)


@pytest.mark.parametrize(
    ("piece", "end", "limit", "determinate"),
    [
        (sp.exp(theory.x) - 1, -sp.oo, -1, True),  # elu's left piece: exp(-oo) = 0
        (sp.log(1 + sp.exp(theory.x)), sp.oo, sp.oo, True),
        (theory.x * sp.cos(1 / theory.x), sp.oo, sp.oo, True),  # cos(0) = 1: a function continuous at the end
        (theory.x * sp.exp(theory.x), -sp.oo, 0, False),  # -oo * 0
        (sp.sqrt(theory.x**2 + 4) - theory.x, sp.oo, 0, False),  # oo - oo (squareplus's cancellation)
        (theory.x / (1 + sp.Abs(theory.x)), sp.oo, 1, False),  # oo / oo (softsign)
        ((1 + 1 / theory.x) ** theory.x, sp.oo, sp.E, False),  # 1^oo
        (sp.sin(theory.x), sp.oo, sp.AccumBounds(-1, 1), True),  # no limit: the bounds limit() gives too
    ],
)
def test_a_limit_at_infinity_is_the_value_there_only_where_that_value_is_determinate(
    monkeypatch, piece, end, limit, determinate
):
    """limit_at takes piece's value at +-oo in the extended reals where it is a real or infinite number
    (without limit(), a tenth of a second each), and sympy's limit() where it is an indeterminate form."""
    value = piece.subs(theory.x, end)
    assert (value.is_extended_real is True) is determinate
    if determinate:
        monkeypatch.setattr(sp, "limit", lambda *args: pytest.fail(f"limit() called for {piece} at {end}"))
    assert theory.ranges.limit_at(piece, end) == limit
