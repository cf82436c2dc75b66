"""dy/dW1 of the width-1 chain: sympy from the model, the closed-form product, NumPy manual
backprop, its log-magnitude, torch autograd and mpmath all agree (the closed form itself is S02)."""

from functools import cache

import mpmath
import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

import reference
import theory
from reference.chain import FACTOR_RANGE, FEW_INPUTS, _multiply_in_place
from registry import ACTIVATIONS
from tests import tolerances
from tests.strategies import ACTIVATION_NAMES, TORCH_NAMES

# Calibrates the instruments (the routes agree); establishes no claim.
pytestmark = pytest.mark.instrument

moderate = st.floats(-3.0, 3.0, allow_subnormal=False)


@cache
def exact_chain(name: str, n: int):
    return theory.chain_gradient_mp(n, name)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
@given(n=st.integers(1, 6), data=st.data())
def test_chain_routes_agree_with_sympy_for_small_depth(name, n, data):
    x = data.draw(moderate, label="x")
    W = data.draw(st.lists(moderate, min_size=n, max_size=n), label="W")
    b = data.draw(st.lists(moderate, min_size=n, max_size=n), label="b")
    with mpmath.workdps(50):
        zs = theory.pre_activations_mp(name, x, W, b)
        fprime = theory.settled_callable(theory.derivative(name))
        assume(not near_a_break_or_isolated_zero(name, zs, fprime))
        exact = exact_chain(name, n)(*(mpmath.mpf(v) for v in (x, *W, *b)))
        # torch's f' carries an absolute error (tests/tolerances.py), so each factor a relative
        # error of that over |f'(z)|; the chain's relative error is at most their sum.
        torch_rel = sum(tolerances.torch_factor_relative_error(name, z, fprime(z)) for z in zs if fprime(z) != 0)
    mine = reference.chain_gradient(name, np.array([x]), W, b)
    with_torch = ACTIVATIONS[name].torch_f is not None
    theirs = reference.torch_chain_gradient(name, [x], W, b).numpy() if with_torch else None
    if exact == 0:
        assert mine.value[0] == 0 and mine.sign[0] == 0 and (not with_torch or theirs[0] == 0)
        return
    factors = [x, *W[1:], *(fprime(z) for z in zs)]
    bound = tolerances.CHAIN_RTOL[np.float64] * abs(exact) + tolerances.chain_subnormal_atol(factors)
    assert abs(mine.value[0] - exact) <= bound
    assert not with_torch or abs(theirs[0] - exact) <= bound + torch_rel * abs(exact)
    # The exact value rounded to float64 decides: one below half the smallest subnormal is 0 there.
    assert mine.sign[0] == mpmath.sign(exact) or (float(exact) == 0 and mine.value[0] == 0)
    # A factor that is itself subnormal in float64 carries its absolute error into the log.
    log_atol = tolerances.LOG_MAGNITUDE_ATOL + sum(
        tolerances.subnormal_factor_log_error(name, z, fprime(z)) for z in zs
    )
    assert abs(mine.log_abs[0] - mpmath.log(abs(exact))) <= log_atol


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_log_magnitude_matches_mpmath_where_the_float_product_underflows(name):
    rng = np.random.default_rng(7)
    n = 5000
    # |W| <= 0.8 and f' <= 1: |dy/dW1| <= 0.8^4999 < 1e-484, below every float64.
    W, b, x = rng.uniform(0.2, 0.8, n), rng.uniform(-0.5, 0.5, n), 0.7
    mine = reference.chain_gradient(name, np.array([x]), W, b)
    assert mine.value[0] == 0.0 and np.isfinite(mine.log_abs[0])
    with mpmath.workdps(50):
        fprime = theory.settled_callable(theory.derivative(name))
        zs = theory.pre_activations_mp(name, x, W, b)
        log_exact = sum(mpmath.log(abs(fprime(z))) for z in zs)
        log_exact += sum(mpmath.log(abs(mpmath.mpf(w))) for w in W[1:]) + mpmath.log(x)
    assert abs(mine.log_abs[0] - log_exact) <= tolerances.LOG_MAGNITUDE_ATOL * n
    torch_value = reference.torch_chain_gradient(name, [x], W, b).numpy()[0]
    assert torch_value == 0.0


