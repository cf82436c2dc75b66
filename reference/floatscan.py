"""Where a float predicate holds: a threshold only where the predicate is shown monotone on its
bracket, else the exact set of maximal intervals, from a scan of every float of the bracket; and
the first depth at which a chain's predicate (say, dy/dW1 == 0) holds.

Floats are walked in order by a key: the bit pattern mapped so that integer order is float order
(-0.0 and +0.0 are neighbours). Predicates are vectorized: an array of the dtype in, bools out.
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np

from reports.format import number

UINT = {2: np.uint16, 4: np.uint32, 8: np.uint64}
EXHAUSTIVE = 1 << 22  # brackets up to this many floats are scanned whole
WINDOW = 1 << 20  # otherwise every float this close to the edge, on either side ...
SPREAD = 1 << 16  # ... and this many spread evenly over the bracket
CHUNK = 1 << 22


class NotMonotone(AssertionError):
    """The predicate changes more than once on the bracket: report its intervals, not a threshold."""

    def __init__(self, message: str, x: float | None = None) -> None:
        super().__init__(message)
        self.x = x  # a float past the edge where the predicate has the other value


@dataclass(frozen=True)
class Threshold:
    edge: float  # the smallest float of the bracket where the predicate holds
    checked: int  # floats at which monotonicity was checked
    exhaustive: bool
    window: int = WINDOW
    spread: int = SPREAD

    @property
    def coverage(self) -> str:
        if self.exhaustive:
            return f"monotone on every one of the {number(self.checked)} floats of the bracket"
        return (
            f"monotone on {number(self.checked)} floats: every float within {number(self.window)} of the edge "
            f"and {number(self.spread)} spread evenly over the bracket"
        )


def _sign(dtype: np.dtype) -> int:
    return 1 << (8 * dtype.itemsize - 1)


def key_of(value: float, dtype) -> int:
    dtype = np.dtype(dtype)
    bits = int(np.asarray(value, dtype=dtype).view(UINT[dtype.itemsize]))
    sign = _sign(dtype)
    return (sign - 1 - (bits & (sign - 1))) if bits & sign else bits + sign


def values_of(keys: np.ndarray, dtype) -> np.ndarray:
    """The floats of dtype with these keys (a uint64 array)."""
    dtype = np.dtype(dtype)
    sign = np.uint64(_sign(dtype))
    keys = np.asarray(keys, dtype=np.uint64)
    # Both branches are computed and wrap where unused (unsigned arithmetic: defined, no warning).
    bits = np.where(keys >= sign, keys - sign, (sign - np.uint64(1) - keys) | sign)
    return bits.astype(UINT[dtype.itemsize]).view(dtype)


def _holds(predicate, keys: np.ndarray, dtype) -> np.ndarray:
    return np.asarray(predicate(values_of(keys, dtype)), dtype=bool)


def _key_range(a: int, b: int):
    for start in range(a, b + 1, CHUNK):
        yield np.arange(start, min(start + CHUNK, b + 1), dtype=np.uint64)


def float_threshold(
    predicate, lo: float, hi: float, dtype, window: int = WINDOW, spread: int = SPREAD, levels: int = 1
) -> Threshold:
    """The first float of dtype in [lo, hi] where predicate holds, for a predicate false at lo and
    true at hi, found by bisection and then checked monotone (false below the edge, true from it):
    at every float of the bracket when it has at most EXHAUSTIVE of them, else at every float within
    ``window`` of the edge and at ``spread`` floats spread over the bracket. NotMonotone otherwise.

    ``levels`` > 1 hands the predicate, in one call, every midpoint the next ``levels`` steps of the
    bisection could probe (2^levels - 1 of them), then takes the steps: the same edge in a sixth of the
    calls at levels = 6, for a predicate whose value at a float does not depend on the other floats of
    its call. (Some do: torch's elu' takes a scalar kernel for a lone element.)"""
    dtype = np.dtype(dtype)
    first, last = key_of(lo, dtype), key_of(hi, dtype)
    a, b = first, last
    ends = _holds(predicate, np.array([a, b], dtype=np.uint64), dtype)
    assert not ends[0] and ends[1], f"predicate must be false at {lo} and true at {hi}"
    while b - a > 1:
        probes = _bisection_probes(a, b, levels)
        held = dict(zip(probes, _holds(predicate, np.array(probes, dtype=np.uint64), dtype).tolist()))
        for _ in range(levels):
            if b - a <= 1:
                break
            mid = (a + b) // 2
            a, b = (a, mid) if held[mid] else (mid, b)
    edge = b
    exhaustive = last - first + 1 <= EXHAUSTIVE
    if exhaustive:
        groups = list(_key_range(first, last))
    else:
        even = np.unique(np.linspace(first, last, spread).astype(np.uint64))
        even = even[(even >= first) & (even <= last)]
        groups = [*_key_range(max(first, edge - window), min(last, edge + window)), even]
    checked = 0
    for keys in groups:
        wrong = _holds(predicate, keys, dtype) != (keys >= edge)
        if wrong.any():
            x = values_of(keys[wrong][:1], dtype)[0]
            raise NotMonotone(
                f"predicate is {not bool(keys[wrong][0] >= edge)} at x = {float(x)!r} past the edge", x=float(x)
            )
        checked += keys.size
    return Threshold(float(values_of(np.array([edge], dtype=np.uint64), dtype)[0]), checked, exhaustive, window, spread)


def _bisection_probes(a: int, b: int, levels: int) -> list[int]:
    """Every key bisection of the bracket (a, b) may probe in its next ``levels`` steps, ascending."""
    probes, brackets = [], [(a, b)]
    for _ in range(levels):
        brackets = [pair for lo, hi in brackets if hi - lo > 1 for pair in ((lo, (lo + hi) // 2), ((lo + hi) // 2, hi))]
        probes += [hi for _, hi in brackets[::2]]
    return sorted(probes)


def float_intervals(predicate, lo: float, hi: float, dtype, limit: int = 1 << 27) -> list[list[float]]:
    """Every maximal interval [a, b] of consecutive floats of dtype in [lo, hi] where predicate holds,
    from a scan of every float of the bracket (at most ``limit`` of them)."""
    dtype = np.dtype(dtype)
    first, last = key_of(lo, dtype), key_of(hi, dtype)
    assert last - first + 1 <= limit, f"{last - first + 1} floats is more than a whole scan allows ({limit})"
    starts, ends = [], []
    for keys in _key_range(first, last):
        held = _holds(predicate, keys, dtype)
        change = np.flatnonzero(np.diff(np.concatenate([[False], held, [False]]).astype(np.int8)))
        starts.append(keys[change[::2]])
        ends.append(keys[change[1::2] - 1])
    starts, ends = np.concatenate(starts), np.concatenate(ends)
    # A run that ends where the next chunk's first run starts is one run.
    joined = np.flatnonzero(starts[1:] == ends[:-1] + np.uint64(1))
    starts, ends = np.delete(starts, joined + 1), np.delete(ends, joined)
    return [[a, b] for a, b in zip(values_of(starts, dtype).tolist(), values_of(ends, dtype).tolist())]


def round_exact(value: mpmath.mpf, dtype) -> float:
    """An exact value rounded once to the nearest float of dtype (normal range), as a Python float."""
    with mpmath.workprec(int(np.finfo(dtype).nmant) + 1):
        return float(+value)


def correctly_rounded_threshold(exact, test, lo: float, hi: float, dtype) -> float:
    """The first float x of dtype in [lo, hi] where test(round_exact(exact(x))) holds: the threshold of
    a correctly rounded implementation. Bisection alone: the caller shows the exact function monotone
    on the bracket (rounding to nearest is monotone, so the predicate is too)."""
    dtype = np.dtype(dtype)

    def holds(k: int) -> bool:
        x = float(values_of(np.array([k], dtype=np.uint64), dtype)[0])
        return bool(test(round_exact(exact(x), dtype)))

    a, b = key_of(lo, dtype), key_of(hi, dtype)
    assert not holds(a) and holds(b), f"predicate must be false at {lo} and true at {hi}"
    while b - a > 1:
        mid = (a + b) // 2
        a, b = (a, mid) if holds(mid) else (mid, b)
    return float(values_of(np.array([b], dtype=np.uint64), dtype)[0])


def first_depth(holds, limit: int = 10_000, local: int = 20) -> int | None:
    """The smallest depth n <= limit where holds(n), for a predicate that stays true once true: found
    by bisection, then checked locally (n - 1 false, n .. n + local true). None if false at limit."""
    if not holds(limit):
        return None
    lo, hi = 1, limit
    if holds(lo):
        return lo
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if holds(mid) else (mid, hi)
    assert not holds(hi - 1) and all(holds(k) for k in range(hi, min(hi + local, limit) + 1))
    return hi
