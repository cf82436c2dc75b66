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
from registry import ACTIVATIONS
from reports import evidence
from tests.claims.verdicts import establishes, find_float_counterexample, float_threshold
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


def inplace_elu_derivative(t: float, copies: int, dtype: torch.dtype) -> float:
    """elu'(t) by autograd of torch's in-place ELU, read from element 0 of ``copies`` copies of t."""
    return reference.torch_derivative("elu", torch.full((copies,), t, dtype=dtype), inplace=True)[0].item()


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
    numpy_edge = float_threshold(
        lambda t: reference.derivative("elu", np.asarray(t, dtype=dtype)) > 0, -1e4, 0.0, dtype
    )
    tdt = getattr(torch, np.dtype(dtype).name)
    torch_edge = float_threshold(
        lambda t: reference.torch_derivative("elu", torch.tensor([t], dtype=tdt)).item() > 0, -1e4, 0.0, dtype
    )
    # torch's in-place twin (F.elu_, nn.ELU(inplace=True)) takes elu' = elu(x) + alpha from its
    # output, which is exactly 0 once elu(x) rounds to -alpha: long before exp(x) underflows. Where
    # that happens depends on the kernel: one element takes torch's scalar expm1, a long array its
    # vectorized one (64 copies of x, element 0 read), and the two round differently near -1.
    inplace = {}
    for path, copies in (("scalar", 1), ("vectorized", 64)):
        edge = float_threshold(lambda t, c=copies: inplace_elu_derivative(t, c, tdt) > 0, -1e4, 0.0, dtype)
        below = float(np.nextafter(dtype(edge), dtype(-np.inf)))
        assert torch_edge < edge < 0 and theory.exact_derivative("elu", edge) > 0
        assert inplace_elu_derivative(below, copies, tdt) == 0.0 and theory.exact_derivative("elu", below) > 0
        inplace[f"torch_inplace_{path}"] = edge
    evidence.record(
        "S13",
        "numeric",
        label="elu' is exactly 0 for x below",
        dtype=np.dtype(dtype).name,
        numpy=numpy_edge,
        torch=torch_edge,
        **inplace,
    )
    # leaky ReLU's derivative is exactly its slope: never 0 for a positive slope.
    assert reference.derivative("leaky_relu", np.asarray(-np.finfo(dtype).max, dtype=dtype), slope=0.01) > 0


def steps_to_recover(z0: float, dtype=torch.float64, limit: int = 3000) -> int | None:
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
def test_s13_a_deeply_negative_elu_unit_recovers_slowly_and_past_underflow_never():
    establishes("S13", float="refuted")
    rows = [{"pre_activation": -z0, "steps_to_recover": steps_to_recover(z0)} for z0 in (1.0, 3.0, 5.0, 7.0)]
    evidence.record("S13", "table", label="ELU unit recovery under SGD lr 0.5 (torch float64)", rows=rows)
    steps = [r["steps_to_recover"] for r in rows]
    assert all(s is not None for s in steps[:3]) and steps[0] < steps[1] < steps[2]
    b = torch.tensor(-800.0, dtype=torch.float64, requires_grad=True)
    torch.nn.functional.elu(0.1 * torch.linspace(-1, 1, 32, dtype=torch.float64) + b).sum().backward()
    assert b.grad.item() == 0.0  # exactly zero: such a unit never moves


@pytest.mark.claim("S14")
def test_s14_elu_saturates_at_minus_alpha_leaky_relu_does_not_saturate():
    establishes("S14", math="supported", float="supported")
    elu = ACTIVATIONS["elu"].sympy_expr(x, alpha=alpha_sym)
    assert theory.ranges._limits(elu)[0] == -alpha_sym
    leaky = ACTIVATIONS["leaky_relu"].sympy_expr(x, slope=sp.Symbol("a", positive=True))
    assert theory.ranges._limits(leaky)[0] == -sp.oo
    assert theory.limits_at_infinity("relu")[0] == 0
    prelu = torch.nn.PReLU()  # a leaky ReLU whose slope is learned (initially 0.25)
    assert prelu(torch.tensor([-1e30])).item() == pytest.approx(-2.5e29)
    # In floats the saturation is reached exactly.
    edge = float_threshold(lambda t: reference.activation("elu", np.asarray(-t)) == -1.0, 0.0, 1e3, np.float64)
    assert (
        reference.activation("elu", -edge) == -1.0
        and reference.torch_activation("elu", torch.tensor(-edge - 1)).item() == -1.0
    )
    evidence.record(
        "S14",
        "symbolic",
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


@pytest.mark.claim("S15")
def test_s15_elu_passes_on_less_variance_than_leaky_relu_only_deep_in_the_negative_regime():
    establishes("S15", math="conditional", float="conditional")
    with mpmath.workdps(20):
        gap = lambda mu: gaussian_variance("elu", mu) - gaussian_variance("leaky_relu", mu)  # noqa: E731
        assert gap(0) > 0 and gap(-12) < 0
        mu_star = mpmath.findroot(gap, (-12, 0), solver="illinois", verify=False)
        assert abs(gap(mu_star)) < 1e-12 * gaussian_variance("leaky_relu", mu_star)
    rng = np.random.default_rng(0)
    checks = []
    for mu in (float(mu_star) - 1.0, float(mu_star) + 1.0):
        z = rng.normal(mu, 1.0, 2_000_000)
        v_elu, v_leaky = reference.activation("elu", z).var(), reference.activation("leaky_relu", z).var()
        checks.append(
            {
                "mu": mu,
                "var_elu_mc": v_elu,
                "var_leaky_mc": v_leaky,
                "var_elu_quad": float(gaussian_variance("elu", mu)),
                "var_leaky_quad": float(gaussian_variance("leaky_relu", mu)),
            }
        )
        # Monte Carlo agrees with quadrature (relative 1%, far outside 2e6-sample noise) ...
        assert v_elu == pytest.approx(checks[-1]["var_elu_quad"], rel=0.01)
        assert v_leaky == pytest.approx(checks[-1]["var_leaky_quad"], rel=0.01)
    # ... and the ordering flips at mu*.
    assert checks[0]["var_elu_mc"] < checks[0]["var_leaky_mc"] and checks[1]["var_elu_mc"] > checks[1]["var_leaky_mc"]
    evidence.record(
        "S15",
        "statistic",
        label="Var[f(z)], z ~ N(mu, 1), elu alpha=1 vs leaky slope 0.01",
        mu_star=mpmath.nstr(mu_star, 15),
        checks=checks,
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
