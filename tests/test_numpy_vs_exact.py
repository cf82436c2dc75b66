"""The NumPy route agrees with the exact route (sympy -> mpmath on the exact float input)."""

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, target
from hypothesis import strategies as st

import reference
import theory
from registry import ACTIVATIONS, round_to
from tests import tolerances
from tests.strategies import ACTIVATION_NAMES, DTYPES, edge_points, float_arrays, params_for, scaled_params

# Calibrates the instruments (the routes agree); establishes no claim.
pytestmark = pytest.mark.instrument

ROUTES = {
    "f": (reference.activation, theory.exact_activation, 0),
    "df": (reference.derivative, theory.exact_derivative, 1),
}


def allowed_error(name, fn, dtype, at, exact, params):
    """The budget of tests/tolerances.py at one point, in ulps of exact: ULPS, plus the condition and
    subnormal terms each divided by ulp(exact) = 2^k (a shift of the exponent, exact)."""
    info = np.finfo(dtype)
    minexp, nmant = info.minexp, info.nmant
    k = theory.ulp_exponent(exact, dtype)
    budget = tolerances.ULPS[dtype]
    cond = tolerances.COND.get((name, fn), 0.0)
    if cond and any(lo <= at <= hi for lo, hi in tolerances.condition_region(name, fn)):
        slope = theory.exact_derivative(name, at, ROUTES[fn][2] + 1, **params)
        budget += float(mpmath.ldexp(cond * abs(at * slope), -nmant - k))  # eps = 2^-nmant
    # smallest subnormal = 2^(minexp - nmant)
    return budget + math.ldexp(tolerances.SUBNORMAL.get((name, fn, dtype), 0.0) * abs(at), minexp - nmant - k)


def check_against_exact(name, fn, xs, params):
    """Worst (ulps, budget, x) over xs; infinities against sympy's limits, NaN must stay NaN, and a
    result rounded to 0 carries the exact value's sign."""
    numeric, exact_fn, order = ROUTES[fn]
    given_bytes = xs.tobytes()
    got = numeric(name, xs, **params)
    assert got.dtype == xs.dtype
    # float64 input reaches the kernels without a copy: they must only read it.
    assert xs.tobytes() == given_bytes, f"{name} {fn} wrote to its input"
    assert not np.may_share_memory(got, xs), f"{name} {fn} returned its input: a caller's write would change both"
    # sympy's limits cost a tenth of a second for each new parameter value: only where an input is infinite.
    lo, hi = theory.limits_at_infinity(name, order, **params) if np.isinf(xs).any() else (None, None)
    worst = (0.0, 0.0, None)
    for g, v in zip(np.atleast_1d(got), np.atleast_1d(xs)):
        if np.isnan(v):
            assert np.isnan(g), f"{name} {fn}(nan) = {g!r}, NaN must propagate"
            continue
        if np.isinf(v):
            limit = float(lo if v < 0 else hi)
            assert g == round_to(np.asarray(limit), xs.dtype), f"{name} {fn}({v}) = {g!r}, limit {limit}"
            continue
        exact = exact_fn(name, float(v), **params)
        # A result that rounds to 0 keeps the exact value's sign, as IEEE rounding does (-0.0 below 0).
        assert g != 0 or exact == 0 or bool(np.signbit(g)) == (exact < 0), (
            f"{name} {fn}({v!r}) = {g!r}, exact {mpmath.nstr(exact, 5)}: a zero of the wrong sign"
        )
        err = theory.ulp_error(g, exact, xs.dtype.type)
        budget = allowed_error(name, fn, xs.dtype.type, float(v), exact, params)
        assert err <= budget, (
            f"{name} {fn}({v!r}) = {g!r}, exact {mpmath.nstr(exact, 20)}: {err:.3g} ulp > {budget:.3g}"
        )
        worst = max(worst, (err, budget, float(v)), key=lambda w: w[0])
    return worst


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("fn", ROUTES)
@pytest.mark.parametrize("name", ACTIVATION_NAMES)
@given(data=st.data())
def test_numpy_within_ulp_budget_of_exact(name, fn, dtype, data):
    params = data.draw(params_for(name), label="params")
    xs = data.draw(float_arrays(dtype), label="x")
    err, _, _ = check_against_exact(name, fn, xs, params)
    target(err, label="ulps")


SWEPT = [pytest.param(n, {}, id=n) for n in ACTIVATION_NAMES] + [
    pytest.param(n, scaled_params(n, factor), id=f"{n}-{word}")
    for factor, word in ((2.0, "doubled"), (1.3, "times-1.3"))
    for n in ACTIVATION_NAMES
    if ACTIVATIONS[n].params
]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("fn", ROUTES)
@pytest.mark.parametrize(("name", "params"), SWEPT)
def test_numpy_within_ulp_budget_on_dense_sweep(name, params, fn, dtype):
    """A fixed sweep over the whole float range: both signs of every binade up to 2^64 and every
    16th beyond (all entries are saturated there, and exact erfc of 1e300 costs 0.1 s), +-40
    densely, the stretch where e^z turns subnormal, and the edge cases; at the default parameters, at
    twice them and at 1.3 times them (no power of two)."""
    info = np.finfo(dtype)
    exponents = np.arange(info.minexp - info.nmant, info.maxexp)
    exponents = exponents[(exponents <= 64) | (exponents % 16 == 0)]
    binades = 2.0 ** exponents.astype(np.float64) * 1.37
    binades = binades[binades < float(info.max)]
    dense = np.linspace(-40.0, 40.0, 321)
    # Where e^z turns subnormal (z from -745 to -700, the deep tails' own branch), with z = x, and z
    # scaled by each parameter both ways (softplus's z = beta x, celu's z = x / alpha).
    tail = np.linspace(-745.0, -700.0, 10)
    tails = [tail * s for p in (1.0, *params.values()) for s in (p, 1.0 / p)]
    xs = np.unique(round_to(np.concatenate([binades, -binades, dense, *tails, edge_points(dtype)]), dtype))
    check_against_exact(name, fn, xs, params)


