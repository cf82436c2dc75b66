"""S04, S20: the factors of dy/dW1 in a tanh or sigmoid chain: are they in (0, 1), and is the answer's
per-layer factor f'(z_{i-1}) a_{i-2} the chain rule's?"""

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given
from hypothesis import strategies as st

import reference
import theory
from reports import evidence
from tests.claims.verdicts import establishes, find_counterexample

SQUASHING = ("sigmoid", "tanh")
# The float condition the correction adds: tanh'(z_n) is below 1 once |z_n| > Z_MIN (it rounds to 1
# below 2^-27 = 7.5e-9), and no factor underflows once W_i, x > W_MIN (W_i f'(z) >= 1e-291 is normal).
Z_MIN, W_MIN = 1e-8, 1e-290


def chain_factors_exact(name, x, W, b):
    """The factors of dy/dW1 = f'(z_n) prod_{i>=2} [W_i f'(z_{i-1})] x, exactly (mpmath)."""
    fp = theory.settled_callable(theory.derivative(name))
    zs = theory.pre_activations_mp(name, x, W, b)
    return [fp(zs[-1])] + [mpmath.mpf(W[i]) * fp(zs[i - 1]) for i in range(1, len(W))] + [mpmath.mpf(x)], zs


def grouped_factors(stacked: np.ndarray) -> np.ndarray:
    """[f'(z_n), W_n, f'(z_{n-1}), ..., W_2, f'(z_1), x] -> [f'(z_n), W_n f'(z_{n-1}), ..., x]."""
    pairs = [stacked[k] * stacked[k + 1] for k in range(1, len(stacked) - 1, 2)]
    return np.array([stacked[0], *pairs, stacked[-1]])


@st.composite
def sufficient_condition(draw, name):
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
def test_s04_correction_factors_lie_in_zero_one_under_the_sufficient_condition(name, data):
    x, W, b = data.draw(sufficient_condition(name))
    with mpmath.workdps(40):
        _, zs = chain_factors_exact(name, x, W, b)
    # 1 - f'(z) ~ z^2 near 0: resolve it with twice as many digits as z has leading zeros.
    smallest = min(abs(z) for z in zs if z != 0) if any(z != 0 for z in zs) else mpmath.mpf(1)
    with mpmath.workdps(40 + 2 * max(0, int(-mpmath.log10(smallest)))):
        factors, zs = chain_factors_exact(name, x, W, b)
        assume(name != "tanh" or zs[-1] != 0)  # tanh'(0) = 1: the condition excludes z_n = 0
        assert all(0 < t < 1 for t in factors)
    computed = grouped_factors(reference.chain_factors(name, np.array([x]), W, b)[:, 0])
    if (name != "tanh" or abs(float(zs[-1])) > Z_MIN) and min([x, *W[1:]]) > W_MIN:
        assert np.all((computed > 0) & (computed < 1))
    evidence.record(
        "S04", "numeric", key="float_condition", label="the float condition searched", z_min=Z_MIN, w_min=W_MIN
    )


@pytest.mark.claim("S04")
@pytest.mark.parametrize("name", SQUASHING)
def test_s04_without_the_condition_a_factor_leaves_zero_one(name):
    establishes("S04", math="refuted")
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
        key=f"cx_{name}",
    )


@pytest.mark.claim("S04")
def test_s04_the_sufficient_condition_is_not_necessary():
    """A weight above 1/sup f' can still give a factor in (0, 1): W_2 sigma'(z_1) with z_1 away from 0."""
    cap = 1 / theory.derivative_range("sigmoid").sup.value

    def factor(w2, z1):
        with mpmath.workdps(30):
            return mpmath.mpf(w2) * theory.exact_derivative("sigmoid", z1)

    w2, z1 = find_counterexample(
        "S04",
        st.tuples(st.floats(float(cap), 20, exclude_min=True), st.floats(-10, 10)),
        lambda e: 0 < factor(*e) < 1,
        lambda e: {"W_2": e[0], "z_1": e[1], "factor": float(factor(*e))},
        label="W_2 above 1/sup sigma' = 4, yet W_2 sigma'(z_1) in (0, 1)",
        key="not_necessary",
    )
    assert w2 > cap and 0 < factor(w2, z1) < 1


@pytest.mark.claim("S04")
def test_s04_in_floats_a_factor_rounds_to_one_or_underflows_to_zero():
    establishes("S04", float="refuted")
    x, W, b = 0.5, [0.5], [-0.25 + 2.0**-40]  # z_1 = 2^-40, exactly representable and not 0
    computed = grouped_factors(reference.chain_factors("tanh", np.array([x]), W, b)[:, 0])
    assert computed[0] == 1.0
    evidence.record(
        "S04",
        "counterexample",
        key="float_one",
        label="tanh'(z_n) rounds to 1 with z_n = 2^-40 (float64)",
        example={"x": x, "W": W, "b": b, "z_n": 2.0**-40, "factors": computed},
    )
    W, b = [1.0, 5e-324], [0.0, 0.0]  # W_2 the smallest subnormal: W_2 sigmoid'(z_1) underflows
    computed = grouped_factors(reference.chain_factors("sigmoid", np.array([x]), W, b)[:, 0])
    assert computed[1] == 0.0 and chain_factors_exact("sigmoid", x, W, b)[0][1] > 0
    evidence.record(
        "S04",
        "counterexample",
        key="float_zero",
        label="W_2 sigmoid'(z_1) underflows to 0 with a subnormal W_2 (float64)",
        example={"x": x, "W": W, "b": b, "factors": computed},
    )


