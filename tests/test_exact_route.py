"""The exact route's own shortcuts: exp reduced by ln 2, the overflow threshold, remembered values,
and ball arithmetic held to mpmath's doubling."""

from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp
from flint import arb, ctx
from hypothesis import given
from hypothesis import strategies as st

import theory
from registry import ACTIVATIONS
from theory import mp
from theory.arb import START_BITS, arb_callable
from theory.precision import MAX_BITS

# Calibrates the instruments (the exact route); establishes no claim.
pytestmark = pytest.mark.instrument


def assert_exact_to_the_working_precision(shortcut, reference, z, dps):
    """shortcut(z) at dps digits against reference(z) at dps + 400: within 2^-(prec - 2) relative.
    z is taken at dps digits (the value the shortcut sees)."""
    with mpmath.workdps(dps):
        z = +z
        got = shortcut(z)
        prec = mpmath.mp.prec
    with mpmath.workdps(dps + 400):
        want = reference(z)
    assert abs(got - want) <= abs(want) * mpmath.ldexp(1, 2 - prec), (z, dps)


@given(
    st.floats(min_value=-1e300, max_value=1e300, allow_nan=False),
    st.integers(min_value=0, max_value=1000),
    st.sampled_from([50, 200, 800]),
)
def test_exp_reduced_by_ln2_is_exact_to_the_working_precision(value, shift, dps):
    """Against mpmath.exp with 400 more digits, on both sides of the reduction threshold 2^64, for
    integer-valued z (where mpmath's own route is slow) and not."""
    assert_exact_to_the_working_precision(mp._exp, mpmath.exp, mpmath.ldexp(mpmath.mpf(value), -shift), dps)


@pytest.mark.parametrize("z", ["-1e331", "1e331", "-3.7e400"])
def test_exp_past_its_cutoff_is_a_power_of_two_within_a_factor_of_two(z):
    """Past 10^330, exp(z) is 2^floor(z / ln 2): e^z to within a factor of 2, as its comment says (at
    450 digits, where z / ln 2 has its integer part exactly)."""
    with mpmath.workdps(450):
        z = mpmath.mpf(z)
        value = mp._exp(z)
        assert 0 <= z / mpmath.ln2 - mpmath.log(value, 2) < 1


@given(st.floats(min_value=2.0**19, max_value=1e140), st.booleans(), st.sampled_from([50, 200, 800]))
def test_erfc_from_its_asymptotic_series_is_exact_to_the_working_precision(value, negative, dps):
    """Against mpmath.erfc with 400 more digits, on both sides of the series threshold 2^20 and for
    negative z (2 - erfc(-z))."""
    z = -mpmath.mpf(value) if negative else mpmath.mpf(value)
    assert_exact_to_the_working_precision(mp._erfc, mpmath.erfc, z, dps)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_the_overflow_threshold_is_the_midpoint_above_the_largest_float(dtype):
    """ulp_error calls a value infinite from max + ulp(max)/2 on: round-to-nearest-even sends that
    midpoint to inf (max has an odd significand) and everything below it to max."""
    threshold = mp._format(dtype)[2]
    top = mpmath.mpf(float(np.finfo(dtype).max))
    with mpmath.workdps(60):
        assert threshold - top == theory.ulp(top, dtype) / 2
    assert theory.ulp_error(np.inf, threshold, dtype) == 0.0
    assert theory.ulp_error(-np.inf, -threshold, dtype) == 0.0  # below -threshold, -inf is exact
    assert theory.ulp_error(float(np.finfo(dtype).max), threshold - theory.ulp(top, dtype) / 8, dtype) < 1
    # One side infinite and the other not, or the two infinities of opposite signs: infinitely wrong.
    assert theory.ulp_error(float(np.finfo(dtype).max), threshold, dtype) == np.inf
    assert theory.ulp_error(np.inf, top, dtype) == np.inf
    assert theory.ulp_error(-np.inf, threshold, dtype) == np.inf
    assert theory.ulp_error(np.inf, -threshold, dtype) == np.inf
    assert (
        theory.ulp_error(np.nan, top, dtype) == theory.ulp_error(np.nan, mpmath.mpf(0), dtype) == np.inf
    )  # NaN: never right
    if dtype != np.float64:
        # Just under the threshold, float64's nearest is the threshold itself, a tie that float16 and
        # float32 send to inf: rounded as every route rounds (through float64), inf is exact there.
        with mpmath.workprec(200):
            under = threshold - mpmath.ldexp(1, -60)
        assert under < threshold and float(under) == float(threshold)
        assert theory.ulp_error(np.inf, under, dtype) == 0.0