def near_a_break_or_isolated_zero(name: str, zs, fprime) -> bool:
    """Is a pre-activation within 1e-9 of a kink or jump, exactly at an isolated zero of f'
    (tanhshrink' at 0, hardswish' at -3/2), or within 1e-5 (relative) of a root where f' changes
    sign (hardswish' at -3/2, silu', gelu', mish')? Within rounding of a kink the float forward pass
    may land on the other side, and beside a zero; near a simple root r, f'(z) has relative
    condition |f''/f'| ~ 1/|z - r|, so the float z's rounding (about 1e-14 after six layers) costs
    more than the chain's 1e-9 closer than 1e-5: there the float f' differs from the exact one."""
    breaks = ACTIVATIONS[name].breaks
    if any(abs(z - k) <= 1e-9 for z in zs for k in breaks):
        return True
    step = mpmath.mpf(10) ** -9
    for z in zs:
        slope = fprime(z)
        # Only a small f'(z) can lie near a zero: every simple root here is below |r| = 2 with
        # |f''| < 1 around it, so within 1e-5 max(1, |z|) of one, |f'(z)| < 2e-5.
        if abs(slope) >= 1e-4:
            continue
        if slope == 0 and (fprime(z - step) != 0 or fprime(z + step) != 0):
            return True
        reach = mpmath.mpf(10) ** -5 * max(1, abs(z))
        if fprime(z - reach) * fprime(z + reach) < 0:
            return True
    return False


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_every_simple_root_of_the_derivative_is_where_the_chain_tests_filter_assumes(name):
    """near_a_break_or_isolated_zero skips its root search where |f'(z)| >= 1e-4, which is safe if
    every sign change of f' lies below |r| = 2 with |f''| < 1 within 1e-3 of it: on a grid of
    step 1e-3 over [-50, 50], by the NumPy reference and a central difference."""
    grid = np.arange(-50_000, 50_001) / 1000.0
    slope = reference.derivative(name, grid)
    breaks = ACTIVATIONS[name].breaks
    for i in np.flatnonzero(slope[:-2] * slope[2:] < 0):  # two apart: a root on the grid is caught too
        r = grid[i + 1]
        if any(abs(r - k) <= 2e-3 for k in breaks):
            continue  # a jump of f' at a kink, not a root
        near = np.linspace(r - 1e-3, r + 2e-3, 31)
        second = (reference.derivative(name, near + 1e-6) - reference.derivative(name, near - 1e-6)) / 2e-6
        assert abs(r) < 2 and np.all(np.abs(second) < 1), (name, r, np.abs(second).max())


def slope_positive_on_positive_reals(name: str) -> bool:
    """f'(z) > 0 for every z > 0, by the NumPy reference on a grid of (0, 100] and its limit at +inf
    (hardtanh, the shrinks, threshold and sparse_sigmoid are 0 somewhere there: a zero factor is exact)."""
    spec = ACTIVATIONS[name]
    grid = np.linspace(0.01, 100.0, 10_000)
    return bool(np.all(reference.derivative(name, grid) > 0)) and spec.limits_df(**spec.bind())[1] > 0


@pytest.mark.parametrize("name", [n for n in ACTIVATION_NAMES if slope_positive_on_positive_reals(n)])
def test_log_magnitude_does_not_underflow_at_depth_ten_thousand(name):
    rng = np.random.default_rng(3)
    n = 10_000
    W, b = rng.uniform(0.5, 1.0, n), rng.uniform(0.1, 0.5, n)
    g = reference.chain_gradient(name, np.array([0.9]), W, b)
    # Positive weights, biases and input keep every pre-activation positive: no zero factor.
    assert np.isfinite(g.log_abs[0]) and g.sign[0] == 1
    if abs(g.value[0]) >= np.finfo(np.float64).tiny:
        assert np.exp(g.log_abs[0]) == pytest.approx(g.value[0], rel=1e-9)
    else:
        assert g.log_abs[0] < np.log(np.finfo(np.float64).tiny)


