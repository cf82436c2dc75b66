"""The threshold and interval finders on predicates with known answers: a threshold only where the
predicate is monotone, exact maximal intervals otherwise, float order with -0.0 next to +0.0."""

import numpy as np
import pytest

from reference import floatscan
from reference.floatscan import (
    NotMonotone,
    first_depth,
    float_intervals,
    float_threshold,
    key_of,
    values_of,
)

pytestmark = pytest.mark.instrument


@pytest.mark.parametrize("dtype", (np.float16, np.float32, np.float64))
def test_keys_order_floats_as_numbers_with_signed_zeros_adjacent(dtype):
    info = np.finfo(dtype)
    xs = [-np.inf, -info.max, -1.0, -info.smallest_subnormal, -0.0, 0.0, info.smallest_subnormal, 1.0, np.inf]
    keys = [key_of(v, dtype) for v in xs]
    assert keys == sorted(keys) and len(set(keys)) == len(keys) and keys[5] - keys[4] == 1
    back = values_of(np.array(keys, dtype=np.uint64), dtype)
    assert [float(v) for v in back] == [float(dtype(v)) for v in xs]
    assert np.signbit(back[4]) and not np.signbit(back[5])


def test_a_monotone_predicate_gives_its_exact_edge_and_coverage():
    found = float_threshold(lambda v: v >= 1.5, 0.0, 4.0, np.float16)
    assert found.edge == 1.5 and found.exhaustive and "every one of the" in found.coverage
    wide = float_threshold(lambda v: v >= 1e-3, 0.0, 1.0, np.float64)
    assert wide.edge == 1e-3 and not wide.exhaustive and wide.checked > 2 * 1_000_000
    # A bracket of a few hundred floats is scanned whole wherever its floats lie (keys near 2^62 here).
    lo, hi = 1.0, 1.0 + 600 * 2.0**-52
    narrow = float_threshold(lambda v: v >= 1.0 + 200 * 2.0**-52, lo, hi, np.float64)
    assert narrow.edge == 1.0 + 200 * 2.0**-52 and narrow.exhaustive and narrow.checked == 601


def test_a_bracket_is_scanned_whole_up_to_exhaustive_floats_and_no_further(monkeypatch):
    """EXHAUSTIVE counts the bracket's floats, both ends included: 601 floats are scanned whole at a
    limit of 601, and at 600 only the window around the edge and the spread are."""
    lo, hi, edge = 1.0, 1.0 + 600 * 2.0**-52, 1.0 + 200 * 2.0**-52
    for limit, whole in ((601, True), (600, False)):
        monkeypatch.setattr(floatscan, "EXHAUSTIVE", limit)
        found = float_threshold(lambda v: v >= edge, lo, hi, np.float64, window=8, spread=16)
        assert found.edge == edge and found.exhaustive is whole
        # Not whole: the 17 floats within 8 of the edge, and the spread's (which collapse to a few here:
        # linspace over keys near 2^62 rounds them to float64's spacing there).
        assert found.checked == 601 if whole else 17 <= found.checked < 601


@pytest.mark.parametrize("dtype", (np.float16, np.float32, np.float64))
def test_a_predicate_that_changes_twice_is_not_given_a_threshold(dtype):
    # true on [1, 2) and from 3 on: bisection from (0, 4) alone would report one edge; the error names
    # a float where the predicate has the value its side of the edge should not have, and that value
    def twice(v):
        return ((v >= 1) & (v < 2)) | (v >= 3)

    with pytest.raises(NotMonotone) as err:
        float_threshold(twice, 0.0, 4.0, dtype)
    said = bool(twice(np.array([err.value.x], dtype=dtype))[0])
    assert f"predicate is {said} at x = {err.value.x!r} past the edge" in str(err.value)
    # a single stray float next to the edge is caught by the window around it
    edge = dtype(1.0)
    stray = np.nextafter(edge, dtype(0))
    stray = np.nextafter(np.nextafter(stray, dtype(0)), dtype(0))
    with pytest.raises(NotMonotone, match=r"predicate is True at x = ") as err:
        float_threshold(lambda v: (v >= edge) | (v == stray), 0.0, 4.0, dtype)
    assert err.value.x == float(stray)


def test_bisection_levels_find_bisections_edge_in_fewer_calls():
    """levels = 6 probes, in one call, every midpoint of bisection's next six steps: the same edge (and,
    where the predicate changes twice, the same NotMonotone at the same float) in a sixth of the calls
    to bisect."""
    sizes: dict[int, list[int]] = {1: [], 6: []}

    def counted(levels, predicate):
        def holds(v):
            sizes[levels].append(v.size)
            return predicate(v)

        return holds

    def twice(v):
        return ((v >= 0.25) & (v < 0.3)) | (v >= 0.5)

    for predicate in (lambda v: v >= 1e-3, twice):
        found = {}
        for levels in sizes:
            sizes[levels].clear()
            try:
                found[levels] = float_threshold(counted(levels, predicate), 0.0, 1.0, np.float64, 8, 5, levels=levels)
            except NotMonotone as err:
                found[levels] = err.x
        assert found[6] == found[1]
        assert len(sizes[6]) < len(sizes[1]) / 4 and max(sizes[6][1:-2]) == 63 == 2**6 - 1
    assert float_threshold(lambda v: v >= 1e-3, 0.0, 1.0, np.float64, 8, 5, levels=6).edge == 1e-3
    # Bracket (0, 8), two levels: 4, then 2 or 6. (0, 3), three: 1, then 2 (and (0, 1) has no midpoint).
    assert floatscan._bisection_probes(0, 8, 2) == [2, 4, 6] and floatscan._bisection_probes(0, 3, 3) == [1, 2]


