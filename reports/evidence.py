"""A session-wide recorder of evidence: tests call record(claim_id, kind, ...), the plugin collects it.

Module state rather than a pytest fixture because Hypothesis forbids function-scoped fixtures
in @given tests, and record_property inside @given trips a health check.
"""

from __future__ import annotations

import math
from typing import Any

KINDS = ("counterexample", "symbolic", "numeric", "table", "figure", "statistic")

_RECORDED: dict[str, list[dict]] = {}


def record(claim_id: str, kind: str, **payload: Any) -> None:
    """Attach one piece of evidence to a claim; payload must be JSON-able after ``plain``."""
    if kind not in KINDS:
        raise ValueError(f"evidence kind {kind!r}; valid: {', '.join(KINDS)}")
    item = {"kind": kind, **{k: plain(v) for k, v in payload.items()}}
    bucket = _RECORDED.setdefault(claim_id, [])
    if item not in bucket:  # a test re-run by Hypothesis must not duplicate its evidence
        bucket.append(item)


def recorded() -> dict[str, list[dict]]:
    return _RECORDED


def clear() -> None:
    _RECORDED.clear()


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