def fraction_ulp(exact: Fraction, dtype) -> Fraction:
    """ulp(exact) = 2^(max(e, minexp) - nmant) with 2^e <= |exact| < 2^(e + 1) found from integer bit
    lengths; 2^(minexp - nmant) at 0."""
    info = np.finfo(dtype)
    size, e = abs(exact), info.minexp
    if size:
        e = size.numerator.bit_length() - size.denominator.bit_length()
        e -= Fraction(2) ** e > size  # the bit lengths give e or e + 1
    return Fraction(2) ** (max(e, info.minexp) - info.nmant)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@given(
    computed=st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=True),
    mantissa=st.integers(0, 2**400),
    exponent=st.integers(-1500, 60),
    negative=st.booleans(),
    near=st.booleans(),
)
def test_ulp_error_is_the_rational_distance_in_ulps_rounded_once(dtype, computed, mantissa, exponent, negative, near):
    """theory.ulp_error against fractions: |computed - exact| / ulp(exact), rounded once to a float.
    exact has up to 400 bits, more than any working precision (a value just under a power of two
    would round up into the next binade, doubling its ulp), and lies anywhere from far below the
    subnormals to far above 1; half the time computed is exact's nearest float64, so that errors
    under an ulp are tested as much as large ones."""
    exact = (-1) ** negative * Fraction(mantissa) * Fraction(2) ** exponent
    with mpmath.workprec(500):  # exactly: 400 bits at most
        exact_mpf = mpmath.ldexp(mpmath.mpf(-mantissa if negative else mantissa), exponent)
    computed = float(exact) if near else computed
    man, exp = theory.ulp(exact_mpf, dtype).man_exp
    assert Fraction(man) * Fraction(2) ** exp == fraction_ulp(exact, dtype)
    if abs(exact_mpf) >= mp._format(dtype)[2] or np.isinf(np.asarray(float(exact)).astype(dtype)):
        return  # inf in dtype (directly, or rounded through float64): the overflow rule, tested above
    try:
        want = float(abs(Fraction(computed) - exact) / fraction_ulp(exact, dtype))
    except OverflowError:  # correctly rounded, the count of ulps is past float64's largest
        want = float("inf")
    assert theory.ulp_error(computed, exact_mpf, dtype) == want


@pytest.mark.parametrize("value", [0.1, -3.0, 2.0**-1074, 1.7976931348623157e308, np.float32(0.1)])
def test_a_float_is_read_exactly_and_measured_as_its_mpf(value):
    """raw_mpf takes a float as it is, at any working precision; its ulp is that of the same value as an mpf."""
    with mpmath.workprec(10):  # mpf(value) would round 0.1 to 10 bits here
        sign, man, exp, _ = mp.raw_mpf(value)
    assert (-1) ** sign * Fraction(man) * Fraction(2) ** exp == Fraction(float(value))
    for dtype in (np.float16, np.float32, np.float64):
        assert theory.ulp(value, dtype) == theory.ulp(mpmath.mpf(float(value)), dtype)


@pytest.mark.parametrize("value", [mpmath.inf, -mpmath.inf, mpmath.nan])
def test_only_a_finite_value_has_an_ulp(value):
    with pytest.raises(ValueError) as refused:
        theory.ulp(value, np.float32)
    assert str(refused.value) == f"ulp of {value}: only a finite value has one"


def test_remembered_values_keep_the_callers_precision():
    """mp_eval remembers per working precision: a caller asking for 300 digits gets them, not the
    value settled at the default precision (50 to 100 digits)."""
    low = theory.mp_eval(theory.derivative("tanh"), 0.5)
    with mpmath.workdps(300):
        high = theory.mp_eval(theory.derivative("tanh"), 0.5)
        want = 1 - mpmath.tanh(mpmath.mpf(0.5)) ** 2
        assert abs(high - want) < mpmath.mpf(10) ** -250 < abs(low - want)
    assert theory.mp_eval(theory.derivative("tanh"), 0.5) is low


