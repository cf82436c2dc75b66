"""S12-S16: leaky ReLU and ELU: slope 1 on the right, no zero slope on the left (and where floats
disagree), saturation, the variance they pass on, and how fast ELU' vanishes."""

import mpmath
import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import given
from hypothesis import strategies as st

import reference
import theory
from reference.floatscan import float_threshold
from registry import ACTIVATIONS
from reports import evidence
from tests.claims.verdicts import establishes, find_float_counterexample
from tests.strategies import DTYPES, floats_of, params_for

x = theory.x
a_sym = sp.Symbol("a", nonnegative=True)
alpha_sym = sp.Symbol("alpha", positive=True)
SYMBOLIC = {"leaky_relu": {"slope": a_sym}, "elu": {"alpha": alpha_sym}}


def symbolic_derivative(name):
    """f' with the parameter left as a symbol, so a statement holds for every parameter value."""
    return sp.diff(ACTIVATIONS[name].sympy_expr(x, **SYMBOLIC[name]), x)


@pytest.mark.claim("S12")
@pytest.mark.parametrize("name", SYMBOLIC)
def test_s12_derivative_is_one_for_positive_x_for_every_parameter(name):
    establishes("S12", math="supported")
    d = sp.piecewise_fold(symbolic_derivative(name))
    right = [piece for piece, where in theory.ranges.pieces(d) if where == sp.Interval.open(0, sp.oo)]
    assert right == [1]
    at_zero = d.subs(x, 0)
    assert at_zero == list(SYMBOLIC[name].values())[0]  # the slope / alpha, not 1
    evidence.record("S12", "symbolic", activation=name, derivative=sp.latex(d), at_zero=sp.latex(at_zero))


@pytest.mark.claim("S12")
@pytest.mark.parametrize("name", SYMBOLIC)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@given(data=st.data())
def test_s12_derivative_is_exactly_one_for_every_positive_float(name, dtype, data):
    establishes("S12", float="supported")
    params = data.draw(params_for(name), label="params")
    v = data.draw(floats_of(dtype, allow_nan=False).filter(lambda t: t > 0), label="x")
    assert reference.derivative(name, np.asarray(v, dtype=dtype), **params) == 1
    t = torch.tensor([float(v)], dtype=getattr(torch, np.dtype(dtype).name))
    assert reference.torch_derivative(name, t, **params).item() == 1


@pytest.mark.claim("S13")
@pytest.mark.parametrize("name", SYMBOLIC)
def test_s13_derivative_is_positive_for_every_negative_x_over_the_reals(name):
    establishes("S13", math="supported")
    d = sp.piecewise_fold(symbolic_derivative(name))
    left = [piece for piece, where in theory.ranges.pieces(d) if where.sup == 0]
    assert len(left) == 1
    positive = left[0].subs(a_sym, sp.Symbol("a", positive=True)) if name == "leaky_relu" else left[0]
    assert positive.is_positive or sp.ask(sp.Q.positive(positive))
    evidence.record(
        "S13",
        "symbolic",
        activation=name,
        left_derivative=sp.latex(left[0]),
        condition="slope a > 0" if name == "leaky_relu" else "alpha > 0",
    )


def inplace_vectorized(v: np.ndarray) -> np.ndarray:
    """elu'(v) by autograd of torch's in-place ELU, each value read from a run of 32 copies of it, so
    that it lies in the body of the vectorized kernel (not its scalar tail)."""
    copies = torch.from_numpy(np.repeat(v, 32))
    return reference.torch_derivative("elu", copies, inplace=True).numpy()[::32]


def inplace_scalar(v: np.ndarray) -> np.ndarray:
    """elu'(v) by autograd of torch's in-place ELU on each value alone (its scalar expm1)."""
    return np.array(
        [
            reference.torch_derivative("elu", torch.from_numpy(v[i : i + 1].copy()), inplace=True)[0].item()
            for i in range(v.size)
        ]
    )


