"""S01, S03, S04: the ranges of tanh and sigmoid and of their derivatives, and the factors of dy/dW1."""

import mpmath
import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

import reference
import theory
from registry import ACTIVATIONS
from reports import evidence
from tests.claims.verdicts import establishes, find_counterexample, find_float_counterexample, float_threshold
from tests.strategies import DTYPES, floats_of

SQUASHING = ("sigmoid", "tanh")


def in_open(value, low, high) -> bool:
    return low < value < high


@pytest.mark.claim("S01")
def test_s01_exact_derivative_ranges_of_sigmoid_and_tanh():
    establishes("S01", math="refuted")
    expected = {"sigmoid": (0, sp.Rational(1, 4)), "tanh": (0, 1)}
    for name, (inf, sup) in expected.items():
        r = theory.derivative_range(name)
        assert (r.inf.value, r.sup.value) == (inf, sup)
        assert not r.inf.attained and r.inf.at == -sp.oo  # approached at both infinities, never reached
        assert r.sup.attained and r.sup.at == 0
        evidence.record(
            "S01",
            "symbolic",
            activation=name,
            derivative=sp.latex(theory.derivative(name)),
            inf=str(inf),
            sup=str(sup),
            sup_at="0",
            inf_attained=False,
        )
    assert theory.derivative_range("sigmoid").contains_open(-1, 1)
    assert not theory.derivative_range("tanh").contains_open(-1, 1)
    rows = []
    for name in ACTIVATIONS:  # the same exact ranges for every activation, for the report's figure
        r = theory.derivative_range(name)
        rows.append(
            {
                "activation": name,
                **{
                    f"{side}_{k}": v
                    for side, ext in (("inf", r.inf), ("sup", r.sup))
                    for k, v in (
                        ("value", ext.as_float()),
                        ("exact", sp.latex(ext.value) if ext.closed_form else "50-digit root"),
                        ("at", str(ext.at)),
                        ("attained", ext.attained),
                    )
                },
            }
        )
    evidence.record("S01", "table", label="exact inf and sup of f' over the reals, every activation", rows=rows)


@pytest.mark.claim("S01")
def test_s01_tanh_derivative_reaches_one_over_the_reals():
    establishes("S01", math="refuted")
    x = find_counterexample(
        "S01",
        st.floats(-10, 10),
        lambda v: not in_open(theory.exact_derivative("tanh", v), -1, 1),
        lambda v: {"activation": "tanh", "x": v, "exact_derivative": str(theory.exact_derivative("tanh", v))},
        label="tanh'(x) outside (-1, 1), real arithmetic",
    )
    assert theory.exact_derivative("tanh", x) == 1


@pytest.mark.claim("S01")
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_s01_in_floats_tanh_derivative_is_exactly_one_on_an_interval_around_zero(dtype):
    establishes("S01", float="refuted")
    x = find_float_counterexample(
        "S01",
        reference.derivative,
        "tanh",
        dtype,
        lambda v, d: not in_open(d, -1, 1),
        label=f"tanh'(x) outside (-1, 1) in {dtype.__name__} (NumPy)",
    )
    assert reference.derivative("tanh", x) == 1
    # How wide the plateau of exact 1.0 is: the first float where tanh' < 1.
    edge = float_threshold(lambda v: reference.derivative("tanh", np.asarray(v, dtype=dtype)) < 1, 0.0, 1.0, dtype)
    below = np.nextafter(np.asarray(edge, dtype=dtype), np.asarray(0, dtype=dtype))
    assert reference.derivative("tanh", below) == 1 and reference.derivative("tanh", np.asarray(edge, dtype)) < 1
    torch_edge = None
    if dtype != np.float16:
        tdt = getattr(torch, dtype.__name__)
        assert reference.torch_derivative("tanh", torch.tensor([0.0], dtype=tdt)).item() == 1
        torch_edge = float_threshold(
            lambda v: reference.torch_derivative("tanh", torch.tensor([v], dtype=tdt)).item() < 1, 0.0, 1.0, dtype
        )
    evidence.record(
        "S01",
        "numeric",
        label="tanh' is exactly 1 for |x| below",
        dtype=dtype.__name__,
        numpy_threshold=float(edge),
        torch_threshold=torch_edge,
    )


