"""Gaussian expectations: the exact route (sympy closed form or mpmath quadrature) against
Gauss-Legendre split at 0 and against Monte Carlo, for every activation in the registry."""

import mpmath
import numpy as np
import pytest
import sympy as sp
import torch

from reference import activation, derivative
from reference.meanfield import gauss_moment
from registry import ACTIVATIONS
from theory.gaussian import KINDS, closed_form, moment
from theory.symbolic import x

pytestmark = pytest.mark.instrument


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_exact_moment_agrees_with_gauss_hermite_and_monte_carlo(name, kind):
    for q in (0.25, 1.0, 4.0):
        exact = float(moment(name, kind, q).value)
        # Gauss-Legendre split at the kink: smooth on each half, so agreement to 1e-10.
        assert abs(gauss_moment(name, kind, q) - exact) <= 1e-10 * max(1.0, abs(exact))
    z = np.random.default_rng(1).normal(0.0, 1.0, 400_000)
    # only the kind asked for: the double-double kernels take a tenth of a second on 400,000 points
    g = {
        "mean": lambda: activation(name, z),
        "second": lambda: activation(name, z) ** 2,
        "slope2": lambda: derivative(name, z) ** 2,
    }[kind]()
    se = g.std() / np.sqrt(len(z))
    assert abs(g.mean() - float(moment(name, kind, 1.0).value)) <= 5 * se + 1e-15


@pytest.mark.parametrize("name", [n for n, s in ACTIVATIONS.items() if s.kinks])
def test_piecewise_entries_have_closed_forms_and_smooth_ones_use_quadrature(name):
    assert all(closed_form(name, kind) is not None for kind in KINDS)
    assert moment(name, "second", 1.0).method == "closed form"
    assert moment("tanh", "second", 1.0).method == "quadrature"


def test_at_q_zero_the_moment_is_the_integrand_at_zero():
    """q = 0: sqrt(q) z is 0 for every z, so E[g] = g(0) (tanh'(0)^2 = 1, softplus(0)^2 = ln(2)^2)."""
    one = moment("tanh", "slope2", 0.0)
    assert (one.value, one.closed_form, one.method) == (1, None, "value at 0")
    with mpmath.workdps(40):
        assert abs(moment("softplus", "second", 0.0).value - mpmath.log(2) ** 2) < mpmath.mpf(10) ** -30


@pytest.mark.parametrize(
    ("name", "kind", "limit"),
    [
        ("relu", "slope2", 0.5),  # 0 on the left, 1 on the right
        ("elu", "slope2", 0.5),  # e^(2x) -> 0 on the left
        ("tanh", "slope2", 0.0),
        ("logsigmoid", "slope2", 0.5),  # the slope is 1 on the left, 0 on the right
        ("tanhshrink", "slope2", 1.0),
        ("tanh", "second", 1.0),
        ("relu", "second", mpmath.inf),  # q/2
        ("softplus", "second", mpmath.inf),
    ],
)
def test_as_q_grows_the_moment_tends_to_the_mean_of_the_integrands_ends(name, kind, limit):
    """q = +inf: the limit of E[g(sqrt(q) z)], (g(-oo) + g(+oo))/2 for g >= 0, +inf where g is
    unbounded; each finite one approached by the finite-q route at q = 10^8 (within 10^-3: the
    Gaussian's mass near 0, where g is in between, shrinks like 1/sqrt(q))."""
    at_inf = moment(name, kind, mpmath.inf)
    assert at_inf.value == limit and at_inf.method == "limit as q grows without bound"
    far = moment(name, kind, 1e8).value
    assert abs(far - limit) < 1e-3 if limit != mpmath.inf else far > 1e7


def test_the_mean_has_no_limit_at_infinite_q():
    with pytest.raises(ValueError, match="kind second or slope2"):
        moment("relu", "mean", mpmath.inf)


@pytest.mark.parametrize(("name", "sigma_w"), [("tanh", 5 / 3), ("sigmoid", 1.0), ("tanh", 0.9)])
def test_the_depth_scale_is_the_e_folding_depth_of_chi_1(name, sigma_w):
    """1 / |ln chi_1| layers shrink or grow the squared gradient norm by e: against chi_1 from the
    Gauss-Legendre route, and the phase against chi_1's side of 1."""
    from reference.meanfield import chi1_grid
    from theory.meanfield import phase

    p = phase(name, sigma_w, 0.0)
    chi = float(chi1_grid(name, np.array([sigma_w]), np.array([0.0]), iterations=3000)[0])
    assert chi ** (np.sign(np.log(chi)) * p.depth_scale) == pytest.approx(np.e, rel=1e-8)
    assert p.phase == ("chaotic" if chi > 1 else "ordered")