@pytest.mark.claim("S13")
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_s13_in_floats_elu_derivative_underflows_to_exactly_zero(dtype):
    establishes("S13", float="refuted")
    v = find_float_counterexample(
        "S13",
        reference.derivative,
        "elu",
        dtype,
        lambda t, d: t < 0 and d == 0,
        label=f"elu'(x) == 0 in {np.dtype(dtype).name}, searched over -1e4 <= x <= 0",
        low=-1e4,
        high=0.0,
    )
    evidence.record(
        "S13",
        "numeric",
        label="the exact elu' there",
        x=float(v),
        exact=mpmath.nstr(theory.exact_derivative("elu", float(v)), 5),
    )
    assert theory.exact_derivative("elu", float(v)) > 0
    # Each route's edge, shown monotone on [-1e4, 0] (floatscan) before it is reported. torch's
    # in-place twin (F.elu_, nn.ELU(inplace=True)) takes elu' = elu(x) + alpha from its output,
    # exactly 0 once elu(x) rounds to -alpha: long before exp(x) underflows. Where depends on the
    # kernel: a lone element takes torch's scalar expm1, an array's body the vectorized one.
    routes = {
        "numpy": (lambda t: reference.derivative("elu", t) > 0, {}),
        "torch": (lambda t: reference.torch_derivative("elu", torch.from_numpy(t)).numpy() > 0, {}),
        "torch_inplace_vectorized": (lambda t: inplace_vectorized(t) > 0, {"window": 1 << 16, "spread": 1 << 14}),
        "torch_inplace_scalar": (lambda t: inplace_scalar(t) > 0, {"window": 256, "spread": 256}),
    }
    edges, coverage = {}, {}
    for route, (positive, sizes) in routes.items():
        found = float_threshold(positive, -1e4, 0.0, dtype, **sizes)
        below = float(np.nextafter(dtype(found.edge), dtype(-np.inf)))
        assert theory.exact_derivative("elu", below) > 0  # wrongly zero: the exact value is positive
        edges[route], coverage[route] = below, found.coverage
    assert edges["torch"] < edges["torch_inplace_scalar"] < 0 and edges["torch"] < edges["torch_inplace_vectorized"]
    evidence.record(
        "S13",
        "numeric",
        key=f"zero_{np.dtype(dtype).name}",
        label="elu'(x) is exactly 0 for x at or below (the last float where it is)",
        **edges,
        coverage=coverage,
    )
    # leaky ReLU's derivative is exactly its slope left of 0: every negative float16, and the far end.
    negatives = -np.abs(all_float16())[~np.isnan(all_float16())]
    assert np.all(reference.derivative("leaky_relu", negatives[negatives < 0], slope=0.01) == np.float16(0.01))
    assert reference.derivative("leaky_relu", np.asarray(-np.finfo(dtype).max, dtype=dtype), slope=0.01) > 0


def all_float16() -> np.ndarray:
    return np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16)


def steps_to_recover(z0: float, dtype=torch.float64, limit: int = 20_000) -> int | None:
    """One ELU unit y = elu(w x + b) fit to y = x on [-1, 1] by SGD (lr 0.5), starting with every
    pre-activation near -z0; the step at which some pre-activation first turns positive."""
    xs = torch.linspace(-1, 1, 32, dtype=dtype)
    w = torch.tensor(0.1, dtype=dtype, requires_grad=True)
    b = torch.tensor(-z0, dtype=dtype, requires_grad=True)
    opt = torch.optim.SGD([w, b], lr=0.5)
    for step in range(limit):
        if bool(((w * xs + b) > 0).any()):
            return step
        opt.zero_grad()
        torch.nn.functional.mse_loss(torch.nn.functional.elu(w * xs + b), xs).backward()
        opt.step()
    return None


@pytest.mark.claim("S13")
def test_s13_a_deeply_negative_elu_unit_recovers_in_steps_growing_like_e_to_the_depth():
    """log(steps) = c + k |z| fitted over |z| = 1..8: the law e^{|z|} is k near 1 with small residuals;
    past underflow (z = -800) the gradient is exactly 0 and the unit never moves."""
    establishes("S13", float="refuted")
    depths = [float(z) for z in range(1, 9)]
    steps = [steps_to_recover(z0) for z0 in depths]
    assert all(s is not None for s in steps)
    k, c = np.polyfit(depths, np.log(steps), 1)
    residuals = np.log(steps) - (c + k * np.array(depths))
    assert 0.9 <= k <= 1.1 and np.max(np.abs(residuals)) < 0.15
    evidence.record(
        "S13",
        "table",
        key="recovery",
        label="ELU unit recovery under SGD lr 0.5 (torch float64): steps against |z|",
        rows=[{"pre_activation": -z, "steps_to_recover": s} for z, s in zip(depths, steps)],
        k=round(float(k), 3),
        c=round(float(c), 3),
        largest_residual=round(float(np.max(np.abs(residuals))), 3),
        from_z=int(depths[0]),
        to_z=int(depths[-1]),
    )
    b = torch.tensor(-800.0, dtype=torch.float64, requires_grad=True)
    torch.nn.functional.elu(0.1 * torch.linspace(-1, 1, 32, dtype=torch.float64) + b).sum().backward()
    assert b.grad.item() == 0.0  # exactly zero: such a unit never moves


