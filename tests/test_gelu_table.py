"""The gelu kernels' tables (registry/gelu_table.py) against mpmath: F(y) = erfcx(y / sqrt 2) and
K(y) = F(y)/2 - y / sqrt(2 pi)."""

from pathlib import Path

import mpmath
import numpy as np
import pytest

from registry import gelu_fit
from registry.gelu import erfcx_scaled, gelu_slope_factor, piece_of
from registry.gelu_fit import PIECES, centre_of, fit_piece, piece_bounds
from registry.gelu_table import CENTRES, F_COEFFICIENTS, K_COEFFICIENTS

# Calibrates the instruments (the reference's gelu); establishes no claim.
pytestmark = pytest.mark.instrument

USED = [k for k in range(PIECES) if piece_bounds(k)[0] <= 40.0]  # the kernels clip y at 40


def _points(k: int) -> np.ndarray:
    """200 evenly spaced points of piece k, 100 drawn, its last float, and for piece 0 the tiny y."""
    lo, hi = piece_bounds(k)
    rng = np.random.default_rng(k)
    ys = np.concatenate([np.linspace(lo, hi, 200, endpoint=False), rng.uniform(lo, hi, 100), [np.nextafter(hi, 0)]])
    if k == 0:
        ys = np.concatenate([ys, [0.0, 5e-324, 1e-300, 1e-10]])
    return ys[ys <= 40.0]


def _exact_f(y):
    return mpmath.erfc(mpmath.mpf(y) / mpmath.sqrt(2)) * mpmath.exp(mpmath.mpf(y) ** 2 / 2)


@pytest.mark.parametrize("k", USED)
def test_the_table_gives_erfcx_within_an_ulp_and_a_quarter_on_every_piece(k):
    ys = _points(k)
    with mpmath.workdps(30):
        for got, y in zip(erfcx_scaled(ys), ys):
            exact = _exact_f(y)
            ulps = abs(mpmath.mpf(got) - exact) / np.spacing(float(exact))
            assert ulps <= 1.25, f"F({y!r}) = {got!r}, exact {mpmath.nstr(exact, 20)}: {float(ulps):.3g}"


@pytest.mark.parametrize("k", USED)
def test_the_table_gives_k_within_1_6_ulps_or_an_eighth_of_its_condition_allowance(k):
    """K within 1.6 ulps (its polynomials' leading terms nearly cancel for large y, K ~ -y/sqrt(2 pi) +
    1/(y sqrt(2 pi)), and Horner rounds each), except where it crosses 0 (y = 0.7518, gelu's root):
    there the error is at most an eighth of eps |y K'(y)|, the error any formula makes from y's own
    rounding, which the NumPy-vs-exact budget allows near the root (tests/tolerances.py, COND)."""
    ys = _points(k)
    eps = np.finfo(np.float64).eps
    with mpmath.workdps(30):
        for got, y in zip(gelu_slope_factor(ys), ys):
            y_ = mpmath.mpf(y)
            exact = _exact_f(y) / 2 - y_ / mpmath.sqrt(2 * mpmath.pi)
            slope = (y_ * _exact_f(y) - mpmath.sqrt(2 / mpmath.pi)) / 2 - 1 / mpmath.sqrt(2 * mpmath.pi)  # K'(y)
            error = abs(mpmath.mpf(got) - exact)
            allowed = max(1.6 * np.spacing(abs(float(exact))), eps * abs(y_ * slope) / 8)
            assert error <= allowed, f"K({y!r}) = {got!r}, exact {mpmath.nstr(exact, 20)}: off by {float(error):.3g}"


@pytest.mark.parametrize("k", range(PIECES))
def test_each_float_reads_its_own_piece_off_its_bits_and_its_offset_is_exact(k):
    lo, hi = piece_bounds(k)
    ys = np.array([lo, (lo + hi) / 2, np.nextafter(hi, 0)])
    assert piece_of(ys.copy()).tolist() == [k, k, k]
    assert CENTRES[k] == centre_of(k)
    exact_from = max(lo, CENTRES[k] / 2)  # y - c is exact where y >= c/2 (Sterbenz); below, it rounds
    ys = np.concatenate([ys[ys >= exact_from], [exact_from]])
    assert np.array_equal((ys - CENTRES[k]) + CENTRES[k], ys)
    if k + 1 < PIECES:
        assert piece_of(np.array([hi])).tolist() == [k + 1]


def _stored(rows) -> list[list[float]]:
    """A table's pieces as the fit hands them over: coefficients lowest degree first, no trailing zeros."""
    fits = []
    for k in range(PIECES):
        coefficients = [row[k] for row in rows]
        while len(coefficients) > 1 and coefficients[-1] == 0.0:
            coefficients.pop()
        fits.append(coefficients)
    return fits


@pytest.mark.parametrize("k", [0, 1, 3, 5])
def test_the_table_is_what_the_fit_derives(k):
    """The fit, rerun for four of the pieces (the far ones take minutes: erf's series needs ~1000 digits
    there), gives the stored coefficients of F and K to the last bit (piece 3 holds K's root)."""
    assert fit_piece(gelu_fit.F, k) == _stored(F_COEFFICIENTS)[k]
    assert fit_piece(gelu_fit.K, k) == _stored(K_COEFFICIENTS)[k]


def test_the_table_file_is_the_generators_output_byte_for_byte(monkeypatch, capsys):
    """`python registry/gelu_fit.py > registry/gelu_table.py`, with each piece's fits as stored, writes
    the file as it is: the text is the generator's, not edited by hand or reformatted."""
    stored = {gelu_fit.F: _stored(F_COEFFICIENTS), gelu_fit.K: _stored(K_COEFFICIENTS)}
    monkeypatch.setattr(gelu_fit, "fit_piece", lambda function, k: stored[function][k])
    gelu_fit.main()
    assert capsys.readouterr().out == Path(gelu_fit.__file__).with_name("gelu_table.py").read_text()
