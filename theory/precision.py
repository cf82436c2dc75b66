"""The exact route's precision rules, shared by both ways of evaluating (theory/mp.py, mpmath at
doubling precision; theory/arb.py, arb balls): digits, and the same in bits, bits(d) = ceil(d log2 10)."""

from __future__ import annotations

import math

START_DPS = 50
MAX_DPS = 3200
AGREE_DIGITS = 45  # correct digits of every exact value
# |value| below 10^-BELOW_FLOATS_EXP10 (76 orders under the least float64 subnormal) rounds to 0 in
# every dtype; from BELOW_FLOATS_DPS digits on, a value that cancellation keeps that small is 0.
BELOW_FLOATS_EXP10 = 400
BELOW_FLOATS_DPS = 800


def bits(digits: int) -> int:
    """The bits that hold ``digits`` decimal digits."""
    return math.ceil(digits * math.log2(10))


AGREE_BITS = bits(AGREE_DIGITS)
MAX_BITS = bits(MAX_DPS)
BELOW_FLOATS_BITS = bits(BELOW_FLOATS_DPS)