@pytest.mark.claim("S14")
def test_s14_elu_saturates_at_minus_alpha_leaky_relu_does_not_saturate():
    establishes("S14", math="supported", float="supported")
    elu = ACTIVATIONS["elu"].sympy_expr(x, alpha=alpha_sym)
    assert theory.ranges.limits_of(elu)[0] == -alpha_sym
    leaky = ACTIVATIONS["leaky_relu"].sympy_expr(x, slope=sp.Symbol("a", positive=True))
    assert theory.ranges.limits_of(leaky)[0] == -sp.oo
    assert theory.limits_at_infinity("relu", 0)[0] == 0
    prelu = torch.nn.PReLU()  # a leaky ReLU whose slope is learned (initially 0.25)
    assert prelu(torch.tensor([-1e30])).item() == pytest.approx(-2.5e29)
    # In floats the saturation is reached exactly.
    edge = float_threshold(lambda t: reference.activation("elu", -t) == -1.0, 0.0, 1e3, np.float64).edge
    assert (
        reference.activation("elu", -edge) == -1.0
        and reference.torch_activation("elu", torch.tensor(-edge - 1)).item() == -1.0
    )
    evidence.record(
        "S14",
        "symbolic",
        key="saturation",
        elu_limit="-alpha",
        leaky_limit="-oo (slope > 0)",
        relu_limit="0",
        elu_equals_minus_one_in_float64_from_x=-edge,
    )


def gaussian_variance(name: str, mu: float, **params) -> mpmath.mpf:
    """Var[f(z)] for z ~ N(mu, 1) by quadrature (split at the kink), at the working precision."""
    f = theory.mp_callable(theory.expression(name, **params), (x,))
    pdf = lambda t: mpmath.npdf(t, mu, 1)  # noqa: E731
    m1 = mpmath.quad(lambda t: f(t) * pdf(t), [-mpmath.inf, 0, mpmath.inf])
    m2 = mpmath.quad(lambda t: f(t) ** 2 * pdf(t), [-mpmath.inf, 0, mpmath.inf])
    return m2 - m1**2


SLOPES = (0.01, 0.1, 0.25)
MU_GRID = np.arange(-15.0, 3.25, 0.25)  # every quarter from -15 to 3


def variance_gap_closed_form(mu: float, slope: float) -> mpmath.mpf:
    """Var[elu(z)] - Var[leaky_a(z)], z ~ N(mu, 1), alpha = 1, from the truncated-normal moments:
    E[z 1(z>0)] = mu Phi(mu) + phi(mu), E[z^2 1(z>0)] = (mu^2 + 1) Phi(mu) + mu phi(mu) (and their
    mirrors below 0), E[(e^z - 1)^k 1(z<0)] from E[e^{jz} 1(z<0)] = e^{j mu + j^2/2} Phi(-mu - j)."""
    mu = mpmath.mpf(mu)
    P, Q, p = mpmath.ncdf(mu), mpmath.ncdf(-mu), mpmath.npdf(mu)
    pos1, pos2 = mu * P + p, (mu**2 + 1) * P + mu * p
    neg1, neg2 = mu * Q - p, (mu**2 + 1) * Q - mu * p
    exp_neg = {j: mpmath.exp(j * mu + mpmath.mpf(j * j) / 2) * mpmath.ncdf(-mu - j) for j in (1, 2)}
    elu1, elu2 = pos1 + exp_neg[1] - Q, pos2 + exp_neg[2] - 2 * exp_neg[1] + Q
    leaky1, leaky2 = pos1 + slope * neg1, pos2 + slope**2 * neg2
    return (elu2 - elu1**2) - (leaky2 - leaky1**2)


