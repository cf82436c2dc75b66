"""S21, S22, S23: the active ReLU path's gradient, noise deep in the negative regime (leaky ReLU vs
ELU), and what gradient descent does when both gradient components are negative."""

import math

import mpmath
import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import given
from hypothesis import strategies as st

import reference
import theory
from reference.floatscan import first_depth
from registry import ACTIVATIONS
from reports import evidence
from tests.claims.verdicts import establishes, find_counterexample
from tests.strategies import floats_of

VANISHED = 1e-3  # "vanished": |dy/dW1| below this fraction of |x|


def active_chain(w: float, n: int) -> tuple[list[float], list[float]]:
    """W_1 = 1, W_i = w > 0, b_i = 0: with x > 0 every pre-activation is positive (all units active)."""
    return [1.0] + [w] * (n - 1), [0.0] * n


@pytest.mark.claim("S21")
@given(n=st.integers(1, 8), data=st.data())
def test_s21_the_active_path_gradient_is_x_times_the_weights(n, data):
    """Every unit active (x > 0, W_i > 0, b_i >= 0): dy/dW1 = x prod_{i>=2} W_i exactly (mpmath on the
    sympy chain rule), so it vanishes or explodes exponentially as the weights are below or above 1."""
    x = data.draw(st.floats(1e-3, 10), label="x")
    W = data.draw(st.lists(st.floats(1e-3, 10), min_size=n, max_size=n), label="W")
    b = data.draw(st.lists(st.floats(0, 3), min_size=n, max_size=n), label="b")
    with mpmath.workdps(40):
        exact = theory.chain_gradient_mp(n, "relu")(*(mpmath.mpf(v) for v in (x, *W, *b)))
        # Equal to the working precision: the exact chain is settled at 50 digits or more and rounded
        # once, the product here rounds at each factor.
        product = mpmath.mpf(x) * mpmath.fprod(mpmath.mpf(w) for w in W[1:])
        assert mpmath.almosteq(exact, product, rel_eps=mpmath.mpf(10) ** -35, abs_eps=0)
    for w, grows in ((0.5, False), (2.0, True)):  # the geometric law, both ways, exactly in float64
        Wc, bc = active_chain(w, n)
        assert reference.chain_gradient("relu", np.array([x]), Wc, bc).value[0] == x * w ** (n - 1)
        assert (w ** (n - 1) > 1) == (grows and n > 1)


@pytest.mark.claim("S21")
def test_s21_an_all_active_relu_chain_still_vanishes_with_depth():
    establishes("S21", math="refuted")

    def vanished(e):
        w, n = e
        Wc, bc = active_chain(w, n)
        return abs(reference.chain_gradient("relu", np.array([1.0]), Wc, bc).value[0]) < VANISHED

    find_counterexample(
        "S21",
        st.tuples(st.floats(0.5, 0.99), st.integers(1, 200)),
        vanished,
        lambda e: {"W_i": e[0], "depth": e[1], "x": 1.0, "b_i": 0.0, "bound": VANISHED, "all_active": True},
        label=f"every unit active, yet |dy/dW1| < {VANISHED} |x|",
        key="cx",
    )


@pytest.mark.claim("S21")
def test_s21_in_float64_the_active_path_underflows_to_zero_and_overflows_to_infinity():
    establishes("S21", float="refuted")

    def numpy_value(w, n):
        Wc, bc = active_chain(w, n)
        return reference.chain_gradient("relu", np.array([1.0]), Wc, bc).value[0]

    def torch_value(w, n):
        Wc, bc = active_chain(w, n)
        return reference.torch_chain_gradient("relu", [1.0], Wc, bc).item()

    under = first_depth(lambda n: numpy_value(0.5, n) == 0, limit=2_000)
    under_torch = first_depth(lambda n: torch_value(0.5, n) == 0, limit=2_000)
    over = first_depth(lambda n: np.isinf(numpy_value(2.0, n)), limit=2_000)
    # 2^-(n-1) rounds to 0 from 2^-1075, half the smallest subnormal (a tie, to even: 0); 2^(n-1)
    # overflows from 2^1024.
    assert under == 1076 and over == 1025 and under_torch == under
    evidence.record(
        "S21",
        "counterexample",
        key="underflow",
        label="all-active chain, W_i = 1/2, x = 1: first depth with dy/dW1 exactly 0 (float64)",
        depth=under,
        torch_depth=under_torch,
    )
    evidence.record(
        "S21", "numeric", key="overflow", label="all-active chain, W_i = 2: first depth with dy/dW1 = inf", depth=over
    )


def noise_variances(x: float, s: float, slope: float) -> dict:
    """Var[f(x + eps)], eps ~ N(0, s^2), exactly: leaky a^2 s^2 while x + eps < 0 (x <= -8 s makes the
    other side negligible), ELU (alpha = 1) e^{2x} (e^{2 s^2} - e^{s^2}) (lognormal) on the same side."""
    return {"var_leaky": slope**2 * s**2, "var_elu": math.exp(2 * x) * (math.exp(2 * s**2) - math.exp(s**2))}


