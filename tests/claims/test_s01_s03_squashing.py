"""S01, S03: the ranges of tanh and sigmoid and of their derivatives, over the reals and in floats."""

import functools

import mpmath
import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import given
from hypothesis import strategies as st

import reference
import theory
from reference.floatscan import NotMonotone, correctly_rounded_threshold, float_threshold
from registry import ACTIVATIONS
from reports import evidence
from tests import tolerances
from tests.claims.verdicts import establishes, find_counterexample, find_float_counterexample
from tests.strategies import DTYPES, floats_of

SQUASHING = ("sigmoid", "tanh")
TORCH = {np.float16: torch.float16, np.float32: torch.float32, np.float64: torch.float64}


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
        # The supremum is attained at 0 only: f'(x) = sup has the one real solution x = 0.
        assert r.sup.attained and sp.solveset(sp.Eq(theory.derivative(name), sup), theory.x, sp.S.Reals) == {0}
        evidence.record(
            "S01",
            "symbolic",
            activation=name,
            derivative=sp.latex(theory.derivative(name)),
            inf=str(inf),
            sup=str(sup),
            sup_attained_only_at="0",
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
    xs = np.linspace(-6, 6, 121)  # the figure's curves, from the NumPy reference
    evidence.record(
        "S01",
        "figure",
        label="f and f' on [-6, 6] (NumPy reference)",
        x=xs,
        curves={
            name: {"f": np.round(reference.activation(name, xs), 5), "df": np.round(reference.derivative(name, xs), 5)}
            for name in ACTIVATIONS
        },
    )


@pytest.mark.claim("S01")
def test_s01_tanh_derivative_reaches_one_over_the_reals():
    establishes("S01", math="refuted")
    x = find_counterexample(
        "S01",
        st.floats(-10, 10),
        lambda v: not in_open(theory.exact_derivative("tanh", v), -1, 1),
        lambda v: {"activation": "tanh", "x": v, "exact_derivative": str(theory.exact_derivative("tanh", v))},
        label="tanh'(x) outside (-1, 1), real arithmetic",
        key="real",
    )
    assert theory.exact_derivative("tanh", x) == 1


def tanh_derivative_decreases_on_the_positive_axis() -> bool:
    """tanh'' = -2 tanh (1 - tanh^2) < 0 for x > 0: with t = tanh(x) in (0, 1), no t makes it >= 0."""
    t = sp.Symbol("t")
    second = theory.derivative("tanh", order=2).subs(sp.tanh(theory.x), t)
    return sp.solveset(second >= 0, t, sp.Interval.open(0, 1)) == sp.S.EmptySet


def threshold_or_witness(predicate, lo: float, hi: float, dtype) -> dict:
    """{"edge", "coverage"} where the predicate is shown monotone on [lo, hi], else {"not_monotone_at"}."""
    try:
        found = float_threshold(predicate, lo, hi, dtype)
    except NotMonotone as err:
        return {"edge": None, "not_monotone_at": err.x}
    return {"edge": found.edge, "coverage": found.coverage}


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
        key=f"float_{dtype.__name__}",
    )
    assert reference.derivative("tanh", x) == 1
    # A correctly rounded tanh' is 1 exactly below the edge and below 1 from it: tanh' decreases on
    # x > 0 (sympy) and rounding to nearest is monotone, so bisection finds the one edge.
    assert tanh_derivative_decreases_on_the_positive_axis()
    exact = functools.partial(theory.exact_derivative, "tanh")
    correct = correctly_rounded_threshold(exact, lambda v: v < 1, 0.0, 1.0, dtype)
    below = float(np.nextafter(dtype(correct), dtype(0)))
    with mpmath.workprec(256):  # the midpoint 1 - 2^-(p+1) needs more than the dtype's p bits to hold
        midpoint = 1 - mpmath.mpf(2) ** -(np.finfo(dtype).nmant + 2)
        assert exact(below) >= midpoint > exact(correct)
    # Each implementation's own edge, where its predicate is monotone on [0, 1].
    numpy_edge = threshold_or_witness(lambda v: reference.derivative("tanh", v) < 1, 0.0, 1.0, dtype)
    torch_edge = threshold_or_witness(
        lambda v: reference.torch_derivative("tanh", torch.from_numpy(v).to(TORCH[dtype])).numpy() < 1, 0.0, 1.0, dtype
    )
    evidence.record(
        "S01",
        "numeric",
        key=f"plateau_{dtype.__name__}",
        label=f"tanh'(x) is exactly 1 for |x| below the edge ({dtype.__name__})",
        correctly_rounded=correct,
        numpy=numpy_edge,
        torch=torch_edge,
    )


