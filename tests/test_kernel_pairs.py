"""A registry pair kernel (numpy_f_df: f and f' from one call, sharing their work) gives what the two
kernels give alone, bit for bit, and the deep chain gives the same gradients through it."""

import numpy as np
import pytest

import reference
from reference import chain
from registry import ACTIVATIONS, evaluate
from registry.numeric import evaluate_pair, evaluate_pair_float64
from tests.strategies import DTYPES, edge_points

# Calibrates the instruments (one route computed two ways agrees with itself); establishes no claim.
pytestmark = pytest.mark.instrument

PAIRED = [name for name, spec in ACTIVATIONS.items() if spec.numpy_f_df is not None]


def test_the_activations_whose_f_and_f_prime_share_most_of_their_work_have_a_pair():
    """The logistic's e^{-|x|} and 1 + e (sigmoid, silu), gelu's Gaussian factor and table pieces,
    gelu_tanh's double-double u, the step that is relu's, hardshrink's and threshold's slope and
    selects their value (softshrink's |x|), hardswish's clip(x, -3, 3) and tanhshrink's tanh|x|: a pair
    each."""
    shared = {"sigmoid", "silu", "gelu", "gelu_tanh", "relu", "hardshrink", "softshrink", "threshold"}
    shared |= {"hardswish", "tanhshrink"}
    assert shared <= set(PAIRED)


def _inputs(dtype) -> np.ndarray:
    """Every float16 bit pattern (signaling and quiet NaNs with every payload among them); otherwise
    both signs of every binade's scale in 2^-1074 .. 2^1023 at a few mantissas, +-40 densely, the deep
    tails (-760 to -690) and the edge points; then inf, -inf and NaN."""
    special = np.array([np.inf, -np.inf, np.nan], dtype=dtype)
    if dtype == np.float16:
        return np.concatenate([np.arange(1 << 16, dtype=np.uint16).view(np.float16), special])
    info = np.finfo(dtype)
    binades = np.ldexp(1.0, np.arange(info.minexp - info.nmant, info.maxexp))
    scales = np.concatenate([binades * m for m in (1.0, 1.37, 1.999)])
    dense = np.linspace(-40.0, 40.0, 4001)
    tails = np.linspace(-760.0, -690.0, 701)
    with np.errstate(over="ignore"):  # the float64 scales past float32's range round to inf
        xs = np.concatenate([scales, -scales, dense, tails, edge_points(dtype)]).astype(dtype)
    return np.concatenate([xs, special])


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", PAIRED)
def test_a_pair_gives_f_and_f_prime_bit_for_bit(name, dtype):
    """evaluate_pair against evaluate on each kernel: the same bits and dtype, on finite input (the
    pair's own arithmetic) and on input with infinities and NaN (where the two kernels go their own
    way), in one array and element by element; the pair's raw kernel on finite float64 too, and
    evaluate_pair_float64 (the chain's way for float64 layers) on float64 arrays."""
    spec = ACTIVATIONS[name]
    xs = _inputs(dtype)
    finite = xs[np.isfinite(xs)]
    for arr in (finite, xs, finite[:1].reshape(()), xs[-5:]):
        f, df = evaluate_pair(spec, arr, {})
        want_f, want_df = (
            evaluate(spec.numpy_f, spec.limits_f, arr, {}),
            evaluate(spec.numpy_df, spec.limits_df, arr, {}),
        )
        got_pairs = [(f, df)]
        if dtype == np.float64 and arr.ndim >= 1:
            got_pairs.append(evaluate_pair_float64(spec, arr, {}))
        for got, want in ((g, w) for pair in got_pairs for g, w in zip(pair, (want_f, want_df))):
            assert got.dtype == want.dtype and got.shape == want.shape
            assert got.tobytes() == want.tobytes(), name
    wide = finite.astype(np.float64)
    f, df = spec.numpy_f_df(wide)
    assert f.tobytes() == spec.numpy_f(wide).tobytes() and df.tobytes() == spec.numpy_df(wide).tobytes()


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", PAIRED)
def test_the_chain_through_a_pair_is_the_chain_through_the_two_kernels(name, dtype, monkeypatch):
    """From PAIR_INPUTS inputs on, the chain's forward pass takes f and f' from the pair, a layer at a
    time; below, f a layer at a time and f' a block of layers at a time. The same value, sign and
    log-magnitude either way, bit for bit, with 0, -0.0, +-inf and NaN among the inputs; and with a
    zero and a signed-zero weight, after which every gradient is a signed 0."""
    rng = np.random.default_rng(29)
    x = np.concatenate([[0.0, -0.0, np.inf, -np.inf, np.nan], rng.normal(0, 3, chain.PAIR_INPUTS)]).astype(dtype)
    # weights and biases that keep z above 1 once an input is past the first layer: relu's, the
    # shrinks' and threshold's chains stay live there, and die at inputs that start them below
    W, b = rng.uniform(0.5, 1.0, 60), rng.uniform(1.1, 1.6, 60)
    zeroed = W.copy()
    zeroed[[3, 4]] = [0.0, -0.0]
    calls = []
    monkeypatch.setattr(chain, "evaluate_pair", lambda *args: calls.append(args) or evaluate_pair(*args))
    # float64 layers go through evaluate_pair_float64, the same values without the dtype's checks
    monkeypatch.setattr(
        chain, "evaluate_pair_float64", lambda *args: calls.append(args) or evaluate_pair_float64(*args)
    )
    for weights in (W, zeroed):
        with np.errstate(invalid="ignore"):  # inf * 0 at a zero weight, in the forward pass both routes share
            monkeypatch.setattr(chain, "PAIR_INPUTS", x.size)
            paired = reference.chain_gradient(name, x, weights, b)
            assert len(calls) == W.size, "one pair call a layer"
            monkeypatch.setattr(chain, "PAIR_INPUTS", x.size + 1)
            blocks = reference.chain_gradient(name, x, weights, b)
            assert len(calls) == W.size, "no pair call below PAIR_INPUTS"
            calls.clear()
        assert (np.isfinite(paired.log_abs).mean() > 0.5) == (weights is W)  # most gradients live, or none
        for field in ("value", "sign", "log_abs"):
            ours, theirs = getattr(paired, field), getattr(blocks, field)
            assert ours.dtype == theirs.dtype and ours.tobytes() == theirs.tobytes(), field
