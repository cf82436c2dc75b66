"""Bad input gets a clear error naming the valid choices."""

import numpy as np
import pytest
import torch

import reference
import theory
from registry import ACTIVATIONS
from registry.numeric import evaluate_pair
from tests.strategies import INPLACE_NAMES

# Calibrates the instruments (the routes agree); establishes no claim.
pytestmark = pytest.mark.instrument


@pytest.mark.parametrize(
    "call",
    [
        lambda: reference.activation("swish2", 1.0),
        lambda: reference.derivative("RELU", 1.0),
        lambda: reference.torch_derivative("nope", torch.zeros(1)),
        lambda: theory.expression("nope"),
        lambda: theory.derivative_range(None),
    ],
)
def test_unknown_activation_is_a_value_error_listing_the_valid_names(call):
    with pytest.raises(ValueError, match="valid: " + ", ".join(ACTIVATIONS)):
        call()


def test_inplace_without_a_torch_inplace_op_is_a_value_error_naming_those_with_one():
    having = ", ".join(INPLACE_NAMES)
    assert "elu" in INPLACE_NAMES and "gelu" not in INPLACE_NAMES
    for call in (reference.torch_activation, reference.torch_derivative):
        with pytest.raises(ValueError, match=f"gelu has no in-place torch op; these do: {having}$"):
            call("gelu", torch.zeros(1), inplace=True)


def test_unknown_parameter_is_a_value_error_naming_the_valid_ones():
    with pytest.raises(ValueError, match=r"leaky_relu has no parameter alpha; valid: slope in \[0.0, 1.0\)"):
        reference.activation("leaky_relu", 1.0, alpha=0.1)
    with pytest.raises(ValueError, match="sigmoid has no parameter slope; valid: none"):
        reference.derivative("sigmoid", 1.0, slope=0.1)
    with pytest.raises(ValueError, match=r"^elu has no parameter beta, slope; valid: alpha "):  # every one named
        reference.derivative("elu", 1.0, beta=2.0, slope=0.1)


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("leaky_relu", {"slope": 1.0}, r"slope=1.0 is out of range: slope in \[0.0, 1.0\)"),
        ("leaky_relu", {"slope": -0.1}, r"slope=-0.1 is out of range"),
        ("elu", {"alpha": 0.0}, r"alpha=0.0 is out of range: alpha in \(0.0, 1000.0\]"),
        ("elu", {"alpha": float("nan")}, r"alpha=nan is out of range"),
    ],
)
def test_out_of_range_parameter_is_a_value_error_naming_the_range(name, params, message):
    with pytest.raises(ValueError, match=message):
        reference.derivative(name, 1.0, **params)


def test_non_numeric_parameter_is_a_type_error():
    with pytest.raises(TypeError, match="slope must be a real number"):
        reference.activation("leaky_relu", 1.0, slope="0.1")
    with pytest.raises(TypeError, match="slope must be a real number"):
        reference.activation("leaky_relu", 1.0, slope=True)


@pytest.mark.parametrize("depth", [0, -3])
def test_depth_below_one_is_a_value_error(depth):
    with pytest.raises(ValueError, match="depth must be an int >= 1"):
        theory.chain_gradient(depth)


@pytest.mark.parametrize("depth", [True, 2.0, "3", None])
def test_non_integer_or_bool_depth_is_a_type_error(depth):
    with pytest.raises(TypeError, match="depth must be an int >= 1"):
        theory.chain_gradient(depth)


def test_chain_with_no_layer_or_mismatched_biases_is_a_value_error():
    # Each message names the argument as the caller passed it (W, b) and what it must hold.
    with pytest.raises(ValueError, match="^the chain needs depth >= 1: W must hold at least one weight$"):
        reference.chain_gradient("tanh", np.array([1.0]), [], [])
    with pytest.raises(ValueError, match="^W and b must have one entry per layer, got 2 and 1$"):
        reference.chain_gradient("tanh", np.array([1.0]), [1.0, 2.0], [0.0])
    with pytest.raises(ValueError, match="one entry per layer"):
        reference.torch_chain_gradient("tanh", [1.0], [1.0, 2.0], [0.0])


@pytest.mark.parametrize("bad", [np.array([1, 2]), np.array([True]), np.array([1 + 2j]), True, "1.0"])
def test_non_float_input_is_a_type_error_naming_the_float_dtypes(bad):
    with pytest.raises(TypeError, match="float16, float32, float64"):
        reference.derivative("relu", bad)


def test_non_float_tensor_is_a_type_error():
    with pytest.raises(TypeError, match="float16, bfloat16, float32, float64"):
        reference.torch_derivative("relu", torch.tensor([1, 2]))
    with pytest.raises(TypeError, match="float16, bfloat16, float32, float64"):
        reference.torch_activation("relu", np.array([1, 2]))  # an array is read as a tensor, then checked


def test_the_torch_route_reads_a_float_array_as_a_tensor_of_its_dtype():
    for dtype, tdtype in ((np.float32, torch.float32), (np.float64, torch.float64)):
        xs = np.array([-1.5, 0.0, 2.0], dtype=dtype)
        assert torch.equal(reference.torch_derivative("relu", xs), torch.tensor([0.0, 0.0, 1.0], dtype=tdtype))
        assert torch.equal(reference.torch_activation("tanh", xs), torch.tanh(torch.from_numpy(xs)))


