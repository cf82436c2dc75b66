"""S08, S09, S10: ReLU's history, its derivative on the active side, and the gradient of a ReLU chain."""

import mpmath
import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

import reference
import theory
from reports import evidence
from reports.ledger import load
from tests.claims.verdicts import establishes, find_counterexample
from tests.strategies import DTYPES, floats_of


@pytest.mark.claim("S08")
def test_s08_is_history_and_the_ledger_says_why_nothing_computable_is_claimed():
    establishes("S08", math="not-checkable", float="not-checkable")
    claim = load()["S08"]
    assert claim.reason and "S09" in claim.reason and claim.correction is None


@pytest.mark.claim("S09")
def test_s09_relu_derivative_is_one_on_the_positive_side_and_zero_at_the_kink_symbolically():
    establishes("S09", math="supported")
    pieces = theory.ranges.pieces(theory.derivative("relu"))
    positive = [p for p, where in pieces if where == sp.Interval.open(0, sp.oo)]
    assert positive == [1]
    assert theory.derivative("relu").subs(theory.x, 0) == 0
    evidence.record("S09", "symbolic", derivative=sp.latex(theory.derivative("relu")), at_zero="0 (left derivative)")


@pytest.mark.claim("S09")
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@given(data=st.data())
def test_s09_relu_derivative_is_exactly_one_for_every_positive_float(dtype, data):
    establishes("S09", float="supported")
    x = data.draw(floats_of(dtype, allow_nan=False).filter(lambda v: v > 0), label="x")
    assert reference.derivative("relu", np.asarray(x, dtype=dtype)) == 1
    t = torch.tensor([float(x)], dtype=getattr(torch, np.dtype(dtype).name))
    assert reference.torch_derivative("relu", t).item() == 1


def relu_chain(draw_or_values):
    x, w1, w2, b1, b2 = draw_or_values
    return x, [w1, w2], [b1, b2]


@pytest.mark.claim("S10")
def test_s10_the_product_of_activations_is_not_the_gradient():
    establishes("S10", math="refuted", float="refuted")
    strategy = st.tuples(*[st.floats(-3, 3)] * 5)

    def differs(e):
        x, W, b = relu_chain(e)
        with mpmath.workdps(30):
            exact = theory.chain_gradient_mp(2, "relu")(*(mpmath.mpf(v) for v in (x, *W, *b)))
        a1 = max(W[0] * x + b[0], 0.0)
        return exact != a1

    example = find_counterexample(
        "S10",
        strategy,
        differs,
        lambda e: {
            "depth": 2,
            "x": e[0],
            "W": list(e[1:3]),
            "b": list(e[3:5]),
            "dy_dW1": reference.chain_gradient("relu", np.array([e[0]]), e[1:3], e[3:5]).value[0],
            "a_1": max(e[1] * e[0] + e[3], 0.0),
        },
        label="ReLU chain of depth 2: dy/dW1 != a_1",
        key="cx",
    )
    x, W, b = relu_chain(example)
    assert reference.torch_chain_gradient("relu", [x], W, b).item() != max(W[0] * x + b[0], 0.0)


@pytest.mark.claim("S10")
@given(n=st.integers(1, 6), data=st.data())
def test_s10_correction_relu_chain_gradient_is_x_times_weights_gated_by_active_units(n, data):
    x = data.draw(st.floats(-3, 3), label="x")
    W = data.draw(st.lists(st.floats(-3, 3), min_size=n, max_size=n), label="W")
    b = data.draw(st.lists(st.floats(-3, 3), min_size=n, max_size=n), label="b")
    with mpmath.workdps(30):
        exact = theory.chain_gradient_mp(n, "relu")(*(mpmath.mpf(v) for v in (x, *W, *b)))
        a, gate, zs = mpmath.mpf(x), 1, []
        for w, c in zip(W, b):
            z = mpmath.mpf(w) * a + mpmath.mpf(c)
            zs.append(z)
            gate *= 1 if z > 0 else 0
            a = max(z, 0)
        # Equal to the working precision: the exact chain is settled at 50 digits or more and rounded
        # once, the product here rounds at each factor (abs_eps 0: a gated-off chain must be exactly 0).
        product = mpmath.mpf(x) * mpmath.fprod(mpmath.mpf(w) for w in W[1:]) * gate
        assert mpmath.almosteq(exact, product, rel_eps=mpmath.mpf(10) ** -25, abs_eps=0)
    # The NumPy and torch chains give the same, to float rounding, and exact zeros where gated off
    # (away from the kink: within rounding of z = 0 the float forward pass may fall on either side).
    assume(all(abs(z) > 1e-9 for z in zs))
    expected = float(exact)
    for value in (
        reference.chain_gradient("relu", np.array([x]), W, b).value[0],
        reference.torch_chain_gradient("relu", [x], W, b).item(),
    ):
        assert value == pytest.approx(expected, rel=1e-12, abs=1e-300) and (value == 0) == (expected == 0)
