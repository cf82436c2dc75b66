"""Tolerances against exact values are built at the precision those values claim."""

import mpmath
import pytest

import theory
from tests import tolerances

# Checks the instruments' tolerances; establishes no claim.
pytestmark = pytest.mark.instrument


def test_a_tolerance_at_the_wrong_precision_is_caught():
    """S01's supremum check, as the archival run met it: to its 45 correct digits sigmoid'(-4.13e-100)
    reads 1/4 + 3.6e-102 (the true value, 1/4 - 1e-201, is inside those digits). A tolerance of 1e-45
    built at mpmath's default 15 digits is exactly 1/4, and the check would fail a true statement;
    relative_bound refuses that context, and at 60 digits the bound holds."""
    exact = theory.exact_derivative("sigmoid", -4.13e-100)
    quarter = mpmath.mpf(1) / 4
    assert exact > quarter  # what the default-precision tolerance would have compared against
    with pytest.raises(ValueError, match="needs at least 50 digits"):
        tolerances.relative_bound(quarter, 45)  # the default context: 15 digits
    with mpmath.workdps(60):
        assert exact <= tolerances.relative_bound(quarter, 45)
        assert mpmath.mpf(1) / 4 * (1 + mpmath.mpf(10) ** -45) > quarter  # at 60 digits the 1e-45 is kept
    assert quarter * (1 + mpmath.mpf(10) ** -45) == quarter  # at 15 digits it is lost