@pytest.mark.parametrize("inputs", [8, 300])  # the block product and the loop
@pytest.mark.parametrize("name", ["tanh", "gelu", "softsign"])
def test_log_magnitude_is_the_log_of_the_float64_product_where_that_product_is_normal(name, inputs):
    """The mantissas and exponents (frexp) multiply to the float64 product bit for bit while every
    partial product is normal (a power of two moves no bit), so log_abs is exactly np.log|value|
    there, and the sign is value's: depth 40, weights N(0, 1), inputs of both signs."""
    rng = np.random.default_rng(13)
    W, b, x = rng.normal(0, 1, 40), rng.normal(0, 0.5, 40), rng.normal(0, 2, inputs)
    g = reference.chain_gradient(name, x, W, b)
    normal = np.abs(g.value) >= 1e-250  # far from the subnormals: no partial product left the normal range
    assert normal.mean() > 0.9
    assert np.array_equal(g.log_abs[normal], np.log(np.abs(g.value[normal])))
    assert np.array_equal(g.sign[normal], np.sign(g.value[normal]))


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_log_magnitude_by_depth_is_each_prefix_chains_own(name):
    """log_gradient_by_depth (one forward pass, cumulative sums) at depth n equals the depth-n chain's
    log-magnitude (each chain summed on its own), to the rounding of two summation orders; S05's
    depth-10^4 table stands on it."""
    rng = np.random.default_rng(5)
    W, b = rng.normal(0, 1, 300), rng.normal(0, 0.1, 300)
    logs = reference.log_gradient_by_depth(name, 1.0, W, b)
    for n in (1, 2, 7, 60, 300):
        chain = reference.chain_gradient(name, np.array([1.0]), W[:n], b[:n]).log_abs[0]
        assert logs[n - 1] == pytest.approx(chain, rel=1e-12, abs=1e-12), (name, n)


@given(data=st.data())
def test_numpy_and_torch_chains_agree_with_the_exact_chain_at_depth_200(data):
    """Both routes against the exact chain (mpmath, 50 digits, on the exact float inputs), not
    against each other: NumPy's is the more accurate route (each factor f'(z) within a few ulps), so
    it meets CHAIN_RTOL; torch's f' carries an absolute error of up to TORCH_ABS_EPS ulps of
    max(1, |z|, |f'(z)|) per factor (gelu's tail is far off, A09), and softplus's documented
    linearisation past its threshold, so torch is held to the sum of those relative errors. Where
    the exact value rounds below the normal range, both must be tiny."""
    name = data.draw(st.sampled_from(TORCH_NAMES), label="name")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    W, b, x = rng.normal(0, 1.0, 200), rng.normal(0, 0.1, 200), rng.normal(0, 1.0, 4)
    mine = reference.chain_gradient(name, x, W, b).value
    theirs = reference.torch_chain_gradient(name, x, W, b).numpy()
    tiny = np.finfo(np.float64).tiny
    with mpmath.workdps(50):
        fprime = theory.settled_callable(theory.derivative(name))
        weights = mpmath.fprod(mpmath.mpf(w) for w in W[1:])
        for k, xk in enumerate(x):
            zs = theory.pre_activations_mp(name, xk, W, b)
            assume(not near_a_break_or_isolated_zero(name, zs, fprime))
            factors = [fprime(z) for z in zs]
            exact = mpmath.mpf(xk) * weights * mpmath.fprod(factors)
            torch_rel = sum(tolerances.torch_factor_relative_error(name, z, f) for z, f in zip(zs, factors) if f != 0)
            if abs(float(exact)) < tiny:  # the exact value rounds to a subnormal or to 0
                assert abs(mine[k]) < tiny and abs(theirs[k]) < tiny * (1 + torch_rel)
                continue
            assert abs(mine[k] - exact) <= tolerances.CHAIN_RTOL[np.float64] * abs(exact), (name, xk)
            assert abs(theirs[k] - exact) <= (tolerances.CHAIN_RTOL[np.float64] + torch_rel) * abs(exact), (name, xk)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "gelu"])
