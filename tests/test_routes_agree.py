"""torch autograd, the NumPy derivative and sympy's derivative (via mpmath) agree."""

import mpmath
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, target
from hypothesis import strategies as st

import reference
import theory
from tests import tolerances
from tests.strategies import INPLACE_NAMES, TORCH_NAMES, float_arrays, params_for

# Calibrates the instruments (the routes agree); establishes no claim.
pytestmark = pytest.mark.instrument

TORCH_DTYPES = (np.float32, np.float64)


def torch_bound(
    name: str, x: np.ndarray, value: np.ndarray, output: np.ndarray | None = None, params: dict | None = None
) -> np.ndarray:
    """k eps max(1, |x|, |f'(x)|), and |f(x)| too for a derivative taken from the output f(x); plus
    the relative error of a float32 constant where torch's backward uses one (TORCH_FLOAT32_CONSTANTS)."""
    eps = np.finfo(x.dtype).eps
    scale = np.maximum(1.0, np.maximum(np.abs(x.astype(np.float64)), np.abs(np.asarray(value, dtype=np.float64))))
    if output is not None:
        scale = np.maximum(scale, np.abs(np.asarray(output, dtype=np.float64)))
    relative = tolerances.torch_constant_relative_error(name, x.dtype, **(params or {}))
    constant = relative * np.abs(np.asarray(value, dtype=np.float64))
    return tolerances.TORCH_ABS_EPS[x.dtype.type] * eps * scale + constant


def inside_the_torch_bound(name: str, x: np.ndarray, params: dict | None = None) -> np.ndarray:
    """Where torch is held to the bound: everywhere but its documented or audited exceptions
    (tolerances.torch_exceptions), which the framework audit reports instead."""
    return ~tolerances.torch_exceptions(name, x, **(params or {}))