BELOW_FLOATS = mpmath.mpf(10) ** -400
EDGE_POINTS = [0.0, 5e-324, 1e-300, 1e-8, 0.5, 1.0, 3.0, 6.0, 20.0, 40.0, 700.0, 1e4, 1e150, 1e300]


def assert_routes_agree(expr, at):
    """Ball arithmetic (theory/arb.py) against mpmath's doubling (``settled``) at one point: the same
    value to 45 digits, or both below 10^-400 (where each route may stop at 0 by its own rule)."""
    ball = mp.arb_settled(mp._ball_callable(expr), at, mp.AGREE_BITS)
    doubled = mp.settled(mp.compiled(expr), mpmath.mpf(at))
    if abs(ball) < BELOW_FLOATS and abs(doubled) < BELOW_FLOATS:
        return
    assert abs(ball - doubled) <= abs(doubled) * mpmath.mpf(10) ** -45, (expr, at, ball, doubled)


@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_ball_arithmetic_agrees_with_mpmath_at_the_edges(name, order):
    """Every activation and derivative has a ball route, and it gives mpmath's value at both signs of
    zero, subnormals, the kinks, the tails and |x| up to 1e300."""
    expr = theory.expression(name, binary=True) if order == 0 else theory.derivative(name, order, binary=True)
    assert mp._ball_callable(expr) is not None, name
    kinks = [float(k) for k in ACTIVATIONS[name].breaks]
    for at in sorted({*EDGE_POINTS, *kinks}):
        for signed in (at, -at):
            assert_routes_agree(expr, signed)


@given(st.sampled_from(["gelu", "gelu_tanh", "mish", "silu", "softplus", "elu", "tanh"]), st.floats(-1e3, 1e3))
def test_ball_arithmetic_agrees_with_mpmath_on_the_derivatives_of_the_smooth_activations(name, at):
    assert_routes_agree(theory.derivative(name, binary=True), at)


def test_an_expression_arb_lacks_a_function_for_goes_the_mpmath_way():
    """atan is not in theory/arb.py's table, and a second symbol is not x: no ball route for either;
    mp_eval still gives the value, through mpmath."""
    assert arb_callable(sp.atan(theory.x)) is None
    assert arb_callable(theory.x + sp.Symbol("y")) is None
    assert theory.mp_eval(sp.atan(theory.x), 1.0) == pytest.approx(mpmath.pi / 4, rel=1e-15)


def test_a_float_constant_enters_the_ball_route_exactly_with_its_sign():
    """A sympy Float is printed as its exact binary value, a negative one with its sign (a sum holds
    it as a negative term; a product prints its sign apart): x - 0.1 (the double nearest 0.1) at
    x = 1, and -0.1 x at x = 2.5, exactly."""
    tenth = sp.Float(0.1, 53)
    with mpmath.workprec(200):
        assert mp.settled_callable(theory.x - tenth)(mpmath.mpf(1)) == 1 - mpmath.mpf(0.1)
        assert mp.settled_callable(-tenth * theory.x)(mpmath.mpf(2.5)) == -mpmath.mpf(0.1) * 2.5


def test_the_exact_value_comes_from_the_ball_route_wherever_arb_has_the_functions(monkeypatch):
    """settled_callable: an expression of x alone whose functions arb has never reaches mpmath's
    doubling; one that arb lacks a function for does."""
    called = []
    monkeypatch.setattr(mp, "settled", lambda fn, *args: called.append(fn) or mpmath.mpf(0))
    value = mp.settled_callable(sp.erfc(theory.x) * sp.exp(theory.x))(mpmath.mpf(2))
    with mpmath.workdps(60):
        assert called == [] and abs(value / (mpmath.erfc(2) * mpmath.exp(2)) - 1) < mpmath.mpf(10) ** -44
    mp.settled_callable(sp.atan(theory.x))(mpmath.mpf(2))
    assert len(called) == 1


