"""What a claim test establishes, tied to the ledger, and the counterexample search it records."""

from __future__ import annotations

import numpy as np
from hypothesis import find, settings
from hypothesis.extra.numpy import from_dtype

from reports import evidence
from reports.ledger import load

# find() under a fixed derandomized search: the same counterexample on every run.
SEARCH = settings(derandomize=True, database=None, max_examples=3000, deadline=None)


def establishes(claim_id: str, **verdict: str | None) -> None:
    """The ledger must declare what this test shows (math=..., float=...): edit one, the other fails."""
    claim = load()[claim_id]
    for kind, value in verdict.items():
        declared = getattr(claim, kind)
        assert declared == value, f"{claim_id}: the ledger says {kind}={declared!r}, this test shows {value!r}"


def find_counterexample(claim_id: str, strategy, condition, describe, label: str):
    """The minimal example Hypothesis shrinks to where ``condition`` holds, recorded as evidence.

    ``describe(example)`` returns the dict of numbers that the evidence shows.
    """
    example = find(strategy, condition, settings=SEARCH)
    evidence.record(claim_id, "counterexample", label=label, example=describe(example))
    return example


def float_threshold(predicate, lo: float, hi: float, dtype) -> float:
    """The smallest float x of dtype in [lo, hi] with predicate(x) true, for a predicate that is
    false at lo, true at hi and monotone between: bisection on the ordered bit patterns."""
    dtype = np.dtype(dtype)
    uint = {2: np.uint16, 4: np.uint32, 8: np.uint64}[dtype.itemsize]

    def key(v: float) -> int:
        bits = int(np.asarray(v, dtype=dtype).view(uint))
        sign = 1 << (8 * dtype.itemsize - 1)
        return (sign - 1 - (bits & (sign - 1))) if bits & sign else bits + sign

    def value(k: int) -> float:
        sign = 1 << (8 * dtype.itemsize - 1)
        bits = k - sign if k >= sign else (sign - 1 - k) | sign
        return float(np.asarray(bits, dtype=uint).view(dtype))

    a, b = key(lo), key(hi)
    assert not predicate(value(a)) and predicate(value(b)), "predicate must be false at lo and true at hi"
    while b - a > 1:
        mid = (a + b) // 2
        if predicate(value(mid)):
            b = mid
        else:
            a = mid
    return value(b)


def find_float_counterexample(claim_id: str, route, name: str, dtype, fails, label: str, low=None, high=None):
    """The shrunk float x of dtype (finite, in [low, high] if given) where fails(x, route(name, x))
    holds, for a NumPy route (reference.activation or reference.derivative); recorded as evidence."""
    dtype = np.dtype(dtype)
    bounds = {"allow_nan": False, "allow_infinity": False} if low is None else {"min_value": low, "max_value": high}
    return find_counterexample(
        claim_id,
        from_dtype(dtype, **bounds),
        lambda v: fails(v, route(name, v)),
        lambda v: {
            "activation": name,
            "dtype": dtype.name,
            "x": float(v),
            f"numpy_{route.__name__}": float(route(name, v)),
        },
        label=label,
    )