@pytest.mark.parametrize(("order", "error"), [(0, ValueError), (1.0, TypeError), (True, TypeError)])
def test_derivative_order_must_be_a_positive_int(order, error):
    with pytest.raises(error, match="order must be an int >= 1"):
        theory.derivative("tanh", order)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("x", [-709.5, -30.0, -1.3, 0.0, 2.5, 800.0])
def test_a_python_float_or_0d_array_is_evaluated_like_a_one_element_array(name, x):
    """Every branch (silu's and gelu's deep tails included) accepts the scalars the README promises."""
    for route in (reference.activation, reference.derivative):
        one = route(name, np.array([x]))
        assert route(name, x).shape == () and route(name, np.float64(x)).shape == ()
        assert np.array_equal(route(name, x), one[0]) and np.array_equal(route(name, np.array(x)), one[0])
        # a NumPy scalar of the input's dtype, as NumPy's own ufuncs give, not a 0-d array
        assert type(route(name, x)) is np.float64 and type(route(name, np.float32(x))) is np.float32


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_an_empty_array_gives_an_empty_array_of_its_shape_and_dtype(name):
    """As NumPy's own ufuncs do, for f, f' and the pair kernel, in every dtype, 1-d and 2-d (a kernel
    that reduces over its input, as tanh' and the deep tails do, still has nothing to raise on)."""
    spec = ACTIVATIONS[name]
    for dtype in (np.float16, np.float32, np.float64):
        for shape in ((0,), (3, 0)):
            empty = np.empty(shape, dtype=dtype)
            got = [reference.activation(name, empty), reference.derivative(name, empty)]
            if spec.numpy_f_df is not None:
                got += evaluate_pair(spec, empty, spec.bind())
            assert all(g.shape == shape and g.dtype == dtype for g in got)


@pytest.mark.parametrize("name", ["tanh", "gelu", "hardtanh"])
def test_a_strided_view_gives_what_its_contiguous_copy_gives(name):
    """Every other element of a long array (not contiguous in memory), finite or with +-inf and NaN
    among them: the finiteness test takes another road there, and the values must not depend on it."""
    wide = np.linspace(-50, 50, 2001)
    for special in ((), (np.inf, -np.inf, np.nan)):
        x = wide.copy()
        x[[0, 10, 20][: len(special)]] = special
        view = x[::2]
        assert not view.flags.c_contiguous
        for route in (reference.activation, reference.derivative):
            assert np.array_equal(route(name, view), route(name, view.copy()), equal_nan=True)


def test_an_activation_torch_lacks_is_a_value_error_listing_the_ones_it_has():
    having = ", ".join(n for n, a in ACTIVATIONS.items() if a.torch_f is not None)
    with pytest.raises(ValueError) as err:
        reference.torch_activation("squareplus", torch.zeros(2))
    assert str(err.value) == f"torch has no op for squareplus; it has: {having}"


@pytest.mark.parametrize(
    ("sides", "valid"), [("+-", True), ("-+", True), ("++", True), ("", True), ("+", False), ("-*", False)]
)
def test_kink_sides_take_one_plus_or_minus_per_kink(sides, valid):
    """hardtanh has two kinks: kink_sides is empty (the left side at each) or one '-' or '+' per kink."""
    from dataclasses import replace

    hardtanh = ACTIVATIONS["hardtanh"]
    if valid:
        entry = replace(hardtanh, kink_sides=sides)
        assert [entry.side_at(k) for k in entry.kinks] == list(sides or "--")
        return
    with pytest.raises(ValueError) as refused:
        replace(hardtanh, kink_sides=sides)
    assert str(refused.value) == f"hardtanh: kink_sides needs one '-' or '+' per kink (-1.0, 1.0), got {sides!r}"


def test_each_entry_point_names_what_it_was_given_and_what_is_valid():
    import sympy as sp

    from reference import audit
    from reference.frameworks import gradient
    from reference.frameworks.jax_grad import activations as jax_has
    from theory.gaussian import KINDS, integrand
    from theory.ranges import one_sided_limit

    with pytest.raises(ValueError, match=r"^all_finite is for 16-bit dtypes \(float16, bfloat16\), not 'float32'$"):
        audit.all_finite("float32")
    with pytest.raises(ValueError, match=f"^jax has no op for rrelu; it has: {', '.join(jax_has())}$"):
        gradient("jax", "rrelu", np.zeros(1), "float32")
    with pytest.raises(ValueError, match=f"^kind must be one of {', '.join(KINDS)}, got 'cube'$"):
        integrand("tanh", "cube")
    with pytest.raises(ValueError, match=r"^mp_eval needs a finite point, got inf$"):
        theory.mp_eval(theory.x, float("inf"))
    with pytest.raises(ValueError, match=r"^side must be '\+' or '-', got 'left'$"):
        one_sided_limit(sp.Abs(theory.x), 0, "left")