def test_exp_in_an_expression_goes_through_the_reduced_exp(monkeypatch):
    """mp_callable evaluates sympy's exp by _exp (reduced by ln 2, finite past mpmath's reach), not by
    mpmath.exp, which lambdify would pick for the name otherwise."""
    seen = []
    monkeypatch.setattr(mp, "_exp", lambda z: seen.append(z) or mpmath.exp(z))
    x = sp.Symbol("x")
    assert mp.mp_callable(sp.exp(-x) + 1, (x,))(mpmath.mpf(2)) == 1 + mpmath.exp(-2) and seen == [-2]


def test_a_value_that_never_settles_is_an_error_that_says_how_far_it_went():
    """Two evaluations that never agree (here: each is the working precision itself) up to the ceiling."""
    with pytest.raises(ArithmeticError, match=f"did not settle by {mp.MAX_DPS} digits"):
        mp.settled(lambda a: mpmath.mpf(mpmath.mp.dps), mpmath.mpf(1))


@pytest.mark.parametrize("form", [theory.expression, theory.derivative])
def test_gelus_exact_form_keeps_erfc_of_minus_a_instead_of_sympys_two_minus_erfc(form):
    """sympy writes erfc(-a) as 2 - erfc(a), which cancels as x -> -oo (erfc(a) -> 2): the evaluated
    form holds erfc(-a) again, one term, and no erfc inside a sum."""
    exact_form = mp._without_cancellation(form("gelu"))
    assert exact_form.has(mp._erfc_of_minus) and not exact_form.has(sp.erfc)
    assert sp.simplify(exact_form.replace(mp._erfc_of_minus, lambda a: sp.erfc(-a)) - form("gelu")) == 0


def test_a_caller_past_the_ceiling_gets_two_evaluations_above_its_own_precision():
    """At a working precision of MAX_DPS digits the doubling goes on to twice that (3,200 then 6,400
    digits), so a value that settles there is returned; and one that never settles says how far it went."""
    with mpmath.workdps(mp.MAX_DPS):
        third = mp.settled(lambda a: a / 3, mpmath.mpf(1))
        assert abs(3 * third - 1) < mpmath.mpf(10) ** -(mp.MAX_DPS - 5)
        with pytest.raises(ArithmeticError, match=f"did not settle by {2 * mp.MAX_DPS} digits"):
            mp.settled(lambda a: mpmath.mpf(mpmath.mp.dps), mpmath.mpf(1))


def test_a_ball_exactly_as_accurate_as_asked_is_taken_at_the_first_precision():
    """The rule is rel_accuracy_bits >= bits: a ball 1 +- 0.75 2^-bits has exactly bits, and is taken
    at once; 1 +- 2^-bits has one bit fewer at every precision, so it never settles, and the error says
    how far the doubling went (past MAX_BITS for a caller asking more than half of it)."""
    calls = []

    def ball(bits):
        def fn(point):
            calls.append(ctx.prec)
            return arb(1, 0.75 * arb(2) ** -bits)

        return fn

    assert mp.arb_settled(ball(100), 1.0, 100) == 1 and calls == [START_BITS]
    assert arb(1, 0.75 * arb(2) ** -100).rel_accuracy_bits() == 100
    # asked for more than START_BITS, the first precision is 50 bits above what was asked
    calls.clear()
    assert mp.arb_settled(ball(START_BITS + 100), 1.0, START_BITS + 100) == 1 and calls == [START_BITS + 150]
    for bits in (100, MAX_BITS):
        with pytest.raises(ArithmeticError, match=f"did not settle by {max(MAX_BITS, 2 * bits)} bits"):
            mp.arb_settled(lambda point, bits=bits: arb(1, arb(2) ** -bits), 1.0, bits)


def test_a_ball_that_stays_around_zero_below_floats_is_zero():
    """1 - tanh(x)^2 at x = 1e6 cancels to a ball around 0 at every precision up to 3,200 digits:
    0, as the mpmath route gives, while e^(-x) there is tiny but exact to every digit asked."""
    t = theory.x
    cancelling = mp._ball_callable(1 - sp.tanh(t) ** 2)
    assert mp.arb_settled(cancelling, 1e6, mp.AGREE_BITS) == 0
    tiny = mp.arb_settled(mp._ball_callable(sp.exp(-t)), 1e6, mp.AGREE_BITS)
    with mpmath.workdps(60):
        assert 0 < tiny and abs(tiny - mpmath.exp(-(mpmath.mpf(10) ** 6))) <= tiny * mpmath.mpf(10) ** -45


