"""S17, S18: how much gradient a saturated unit gets, and gradient descent on a degree-2 polynomial."""

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import strategies as st

from reports import evidence
from tests.claims.verdicts import establishes, find_counterexample


def saturated_share(offset: float) -> tuple[float, float]:
    """A 2-4-1 ELU net on 64 inputs whose unit 0 sits near -offset on every input: the share of
    the squared gradient norm that unit 0's incoming weights and bias receive, and the bound
    e^{2 max z_0} * (sum of the alive units' shares' scale)."""
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
    return float(unit / total), z_max


@pytest.mark.claim("S17")
def test_s17_a_saturated_elu_unit_gets_a_vanishing_share_of_the_gradient():
    establishes("S17", math="supported", float="supported")
    rows = []
    for offset in (0.0, 5.0, 10.0, 20.0):
        share, z_max = saturated_share(offset)
        rows.append({"pre_activation_max": z_max, "share_of_squared_gradient_norm": share})
    evidence.record("S17", "table", label="2-4-1 ELU net, unit 0 pushed negative (torch float64)", rows=rows)
    shares = [r["share_of_squared_gradient_norm"] for r in rows]
    assert shares[0] > 1e-4 and shares[1] > shares[2] > shares[3] > 0
    # d/dw of a unit scales with elu'(z) = e^z: its squared share with e^{2z} (up to the same constants).
    for r in rows[1:]:
        assert r["share_of_squared_gradient_norm"] <= 10 * np.exp(2 * r["pre_activation_max"])


a, b, c, d, e = sp.symbols("a b c d e", real=True)
X, Y = sp.symbols("x y", real=True)
Q = a * X**2 + b * Y**2 + c * X * Y + d * X + e * Y


@pytest.mark.claim("S18")
def test_s18_x_never_moves_iff_the_polynomial_has_no_x_terms():
    establishes("S18", math="conditional")
    dq_dx = sp.Poly(sp.diff(Q, X), X, Y)
    # d q / d x vanishes at every point iff each of its coefficients does: 2a = c = d = 0.
    assert set(dq_dx.coeffs()) == {2 * a, c, d}
    flat = Q.subs({a: 0, c: 0, d: 0})
    assert sp.diff(flat, X) == 0
    evidence.record("S18", "symbolic", q=sp.latex(Q), dq_dx=sp.latex(sp.diff(Q, X)), flat_in_x_iff="a = c = d = 0")


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
    establishes("S18", math="conditional", float="conditional")
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
            "coefficients_a_b_c_d_e": list(ex[0]),
            "start": list(ex[1]),
            "path": [[str(p[0]), str(p[1])] for p in gd(*ex)],
        },
        label="dq/dx = 0 at the start, yet gradient descent moves x",
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
