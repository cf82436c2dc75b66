"""Derives registry/gelu_table.py: on [0, 48), as one polynomial a piece,
    F(y) = erfcx(y / sqrt 2) = e^{y^2/2} erfc(y / sqrt 2)   (gelu: Phi(-y) = e^{-y^2/2} F(y) / 2) and
    K(y) = F(y) / 2 - y / sqrt(2 pi)                         (gelu': g K for x = -y < 0, 1 - g K for x = y).

    python registry/gelu_fit.py > registry/gelu_table.py

(run as a file, not a module: importing the package would import the table it is about to replace)

Pieces: [0, 1/2), then each binade [2^E, 2^{E+1}) from E = -1 to 5 cut into quarters, so that a
float's piece is read off its exponent and two leading mantissa bits. Each piece's polynomial is in
u = y - c (c the piece's centre; y - c is exact where the two are within a factor 2, see centre_of),
fitted by Chebyshev interpolation (mpmath.chebyfit) to within 2^-62 of the function's largest
magnitude on the piece: a relative error for F, and for K, which crosses 0 at gelu's root (y =
0.7518), an absolute one there, so that near the root K is formed without cancelling (Horner's
rounding scales with the coefficients, which are small where K is).

F's values come from erf's Taylor series, summed here in mpmath's arbitrary-precision arithmetic at
enough digits to absorb its cancellations (about y^2 / 2.3 of them): not from mpmath's or arb's erfc,
which the exact route (theory/) uses to check the kernels, so the table and its check stay
independent.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import mpmath

PIECES = 27  # [0, 1/2), then 26 quarter-binades up to [40, 48): the kernels clip |x| at 40
TARGET = mpmath.mpf(2) ** -62
MAX_NODES = 24
DIGITS = 40  # the fit's working precision; F raises it for erf's series


def piece_bounds(k: int) -> tuple[float, float]:
    """[lo, hi) of piece k: piece 0 is [0, 1/2); piece 4 E + q + 5 is 2^E [1 + q/4, 1 + (q + 1)/4)."""
    if k == 0:
        return 0.0, 0.5
    exponent, quarter = divmod(k - 1, 4)
    base = 2.0 ** (exponent - 1)
    return base * (1 + quarter / 4), base * (1 + (quarter + 1) / 4)


def centre_of(k: int) -> float:
    """The point piece k's polynomial is expanded about, its middle. y - c is exact but for y < 1/8 in
    piece 0, where it rounds by at most 2^-55: an error in F or K of under a third of an ulp (|F'|,
    |K'| < 0.8 there), against more than a full ulp that Horner's rounding costs in y itself."""
    lo, hi = piece_bounds(k)
    return (lo + hi) / 2


def erfcx_by_series(c) -> mpmath.mpf:
    """erfcx(c) = e^{c^2} (1 - erf(c)), erf(c) = (2/sqrt pi) sum_n (-1)^n c^{2n+1} / (n! (2n+1)), at a
    working precision of 40 digits plus twice the ~c^2 / ln 10 that are lost: once in the alternating
    sum (its terms reach e^{c^2}), once in 1 - erf(c) (erfc(c) is about e^{-c^2})."""
    c = mpmath.mpf(c)
    digits = 50 + 2 * int(float(c * c) / math.log(10))
    with mpmath.workdps(digits):
        c = mpmath.mpf(c)
        c2, term, total, n = c * c, c, c, 0
        while True:
            n += 1
            term = -term * c2 / n
            piece = term / (2 * n + 1)
            total += piece
            if abs(piece) <= abs(total) * mpmath.mpf(10) ** -(digits + 2) and n > c2:  # at c = 0 both are 0
                break
        erf = 2 / mpmath.sqrt(mpmath.pi) * total
        value = mpmath.exp(c2) * (1 - erf)
    return +value


def F(y) -> mpmath.mpf:
    """erfcx(y / sqrt 2)."""
    return erfcx_by_series(mpmath.mpf(y) / mpmath.sqrt(2))


def K(y) -> mpmath.mpf:
    """F(y) / 2 - y / sqrt(2 pi)."""
    return F(y) / 2 - mpmath.mpf(y) / mpmath.sqrt(2 * mpmath.pi)


def fit_piece(function: Callable, k: int) -> list[float]:
    """The coefficients (lowest degree first, in u = y - centre_of(k)) of function on piece k, within
    TARGET of its largest magnitude there (both functions are monotone: that is at an end)."""
    lo, hi = piece_bounds(k)
    centre = centre_of(k)
    with mpmath.workdps(DIGITS):
        scale = max(abs(function(lo)), abs(function(hi)))
        for nodes in range(6, MAX_NODES + 1):
            poly, err = mpmath.chebyfit(lambda u: function(centre + u), [lo - centre, hi - centre], nodes, error=True)
            if err < TARGET * scale:
                return [float(c) for c in reversed(poly)]
    raise ValueError(f"piece {k} [{lo}, {hi}) needs more than {MAX_NODES} nodes")


def _table_lines(name: str, fits: list[list[float]]) -> list[str]:
    """``name = (row_0, row_1, ...)``, row j every piece's u^j coefficient (0.0 beyond a piece's degree),
    up to the highest degree of any piece."""
    degree = max(len(c) for c in fits) - 1
    lines = [f"{name} = ("]
    for j in range(degree + 1):
        lines.append("    (")
        lines.extend(f"        {coeffs[j] if j < len(coeffs) else 0.0!r}," for coeffs in fits)
        lines.append("    ),")
    return lines + [")"]


def table_source(f_fits: list[list[float]], k_fits: list[list[float]]) -> str:
    """registry/gelu_table.py's text for these fits, one number a line (as ruff formats it)."""
    lines = [
        '"""F(y) = erfcx(y / sqrt 2) and K(y) = F(y)/2 - y / sqrt(2 pi) on [0, 48) by pieces: written by',
        "`python registry/gelu_fit.py` (Chebyshev fits to 2^-62, from erf's Taylor series in arbitrary",
        'precision; about 15 minutes)."""',
        "",
        "# CENTRES[k]: the centre c of piece k; F_COEFFICIENTS[j][k], K_COEFFICIENTS[j][k]: the u^j",
        "# coefficients of piece k, u = y - c.",
        "CENTRES = (",
        *(f"    {centre_of(k)!r}," for k in range(len(f_fits))),
        ")",
        *_table_lines("F_COEFFICIENTS", f_fits),
        *_table_lines("K_COEFFICIENTS", k_fits),
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    f_fits = [fit_piece(F, k) for k in range(PIECES)]
    k_fits = [fit_piece(K, k) for k in range(PIECES)]
    print(table_source(f_fits, k_fits), end="")


if __name__ == "__main__":
    main()