def test_the_critical_sigma_w_of_relu_is_root_two_for_every_bias():
    """relu: chi_1 = sigma_w^2 P(z > 0) = sigma_w^2 / 2 whatever q* is, so the critical line is
    sigma_w = sqrt(2) for every sigma_b: bisected for an array of biases at once and for one alone
    (q* does not enter, so 10 iterations of the variance map do)."""
    from reference.meanfield import critical_sigma_w

    line = critical_sigma_w("relu", np.array([0.0, 0.1, 1.0]), iterations=10)
    # to the quadrature's accuracy: Gauss-Legendre on [-12, 12] gives P(z > 0) = 1/2 within 1e-13
    assert line.shape == (3,) and np.all(np.abs(line - np.sqrt(2)) <= 1e-12)
    alone = critical_sigma_w("relu", 0.1, iterations=10)
    assert isinstance(alone, float) and alone == line[1]


@pytest.mark.parametrize("orthogonal", [False, True])
def test_kept_draws_are_the_draws_of_a_fresh_generator(orthogonal):
    """standard_layers slices the deepest net drawn so far: a shallower net gets the same tensors a
    fresh draw to its depth gives, bit for bit, and a deeper one draws again."""
    from reference import meanfield

    meanfield._DRAWN.clear()
    deep = meanfield.standard_layers(6, 5, 3, orthogonal)
    shallow = meanfield.standard_layers(6, 2, 3, orthogonal)
    deeper = meanfield.standard_layers(6, 7, 3, orthogonal)
    for got, depth in ((deep, 5), (shallow, 2), (deeper, 7)):
        fresh = meanfield._draw_layers(6, depth, 3, orthogonal)
        assert len(got[0]) == len(got[1]) == depth
        assert all(torch.equal(a, b) for a, b in zip(got[0] + got[1], fresh[0] + fresh[1]))
    assert not torch.equal(meanfield.standard_layers(6, 2, 4, orthogonal)[0][0], shallow[0][0])  # seed matters


@pytest.mark.parametrize(
    ("g", "lo", "hi"),
    [
        (x**2, 0, sp.oo),  # relu's second moment
        ((sp.exp(x) - 1) ** 2, -sp.oo, 0),  # elu's, left piece
        (x * (x + 3) / 6, -3, 3),  # hardswish's middle piece
        (3 * x * sp.exp(x / 2 + 1), -1, 2),  # an exponent with a slope and a shift
        (x * sp.exp(sp.sqrt(2) * x), -sp.oo, 1),  # an irrational slope: a polynomial in x alone
        (sp.Rational(7, 2), -sp.oo, sp.oo),  # a constant over the line: itself
    ],
)
def test_the_piecewise_gaussian_integrals_by_hand_equal_quadrature(g, lo, hi):
    """piece_moment (complete the square, integrate by parts) against mpmath's quadrature of the
    same piece to 40 digits, at q = 3/10, 1 and 7 (sympy's integrate leaves the fourth unevaluated)."""
    from theory.gaussian import q
    from theory.gaussian_pieces import piece_moment

    mine = piece_moment(g, lo / sp.sqrt(q), hi / sp.sqrt(q), q)
    g_mp = sp.lambdify(x, g, "mpmath")
    for at in (sp.Rational(3, 10), sp.S.One, sp.S(7)):
        with mpmath.workdps(40):
            root = mpmath.sqrt(mpmath.mpf(at.p) / at.q)
            ends = [e if e.is_infinite else sp.N(e / sp.sqrt(at), 50) for e in (sp.S(lo), sp.S(hi))]
            ends = [mpmath.inf * int(sp.sign(e)) if e.is_infinite else mpmath.mpf(str(e)) for e in ends]
            cut = [ends[0], 0, ends[1]] if ends[0] < 0 < ends[1] else ends  # the quadrature splits at 0
            theirs = mpmath.quad(lambda t, r=root: g_mp(r * t) * mpmath.npdf(t), cut)
            got = mpmath.mpf(str(sp.N(mine.subs(q, at), 45)))
            assert abs(got - theirs) <= mpmath.mpf(10) ** -35 * max(1, abs(theirs)), (g, at)


def test_a_piece_that_is_not_a_sum_of_powers_times_exponentials_is_left_to_sympy():
    from theory.gaussian import q
    from theory.gaussian_pieces import piece_moment

    for g in (sp.tanh(x), 1 / (1 + x**2), sp.exp(x**2 / 4), sp.sqrt(x)):
        assert piece_moment(g, -sp.oo, sp.oo, q) is None, g