# S20: the lost span "for any 0 < i <= n, dW_i/dW_{i-1} = f'(z_{i-1}) a_{i-2}".


@pytest.mark.claim("S20")
def test_s20_the_answers_factor_is_a_layers_own_weight_gradient_not_a_chain_factor():
    establishes("S20", math="refuted", float="refuted")
    m = theory.chain_model(3)
    fprime = {i: sp.diff(m.a[i - 1], m.b[i - 1]) for i in (2, 3)}  # f'(z_{i-1}) = d a_{i-1} / d b_{i-1}
    answer = {i: sp.diff(m.a[i - 1], m.W[i - 1]) for i in (2, 3)}  # d a_{i-1} / d W_{i-1}
    chain = {i: sp.diff(m.z[i], m.a[i - 1]) * fprime[i] for i in (2, 3)}  # d z_i / d z_{i-1}
    for i in (2, 3):
        assert sp.simplify(answer[i] - fprime[i] * m.a[i - 2]) == 0  # the answer's f'(z_{i-1}) a_{i-2}
        assert sp.simplify(chain[i] - m.W[i] * fprime[i]) == 0  # the chain rule's W_i f'(z_{i-1})
    evidence.record(
        "S20",
        "symbolic",
        answer_factor=theory.chain_latex(answer[3]),
        chain_rule_factor=theory.chain_latex(chain[3]),
        note="the answer's factor is d a_{i-1} / d W_{i-1}; the chain's is d z_i / d z_{i-1}",
    )

    def product_differs(e):
        x, w1, w2 = e
        with mpmath.workdps(30):
            args = (mpmath.mpf(v) for v in (x, w1, w2, 0, 0))
            true = theory.chain_gradient_mp(2, "tanh")(*args)
            z1 = mpmath.mpf(w1) * x
            z2 = mpmath.mpf(w2) * mpmath.tanh(z1)
            fp1, fp2 = 1 - mpmath.tanh(z1) ** 2, 1 - mpmath.tanh(z2) ** 2
            return true != fp2 * fp1 * mpmath.mpf(x)  # f'(z_2) times the answer's factor f'(z_1) a_0

    find_counterexample(
        "S20",
        st.tuples(st.floats(-3, 3), st.floats(-3, 3), st.floats(-3, 3)),
        product_differs,
        lambda e: {"activation": "tanh", "depth": 2, "x": e[0], "W": [e[1], e[2]], "b": [0.0, 0.0]},
        label="dy/dW1 != f'(z_2) f'(z_1) a_0 (the answer's product) at depth 2",
        key="cx",
    )


@pytest.mark.claim("S20")
@pytest.mark.parametrize("name", SQUASHING)
@given(z=st.floats(-50, 50), u=st.floats(-50, 50))
def test_s20_the_answers_factor_is_below_one_for_i_at_least_three(name, z, u):
    """|f'(z) f(u)| < 1 over the reals: |f'| <= sup f' <= 1 and |f(u)| < 1 (S01, S03)."""
    assert theory.derivative_range(name).sup.value <= 1
    assert not theory.output_range(name).sup.attained and not theory.output_range(name).inf.attained
    with mpmath.workdps(60):
        assert abs(theory.exact_derivative(name, z) * theory.exact_activation(name, u)) < 1


@pytest.mark.claim("S20")
def test_s20_the_bound_fails_at_the_input_and_in_floats():
    establishes("S20", math="refuted", float="refuted")

    def at_input(e):
        x, z = e  # i = 2: a_0 = x is the network's input, not an activation
        return abs(theory.exact_derivative("tanh", z) * mpmath.mpf(x)) >= 1

    find_counterexample(
        "S20",
        st.tuples(st.floats(-10, 10), st.floats(-3, 3)),
        at_input,
        lambda e: {"i": 2, "x": e[0], "z_1": e[1], "factor": float(theory.exact_derivative("tanh", e[1]) * e[0])},
        label="i = 2: |tanh'(z_1) a_0| >= 1 with a_0 = x",
        key="input",
    )

    def in_floats(u):
        return abs(float(reference.derivative("tanh", 0.0)) * float(reference.activation("tanh", u))) >= 1

    find_counterexample(
        "S20",
        st.floats(0, 100),
        in_floats,
        lambda u: {"i": 3, "z_2": 0.0, "u": u, "factor": float(reference.derivative("tanh", 0.0) * np.tanh(u))},
        label="float64: tanh'(z) tanh(u) = 1 exactly once tanh(u) rounds to 1",
        key="float",
    )