def test_the_reciprocal_logistic_hands_its_deep_tail_to_logistic_even_beside_a_nan():
    """1/(1 + e^{-z}) gives 0 where e^{-z} overflows (z < -709.78), and a subnormal sigma(z) loses its
    digits before that: below -708 the values are logistic()'s, bit for bit, also where a NaN shares
    the array (a plain minimum would be NaN and hide the deep z); the limits at +-inf; no overflow,
    division or invalid flag raised."""
    from registry.numeric import RECIPROCAL_FLOOR, logistic, logistic_reciprocal

    z = np.array([np.nan, -745.0, -720.0, np.nextafter(RECIPROCAL_FLOOR, -1.0), RECIPROCAL_FLOOR, -1.0, np.inf])
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow is no fault here
        got = logistic_reciprocal(z)
    deep = z < RECIPROCAL_FLOOR
    assert np.array_equal(got[deep], logistic(z[deep])) and got[2] > 0.0
    assert np.isnan(got[0]) and got[-1] == 1.0 and logistic_reciprocal(np.array([-np.inf]))[0] == 0.0
    check_against_exact("softplus", "df", z[1:-1], {})


def test_softplus_deep_tail_at_the_least_beta_keeps_its_digits():
    """softplus_beta = log1p(e^z) / beta with z = beta x: below z = -700, e^z is subnormal or nearly
    so, and at beta = 1e-3 (the least the registry takes) dividing it by beta would scale its rounding
    a thousandfold into a normal result; formed from e^{z + 64} instead, it stays inside the float64
    budget on the whole stretch z in [-745, -700] and just above it."""
    check_against_exact("softplus", "f", np.linspace(-745e3, -690e3, 56), {"beta": 1e-3})


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_a_kernel_that_returns_its_input_still_gives_a_new_array(dtype):
    """The route's promise to every caller, whatever a kernel does: the result is not the input."""
    from registry.numeric import evaluate

    xs = np.array([-1.5, 0.0, 2.0], dtype=dtype)
    got = evaluate(lambda x: x, lambda: (-np.inf, np.inf), xs, {})
    assert np.array_equal(got, xs) and not np.may_share_memory(got, xs)


def test_gelu_tanh_splits_of_kappa_and_sqrt_2_over_pi_are_exact_to_32_digits():
    from registry.gelu import C_HI, C_LO, K_HI, K_LO, KAPPA

    with mpmath.workdps(40):
        assert abs(mpmath.mpf(K_HI) + mpmath.mpf(K_LO) - mpmath.mpf(KAPPA)) < mpmath.mpf(10) ** -32
        assert abs(mpmath.mpf(C_HI) + mpmath.mpf(C_LO) - mpmath.sqrt(2 / mpmath.pi)) < mpmath.mpf(10) ** -32


def test_tanhshrink_series_is_the_taylor_series_of_x_coth_x_minus_one():
    """The Bernoulli recurrence's coefficients, highest first, against sympy's own series (each the
    float nearest the exact rational)."""
    import sympy as sp

    from registry.shrink import _x_coth_x_minus_one

    t, terms = sp.Symbol("t"), 10
    series = sp.series(t * sp.coth(t) - 1, t, 0, 2 * terms + 1).removeO()
    want = [float(series.coeff(t, 2 * n)) for n in range(terms, 0, -1)]
    assert _x_coth_x_minus_one(terms).tolist() == want and want[-1] == 1 / 3


def test_tanhshrink_series_leaves_out_less_than_2_to_the_minus_58_of_its_first_term():
    """On |x| <= 1 (s = x^2 <= 1) the terms left out, sum_{n > N} |c_n| s^n with c_n = 4^n B_2n/(2n)!,
    are at most their sum at s = 1: summed exactly (sympy's Bernoulli numbers) to n = 120, the rest
    bounded by a geometric series of ratio |c_121/c_120| < 1/9 (|c_{n+1}/c_n| falls towards 1/pi^2).
    Against the sum itself, at least s/3 - s^2/45 >= (14/15) s/3 (an alternating series)."""
    import sympy as sp

    from registry.shrink import SERIES_TERMS

    c = [abs(sp.Rational(4) ** n * sp.bernoulli(2 * n) / sp.factorial(2 * n)) for n in range(1, 122)]
    ratio = c[120] / c[119]
    assert ratio < sp.Rational(1, 9)
    left_out = sum(c[SERIES_TERMS:120]) + c[120] / (1 - ratio)
    assert left_out / (sp.Rational(14, 15) / 3) < sp.Rational(1, 2**58)
    # and the last term kept is not that far below: one term fewer would not do
    assert c[SERIES_TERMS - 1] / (sp.Rational(14, 15) / 3) > sp.Rational(1, 2**58)


# Where the framework audit's baseline rows found the reference's worst float64 errors: each must stay
# inside its budget (gelu' next to the root's region, silu' at its root and in the deep tail).
AUDIT_WORST = {"gelu": (-1.0999999999999943,), "silu": (-1.2999999999999972, -709.78)}


@pytest.mark.parametrize("name", list(AUDIT_WORST))
def test_numpy_within_budget_where_the_audit_found_its_worst(name):
    check_against_exact(name, "df", np.array(AUDIT_WORST[name], dtype=np.float64), {})