@pytest.mark.claim("S01")
@pytest.mark.parametrize("name", SQUASHING)
@given(x=floats_of(np.float64, allow_nan=False))
def test_s01_correction_derivative_lies_in_zero_to_its_sup(name, x):
    """Correction: sigma' in (0, 1/4], tanh' in (0, 1] over the reals; [0, sup] in floats."""
    sup = theory.derivative_range(name).sup.value
    if np.isfinite(x):
        exact = theory.exact_derivative(name, x)
        # mp_eval gives 45 correct digits, and 0 only for values below 10^-400 (|x| > 400).
        assert 0 < exact <= mpmath.mpf(sup.p) / sup.q * (1 + mpmath.mpf(10) ** -45) if exact != 0 else abs(x) > 400
    value = reference.derivative(name, x)
    assert 0 <= value <= float(sup)
    t = reference.torch_derivative(name, torch.tensor([x], dtype=torch.float64)).item()
    assert 0 <= t <= float(sup)


@pytest.mark.claim("S03")
def test_s03_outputs_lie_in_open_intervals_over_the_reals():
    establishes("S03", math="supported")
    for name, (low, high) in {"sigmoid": (0, 1), "tanh": (-1, 1)}.items():
        r = theory.output_range(name)
        assert (r.inf.value, r.sup.value) == (low, high)
        assert not r.inf.attained and not r.sup.attained
        evidence.record("S03", "symbolic", activation=name, range=f"({low}, {high})", attained=False)


def first_x_at_one(name: str, dtype, library: str) -> float:
    """The smallest x >= 0 of dtype at which f(x) rounds to exactly 1 (NumPy or torch)."""
    if library == "numpy":
        return float_threshold(lambda v: reference.activation(name, np.asarray(v, dtype=dtype)) == 1, 0.0, 1e3, dtype)
    tdt = getattr(torch, np.dtype(dtype).name)
    return float_threshold(
        lambda v: reference.torch_activation(name, torch.tensor(v, dtype=tdt)).item() == 1, 0.0, 1e3, dtype
    )


@pytest.mark.claim("S03")
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_s03_in_floats_tanh_and_sigmoid_round_to_their_bounds(dtype):
    establishes("S03", float="refuted")
    x = find_float_counterexample(
        "S03",
        reference.activation,
        "tanh",
        dtype,
        lambda v, f: not in_open(f, -1, 1),
        label=f"tanh(x) outside (-1, 1) in {dtype.__name__}, searched over |x| <= 1e4",
        low=-1e4,
        high=1e4,
    )
    assert abs(reference.activation("tanh", x)) == 1
    rows = [
        {
            "activation": name,
            "dtype": dtype.__name__,
            "equals": 1.0,
            "numpy_from_x": first_x_at_one(name, dtype, "numpy"),
            "torch_from_x": None if dtype == np.float16 else first_x_at_one(name, dtype, "torch"),
        }
        for name in SQUASHING
    ]
    sig_zero = float_threshold(
        lambda v: reference.activation("sigmoid", np.asarray(-v, dtype=dtype)) == 0, 0.0, 1e4, dtype
    )
    rows.append(
        {
            "activation": "sigmoid",
            "dtype": dtype.__name__,
            "equals": 0.0,
            "numpy_from_x": -sig_zero,
            "torch_from_x": None,
        }
    )
    evidence.record("S03", "table", label=f"first x where the output equals its bound, {dtype.__name__}", rows=rows)


@pytest.mark.claim("S03")
@given(x=floats_of(np.float64, allow_nan=False, allow_infinity=False))
def test_s03_correction_tanh_is_inside_unless_beyond_the_rounding_threshold(x):
    edge = 18.990341103219276  # float_threshold for float64, recorded as evidence above
    value = reference.activation("tanh", x)
    assert (abs(value) == 1) == (abs(x) >= edge)


def chain_factors_exact(name, x, W, b):
    """The factors of dy/dW1 = f'(z_n) prod_{i>=2} [W_i f'(z_{i-1})] x, exactly (mpmath)."""
    fp = theory.mp_callable(theory.derivative(name), (theory.x,))
    zs = theory.pre_activations_mp(name, x, W, b)
    return [fp(zs[-1])] + [mpmath.mpf(W[i]) * fp(zs[i - 1]) for i in range(1, len(W))] + [mpmath.mpf(x)], zs