@pytest.mark.parametrize("dtype", TORCH_DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", TORCH_NAMES)
@given(data=st.data())
def test_torch_autograd_matches_numpy_derivative(name, dtype, data):
    """Finite inputs (torch's NaN/inf behaviour is audited separately, A01-A09)."""
    params = data.draw(params_for(name), label="params")
    xs = data.draw(float_arrays(dtype, allow_nan=False, allow_infinity=False), label="x")
    mine = reference.derivative(name, xs, **params).astype(np.float64)
    theirs = reference.torch_derivative(name, torch.from_numpy(xs), **params).numpy().astype(np.float64)
    assert (
        theirs.dtype == np.float64
        and reference.torch_derivative(name, torch.from_numpy(xs)).dtype == torch.from_numpy(xs).dtype
    )
    gap = np.abs(mine - theirs)
    keep = inside_the_torch_bound(name, xs, params)
    bound = torch_bound(name, xs, mine, params=params)
    target(float(np.max((gap / bound)[keep], initial=0.0)), label="gap / bound")
    assert np.all(gap[keep] <= bound[keep]), f"{name}: x={xs[keep]}, numpy={mine[keep]}, torch={theirs[keep]}"


@pytest.mark.parametrize("dtype", TORCH_DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", INPLACE_NAMES)
@given(data=st.data())
def test_inplace_twin_gives_the_same_values_and_a_gradient_within_the_torch_bound(name, dtype, data):
    """torch_inplace: bit-identical f (NaN, inf and the sign of zero included), x left untouched;
    its gradient, which autograd takes from the output, within the bound of the main test."""
    params = data.draw(params_for(name), label="params")
    xs = data.draw(float_arrays(dtype), label="x")
    t = torch.from_numpy(xs.copy())
    out = reference.torch_activation(name, t, **params).numpy()
    twin = reference.torch_activation(name, t, inplace=True, **params).numpy()
    assert np.array_equal(t.numpy(), xs, equal_nan=True)
    assert np.array_equal(out, twin, equal_nan=True) and np.array_equal(np.signbit(out), np.signbit(twin))
    finite = xs[np.isfinite(xs)]
    if finite.size:
        mine = reference.derivative(name, finite, **params).astype(np.float64)
        theirs = reference.torch_derivative(name, torch.from_numpy(finite), inplace=True, **params).numpy()
        bound = torch_bound(name, finite, mine, output=reference.activation(name, finite, **params), params=params)
        assert np.all(np.abs(mine - theirs.astype(np.float64)) <= bound), f"{name}: x={finite}, in place {theirs}"


@given(
    beta=params_for("softplus").map(lambda p: p["beta"]),
    threshold=st.one_of(st.just(tolerances.TORCH_SOFTPLUS_THRESHOLD), st.floats(-50.0, 50.0)),
    xs=float_arrays(np.float64, allow_nan=False, allow_infinity=False),
)
def test_torch_softplus_is_linearised_exactly_where_beta_x_exceeds_its_threshold(beta, threshold, xs):
    """The documented exception, at every beta and threshold: where beta x > threshold torch's f is x
    and its f' exactly 1; everywhere else f' is sigmoid(beta x) within the routes' bound."""
    t = torch.from_numpy(xs)
    grad = torch.autograd.grad(F.softplus(t.requires_grad_(), beta, threshold).sum(), t)[0].numpy()
    with torch.no_grad():
        value = F.softplus(torch.from_numpy(xs), beta, threshold).numpy()
    linear = tolerances.softplus_linearised(xs, beta, threshold)
    assert np.all(grad[linear] == 1.0) and np.array_equal(value[linear], xs[linear])
    mine = reference.derivative("softplus", xs[~linear], beta=beta)
    assert np.all(np.abs(grad[~linear] - mine) <= torch_bound("softplus", xs[~linear], mine)), (xs, grad, mine)


def test_the_softplus_exception_is_needed_in_float64_only():
    """Past the default threshold the exact f' is 1 - 2e-9 at x = 20: 1.9e7 ulps from torch's 1 in
    float64, while in float32 it rounds to 1 (the exception is needed, and only there)."""
    x = np.nextafter(tolerances.TORCH_SOFTPLUS_THRESHOLD, np.inf)
    exact = theory.exact_derivative("softplus", x)
    assert theory.ulp_error(1.0, exact, np.float64) > 1e7 and float(np.float32(float(exact))) == 1.0
    assert list(tolerances.torch_exceptions("softplus", np.array([x, 20.0]))) == [True, False]
    assert not tolerances.torch_exceptions("softplus", np.array([x], dtype=np.float32)).any()


@pytest.mark.parametrize("name", TORCH_NAMES)
@given(xs=float_arrays(np.float64, allow_nan=False, allow_infinity=False))
def test_sympy_derivative_matches_torch_autograd(name, xs):
    theirs = reference.torch_derivative(name, torch.from_numpy(xs)).numpy()
    exact = [theory.exact_derivative(name, float(v)) for v in xs]
    bound = torch_bound(name, xs, np.array([float(e) for e in exact]))
    keep = inside_the_torch_bound(name, xs)
    for t, e, b, k, v in zip(theirs, exact, bound, keep, xs):
        if k:
            assert abs(mpmath.mpf(float(t)) - e) <= b, f"{name}'({v!r}): torch {t!r}, exact {mpmath.nstr(e, 20)}"


# One point per float32-constant exception: (name, parameters, x).
CONSTANT_CASES = [("hardsigmoid", {}, 0.5)]


def test_every_float32_constant_exception_has_a_case():
    assert sorted(n for n, _, _ in CONSTANT_CASES) == sorted(tolerances.TORCH_FLOAT32_CONSTANTS)


@pytest.mark.parametrize(("name", "params", "at"), CONSTANT_CASES)
def test_the_float32_constant_allowance_is_needed_and_enough(name, params, at):
    """The allowance is not slack: at this point torch's float64 f' is outside the plain bound, and
    inside it once the constant's float32 rounding is allowed for."""
    got = reference.torch_derivative(name, torch.tensor([at], dtype=torch.float64), **params).item()
    exact = float(theory.exact_derivative(name, at, **params))
    plain = tolerances.TORCH_ABS_EPS[np.float64] * np.finfo(np.float64).eps * max(1.0, abs(at), abs(exact))
    allowance = tolerances.torch_constant_relative_error(name, np.float64, **params) * abs(exact)
    assert plain < abs(got - exact) <= plain + allowance


def test_torch_gelu_tanh_gradient_is_nan_exactly_where_x_squared_overflows():
    """The gelu_tanh exception, pinned in both directions: finite up to sqrt(max), NaN beyond."""
    for dtype in (np.float32, np.float64):
        edge = np.sqrt(np.finfo(dtype).max)
        below = np.nextafter(dtype(edge), dtype(0))
        xs = np.array([below, -below, np.nextafter(dtype(edge), dtype(np.inf)) * 2, -edge * 2], dtype=dtype)
        got = reference.torch_derivative("gelu_tanh", torch.from_numpy(xs)).numpy()
        assert np.isfinite(got[:2]).all() and np.isnan(got[2:]).all()
        assert list(tolerances.torch_exceptions("gelu_tanh", xs)) == [False, False, True, True]