def test_the_variance_map_and_its_fixed_point_for_relu_in_closed_form():
    """relu: E[f(sqrt(q) z)^2] = q/2, so q -> sigma_w^2 q/2 + sigma_b^2, whose fixed point for
    sigma_w^2 < 2 is q* = sigma_b^2 / (1 - sigma_w^2/2); chi_1 = sigma_w^2/2 whatever q* is. The
    values are chosen so that sigma_b^2 differs from 2 sigma_b and q* from 1."""
    from theory.meanfield import DIGITS, chi1, fixed_point, q_map

    with mpmath.workdps(30):
        sw, sb = mpmath.mpf(1.25), mpmath.mpf(0.375)
        assert abs(q_map("relu", 1.25, 0.375, 3.0) - (sw**2 * 3 / 2 + sb**2)) < mpmath.mpf(10) ** -18
        expected = sb**2 / (1 - sw**2 / 2)
        assert abs(fixed_point("relu", 1.25, 0.375) - expected) < mpmath.mpf(10) ** -12
        assert abs(chi1("relu", 1.25, 0.375) - sw**2 / 2) < mpmath.mpf(10) ** -18
        # Where the map contracts by 1/2 (sigma_w = 1), the error left when the iteration stops is at
        # most its last step, which the stopping rule bounds: q* = 0.25 / (1 - 1/2) = 1/2 to 1e-14.
        assert abs(fixed_point("relu", 1.0, 0.5) - mpmath.mpf(1) / 2) <= mpmath.mpf(10) ** -(DIGITS - 6)


@pytest.mark.parametrize("sigma_b", [0.2, 0.01])
def test_a_slowly_settling_fixed_point_is_found_on_a_bracket_from_either_side(sigma_b):
    """relu at sigma_w = 1.414 contracts by sigma_w^2/2 = 0.99970 a layer: 60 steps from q = 1 leave
    q* = sigma_b^2 / (1 - sigma_w^2/2) far off, from below (q* = 132.5 at sigma_b = 0.2) or from above
    (q* = 0.331 at sigma_b = 0.01); the root on the bracket is q* to 12 digits."""
    from theory.meanfield import fixed_point

    with mpmath.workdps(30):
        expected = mpmath.mpf(sigma_b) ** 2 / (1 - mpmath.mpf(1.414) ** 2 / 2)
        assert abs(fixed_point("relu", 1.414, sigma_b) - expected) < mpmath.mpf(10) ** -12 * expected


@pytest.mark.parametrize(("name", "sigma_w", "sigma_b", "chi_1"), [("elu", 1.5, 0.3, 1.125), ("relu", 1.6, 0.2, 1.28)])
def test_where_q_grows_without_bound_q_star_is_infinite_and_chi_1_its_limit(name, sigma_w, sigma_b, chi_1):
    """No fixed point: elu and relu grow like sigma_w^2 q/2 > q, so q -> inf, and chi_1 is taken in the
    limit, sigma_w^2 (f'(-oo)^2 + f'(+oo)^2)/2 = sigma_w^2/2 for both."""
    from theory.meanfield import fixed_point, phase

    assert fixed_point(name, sigma_w, sigma_b) == mpmath.inf
    p = phase(name, sigma_w, sigma_b)
    assert p.q_star == mpmath.inf and p.phase == "chaotic" and abs(p.chi1 - chi_1) < 1e-15


def test_chi_1_finds_q_star_with_the_activations_own_parameters():
    """elu with alpha = 0.5 has its own fixed point (f^2 on the negative side changes with alpha)."""
    from theory.meanfield import chi1, fixed_point

    own = fixed_point("elu", 1.0, 0.3, alpha=0.5)
    assert abs(own - fixed_point("elu", 1.0, 0.3)) > 0.1
    assert chi1("elu", 1.0, 0.3, alpha=0.5) == chi1("elu", 1.0, 0.3, q_star=own, alpha=0.5)


@pytest.mark.parametrize(("sigma_w", "q_star"), [(1.2, mpmath.mpf(0)), (1.3, mpmath.inf)])
def test_without_biases_leaky_relus_slope_decides_between_collapse_and_growth(sigma_w, q_star):
    """leaky_relu with slope s and sigma_b = 0: q_map(q) = sigma_w^2 (1 + s^2)/2 q, so q -> 0 below
    sigma_w^2 = 2/(1 + s^2) and q -> inf above. At s = 1/2 that is 1.6: sigma_w = 1.2 (1.44) collapses
    and 1.3 (1.69) grows, where the default slope 0.01 would collapse both (1.69 (1 + 10^-4)/2 < 1)."""
    from theory.meanfield import fixed_point

    assert fixed_point("leaky_relu", sigma_w, 0.0, slope=0.5) == q_star
    assert fixed_point("leaky_relu", sigma_w, 0.0) == 0