@pytest.mark.claim("S01")
@pytest.mark.parametrize("name", SQUASHING)
def test_s01_in_float64_both_derivatives_round_to_zero_far_out(name):
    establishes("S01", float="refuted")
    found = float_threshold(lambda v: reference.derivative(name, v) == 0, 0.0, 1e4, np.float64)
    assert theory.exact_derivative(name, found.edge) > 0  # the exact value is positive there
    evidence.record(
        "S01",
        "numeric",
        key=f"zero_{name}",
        label=f"{name}'(x) rounds to exactly 0 from |x| = edge (NumPy reference, float64)",
        edge=found.edge,
        coverage=found.coverage,
    )


@pytest.mark.claim("S01")
@pytest.mark.parametrize("name", SQUASHING)
@given(x=floats_of(np.float64, allow_nan=False))
def test_s01_correction_derivative_lies_in_zero_to_its_sup(name, x):
    """Correction: sigma' in (0, 1/4], tanh' in (0, 1] over the reals; [0, sup] in floats."""
    sup = theory.derivative_range(name).sup.value
    if np.isfinite(x):
        exact = theory.exact_derivative(name, x)
        # exact_derivative gives 45 correct digits, and 0 only for values below 10^-400 (|x| > 400);
        # the tolerance is built at that precision (relative_bound refuses a coarser context).
        with mpmath.workdps(60):
            bound = tolerances.relative_bound(mpmath.mpf(sup.p) / sup.q, 45)
            assert 0 < exact <= bound if exact != 0 else abs(x) > 400
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
        assert not r.inf.attained and not r.sup.attained  # approached at -oo and +oo, never reached
        evidence.record("S03", "symbolic", activation=name, range=f"({low}, {high})", attained=False)


@functools.cache
def first_x_at_one(name: str, dtype, route: str) -> dict:
    """The smallest x >= 0 of dtype at which f(x) is exactly 1, in NumPy (libm), torch, or correctly
    rounded; with the coverage of the scan that shows NumPy's and torch's predicates monotone."""
    if route == "correctly_rounded":  # tanh and sigmoid increase (sympy: f' > 0, S01), rounding is monotone
        exact = functools.partial(theory.exact_activation, name)
        return {"edge": correctly_rounded_threshold(exact, lambda v: v == 1, 0.0, 1e3, dtype)}
    if route == "numpy":
        predicate = lambda v: reference.activation(name, v) == 1  # noqa: E731
    else:
        predicate = lambda v: reference.torch_activation(name, torch.from_numpy(v)).numpy() == 1  # noqa: E731
    return threshold_or_witness(predicate, 0.0, 1e3, dtype)


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
    for name in SQUASHING:
        routes = {route: first_x_at_one(name, dtype, route) for route in ("correctly_rounded", "numpy", "torch")}
        assert routes["numpy"]["edge"] is not None  # NumPy's edge is a threshold: its predicate is monotone
        evidence.record(
            "S03",
            "numeric",
            key=f"{name}_one_{dtype.__name__}",
            label=f"first x where {name}(x) is exactly 1 in {dtype.__name__}",
            **routes,
        )
    zero = float_threshold(lambda v: reference.activation("sigmoid", -v) == 0, 0.0, 1e4, dtype)
    evidence.record(
        "S03",
        "numeric",
        key=f"sigmoid_zero_{dtype.__name__}",
        label=f"sigmoid(x) is exactly 0 for x <= -edge in {dtype.__name__} (NumPy)",
        numpy=-zero.edge,
        coverage=zero.coverage,
    )


@pytest.mark.claim("S03")
@given(x=floats_of(np.float64, allow_nan=False, allow_infinity=False))
def test_s03_correction_tanh_is_inside_unless_beyond_the_rounding_threshold(x):
    edge = first_x_at_one("tanh", np.float64, "numpy")["edge"]  # shown monotone above
    value = reference.activation("tanh", x)
    assert (abs(value) == 1) == (abs(x) >= edge)
