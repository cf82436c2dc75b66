"""Values at the kinks, pinned in every route, and the special cases that collapse."""

import mpmath
import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import given

import reference
import theory
from registry import ACTIVATIONS
from registry.elu import SELU_ALPHA, SELU_SCALE
from tests import tolerances
from tests.strategies import ACTIVATION_NAMES, DTYPES, float_arrays

# Calibrates the instruments (the routes agree); establishes no claim.
pytestmark = pytest.mark.instrument

x = theory.x


def torch_within_kink_tolerance(name: str, got: float, exact: sp.Expr, dtype) -> bool:
    """Within 1.5 ulps (torch forms selu's lambda01 * alpha01 from two rounded constants: three
    roundings), plus the relative error of a float32 constant where torch uses one in float64."""
    allowance = tolerances.torch_constant_relative_error(name, dtype) * abs(float(exact))
    return abs(got - float(exact)) <= 1.5 * float(theory.ulp(mpmath.mpf(float(exact)), dtype)) + allowance


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_derivative_at_zero_is_the_left_derivative_in_every_route(name):
    """At 0 every entry's f'(0) is the limit from the left (relu'(0) = 0, leaky_relu'(0) = slope),
    as sympy's Piecewise gives and torch returns; identical at -0.0."""
    d = theory.derivative(name)
    left = theory.one_sided_limit(d, 0, "-")
    assert sp.simplify(d.subs(x, 0) - left) == 0
    expected = float(left)
    for dtype in DTYPES:
        for zero in (0.0, -0.0):
            at = np.array([zero], dtype=dtype)
            assert reference.derivative(name, at)[0] == np.asarray(expected, dtype=dtype)
    if ACTIVATIONS[name].torch_f is None:
        return
    for dtype, tdtype in ((np.float32, torch.float32), (np.float64, torch.float64)):
        for zero in (0.0, -0.0):
            got = reference.torch_derivative(name, torch.tensor([zero], dtype=tdtype)).item()
            assert torch_within_kink_tolerance(name, got, left, dtype)


@pytest.mark.parametrize("name", [n for n, s in ACTIVATIONS.items() if s.kinks])
def test_value_at_each_kink_is_the_stated_one_sided_derivative_in_every_route(name):
    """At each kink f'(k) is the one-sided limit kink_sides names (the left one unless it says "+"),
    in sympy, NumPy and torch alike; where the two sides differ, it is not the other one."""
    spec = ACTIVATIONS[name]
    d = theory.derivative(name)
    for k in spec.kinks:
        side = spec.side_at(k)
        other = "+" if side == "-" else "-"
        value, across = theory.one_sided_limit(d, k, side), theory.one_sided_limit(d, k, other)
        assert d.subs(x, k) == value
        for dtype in DTYPES:
            assert reference.derivative(name, np.array([k], dtype=dtype))[0] == np.asarray(float(value), dtype=dtype)
        if spec.torch_f is not None:
            got = reference.torch_derivative(name, torch.tensor([k], dtype=torch.float64)).item()
            assert torch_within_kink_tolerance(name, got, value, np.float64)
            if value != across:
                assert got != float(across)


@pytest.mark.parametrize("name", [n for n, s in ACTIVATIONS.items() if s.jumps])
def test_at_each_jump_f_is_discontinuous_and_every_route_gives_the_slope_of_the_piece_holding_it(name):
    """A jump has no derivative: f's limits from the two sides differ. The registry's value there is
    the slope of the piece that holds the point, which is what NumPy and torch return."""
    spec = ACTIVATIONS[name]
    f, d = theory.expression(name), theory.derivative(name)
    for k in spec.jumps:
        assert theory.one_sided_limit(f, k, "-") != theory.one_sided_limit(f, k, "+")
        value = float(d.subs(x, sp.nsimplify(k)))
        for dtype in DTYPES:
            assert reference.derivative(name, np.array([k], dtype=dtype))[0] == value
        got = reference.torch_derivative(name, torch.tensor([k, k], dtype=torch.float64)).numpy()
        assert np.all(got == value)


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


@pytest.mark.parametrize("name", ["hardshrink", "softshrink", "threshold"])
def test_a_shrink_or_threshold_gives_plus_zero_on_its_dead_stretch(name):
    """Where hardshrink, softshrink and threshold zero their input (|x| <= 1/2; x <= 1), the reference
    gives +0.0 for either sign of x, in every dtype: the exact value is an unsigned 0, and a product
    with the step alone would carry x's sign (torch's softshrink gives -0.0 there)."""
    dead = {"threshold": [-7.5, -0.25, -0.0, 0.0, 0.25, 1.0]}.get(name, [-0.5, -0.25, -1e-300, -0.0, 0.0, 0.5])
    for dtype in DTYPES:
        got = reference.activation(name, np.array(dead, dtype=dtype))
        assert (got == 0).all() and not np.signbit(got).any(), f"{name}({dead}) = {got.tolist()}"


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_every_float16_bit_pattern_goes_through_without_a_flag_and_nan_stays_nan(name):
    """All 65,536 float16 bit patterns, the 2,046 NaNs among them signaling and quiet with every
    payload, through f and f': no floating-point warning (the run makes warnings errors), NaN exactly
    at the NaNs, the limits at +-inf. A signaling NaN keeps its signal when widened to float64, and
    the kernels that skip the finiteness check meet it in their first arithmetic pass."""
    every = np.arange(1 << 16, dtype=np.uint16).view(np.float16)
    spec = ACTIVATIONS[name]
    for fn, limits in (("activation", spec.limits_f), ("derivative", spec.limits_df)):
        got = getattr(reference, fn)(name, every)
        assert np.array_equal(np.isnan(got), np.isnan(every)), fn
        low, high = limits(**spec.bind())
        assert got[every == -np.inf][0] == np.float16(low) and got[every == np.inf][0] == np.float16(high), fn


@pytest.mark.parametrize(("name", "supremum", "near"), [("tanh", 1.0, 1e-8), ("sigmoid", 0.25, 1e-14)])
def test_a_derivative_stays_at_its_supremum_where_rounding_would_cross_it_even_beside_a_nan(name, supremum, near):
    """tanh' near 0 (|x| < 7.5e-9) and sigmoid' near 0 round, before their cap, above the suprema 1
    and 1/4 that the exact values never exceed; capped, no value is above, and a NaN or an infinity
    in the same array changes nothing (a plain maximum deciding the cap would be NaN and skip it)."""
    xs = np.linspace(-near, near, 20_001)
    alone = reference.derivative(name, xs)
    assert alone.max() == supremum  # the cap was met: the values reach the supremum and no further
    for beside in ([np.nan], [np.inf, -np.inf], [np.nan, -np.inf]):
        got = reference.derivative(name, np.concatenate([xs, beside]))
        assert np.array_equal(got[: xs.size], alone) and np.fmax.reduce(got) == supremum
