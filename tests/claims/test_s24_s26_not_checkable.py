"""S24-S26: the answer's sentences about history, the literature and how to read the question."""

import pytest

from reports.ledger import load
from tests.claims.verdicts import establishes

# Each reason points to the claims where the computable part of the sentence is checked, if any.
POINTS_TO = {"S24": ("S12", "S16", "S22"), "S25": (), "S26": ("S19",)}


@pytest.mark.parametrize("cid", [pytest.param(c, marks=pytest.mark.claim(c), id=c) for c in POINTS_TO])
def test_s24_s26_are_not_checkable_and_the_ledger_says_why(cid):
    establishes(cid, math="not-checkable", float="not-checkable")
    claim = load()[cid]
    assert claim.reason and claim.correction is None
    assert all(other in claim.reason for other in POINTS_TO[cid])
