"""torch autograd, the NumPy derivative and sympy's derivative (via mpmath) agree."""

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import given, target
from hypothesis import strategies as st

import reference
import theory
from tests import tolerances
from tests.strategies import ACTIVATION_NAMES, INPLACE_NAMES, float_arrays, params_for

# Calibrates the instruments (the routes agree); establishes no claim.
pytestmark = pytest.mark.instrument

TORCH_DTYPES = (np.float32, np.float64)


def torch_bound(x: np.ndarray, value: np.ndarray, output: np.ndarray | None = None) -> np.ndarray:
    """k eps max(1, |x|, |f'(x)|), and |f(x)| too for a derivative taken from the output f(x)."""
    eps = np.finfo(x.dtype).eps
    scale = np.maximum(1.0, np.maximum(np.abs(x.astype(np.float64)), np.abs(np.asarray(value, dtype=np.float64))))
    if output is not None:
        scale = np.maximum(scale, np.abs(np.asarray(output, dtype=np.float64)))
    return tolerances.TORCH_ABS_EPS[x.dtype.type] * eps * scale


def outside_documented_softplus_linearisation(name: str, x: np.ndarray) -> np.ndarray:
    if name != "softplus" or x.dtype != np.float64:
        return np.ones(x.shape, dtype=bool)
    return ~(x > tolerances.TORCH_SOFTPLUS_THRESHOLD)


@pytest.mark.parametrize("dtype", TORCH_DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", ACTIVATION_NAMES)
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
    keep = outside_documented_softplus_linearisation(name, xs)
    bound = torch_bound(xs, mine)
    target(float(np.max(gap / bound)), label="gap / bound")
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
        bound = torch_bound(finite, mine, output=reference.activation(name, finite, **params))
        assert np.all(np.abs(mine - theirs.astype(np.float64)) <= bound), f"{name}: x={finite}, in place {theirs}"


def test_torch_softplus_gradient_is_exactly_one_past_its_threshold_in_float64():
    """The documented exception above, pinned: exactly 1 where the exact value is 1 - 2e-9."""
    x = np.array([20.0001, 25.0, 30.0])
    grad = reference.torch_derivative("softplus", torch.from_numpy(x)).numpy()
    exact = [theory.exact_derivative("softplus", v) for v in x]
    assert np.all(grad == 1.0) and all(1 - e > 1e-14 for e in exact)
    mine = reference.derivative("softplus", x)
    assert all(theory.ulp_error(m, e, np.float64) <= tolerances.ULPS[np.float64] for m, e in zip(mine, exact))


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
@given(xs=float_arrays(np.float64, allow_nan=False, allow_infinity=False))
def test_sympy_derivative_matches_torch_autograd(name, xs):
    theirs = reference.torch_derivative(name, torch.from_numpy(xs)).numpy()
    exact = [theory.exact_derivative(name, float(v)) for v in xs]
    bound = torch_bound(xs, np.array([float(e) for e in exact]))
    keep = outside_documented_softplus_linearisation(name, xs)
    for t, e, b, k, v in zip(theirs, exact, bound, keep, xs):
        if k:
            assert abs(mpmath.mpf(float(t)) - e) <= b, f"{name}'({v!r}): torch {t!r}, exact {mpmath.nstr(e, 20)}"