def test_the_ball_route_takes_an_mpf_argument_exactly():
    """The chain's pre-activations are mpf values, not floats, and may carry more bits than the
    precision asked for: sigmoid'(z) = e^-z / (1 + e^-z)^2 at z = 2^100 + 1/3 held to 400 bits is
    right to 45 digits (z as a float would lose the 1/3; the ball around z holds all its bits)."""
    with mpmath.workprec(400):
        z = mpmath.ldexp(1, 100) + mpmath.mpf(1) / 3
    got = theory.settled_callable(theory.derivative("sigmoid"))(z)
    with mpmath.workdps(300):
        want = mpmath.exp(-z) / (1 + mpmath.exp(-z)) ** 2
        assert abs(got - want) <= abs(want) * mpmath.mpf(10) ** -45


def test_the_ball_route_serves_a_working_precision_past_its_ceiling():
    """S04 resolves 1 - tanh'(z) at z ~ 1e-1617 with 3,300 digits (11,000 bits, past the 3,200-digit
    ceiling): the route goes as high as the caller asks, as the mpmath route does."""
    with mpmath.workdps(3300):
        z = mpmath.mpf(5e-324) ** 5
        got = theory.settled_callable(theory.derivative("tanh"))(z)
        assert 0 < 1 - got < z * z * mpmath.mpf(1.01)


def test_the_symbolic_chain_with_tanh_substituted_is_the_hand_written_product():
    """Depth 2: dy/dW1 = tanh'(z2) W2 tanh'(z1) x with tanh' = 1 - tanh^2, and z1 = W1 x + b1,
    z2 = W2 tanh(z1) + b2; f left undefined without a name."""
    m = theory.chain_model(2)
    z1 = m.W[1] * m.x + m.b[1]
    z2 = m.W[2] * sp.tanh(z1) + m.b[2]
    by_hand = (1 - sp.tanh(z2) ** 2) * m.W[2] * (1 - sp.tanh(z1) ** 2) * m.x
    assert sp.simplify(theory.chain_gradient(2, "tanh") - by_hand) == 0
    assert theory.chain_gradient(2).has(sp.Function("f"))


def test_a_chain_rule_expression_prints_the_same_whatever_bound_name_sympy_kept():
    """f'(u) is Subs(Derivative(f(t), t), t, u) in sympy, equal under any renaming of t, so its cache
    can hand back a Dummy or t: S02's and S20's printed evidence came out differently in two runs.
    Printed as f'(u), equal expressions print alike, and the order of the factors no longer depends
    on Dummies' creation order."""
    f, u, w = sp.Function("f"), sp.Symbol("u"), sp.Symbol("W_2")
    t, dummy = sp.Symbol("t"), sp.Dummy("xi_1")
    named = w * sp.Subs(sp.Derivative(f(t), t), t, u) * sp.Subs(sp.Derivative(f(t), t), t, w * u)
    fresh = (
        w * sp.Subs(sp.Derivative(f(dummy), dummy), dummy, w * u) * sp.Subs(sp.Derivative(f(dummy), dummy), dummy, u)
    )
    assert theory.chain_latex(named) == theory.chain_latex(fresh)
    assert (
        theory.chain_latex(named)
        == r"W_{2} \operatorname{f'}{\left(u \right)} \operatorname{f'}{\left(W_{2} u \right)}"
    )
    assert "xi" not in theory.chain_latex(theory.chain_gradient(3))


def test_the_ball_route_takes_floats_e_and_any_power_exactly():
    """A float constant by its binary value, e as arb's ball of it, a cube root, a square root and a negative power."""
    expr = sp.Float(0.1) * theory.x + sp.E + theory.x ** sp.Rational(1, 3) + sp.sqrt(theory.x) + theory.x**-2
    ball = mp.arb_settled(arb_callable(expr), 2.0, mp.AGREE_BITS)
    with mpmath.workdps(60):
        exact = mpmath.mpf(0.1) * 2 + mpmath.e + mpmath.cbrt(2) + mpmath.sqrt(2) + mpmath.mpf(2) ** -2
        assert abs(ball / exact - 1) < mpmath.mpf(10) ** -44