@pytest.mark.claim("S15")
def test_s15_elu_passes_on_less_variance_than_leaky_relu_only_deep_in_the_negative_regime():
    """For each slope: the gap Var[elu] - Var[leaky] (closed form) changes sign once on the grid,
    negative below mu* and positive above; mu* is its root, where quadrature of the registry's
    expressions (a second route) finds the gap zero too; Monte Carlo agrees one unit either side."""
    establishes("S15", math="conditional", float="conditional")
    rng = np.random.default_rng(0)
    rows = []
    for slope in SLOPES:
        with mpmath.workdps(30):
            signs = [variance_gap_closed_form(mu, slope) > 0 for mu in MU_GRID]
            flip = signs.index(True)
            assert not any(signs[:flip]) and all(signs[flip:])  # below mu*: ELU less; above: more
        with mpmath.workdps(30):
            lo, hi = MU_GRID[flip - 1], MU_GRID[flip]
            mu_star = mpmath.findroot(lambda mu, a=slope: variance_gap_closed_form(mu, a), (lo, hi), solver="anderson")
            assert lo < mu_star < hi
        with mpmath.workdps(20):  # the second route, quadrature of the registry's expressions, at mu*
            quad_gap = gaussian_variance("elu", mu_star) - gaussian_variance("leaky_relu", mu_star, slope=slope)
            assert abs(quad_gap) < 1e-12 * gaussian_variance("leaky_relu", mu_star, slope=slope)
        for side, mu in (("holds", float(mu_star) - 1.0), ("fails", float(mu_star) + 1.0)):
            z = rng.normal(mu, 1.0, 2_000_000)
            v_elu = reference.activation("elu", z).var()
            v_leaky = reference.activation("leaky_relu", z, slope=slope).var()
            quad = float(gaussian_variance("elu", mu)), float(gaussian_variance("leaky_relu", mu, slope=slope))
            # Monte Carlo agrees with quadrature (relative 1%, far outside 2e6-sample noise) ...
            assert v_elu == pytest.approx(quad[0], rel=0.01) and v_leaky == pytest.approx(quad[1], rel=0.01)
            # ... and the ordering is the one mu* predicts.
            assert (v_elu < v_leaky) == (side == "holds")
            evidence.record(
                "S15",
                "statistic",
                side=side,
                label=f"Var[f(z)], z ~ N(mu, 1), elu alpha = 1 vs leaky slope {slope}, one unit from mu*",
                slope=slope,
                mu=mu,
                var_elu_mc=float(v_elu),
                var_leaky_mc=float(v_leaky),
                var_elu_quad=quad[0],
                var_leaky_quad=quad[1],
            )
        rows.append({"slope": slope, "mu_star": float(mu_star)})
    assert rows[0]["mu_star"] < rows[1]["mu_star"] < rows[2]["mu_star"]  # a larger slope moves mu* up
    evidence.record(
        "S15",
        "table",
        key="mu_star",
        label="mu* where Var[elu(z)] = Var[leaky_a(z)], z ~ N(mu, 1)",
        rows=rows,
        grid_points=len(MU_GRID),
        grid_from=int(MU_GRID[0]),
        grid_to=int(MU_GRID[-1]),
    )


@pytest.mark.claim("S16")
def test_s16_elu_derivative_vanishes_exponentially_like_sigmoid_and_half_as_fast_as_tanh():
    establishes("S16", math="supported", float="supported")
    rates = {
        "elu": (sp.diff(ACTIVATIONS["elu"].sympy_expr(x, alpha=alpha_sym), x), sp.exp(x), alpha_sym),
        "sigmoid": (theory.derivative("sigmoid"), sp.exp(x), 1),
        "tanh": (theory.derivative("tanh"), sp.exp(2 * x), 4),
    }
    for name, (d, scale, limit) in rates.items():
        left = [p for p, where in theory.ranges.pieces(sp.piecewise_fold(d)) if where.inf == -sp.oo][0]
        assert sp.limit(left / scale, x, -sp.oo) == limit
        evidence.record("S16", "symbolic", activation=name, limit=f"f'(x) / {sp.latex(scale)} -> {sp.latex(limit)}")
    for at in (-20.0, -40.0, -300.0):  # the same ratios in floats (corrections are O(e^x) < 3e-9)
        assert reference.derivative("elu", at) / np.exp(at) == pytest.approx(1.0, rel=1e-12, abs=0)
        assert reference.derivative("sigmoid", at) / np.exp(at) == pytest.approx(1.0, rel=1e-8, abs=0)
        assert reference.derivative("tanh", at) / np.exp(2 * at) == pytest.approx(4.0, rel=1e-8, abs=0)
    assert theory.limits_at_infinity("elu", 1)[1] == 1  # ELU does not saturate on the right; tanh and sigmoid do
    assert theory.limits_at_infinity("sigmoid", 1)[1] == 0 and theory.limits_at_infinity("tanh", 1)[1] == 0