def grouped_factors(stacked: np.ndarray) -> np.ndarray:
    """[f'(z_n), W_n, f'(z_{n-1}), ..., W_2, f'(z_1), x] -> [f'(z_n), W_n f'(z_{n-1}), ..., x]."""
    pairs = [stacked[k] * stacked[k + 1] for k in range(1, len(stacked) - 1, 2)]
    return np.array([stacked[0], *pairs, stacked[-1]])


@st.composite
def condition_c(draw, name):
    """0 < W_i < 1/sup f' for i >= 2, 0 < x < 1, any W_1, b_i in [-3, 3]."""
    n = draw(st.integers(1, 8))
    cap = float(1 / theory.derivative_range(name).sup.value)
    W = [draw(st.floats(-3, 3))] + [draw(st.floats(0, cap, exclude_min=True, exclude_max=True)) for _ in range(n - 1)]
    b = [draw(st.floats(-3, 3)) for _ in range(n)]
    x = draw(st.floats(0, 1, exclude_min=True, exclude_max=True))
    return x, W, b


@pytest.mark.claim("S04")
@pytest.mark.parametrize("name", SQUASHING)
@given(data=st.data())
def test_s04_factors_lie_in_zero_one_under_the_condition(name, data):
    establishes("S04", math="conditional", float="conditional")
    x, W, b = data.draw(condition_c(name))
    with mpmath.workdps(40):
        _, zs = chain_factors_exact(name, x, W, b)
    # 1 - f'(z) ~ z^2 near 0: resolve it with twice as many digits as z has leading zeros.
    smallest = min(abs(z) for z in zs if z != 0) if any(z != 0 for z in zs) else mpmath.mpf(1)
    with mpmath.workdps(40 + 2 * max(0, int(-mpmath.log10(smallest)))):
        factors, zs = chain_factors_exact(name, x, W, b)
        assume(name != "tanh" or zs[-1] != 0)  # tanh'(0) = 1: the condition excludes z_n = 0
        assert all(0 < t < 1 for t in factors)
    # Floats: the same, once f'(z_n) cannot round to 1 (|z_n| > 1e-8 for tanh) and no factor
    # underflows (W_i, x > 1e-290: W_i f'(z) >= 1e-291 stays a normal float).
    computed = grouped_factors(reference.chain_gradient(name, np.array([x]), W, b).factors[:, 0])
    if (name != "tanh" or abs(float(zs[-1])) > 1e-8) and min([x, *W[1:]]) > 1e-290:
        assert np.all((computed > 0) & (computed < 1))


@pytest.mark.claim("S04")
@pytest.mark.parametrize("name", SQUASHING)
def test_s04_without_the_condition_a_factor_leaves_zero_one(name):
    establishes("S04", math="conditional")
    strategy = st.tuples(st.floats(-10, 10), st.floats(-10, 10), st.floats(-3, 3))

    def outside(example):
        x, w2, b2 = example
        with mpmath.workdps(30):
            factors, _ = chain_factors_exact(name, x, [1.0, w2], [0.0, b2])
        return not all(0 < t < 1 for t in factors)

    find_counterexample(
        "S04",
        strategy,
        outside,
        lambda e: {"activation": name, "depth": 2, "x": e[0], "W": [1.0, e[1]], "b": [0.0, e[2]]},
        label=f"a factor of dy/dW1 outside (0, 1), {name}",
    )


@pytest.mark.claim("S04")
def test_s04_in_floats_tanh_derivative_factor_rounds_to_one_for_tiny_nonzero_pre_activation():
    establishes("S04", float="conditional")
    x, W, b = 0.5, [0.5], [-0.25 + 2.0**-40]  # z_1 = 2^-40, exactly representable and not 0
    computed = grouped_factors(reference.chain_gradient("tanh", np.array([x]), W, b).factors[:, 0])
    assert computed[0] == 1.0
    evidence.record(
        "S04",
        "counterexample",
        label="tanh'(z_n) rounds to 1 with z_n = 2^-40 (float64)",
        example={"x": x, "W": W, "b": b, "factors": computed},
    )
