"""Numbers as text: the one place that decides how a measured value reads in prose and tables."""

from __future__ import annotations

import math

DEFAULT_DIGITS = 3


def number(value: object, digits: int = DEFAULT_DIGITS) -> str:
    """``value`` to ``digits`` significant digits: 18.99, 9.48e-9, 1.7e7; integers in full (7,913).

    Plain decimals between 1e-3 and 1e5, scientific notation outside; trailing zeros dropped.
    Non-finite values as results.json stores them ("nan", "inf", "-inf") read NaN, ∞, -∞.
    """
    if isinstance(value, bool):
        raise TypeError("a bool is not a number to print")
    if isinstance(value, str):
        special = {"nan": "NaN", "inf": "∞", "-inf": "-∞"}
        if value in special:
            return special[value]
        raise TypeError(f"{value!r} is not a number")
    if isinstance(value, int):
        return f"{value:,}"
    if not isinstance(value, float):
        raise TypeError(f"{value!r} is not a number")
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e5:
        text = f"{value:.{digits}g}"
        if "e" not in text:
            return text
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
    return f"{mantissa}e{int(exponent)}"