def test_the_chain_works_in_the_inputs_dtype_unless_told_otherwise(name):
    """float32 inputs give a float32 chain, rounded at every layer, as dtype=float32 does; float64
    arithmetic on them would be a different network (S06's underflow depths differ by dtype)."""
    x32, W, b = np.array([0.3, -1.7], dtype=np.float32), np.full(5, 1.1), np.full(5, 0.2)
    implicit, explicit = reference.chain_factors(name, x32, W, b), reference.chain_factors(name, x32, W, b, np.float32)
    assert implicit.dtype == np.float32 and np.array_equal(implicit, explicit)
    assert not np.array_equal(implicit, reference.chain_factors(name, x32, W, b, np.float64).astype(np.float32))


@pytest.mark.parametrize(("name", "dtype"), [("sigmoid", np.float16), ("tanh", np.float32), ("gelu", np.float64)])
def test_a_prefix_of_one_forward_pass_is_the_shallower_chain_bit_for_bit(name, dtype):
    """chain_gradient_prefixes(n) and torch_chain_gradient_prefixes(n) against each depth-n chain
    computed on its own: equal values, signs and log-magnitudes, underflow to 0 included (float16
    sigmoid's gradient underflows from depth 12 here); a depth outside 1..len(W) is an error."""
    rng = np.random.default_rng(7)
    W, b = np.concatenate([[1.0], rng.uniform(0.5, 1.5, 39)]), rng.normal(0, 0.5, 40)
    x, tdtype = np.array([0.7, -1.3], dtype=dtype), getattr(torch, np.dtype(dtype).name)
    mine = reference.chain_gradient_prefixes(name, x, W, b)
    theirs = reference.torch_chain_gradient_prefixes(name, x, W, b, dtype=tdtype)
    # The dtype asked for, not the input's: float64 inputs (the same values) worked in dtype.
    asked = reference.chain_gradient_prefixes(name, x.astype(np.float64), W, b, dtype)
    for n in (*range(1, 41), 3, 1):  # in any order, and again
        alone = reference.chain_gradient(name, x, W[:n], b[:n])
        got = mine(n)
        for field in ("value", "sign", "log_abs"):
            assert np.array_equal(getattr(got, field), getattr(alone, field)), (n, field)
        assert asked(n).value.dtype == dtype and np.array_equal(asked(n).value, alone.value), n
        assert torch.equal(theirs(n), reference.torch_chain_gradient(name, x, W[:n], b[:n], dtype=tdtype)), n
    for bad in (0, 41):
        with pytest.raises(ValueError, match="depth 1 to 40"):
            mine(bad)
        with pytest.raises(ValueError, match="depth 1 to 40"):
            theirs(bad)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("name", ["tanh", "relu", "gelu", "softsign", "hardshrink"])
def test_the_block_product_of_a_few_inputs_is_the_loops_bit_for_bit(name, dtype, monkeypatch):
    """A chain of up to FEW_INPUTS inputs multiplies its factors a block at a time (ufunc.accumulate),
    a wider one factor by factor: the same value, sign and log-magnitude, bit for bit, across block
    edges (700 factors a block here), with 0, -0.0, +-inf and NaN among the inputs and negative
    weights; and with a zero and a signed-zero weight, after which every gradient is a signed 0."""
    from reference import chain

    rng = np.random.default_rng(11)
    x = np.concatenate([[0.0, -0.0, np.inf, -np.inf, np.nan], rng.normal(0, 3, 3)]).astype(dtype)
    W, b = rng.normal(0, 1.5, 1000), rng.normal(0, 0.5, 1000)
    W[500] = -2.0
    zeroed = W.copy()
    zeroed[[3, 4]] = [0.0, -0.0]
    for weights in (W, zeroed):
        monkeypatch.setattr(chain, "PRODUCT_BLOCK_ELEMENTS", 700 * x.size)
        monkeypatch.setattr(chain, "FEW_INPUTS", 64)
        with np.errstate(invalid="ignore"):  # inf * 0 at a zero weight, in the forward pass both routes share
            blocks = reference.chain_gradient(name, x, weights, b)
            monkeypatch.setattr(chain, "FEW_INPUTS", 0)
            loop = reference.chain_gradient(name, x, weights, b)
        live = np.isfinite(blocks.log_abs).sum()
        if weights is zeroed:
            assert live == 0  # every gradient a signed 0 (or NaN)
        elif name in ("tanh", "softsign"):  # relu's and hardshrink's chains die at this depth anyway
            assert live >= 3, live  # products compared, not zeros
        for field in ("value", "sign", "log_abs"):
            ours, theirs = getattr(blocks, field), getattr(loop, field)
            assert ours.dtype == theirs.dtype and ours.tobytes() == theirs.tobytes(), field


