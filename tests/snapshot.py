"""Reviewed snapshots: what the code produces, against a JSON file in tests/snapshots/ that a person
reviewed. A change is made on purpose: set the snapshot's variable to 1, run its test (it writes the
file and skips), then review the file's diff and commit it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

SNAPSHOTS = Path(__file__).parent / "snapshots"


def reviewed(name: str, variable: str, current: dict) -> dict:
    """The reviewed snapshot ``name``; with ``variable`` set, ``current`` is written in its place and the
    calling test skips. ``current`` goes through one JSON round trip first, as the file's content did."""
    path = SNAPSHOTS / f"{name}.json"
    if os.environ.get(variable):
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
        pytest.skip(f"wrote {path}; review its diff")
    return json.loads(path.read_text())


def assert_as_reviewed(current: dict, known: dict, variable: str, what: str = "") -> None:
    """The same entries as the reviewed snapshot, each equal to its reviewed form (named where not)."""
    assert sorted(current) == sorted(known)
    for name in known:
        assert current[name] == known[name], f"{what}{name} differs from the review: if on purpose, {variable}=1"


def as_json(value: dict) -> dict:
    """value as it reads back from JSON (tuples become lists)."""
    return json.loads(json.dumps(value))
