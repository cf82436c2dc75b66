"""The registry's error-free transformations and double-double arithmetic (registry/numeric.py), against
exact rational arithmetic: two_sum and two_product exact, dd_mul and dd_div within 2^-100 relative,
over magnitudes from 2^-300 to 2^300 (inside two_product's stated range) and either sign."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.numeric import dd_div, dd_mul, two_product, two_sum

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


@given(double_doubles(), double_doubles())
def test_dd_mul_and_dd_div_are_within_two_to_the_minus_100(a, b):
    product = exact(*dd_mul(*map(np.float64, a + b)))
    truth = exact(*a) * exact(*b)
    assert abs(product - truth) <= DD_RELATIVE * abs(truth)
    quotient = exact(*dd_div(*map(np.float64, a + b)))
    truth = exact(*a) / exact(*b)
    assert abs(quotient - truth) <= DD_RELATIVE * abs(truth)


def test_squareplus_root_is_within_half_an_ulp():
    """registry/algebraic.py's h = sqrt(x^2 + b), x^2 + b held as a double-double and its root corrected
    once by the residual: within half an ulp (and a hair, 2^-20 of one) of the exact root, at 6,000
    points from |x| ~ 1e-13 to 1e130 and at b = 4, 6 and 0.37 (hypot(x, sqrt b) was 4.6 ulps off)."""
    import mpmath

    from registry.algebraic import _hypot

    rng = np.random.default_rng(0)
    xs = np.concatenate([rng.uniform(-5, 5, 3000), np.exp(rng.uniform(-30, 300, 3000)) * rng.choice([-1, 1], 3000)])
    for b in (4.0, 6.0, 0.37):
        with mpmath.workprec(200):
            for x, h in zip(xs.tolist(), _hypot(xs, b).tolist()):
                exact = mpmath.sqrt(mpmath.mpf(x) ** 2 + b)
                ulp = mpmath.ldexp(1, int(mpmath.floor(mpmath.log(exact, 2))) - 52)
                assert abs(h - exact) <= (0.5 + 2.0**-20) * ulp, (x, b, h)
