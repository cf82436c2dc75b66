"""S17, S18: how much gradient a saturated unit gets, and gradient descent on a degree-2 polynomial."""

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import given
from hypothesis import strategies as st

from reports import evidence
from tests.claims.verdicts import establishes, find_counterexample


def saturated_unit_gradients(offset: float) -> dict:
    """A 2-4-1 ELU net on 64 inputs whose unit 0 sits near -offset on every input: the share of the
    squared gradient norm that unit 0's incoming weights and bias receive, its largest pre-activation,
    and its outgoing weight's gradient against the output bias's."""
    torch.manual_seed(0)
    x = torch.rand(64, 2, dtype=torch.float64) * 2 - 1
    y = torch.sin(3 * x[:, :1])
    hidden, out = torch.nn.Linear(2, 4).double(), torch.nn.Linear(4, 1).double()
    with torch.no_grad():
        hidden.weight[0] = torch.tensor([0.5, -0.5])
        hidden.bias[0] = -offset
    loss = torch.nn.functional.mse_loss(out(torch.nn.functional.elu(hidden(x))), y)
    loss.backward()
    unit = hidden.weight.grad[0].square().sum() + hidden.bias.grad[0].square()
    total = sum(p.grad.square().sum() for p in (*hidden.parameters(), *out.parameters()))
    z_max = float((x @ hidden.weight[0] + hidden.bias[0]).max().detach())
    return {
        "share": float(unit / total),
        "z_max": z_max,
        "outgoing": float(out.weight.grad[0, 0]),
        "output_bias": float(out.bias.grad[0]),
    }


OFFSETS = (0.0, 5.0, 10.0, 20.0)


@pytest.mark.claim("S17")
def test_s17_a_saturated_elu_unit_gets_a_vanishing_share_of_the_gradient_on_its_own_weights():
    establishes("S17", math="conditional", float="conditional")
    runs = [saturated_unit_gradients(offset) for offset in OFFSETS]
    rows = [{"z_max": r["z_max"], "share": r["share"]} for r in runs]
    evidence.record(
        "S17",
        "table",
        key="share",
        side="holds",
        label="2-4-1 ELU net, unit 0 pushed negative: its incoming weights' share of |grad|^2 (torch float64)",
        rows=rows,
    )
    shares = [r["share"] for r in rows]
    assert shares[0] > 1e-4 and shares[1] > shares[2] > shares[3] > 0
    # d/dw of a unit scales with elu'(z) = e^z: its squared share with e^{2z} (up to the same constants).
    for r in rows[1:]:
        assert r["share"] <= 10 * np.exp(2 * r["z_max"])


@pytest.mark.claim("S17")
def test_s17_the_saturated_unit_still_feeds_the_next_layer_as_a_bias():
    """Its output elu(z) -> -alpha on every input, so dL/dv_0 = mean(delta * elu(z_0)) -> -alpha dL/db_out:
    the outgoing weight's gradient does not vanish; the gap to the limit is at most e^{max z} |dL/db_out|."""
    establishes("S17", math="conditional", float="conditional")
    alpha = 1.0
    for offset in OFFSETS[1:]:
        r = saturated_unit_gradients(offset)
        assert abs(r["outgoing"] + alpha * r["output_bias"]) <= np.exp(r["z_max"]) * abs(r["output_bias"])
        assert abs(r["outgoing"]) > 0.5 * abs(r["output_bias"]) > 0
    evidence.record(
        "S17",
        "numeric",
        key="outgoing",
        side="fails",
        label="outgoing weight's gradient over the output bias's gradient, unit 0 saturated",
        ratio=r["outgoing"] / r["output_bias"],
        z_max=r["z_max"],
        alpha=alpha,
    )


a, b, c, d, e = sp.symbols("a b c d e", real=True)
X, Y = sp.symbols("x y", real=True)
Q = a * X**2 + b * Y**2 + c * X * Y + d * X + e * Y