def test_the_exact_chain_takes_an_activations_parameters_as_the_doubles_the_float_routes_use():
    """leaky_relu's slope 0.01 is no double: the exact chain multiplies by the double 0.01 stands for
    (0.01000000000000000020816...), as NumPy and torch do, not by the decimal 1/100."""
    with mpmath.workdps(50):
        zs = theory.chain.pre_activations_mp("leaky_relu", -1.0, [1.0, 1.0], [0.0, 0.0])
        assert zs[1] == -mpmath.mpf(0.01) and zs[1] != -mpmath.mpf(1) / 100


def test_every_chain_route_follows_the_activations_parameters():
    """elu at alpha = 1/2, depth 3, every pre-activation on the negative piece (z = -2, -1.148...,
    -0.173...), where alpha scales f and f': each route against the chain written out by hand in
    mpmath, f(z) = alpha (e^z - 1) and f'(z) = alpha e^z there. At the default alpha = 1 the gradient
    is 8 times as large, so a route that dropped the parameter would be far off."""
    x, W, b, alpha = 1.0, [-2.0, 1.5, 0.8], [0.0, -0.5, 0.1], 0.5
    with mpmath.workdps(50):
        a, zs, grad = mpmath.mpf(x), [], mpmath.mpf(x)
        for w, c in zip(W, b):
            zs.append(w * a + c)
            a = alpha * mpmath.expm1(zs[-1])
        for i, z in enumerate(zs):
            grad *= alpha * mpmath.exp(z) * (W[i] if i else 1)
        assert all(z < 0 for z in zs)
        exact_zs = theory.chain.pre_activations_mp("elu", x, W, b, alpha=alpha)
        assert all(abs(p - q) < mpmath.mpf(10) ** -45 for p, q in zip(exact_zs, zs))
        m = theory.chain_model(3)
        exactly = sp.Rational  # each double's own value, so that evalf works from exact inputs
        values = {m.x: exactly(x), **{m.W[i + 1]: exactly(w) for i, w in enumerate(W)}}
        values |= {m.b[i + 1]: exactly(c) for i, c in enumerate(b)}
        symbolic = theory.chain_gradient(3, "elu", alpha=alpha).subs(values).evalf(40)
        assert abs(mpmath.mpf(str(symbolic)) - grad) < abs(grad) * mpmath.mpf(10) ** -30
    numeric = reference.chain_gradient("elu", np.array([x]), W, b, alpha=alpha)
    assert numeric.value[0] == pytest.approx(float(grad), rel=1e-14)
    logs = reference.log_gradient_by_depth("elu", x, W, b, alpha=alpha)
    assert logs[-1] == pytest.approx(float(mpmath.log(abs(grad))), rel=1e-14)


def _mantissa_product_step_by_step(first: np.ndarray, factors: list) -> tuple[np.ndarray, np.ndarray]:
    """m 2^e of the factors' product, each factor split by frexp and m renormalised after every step:
    the plainest exact route, for the loop's bounds-driven renormalisation to be held against."""
    mant, exponent = np.frexp(np.asarray(first, dtype=np.float64))
    exponent = exponent.astype(np.int64)
    for fac in factors:
        f_mant, f_exp = np.frexp(np.asarray(fac, dtype=np.float64))
        mant = mant * f_mant
        mant, more = np.frexp(mant)
        exponent = exponent + f_exp + more
    return mant, exponent


