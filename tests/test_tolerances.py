"""Tolerances against exact values are built at the precision those values claim."""

import mpmath
import numpy as np
import pytest

import theory
from tests import tolerances
from theory import mp

# Checks the instruments' tolerances; establishes no claim.
pytestmark = pytest.mark.instrument


def test_a_tolerance_at_the_wrong_precision_is_caught():
    """S01's supremum check, as the archival run met it: to its 45 correct digits sigmoid'(-4.13e-100)
    by mpmath's doubling route reads 1/4 + 3.6e-102 (the true value, 1/4 - 1e-201, is inside those
    digits; any exact value that claims 45 digits may sit that far on either side). A tolerance of
    1e-45 built at mpmath's default 15 digits is exactly 1/4, and the check would fail a true
    statement; relative_bound refuses that context, and at 60 digits the bound holds."""
    exact = theory.settled(mp.compiled(theory.derivative("sigmoid")), mpmath.mpf(-4.13e-100))
    quarter = mpmath.mpf(1) / 4
    assert exact > quarter  # what the default-precision tolerance would have compared against
    with pytest.raises(ValueError, match="needs at least 50 digits"):
        tolerances.relative_bound(quarter, 45)  # the default context: 15 digits
    with mpmath.workdps(60):
        assert exact <= tolerances.relative_bound(quarter, 45)
        assert mpmath.mpf(1) / 4 * (1 + mpmath.mpf(10) ** -45) > quarter  # at 60 digits the 1e-45 is kept
    assert quarter * (1 + mpmath.mpf(10) ** -45) == quarter  # at 15 digits it is lost


@pytest.mark.parametrize("name", ["silu", "gelu"])
def test_the_condition_slack_is_confined_to_the_root_of_the_derivative(name):
    """COND is slack for cancellation next to the root of f', computed, not assumed: one short
    interval around the root, and the plain budget everywhere else (a tail that loses digits fails)."""
    from tests.test_numpy_vs_exact import allowed_error

    ((lo, hi),) = tolerances.condition_region(name, "df")
    assert theory.exact_derivative(name, lo) * theory.exact_derivative(name, hi) < 0  # the root is inside
    assert 0 < hi - lo < 2
    for x in (lo - 0.05, hi + 0.05, -20.0, -5.0, 3.0, 30.0):
        exact = theory.exact_derivative(name, x)
        assert allowed_error(name, "df", np.float64, x, exact, {}) == pytest.approx(tolerances.ULPS[np.float64])
    inside = allowed_error(name, "df", np.float64, (lo + hi) / 2, theory.exact_derivative(name, (lo + hi) / 2), {})
    assert inside > tolerances.ULPS[np.float64]
