"""A session-wide recorder of evidence: tests call record(claim_id, kind, ...), the plugin collects it.

Module state rather than a pytest fixture because Hypothesis forbids function-scoped fixtures
in @given tests, and record_property inside @given trips a health check.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

KINDS = ("counterexample", "symbolic", "numeric", "table", "figure", "statistic")

_RECORDED: dict[str, list[dict]] = {}
# Per claim, for each item, the collection index of the test that recorded it (-1: outside any
# test). Items from parallel workers are put in this order, so results.json is the same however
# the tests were spread (merged).
_ORIGINS: dict[str, list[int]] = {}
_origin = -1


def set_origin(index: int) -> None:
    """The collection index of the test now running (the plugin sets it around each test)."""
    global _origin
    _origin = index


def record(claim_id: str, kind: str, **payload: Any) -> None:
    """Attach one piece of evidence to a claim; payload must be JSON-able after ``plain``."""
    if kind not in KINDS:
        raise ValueError(f"evidence kind {kind!r}; valid: {', '.join(KINDS)}")
    item = {"kind": kind, **{k: plain(v) for k, v in payload.items()}}
    bucket = _RECORDED.setdefault(claim_id, [])
    if item not in bucket:  # a test re-run by Hypothesis must not duplicate its evidence
        bucket.append(item)
        _ORIGINS.setdefault(claim_id, []).append(_origin)


def recorded_with_origins() -> dict[str, list[list]]:
    """Per claim, [origin, item] pairs in the order recorded: what a parallel worker hands on."""
    return {cid: [[o, item] for o, item in zip(_ORIGINS[cid], items)] for cid, items in _RECORDED.items()}


def merged(parts: list[dict[str, list[list]]]) -> dict[str, list[dict]]:
    """Evidence from several processes (recorded_with_origins each), per claim in the order of the
    tests that recorded it, each item once: what one process running every test would have."""
    out: dict[str, list[dict]] = {}
    for cid in sorted({cid for part in parts for cid in part}):
        pairs = [pair for part in parts for pair in part.get(cid, [])]
        bucket = out.setdefault(cid, [])
        for _, item in sorted(pairs, key=lambda pair: pair[0]):  # stable: a test's items keep their order
            if item not in bucket:
                bucket.append(item)
    return out


def clear() -> None:
    _RECORDED.clear()
    _ORIGINS.clear()


@contextmanager
def kept() -> Iterator[None]:
    """What was recorded before the block is what stands after it: a pytest session run inside
    another (the plugin's own tests) clears the recorder and fills it with its own evidence."""
    global _origin
    recorded = {cid: list(items) for cid, items in _RECORDED.items()}
    origins = {cid: list(o) for cid, o in _ORIGINS.items()}
    origin = _origin
    try:
        yield
    finally:
        clear()
        _RECORDED.update(recorded)
        _ORIGINS.update(origins)
        _origin = origin


def plain(value: Any) -> Any:
    """JSON-able copy: numpy scalars to Python, non-finite floats to strings, tuples to lists."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)
