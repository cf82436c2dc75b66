"""The registry's error-free transformations and double-double arithmetic (registry/numeric.py), against
exact rational arithmetic: two_sum, two_product and two_square exact, dd_mul within 2^-100 relative,
over magnitudes from 2^-300 to 2^300 (inside two_product's stated range) and either sign."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.numeric import dd_mul, two_product, two_square, two_sum

pytestmark = pytest.mark.instrument

DD_RELATIVE = Fraction(1, 2**100)  # a double-double carries about 2^-104; four roundings of slack


@st.composite
def doubles(draw) -> float:
    """A float64 of either sign with magnitude 2^-300 to 2^300, any significand."""
    significand = draw(st.floats(1.0, 2.0, exclude_max=True))
    return draw(st.sampled_from((-1.0, 1.0))) * float(np.ldexp(significand, draw(st.integers(-300, 300))))


@st.composite
def double_doubles(draw) -> tuple[float, float]:
    """(hi, lo) with |lo| <= ulp(hi) / 2: hi + lo as double-double arithmetic holds a value."""
    hi = draw(doubles())
    return hi, float(draw(st.floats(-0.5, 0.5)) * np.spacing(hi))


def exact(*values: float) -> Fraction:
    return sum((Fraction(v) for v in values), Fraction(0))


@given(doubles(), doubles())
def test_two_sum_and_two_product_are_exact(a, b):
    s, e = two_sum(np.float64(a), np.float64(b))
    assert s == np.float64(a) + np.float64(b) and exact(s, e) == Fraction(a) + Fraction(b)
    p, e = two_product(np.float64(a), b)
    assert p == np.float64(a) * b and exact(p, e) == Fraction(a) * Fraction(b)


@given(doubles())
def test_two_square_is_exact_and_is_two_product_of_a_with_itself(a):
    p, e = two_square(np.array([a]))
    assert p[0] == np.float64(a) * a and exact(p[0], e[0]) == Fraction(a) ** 2
    assert (p[0], e[0]) == tuple(v[0] for v in two_product(np.array([a]), a))


@given(double_doubles(), double_doubles())
def test_dd_mul_is_within_two_to_the_minus_100(a, b):
    product = exact(*dd_mul(*map(np.float64, a + b)))
    truth = exact(*a) * exact(*b)
    assert abs(product - truth) <= DD_RELATIVE * abs(truth)


def test_squareplus_root_is_within_half_an_ulp():
    """registry/algebraic.py's h = sqrt(x^2 + b), x^2 + b held as a double-double and its root corrected
    once by the residual: within half an ulp (and a hair, 2^-20 of one) of the exact root, at 6,000
    points from |x| ~ 1e-13 to 1e130 and at b = 4, 6 and 0.37 (hypot(x, sqrt b) was 4.6 ulps off)."""
    import mpmath

    import theory
    from registry.algebraic import _hypot

    rng = np.random.default_rng(0)
    xs = np.concatenate([rng.uniform(-5, 5, 3000), np.exp(rng.uniform(-30, 300, 3000)) * rng.choice([-1, 1], 3000)])
    for b in (4.0, 6.0, 0.37):
        with mpmath.workprec(200):
            for x, h in zip(xs.tolist(), _hypot(xs, b).tolist()):
                exact = mpmath.sqrt(mpmath.mpf(x) ** 2 + b)
                assert theory.ulp_error(h, exact, np.float64) <= 0.5 + 2.0**-20, (x, b, h)


def test_logistic_as_a_double_double_is_within_exps_rounding_of_the_exact_value():
    """registry/numeric.py's logistic_dd: sigma(z + dz) and sigma(-z - dz) as hi + lo, every step after
    the exponential error-free or corrected, so within half an ulp plus exp's own rounding: 2^-52
    relative at most, at 1,500 points with |z| <= 30 and |dz| <= 2^-40 max(1, |z|), where dz enters."""
    import mpmath

    from registry.numeric import logistic_dd

    rng = np.random.default_rng(0)
    z = np.concatenate([rng.uniform(-30, 30, 1000), rng.uniform(-1, 1, 500)])
    dz = rng.uniform(-1, 1, z.size) * 2.0**-40 * np.maximum(np.abs(z), 1)
    (s_hi, s_lo), (n_hi, n_lo) = logistic_dd(z, dz)
    with mpmath.workprec(200):
        for a, b, *parts in zip(z.tolist(), dz.tolist(), s_hi.tolist(), s_lo.tolist(), n_hi.tolist(), n_lo.tolist()):
            t = mpmath.mpf(a) + b
            for (hi, lo), exact in zip((parts[:2], parts[2:]), (1 / (1 + mpmath.exp(-t)), 1 / (1 + mpmath.exp(t)))):
                assert abs(mpmath.mpf(hi) + lo - exact) <= exact * 2.0**-52, (a, b, hi, lo)