@pytest.mark.claim("S22")
def test_s22_leaky_relu_passes_input_noise_on_at_its_slope_while_elu_damps_it():
    establishes("S22", math="supported", float="supported")
    a, alpha = sp.Symbol("a", positive=True), sp.Symbol("alpha", positive=True)
    x = theory.x
    leaky = sp.piecewise_fold(sp.diff(ACTIVATIONS["leaky_relu"].sympy_expr(x, slope=a), x))
    left = [p for p, where in theory.ranges.pieces(leaky) if where.sup == 0]
    assert left == [a]  # constant on x < 0: the noise gain never falls
    elu_left = alpha * sp.exp(x)
    assert sp.limit(elu_left, x, -sp.oo) == 0
    eps, s = sp.Symbol("epsilon", real=True), sp.Symbol("s", positive=True)
    pdf = sp.exp(-(eps**2) / (2 * s**2)) / (s * sp.sqrt(2 * sp.pi))
    moment = lambda k: sp.integrate(sp.exp(k * eps) * pdf, (eps, -sp.oo, sp.oo)).rewrite(sp.erf)  # noqa: E731
    lognormal = sp.simplify(moment(2) - moment(1) ** 2)
    assert sp.simplify(lognormal - (sp.exp(2 * s**2) - sp.exp(s**2))) == 0
    evidence.record(
        "S22",
        "symbolic",
        leaky_derivative_left=sp.latex(left[0]),
        elu_derivative_left=sp.latex(elu_left),
        var_exp_noise=sp.latex(lognormal),
    )
    rng, slope, sd = np.random.default_rng(0), 0.01, 0.1
    rows = []
    for where in (-5.0, -10.0, -20.0):
        noisy = where + rng.normal(0, sd, 1_000_000)
        exact = noise_variances(where, sd, slope)
        mc = {
            "var_leaky": float(reference.activation("leaky_relu", noisy, slope=slope).var()),
            "var_elu": float(reference.activation("elu", noisy).var()),
        }
        for k in exact:  # Monte Carlo agrees with the exact value (1e6 samples: within 1%)
            assert mc[k] == pytest.approx(exact[k], rel=0.01)
        rows.append({"x": int(where), **exact, "var_leaky_mc": mc["var_leaky"], "var_elu_mc": mc["var_elu"]})
    assert rows[0]["var_leaky"] == rows[-1]["var_leaky"] and rows[-1]["var_elu"] < 1e-12 * rows[-1]["var_leaky"]
    evidence.record(
        "S22", "table", key="noise", label="output variance under input noise", s=sd, slope=slope, rows=rows
    )


@pytest.mark.claim("S22")
@pytest.mark.parametrize("dtype", (np.float32, np.float64), ids=lambda d: d.__name__)
@given(data=st.data())
def test_s22_in_floats_leaky_relu_derivative_is_exactly_its_slope_at_every_negative_float(dtype, data):
    v = data.draw(floats_of(dtype, allow_nan=False).filter(lambda t: t < 0), label="x")
    assert reference.derivative("leaky_relu", np.asarray(v, dtype=dtype), slope=0.25) == dtype(0.25)
    t = torch.tensor([float(v)], dtype=getattr(torch, np.dtype(dtype).name))
    assert reference.torch_derivative("leaky_relu", t, slope=0.25).item() == float(dtype(0.25))
    every16 = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16)
    negatives = every16[every16 < 0]
    assert np.all(reference.derivative("leaky_relu", negatives, slope=0.25) == np.float16(0.25))
    evidence.record(
        "S22",
        "numeric",
        coverage=f"every one of the {negatives.size} negative float16 values, and negative float32 and float64 "
        "values Hypothesis draws (subnormals, -max and -inf among them)",
    )


@pytest.mark.claim("S23")
def test_s23_gradient_descent_moves_between_the_axes_along_the_unique_steepest_direction():
    """d . g + |g| = |g| |d - d*|^2 / 2 for unit d and d* = -g/|g|: d* is the only minimiser of d . g;
    with both components of g negative, the step -eta g increases both coordinates."""
    establishes("S23", math="supported")
    gx, gy = sp.symbols("g_x g_y", negative=True)
    eta, t = sp.Symbol("eta", positive=True), sp.Symbol("t", real=True)
    norm = sp.sqrt(gx**2 + gy**2)
    d = (sp.cos(t), sp.sin(t))
    star = (-gx / norm, -gy / norm)
    identity = d[0] * gx + d[1] * gy + norm - norm * ((d[0] - star[0]) ** 2 + (d[1] - star[1]) ** 2) / 2
    assert sp.simplify(sp.expand(identity)) == 0
    assert (-eta * gx).is_positive and (-eta * gy).is_positive
    evidence.record(
        "S23",
        "symbolic",
        steepest_direction=r"-\nabla q / |\nabla q|",
        identity=r"d \cdot g + |g| = \tfrac{|g|}{2} |d - d^*|^2",
        step=r"(-\eta g_x, -\eta g_y) > 0",
    )


@pytest.mark.claim("S23")
def test_s23_in_floats_a_step_component_can_round_to_zero():
    establishes("S23", float="refuted")

    def only_y_moves(e):
        grad_x, eta = e
        return grad_x < 0 and 0.0 - eta * grad_x == 0.0

    grad_x, eta = find_counterexample(
        "S23",
        st.tuples(st.floats(-1.0, 0.0, exclude_max=True, allow_subnormal=True), st.floats(1e-3, 1.0)),
        only_y_moves,
        lambda e: {"grad_x": e[0], "eta": e[1], "grad_y": -1.0, "step_x": 0.0 - e[1] * e[0], "step_y": e[1]},
        label="both gradient components negative, yet the x-step rounds to 0 (float64)",
        key="cx",
    )
    assert grad_x < 0 and eta * grad_x == 0
