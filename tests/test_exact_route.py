"""The exact route's own shortcuts: exp reduced by ln 2, the overflow threshold, remembered values."""

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import theory
from theory import mp

# Calibrates the instruments (the exact route); establishes no claim.
pytestmark = pytest.mark.instrument


def assert_exact_to_the_working_precision(shortcut, reference, z, dps):
    """shortcut(z) at dps digits against reference(z) at dps + 400: within 2^-(prec - 2) relative.
    z is taken at dps digits (the value the shortcut sees)."""
    with mpmath.workdps(dps):
        z = +z
        got = shortcut(z)
        prec = mpmath.mp.prec
    with mpmath.workdps(dps + 400):
        want = reference(z)
    assert abs(got - want) <= abs(want) * mpmath.ldexp(1, 2 - prec), (z, dps)


@given(
    st.floats(min_value=-1e300, max_value=1e300, allow_nan=False),
    st.integers(min_value=0, max_value=1000),
    st.sampled_from([50, 200, 800]),
)
def test_exp_reduced_by_ln2_is_exact_to_the_working_precision(value, shift, dps):
    """Against mpmath.exp with 400 more digits, on both sides of the reduction threshold 2^64, for
    integer-valued z (where mpmath's own route is slow) and not."""
    assert_exact_to_the_working_precision(mp._exp, mpmath.exp, mpmath.ldexp(mpmath.mpf(value), -shift), dps)


@given(st.floats(min_value=2.0**19, max_value=1e140), st.booleans(), st.sampled_from([50, 200, 800]))
def test_erfc_from_its_asymptotic_series_is_exact_to_the_working_precision(value, negative, dps):
    """Against mpmath.erfc with 400 more digits, on both sides of the series threshold 2^20 and for
    negative z (2 - erfc(-z))."""
    z = -mpmath.mpf(value) if negative else mpmath.mpf(value)
    assert_exact_to_the_working_precision(mp._erfc, mpmath.erfc, z, dps)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_the_overflow_threshold_is_the_midpoint_above_the_largest_float(dtype):
    """ulp_error calls a value infinite from max + ulp(max)/2 on: round-to-nearest-even sends that
    midpoint to inf (max has an odd significand) and everything below it to max."""
    threshold = mp._format(dtype)[2]
    top = mpmath.mpf(float(np.finfo(dtype).max))
    with mpmath.workdps(60):
        assert threshold - top == theory.ulp(top, dtype) / 2
    assert theory.ulp_error(np.inf, threshold, dtype) == 0.0
    assert theory.ulp_error(float(np.finfo(dtype).max), threshold - theory.ulp(top, dtype) / 8, dtype) < 1


def test_remembered_values_keep_the_callers_precision():
    """mp_eval remembers per working precision: a caller asking for 300 digits gets them, not the
    value settled at the default precision (50 to 100 digits)."""
    low = theory.mp_eval(theory.derivative("tanh"), 0.5)
    with mpmath.workdps(300):
        high = theory.mp_eval(theory.derivative("tanh"), 0.5)
        want = 1 - mpmath.tanh(mpmath.mpf(0.5)) ** 2
        assert abs(high - want) < mpmath.mpf(10) ** -250 < abs(low - want)
    assert theory.mp_eval(theory.derivative("tanh"), 0.5) is low
