"""A kernel computed a cache-sized block at a time gives the values it gives on the whole array."""

import numpy as np
import pytest

import reference
from registry import get
from registry.numeric import CACHE_BLOCK, cache_blocked, evaluate, evaluate_float64
from tests.strategies import ACTIVATION_NAMES, edge_points

# Calibrates the instruments (a route gives the same values however the array is cut); establishes no claim.
pytestmark = pytest.mark.instrument


def test_evaluate_hands_a_cache_blocked_kernel_its_blocks_in_order_each_checked_for_infinities():
    seen = []

    def kernel(x, scale):
        seen.append(x.copy())
        return x * scale

    x = np.arange(3 * CACHE_BLOCK + 6, dtype=np.float32).reshape(2, -1)
    x[1, -1] = np.inf  # in the last block only: that block alone goes the masked way
    got = evaluate(cache_blocked(kernel), lambda scale: (-np.inf, 7.0), x, {"scale": 0.5})
    assert [s.dtype for s in seen] == [np.float64] * 4
    assert [s.size for s in seen] == [CACHE_BLOCK] * 3 + [6]
    assert np.array_equal(np.concatenate(seen), np.where(np.isfinite(x), x, 0.0).reshape(-1))
    assert got.shape == x.shape and got.dtype == np.float32
    assert np.array_equal(got, np.where(np.isfinite(x), x * np.float32(0.5), 7.0))
    seen.clear()
    assert np.array_equal(evaluate(kernel, lambda scale: (-np.inf, 7.0), x, {"scale": 0.5}), got) and len(seen) == 1
    seen.clear()
    small = np.arange(CACHE_BLOCK, dtype=np.float64)
    assert np.array_equal(evaluate(cache_blocked(kernel), None, small, {"scale": 2.0}), small * 2.0) and len(seen) == 1


def _long_input() -> np.ndarray:
    """Two blocks and a part: the edge cases, a spread of magnitudes, and the bulk near 0, shuffled."""
    rng = np.random.default_rng(5)
    size = 2 * CACHE_BLOCK + 1001
    spread = rng.choice([-1.0, 1.0], size // 4) * 10.0 ** rng.uniform(-310, 308, size // 4)
    edges = np.tile(edge_points(np.float64), 8)
    bulk = rng.normal(0.0, 5.0, size - spread.size - edges.size)
    return rng.permutation(np.concatenate([spread, edges, bulk]))


@pytest.mark.parametrize("kind", ["f", "df"])
@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_evaluate_float64_gives_what_evaluate_gives_a_float64_array(name, kind):
    """The chain's way for float64 layers skips evaluate's dtype and shape conversions: the same bits,
    finite or not, 1-d and 2-d, within one cache block and across several."""
    spec = get(name)
    kernel, limits = getattr(spec, f"numpy_{kind}"), getattr(spec, f"limits_{kind}")
    ends = np.concatenate([edge_points(np.float64), [np.inf, -np.inf, np.nan]])
    long = np.random.default_rng(8).normal(0.0, 30.0, CACHE_BLOCK + 6)
    long[: ends.size] = ends
    for xs in (ends, ends[np.isfinite(ends)], ends[:12].reshape(3, 4), long, long.reshape(2, -1)):
        got, want = evaluate_float64(kernel, limits, xs, spec.bind()), evaluate(kernel, limits, xs, spec.bind())
        assert got.dtype == want.dtype and got.shape == want.shape and got.tobytes() == want.tobytes()


@pytest.mark.parametrize("route", [reference.activation, reference.derivative], ids=["f", "df"])
@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_a_long_array_gets_the_values_of_its_short_pieces_bit_for_bit(name, route):
    """Every route on an array longer than a block (kernels cache-blocked or not) equals the same route
    on pieces of 1,000 elements, each below a block; NaN in the same places."""
    x = _long_input()
    whole = route(name, x)
    pieces = np.concatenate([route(name, x[i : i + 1000]) for i in range(0, x.size, 1000)])
    assert whole.tobytes() == pieces.tobytes()


SAFE = [
    (name, kind, spec)
    for name in ACTIVATION_NAMES
    for kind, spec in (("f", get(name).numpy_f), ("df", get(name).numpy_df))
    if getattr(spec, "nonfinite_safe", False)
]


@pytest.mark.parametrize(("name", "kind", "kernel"), SAFE, ids=[f"{n}-{k}" for n, k, _ in SAFE])
def test_a_nonfinite_safe_kernel_gives_the_limits_and_nan_itself_without_a_flag(name, kind, kernel):
    """The kernel alone, not through evaluate(): -inf, +inf and NaN give the limits and NaN, and no
    floating-point flag is raised (np.errstate raises on every one)."""
    spec = get(name)
    limits = (spec.limits_f if kind == "f" else spec.limits_df)(**spec.bind())
    with np.errstate(all="raise"):
        got = kernel(np.array([-np.inf, np.inf, np.nan, 1.0]), **spec.bind())
    assert got[0] == limits[0] and got[1] == limits[1] and np.isnan(got[2]) and np.isfinite(got[3])


@pytest.mark.parametrize("safe", [True, False])
def test_only_a_nonfinite_safe_kernel_is_handed_infinities_and_nan(safe):
    seen = []

    def kernel(x):
        seen.append(x.copy())
        return np.zeros_like(x)

    x = np.array([-np.inf, np.inf, np.nan, 2.0])
    got = evaluate(cache_blocked(kernel, nonfinite_safe=safe), lambda: (-1.0, 1.0), x, {})
    handed = seen[0]
    if safe:  # the kernel's own values stand, limits included
        assert handed[0] == -np.inf and handed[1] == np.inf and np.isnan(handed[2]) and np.array_equal(got, np.zeros(4))
    else:
        assert np.array_equal(handed, [0.0, 0.0, 0.0, 2.0]) and np.array_equal(
            got, [-1.0, 1.0, np.nan, 0.0], equal_nan=True
        )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_writes_out_kernel_fills_the_result_itself_only_where_nothing_is_left_to_round(dtype):
    """float64 blocks of finite values are written by the kernel straight into the result (out= is a
    view of it, in order); a block with an infinity goes the masked way and is copied in, and a
    float32 result is rounded from the kernel's own float64 array: the values are the same either way."""
    handed = []

    def kernel(x, scale, out=None):
        handed.append(out)
        return np.multiply(x, scale, out=out)

    x = np.arange(2 * CACHE_BLOCK + 6, dtype=dtype)
    x[-1] = np.inf  # the last block only
    got = evaluate(cache_blocked(kernel, writes_out=True), lambda scale: (-np.inf, 7.0), x, {"scale": 0.5})
    assert np.array_equal(got, np.where(np.isfinite(x), x * dtype(0.5), 7.0)) and got.dtype == dtype
    assert handed[-1] is None  # the masked block
    if dtype is np.float64:
        assert [np.shares_memory(out, got) for out in handed[:-1]] == [True, True]
        assert handed[0].size == CACHE_BLOCK and handed[1][0] == got[CACHE_BLOCK]
    else:
        assert handed == [None, None, None]
