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


def find_counterexample(
    claim_id: str, strategy, condition, describe, label: str, key: str | None = None, kind: str = "counterexample"
):
    """The minimal example Hypothesis shrinks to where ``condition`` holds, recorded as evidence
    (under ``key`` for the ledger's prose to cite; as another ``kind`` where it illustrates rather
    than refutes).

    ``describe(example)`` returns the dict of numbers that the evidence shows.
    """
    example = find(strategy, condition, settings=SEARCH)
    keyed = {"key": key} if key else {}
    evidence.record(claim_id, kind, label=label, **keyed, example=describe(example))
    return example


def find_float_counterexample(
    claim_id: str, route, name: str, dtype, fails, label: str, low=None, high=None, key: str | None = None
):
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
        key=key,
    )