@pytest.mark.claim("S18")
def test_s18_x_never_moves_iff_the_polynomial_has_no_x_terms():
    """Both directions: flat in x (2a = c = d = 0) keeps x at every step; any other q has a start
    where the x-gradient is nonzero, so that step moves x."""
    establishes("S18", math="supported")
    dq_dx = sp.Poly(sp.diff(Q, X), X, Y)
    # d q / d x vanishes at every point iff each of its coefficients does: 2a = c = d = 0.
    assert set(dq_dx.coeffs()) == {2 * a, c, d}
    flat = Q.subs({a: 0, c: 0, d: 0})
    assert sp.diff(flat, X) == 0
    for coeffs in ((1, 0, 0), (0, 1, 0), (0, 0, 1)):  # one of a, c, d nonzero: x moves from (1, 1)
        at = dict(zip((a, c, d), coeffs))
        assert sp.diff(Q, X).subs(at).subs({X: 1, Y: 1}) != 0
    evidence.record("S18", "symbolic", q=sp.latex(Q), dq_dx=sp.latex(sp.diff(Q, X)), flat_in_x_iff="a = c = d = 0")


@pytest.mark.claim("S18")
@given(
    b_e=st.tuples(st.floats(-10, 10), st.floats(-10, 10)),
    start=st.tuples(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6)),
)
def test_s18_in_float64_a_flat_x_direction_keeps_x_bit_for_bit(b_e, start):
    establishes("S18", float="supported")
    qb, qe = b_e
    x_, y_ = start
    for _ in range(5):  # q = b y^2 + e y: the x-gradient 2*0*x + 0*y + 0 is exactly 0
        gx, gy = 2 * 0.0 * x_ + 0.0 * y_ + 0.0, 2 * qb * y_ + qe
        x_, y_ = x_ - 0.1 * gx, y_ - 0.1 * gy
    assert x_ == start[0] and np.signbit(x_) == np.signbit(start[0])
    evidence.record(
        "S18",
        "numeric",
        key="float",
        coverage="starts with |x|, |y| <= 1e6 and coefficients b, e in [-10, 10] that Hypothesis draws, "
        "five steps each",
    )


def gd(coeffs, start, steps: int = 3, lr=Fraction(1, 10)):
    """Exact gradient descent (rationals) on q with the given integer coefficients."""
    qa, qb, qc, qd, qe = (Fraction(v) for v in coeffs)
    x_, y_ = (Fraction(v) for v in start)
    path = [(x_, y_)]
    for _ in range(steps):
        gx, gy = 2 * qa * x_ + qc * y_ + qd, 2 * qb * y_ + qc * x_ + qe
        x_, y_ = x_ - lr * gx, y_ - lr * gy
        path.append((x_, y_))
    return path


@pytest.mark.claim("S18")
def test_s18_a_zero_x_gradient_at_the_start_does_not_keep_x_fixed():
    """Outside the claim's premise (flat only at the start, not everywhere): x moves later."""
    coefficient = st.integers(-3, 3)
    strategy = st.tuples(st.tuples(*[coefficient] * 5), st.tuples(st.integers(-3, 3), st.integers(-3, 3)))

    def x_moves_later(example):
        coeffs, start = example
        qa, _, qc, qd, _ = coeffs
        if 2 * qa * start[0] + qc * start[1] + qd != 0:  # the premise: flat in x at the start
            return False
        return any(p[0] != start[0] for p in gd(coeffs, start))

    coeffs, start = find_counterexample(
        "S18",
        strategy,
        x_moves_later,
        lambda ex: {
            "coefficients_a_b_c_d_e": "(" + ", ".join(map(str, ex[0])) + ")",
            "start": "(" + ", ".join(map(str, ex[1])) + ")",
            "path": [[str(p[0]), str(p[1])] for p in gd(*ex)],
        },
        label="dq/dx = 0 at the start, yet gradient descent moves x",
        key="local",
        kind="numeric",
    )
    # The same in float64 arithmetic.
    x_, y_ = map(float, start)
    qa, qb, qc, qd, qe = map(float, coeffs)
    moved = False
    for _ in range(3):
        gx, gy = 2 * qa * x_ + qc * y_ + qd, 2 * qb * y_ + qc * x_ + qe
        moved |= gx != 0
        x_, y_ = x_ - 0.1 * gx, y_ - 0.1 * gy
    assert moved