def _random_factors(rng, n: int, depth: int, dtype, mode: str) -> list:
    """factor, weight, factor, ... for the loop's test. "mixed": factors of any binade within the loop's
    range, one in five anywhere in the dtype's range with zeros among its values (the first five
    inputs'); weights of any size. "halving": factors of magnitude just above 1/2 and weights 2^k / 2,
    so that |m| halves at every step and the bounds are exact: only renormalisations keep m normal.
    "split": the same with a zero in every factor, which goes in as it is. "sparse": factors with 0s
    (the first five inputs') beside magnitudes 2^-40 (2^-10 in float16) and, at five inputs, about 1,
    all positive, all negative or mixed, weights 1: the bounds must come from the least magnitude that
    is not 0, or m leaves the normal range between renormalisations. "dip" and "peak":
    factors just above 1/2 for the first half and just below 2 for the second (or the other way
    round), weights of magnitude 1, so that the float product leaves the normal range in the middle
    (losing digits as a subnormal, or turning inf) and, exactly, comes back."""
    info = np.finfo(dtype)
    signs = lambda: rng.choice([-1.0, 1.0], n)  # noqa: E731
    factors: list = []
    for _ in range(depth):
        if mode == "mixed":
            special = rng.random() < 0.2
            limit = info.maxexp - 8 if special else min(info.maxexp - 8, FACTOR_RANGE - 8)
            fac = rng.uniform(0.5, 2.0, n) * signs() * 2.0 ** int(rng.integers(-limit, limit))
            fac[: 5 if special else 0] = 0.0  # zeros in the first few inputs' factors only: the rest stay live
            weight = float(rng.choice([1e-200, 1e200, rng.normal(0, 2), rng.normal(0, 1e-5)]))
        elif mode == "sparse":
            spread = min(40, info.nmant)  # binades: float16's 10-bit mantissa holds 2^-10 .. 1 as normals
            fac = rng.uniform(0.5, 1.0, n) * 2.0**-spread  # most inputs lose `spread` binades a step
            fac[rng.integers(5, n, 5)] = rng.uniform(0.5, 1.0, 5)  # the greatest: a bound from it is far off
            fac *= rng.choice([1.0, -1.0]) if rng.random() < 2 / 3 else signs()
            fac[:5] = 0.0
            weight = 1.0
        elif mode in ("dip", "peak"):  # magnitudes within 2^-12 of 1/2 or of 2: the bounds are tight
            small = (len(factors) < depth) == (mode == "dip")
            fac = (rng.uniform(0.5, 0.5 + 2.0**-12, n) if small else rng.uniform(2.0 - 2.0**-11, 2.0, n)) * signs()
            weight = float(rng.choice([-1.0, 1.0]))
        else:
            fac = rng.uniform(0.5, 0.51, n) * signs()
            fac[0] = 0.0 if mode == "split" else fac[0]
            weight = float(rng.choice([-0.5, 0.5]) * 2.0 ** int(rng.integers(-20, 21)))
        factors += [fac.astype(dtype), weight]
    return factors


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_a_factors_bounds_skip_its_zeros_and_its_greatest_carries_nan(dtype):
    """chain._least_and_greatest_magnitude: the least |entry| that is not 0 and the greatest |entry|,
    exactly, for all-positive, all-negative and mixed factors with +-0 among them; the least is 0 where
    no entry is finite and not 0, and the greatest NaN where one is NaN."""
    from reference.chain import _least_and_greatest_magnitude

    tiny, inf, nan = float(np.finfo(dtype).smallest_subnormal), np.inf, np.nan
    cases = [
        ([2.0, 5.0], (2.0, 5.0)),
        ([0.0, 3.0, 0.5, -0.0], (0.5, 3.0)),
        ([-0.0, -2.0, -0.25, 0.0], (0.25, 2.0)),
        ([0.0, -3.0, 0.5, -0.0, 0.125], (0.125, 3.0)),
        ([0.0, tiny, 1.0], (tiny, 1.0)),
        ([-tiny, 0.0, -1.0], (tiny, 1.0)),
        ([0.0, -0.0], (0.0, 0.0)),
        ([0.0, inf], (0.0, inf)),
    ]
    for values, want in cases:
        assert _least_and_greatest_magnitude(np.array(values, dtype=dtype)) == want, values
    assert np.isnan(_least_and_greatest_magnitude(np.array([0.0, 1.0, nan], dtype=dtype))[1])


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_the_loops_mantissa_product_is_the_frexp_split_products_bit_for_bit(dtype):
    """chain._multiply_in_place multiplies a factor in as it is while bounds on |m| allow, and
    renormalises only when they call for it: its m 2^e equals the product split by frexp and
    renormalised at every step, bit for bit, wherever m is finite and not 0 (elsewhere the exponent
    means nothing: log_abs is -inf or NaN), and value is the working dtype's step-by-step product.
    Factors of every scale the dtype holds, with zeros, subnormals, +-inf and NaN among them, weights
    of every size and now and then 0 or -0.0, chains that halve |m| at every step for 700 layers
    (m leaves the normal range unless renormalised in time), with and without 0s among them, factors
    whose 0s sit beside magnitudes 40 binades apart, and
    chains whose float product leaves the normal range and comes back (value keeps the digits a
    subnormal lost, or stays inf, while m is exact throughout); each
    factor an array of its own or a row of a block (whose range then bounds the row's)."""
    rng = np.random.default_rng(23)
    info = np.finfo(dtype)
    for trial in range(28):
        mode = ("mixed", "halving", "mixed", "split", "dip", "peak", "sparse")[trial % 7]
        n = int(rng.integers(FEW_INPUTS + 1, 200))
        depth = {"mixed": int(rng.integers(1, 700)), "dip": 2 * (-info.minexp + 40), "peak": 2 * (info.maxexp + 40)}
        depth = depth.get(mode, 700)
        factors = _random_factors(rng, n, depth, dtype, mode)
        if mode == "mixed":
            special = [np.nan, np.inf, -np.inf, info.smallest_subnormal] + [1.5] * (n - 4)
            factors[int(rng.integers(0, len(factors)))] = np.array(special, dtype=dtype)
            if trial % 3 == 0:  # a zero weight (of either sign) in the last tenth: every m is 0 after it
                factors[-1 - 2 * int(rng.integers(0, depth // 10 + 1))] = float(rng.choice([0.0, -0.0]))
        if trial % 2 == 0:  # as the chain hands them over: rows of blocks of three layers' factors
            arrays = [f for f in factors if np.ndim(f)]
            rows = [row for i in range(0, len(arrays), 3) for row in np.stack(arrays[i : i + 3])]
            factors = [rows.pop(0) if np.ndim(f) else f for f in factors]
        first = rng.normal(0, 1, n).astype(dtype)
        if mode in ("dip", "peak"):  # every input near 1, so that all leave the normal range together
            first = (rng.uniform(1.0, 1.0 + 2.0**-12, n) * rng.choice([-1.0, 1.0], n)).astype(dtype)
        value = first.copy()
        mant, exponent = np.frexp(first.astype(np.float64))
        with np.errstate(all="ignore"):
            exponent = _multiply_in_place(value, mant, exponent.astype(np.int64), iter(factors))
            want_mant, want_exp = _mantissa_product_step_by_step(first, factors)
            want_value = first.copy()
            for fac in factors:
                want_value *= fac
        got_mant, more = np.frexp(mant)
        live = np.isfinite(want_mant) & (want_mant != 0)
        assert live.mean() > 0.5 or trial % 3 == 0, trial  # most m are compared, not 0 or NaN
        assert value.tobytes() == want_value.tobytes(), trial
        assert got_mant.tobytes() == want_mant.tobytes(), (trial, mode)
        assert np.array_equal((exponent + more)[live], want_exp[live]), trial