def test_intervals_are_exact_maximal_runs_of_floats():
    found = float_intervals(lambda v: ((np.abs(v) >= 1) & (np.abs(v) < 2)) | (v == 8), -4.0, 8.0, np.float16)
    below_two = float(np.nextafter(np.float16(2), np.float16(0)))
    assert found == [[-below_two, -1.0], [1.0, below_two], [8.0, 8.0]]
    assert float_intervals(lambda v: v != v, -1.0, 1.0, np.float16) == []


@pytest.mark.parametrize("chunk", (1, 2, 3, 7, 1 << 22))
def test_intervals_do_not_depend_on_the_scan_chunk(monkeypatch, chunk):
    """A run that crosses from one chunk of the scan into the next is one run; every other
    float held gives as many one-float runs."""
    monkeypatch.setattr(floatscan, "CHUNK", chunk)
    found = float_intervals(lambda v: ((np.abs(v) >= 1) & (np.abs(v) < 2)) | (v == 8), -4.0, 8.0, np.float16)
    below_two = float(np.nextafter(np.float16(2), np.float16(0)))
    assert found == [[-below_two, -1.0], [1.0, below_two], [8.0, 8.0]]
    every_other = float_intervals(lambda v: v.view(np.uint16) % 2 == 0, 1.0, 2.0, np.float16)
    assert every_other == [[float(v), float(v)] for v in np.arange(1, 2.0001, 2**-9, dtype=np.float16)]


def test_first_depth_is_the_edge_of_a_predicate_that_stays_true():
    assert first_depth(lambda n: n >= 37) == 37
    assert first_depth(lambda n: False, limit=50) is None
    with pytest.raises(AssertionError):
        first_depth(lambda n: n >= 37 and n != 50)  # false again inside the local check
    assert first_depth(lambda n: True) == 1  # true from the first depth


@pytest.mark.parametrize("dtype", (np.float16, np.float32, np.float64))
def test_the_correctly_rounded_threshold_of_a_square(dtype):
    """The first x in [1, 2] whose square, rounded once to the dtype, is at least 2. IEEE multiplication
    rounds the exact product once, so the dtype's own x * x finds the same float, stepping up from
    below sqrt 2."""
    import mpmath

    x = np.nextafter(dtype(np.sqrt(2.0)), dtype(0), dtype=dtype)
    for _ in range(4):
        x = np.nextafter(x, dtype(0), dtype=dtype)
    while not x * x >= 2:
        x = np.nextafter(x, dtype(2), dtype=dtype)
    found = floatscan.correctly_rounded_threshold(lambda t: mpmath.mpf(t) ** 2, lambda v: v >= 2, 1.0, 2.0, dtype)
    assert found == float(x) and floatscan.round_exact(mpmath.mpf(found) ** 2, dtype) == float(x * x)


def test_a_threshold_states_the_floats_its_monotone_check_covered():
    whole = float_threshold(lambda v: v >= 1.5, 1.0, 2.0, np.float16)
    assert whole.coverage == "monotone on every one of the 1,025 floats of the bracket"
    part = float_threshold(lambda v: v >= 1.5, 1.0, 2.0, np.float64, window=8, spread=5)
    assert (
        part.coverage == "monotone on 22 floats: every float within 8 of the edge and 5 spread evenly over the bracket"
    )


def test_a_predicate_may_answer_in_any_truth_values():
    """What a predicate returns is read as truth values: 0 and 2 (a count, say) find the same edge
    and intervals as the booleans."""
    as_counts = float_threshold(lambda v: 2 * (v >= 1.5), 0.0, 4.0, np.float16)
    assert as_counts.edge == float_threshold(lambda v: v >= 1.5, 0.0, 4.0, np.float16).edge == 1.5
    window = [[1.0, float(np.nextafter(np.float16(2), np.float16(0)))]]
    assert float_intervals(lambda v: 2 * ((v >= 1) & (v < 2)), -4.0, 8.0, np.float16) == window


def test_a_bracket_of_more_floats_than_a_scan_allows_is_refused_with_their_count():
    """[1, 2] holds 2^23 + 1 float32 values: with a limit of 10 the scan says how many it was asked for."""
    with pytest.raises(AssertionError, match=r"^8388609 floats is more than a whole scan allows \(10\)$"):
        floatscan.float_intervals(lambda x: x > 0, 1.0, 2.0, np.float32, limit=10)
