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


# Column names as evidence records them, where the plain-words rule below would not say the unit.
LABELS = {
    "what": "what",
    "worst_ulps": "worst error (ulps)",
    "worst_x": "worst at x",
    "ulps": "error (ulps)",
    "wrongly_zero": "wrongly zero on x in",
    "nan_or_inf_for_finite_x": "NaN or ∞ at x",
    "small |x| < 1": "|x| < 1: worst (ulps)",
    "moderate 1 <= |x| < 20": "1 ≤ |x| < 20: worst (ulps)",
    "saturated |x| >= 20": "|x| ≥ 20: worst (ulps)",
    "duration_s": "time (s)",
    "dy_dW1": "dy/dW1",
}
# (how a field name ends, its unit, whether the ending is the unit's name and goes into the brackets)
UNITS = (("_ulps", "ulps", True), ("_s", "s", True), ("depth", "layers", False))


def column_label(key: str) -> str:
    """An evidence field as a column heading: words instead of identifiers, the unit in brackets
    ("worst_ulps" -> "worst error (ulps)", "max_abs_ulps" -> "max abs (ulps)", "example.depth" ->
    "depth (layers)")."""
    key = key.removeprefix("example.")
    if key in LABELS:
        return LABELS[key]
    for ending, unit, named in UNITS:
        if key.endswith(ending):
            words = key.removesuffix(ending) if named else key
            return f"{words.replace('_', ' ').replace('.', ' · ')} ({unit})"
    return key.replace("_", " ").replace(".", " · ")


CONSTANT_LENGTH = 24  # digits past which a constant is set apart in monospace


def is_constant(text: str) -> bool:
    """A long constant written out: "1.6732632423543772848170429916717", or an exact fraction "8790.../5000..."."""
    return len(text) >= CONSTANT_LENGTH and all(ch in "0123456789.-+e/" for ch in text)


def interval(pair: list, digits: int = DEFAULT_DIGITS) -> str:
    """[a, b] with as many digits as it takes for a and b to read apart (up to 17, which tells any
    two doubles apart); a single float (a == b) as the set {a}."""
    a, b = pair
    if a == b:
        return f"{{{number(a, digits)}}}"
    while digits < 17 and number(a, digits) == number(b, digits):
        digits += 1
    return f"[{number(a, digits)}, {number(b, digits)}]"


def relative_width(pair: list) -> float:
    """(b - a) / max(|a|, |b|): proportional, within a binade, to the count of floats in [a, b], so that
    a run far out does not outrank a longer one near the origin by its magnitude alone."""
    a, b = pair
    scale = max(abs(a), abs(b))
    return (b - a) / scale if scale else 0.0


def intervals(
    pairs: list, shown: int = 3, digits: int = DEFAULT_DIGITS, total: int | None = None, within: list | None = None
) -> str:
    """Closed intervals as "[a, b]; {c}", or "none"; past ``shown`` of them (or of ``total``, when
    ``pairs`` are the widest of that many, all lying ``within`` [lo, hi]), the ``shown`` widest
    (relative_width) in ascending order and how many more there are, so that thousands of short runs
    read as one line."""
    if not pairs:
        return "none"
    total = max(total or 0, len(pairs))
    if total <= shown:
        return "; ".join(interval(p, digits) for p in pairs)
    widest = sorted(sorted(pairs, key=relative_width, reverse=True)[:shown])
    lo, hi = within or (min(p[0] for p in pairs), max(p[1] for p in pairs))
    more = f"{total - len(widest):,} more runs, all within {interval([lo, hi], digits)}"
    return f"{'; '.join(interval(p, digits) for p in widest)} and {more}"
