"""Values at the kinks, pinned in every route, and the special cases that collapse."""

import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import given

import reference
import theory
from registry import ACTIVATIONS
from registry.elu import SELU_ALPHA, SELU_SCALE
from tests.strategies import ACTIVATION_NAMES, DTYPES, float_arrays

# Calibrates the instruments (the routes agree); establishes no claim.
pytestmark = pytest.mark.instrument

x = theory.x


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_derivative_at_zero_is_the_left_derivative_in_every_route(name):
    """The convention: f'(0) is the limit from the left (relu'(0) = 0, leaky_relu'(0) = slope),
    as sympy's strict ``x > 0`` Piecewise gives and torch returns; identical at -0.0."""
    d = theory.derivative(name)
    left = theory.one_sided_limit(d, 0, "-")
    assert sp.simplify(d.subs(x, 0) - left) == 0
    expected = float(left)
    for dtype in DTYPES:
        for zero in (0.0, -0.0):
            at = np.array([zero], dtype=dtype)
            assert reference.derivative(name, at)[0] == np.asarray(expected, dtype=dtype)
    for dtype, tdtype in ((np.float32, torch.float32), (np.float64, torch.float64)):
        for zero in (0.0, -0.0):
            got = reference.torch_derivative(name, torch.tensor([zero], dtype=tdtype)).item()
            # torch forms selu's lambda01 * alpha01 from two rounded constants: three roundings, <= 1.5 ulp.
            assert theory.ulp_error(got, sp.N(left, 50), dtype) <= 1.5


@pytest.mark.parametrize("name", [n for n, s in ACTIVATIONS.items() if s.kinks])
def test_value_at_each_kink_is_the_left_limit_and_not_the_right_one_unless_smooth(name):
    """At each kink f'(k) is the left limit; it equals the right limit only where f is C^1
    there, i.e. where the left and right pieces have the same slope at k."""
    d = theory.derivative(name)
    for k in ACTIVATIONS[name].kinks:
        left, right = theory.one_sided_limit(d, k, "-"), theory.one_sided_limit(d, k, "+")
        assert d.subs(x, k) == left
        pieces = theory.ranges.pieces(d)
        slopes_match = sp.simplify(pieces[0][0].subs(x, k) - pieces[-1][0].subs(x, k)) == 0
        assert (left == right) == slopes_match


def test_relu_is_leaky_relu_with_slope_zero_exactly():
    assert theory.expression("relu") == theory.expression("leaky_relu", slope=0.0)
    assert theory.derivative("relu") == theory.derivative("leaky_relu", slope=0.0)


@given(xs=float_arrays(np.float64))
def test_relu_is_leaky_relu_with_slope_zero_in_numpy_and_torch(xs):
    for fn in (reference.activation, reference.derivative):
        np.testing.assert_array_equal(fn("relu", xs), fn("leaky_relu", xs, slope=0.0))
    finite = xs[np.isfinite(xs)]
    a = reference.torch_derivative("relu", torch.from_numpy(finite))
    b = reference.torch_derivative("leaky_relu", torch.from_numpy(finite), slope=0.0)
    assert torch.equal(a, b)


def test_elu_with_alpha_one_is_continuously_differentiable_at_zero():
    d = theory.derivative("elu", alpha=1.0)
    assert theory.one_sided_limit(d, 0, "-") == theory.one_sided_limit(d, 0, "+") == 1
    d_other = theory.derivative("elu", alpha=0.5)
    assert theory.one_sided_limit(d_other, 0, "-") != theory.one_sided_limit(d_other, 0, "+")


def test_selu_is_scaled_elu_with_the_published_constants():
    scaled = sp.Rational(SELU_SCALE) * theory.expression("elu", alpha=float(SELU_ALPHA))
    diff = sp.piecewise_fold(theory.expression("selu") - scaled)
    # elu's alpha passed through a double differs from the decimal by < 1e-16.
    for piece, _ in diff.args:
        assert abs(float(sp.N(piece.subs(x, -1), 30))) < 1e-15
    assert theory.expression("selu").subs(x, 2) == sp.Rational(SELU_SCALE) * 2