def test_the_phase_takes_chi_1_with_the_activations_own_parameters():
    """leaky_relu's E[f'(z)^2] = (1 + s^2)/2 whatever q*: chi_1 = sigma_w^2 (1 + s^2)/2, 0.9 at
    sigma_w = 1.2 and s = 1/2 (ordered), where the default slope would give 0.72."""
    from theory.meanfield import phase

    p = phase("leaky_relu", 1.2, 0.3, slope=0.5)
    assert abs(p.chi1 - 1.44 * 1.25 / 2) < 1e-15 and p.phase == "ordered"


def test_chi_1_reads_a_given_q_star_and_finds_its_own_otherwise():
    """tanh's slope moment depends on q: chi_1 at a given q* is sigma_w^2 E[tanh'(sqrt(q*) z)^2] at
    that q*, and without one it is chi_1 at the fixed point."""
    from theory.meanfield import chi1, fixed_point

    qs = fixed_point("tanh", 1.5, 0.3)
    assert chi1("tanh", 1.5, 0.3) == chi1("tanh", 1.5, 0.3, q_star=qs)
    at_two = chi1("tanh", 1.5, 0.3, q_star=mpmath.mpf(2))
    assert abs(at_two - 2.25 * gauss_moment("tanh", "slope2", 2.0)) < 1e-10
    assert abs(at_two - chi1("tanh", 1.5, 0.3)) > 0.01


@pytest.mark.parametrize(
    ("sigma_w", "phase_name", "chi_1"), [(np.sqrt(2.0), "critical", 1.0), (1.0, "ordered", 0.5), (1.6, "chaotic", 1.28)]
)
def test_relu_phases_on_either_side_of_root_two(sigma_w, phase_name, chi_1):
    """relu: chi_1 = sigma_w^2/2, critical at sqrt(2) (depth scale infinite), ordered below, chaotic
    above, with depth scale 1/|ln chi_1|. sigma_b = 0.2 keeps q* above 0 in the ordered phase, where
    chi_1 would otherwise be taken at q* = 0 and read relu'(0) = 0."""
    from theory.meanfield import phase

    p = phase("relu", sigma_w, 0.2)
    assert p.phase == phase_name and abs(float(p.chi1) - chi_1) < 1e-12
    if phase_name == "ordered":  # q* = sigma_b^2 / (1 - sigma_w^2/2); none is finite from sqrt(2) on
        assert abs(p.q_star - mpmath.mpf(0.2) ** 2 / (1 - mpmath.mpf(sigma_w) ** 2 / 2)) < 1e-12
    else:
        assert p.q_star == mpmath.inf
    assert p.depth_scale == (np.inf if phase_name == "critical" else pytest.approx(1 / abs(np.log(chi_1)), rel=1e-12))


@pytest.mark.parametrize(
    ("offset", "phase_name"), [(1, "chaotic"), (-1, "ordered"), (0.5, "critical"), (-0.5, "critical")]
)
def test_the_critical_band_is_open_at_its_tolerance(monkeypatch, offset, phase_name):
    """phase calls chi_1 critical strictly within CRITICAL_TOL of 1: at 1 +- CRITICAL_TOL itself it is
    chaotic or ordered, with a finite depth scale (a dyadic tolerance, so that 1 + tol is exact)."""
    from theory import meanfield

    tol = mpmath.mpf(2) ** -20
    monkeypatch.setattr(meanfield, "CRITICAL_TOL", tol)
    monkeypatch.setattr(meanfield, "chi1", lambda *args, **kwargs: 1 + offset * tol)
    p = meanfield.phase("relu", 1.0, 0.2)
    assert p.phase == phase_name and abs(p.chi1 - 1) == abs(offset) * tol
    assert np.isfinite(p.depth_scale) == (phase_name != "critical")


@pytest.mark.parametrize("name", ["hardtanh", "relu6", "hardswish"])
def test_gauss_moment_at_zero_variance_is_g_of_zero(name):
    """q = 0: sqrt(q) z is 0 for every z, so E[g] = g(0); an activation with kinks away from 0 must not
    divide by sqrt(q) to place them."""
    for kind, g0 in (("mean", activation(name, np.zeros(1))[0]), ("slope2", derivative(name, np.zeros(1))[0] ** 2)):
        assert gauss_moment(name, kind, np.array([0.0, 1e-300]))[0] == pytest.approx(g0, abs=1e-13)
