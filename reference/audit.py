"""Framework audit: a library's f'(x) against the exact derivative, in ulps, over a dtype's range.

For each point: the exact f'(x) (mpmath on the exact float input), the library's value, and
the error in ulps of the dtype where the exact value is a normal float of it. A point is
"wrongly zero" when the library returns exactly 0 while the exact value is normal.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import mpmath
import numpy as np
import torch

import theory
from reference.numpy_ops import derivative
from reference.torch_ops import torch_derivative
from registry import ACTIVATIONS

DTYPES = ("float16", "bfloat16", "float32", "float64")
REGIONS = (("small |x| < 1", 0.0, 1.0), ("moderate 1 <= |x| < 20", 1.0, 20.0), ("saturated |x| >= 20", 20.0, np.inf))
# bfloat16 has float32's exponent range and 8 bits of precision; NumPy has no such dtype.
_BF16 = {"nmant": 7, "minexp": -126, "maxexp": 128, "max": 3.3895313892515355e38}


def audit_id(name: str) -> str:
    """A01..A09 (and on) in registry order."""
    return f"A{list(ACTIVATIONS).index(name) + 1:02d}"


def float_info(dtype: str) -> dict:
    if dtype == "bfloat16":
        return {**_BF16, "tiny": 2.0 ** _BF16["minexp"], "eps": 2.0**-7}
    info = np.finfo(dtype)
    return {
        "nmant": int(info.nmant),
        "minexp": int(info.minexp),
        "maxexp": int(info.maxexp),
        "max": float(info.max),
        "tiny": float(info.tiny),
        "eps": float(info.eps),
    }


def sweep_points(dtype: str, per_binade: int = 3) -> np.ndarray:
    """Both signs of every binade up to 2^64 and of every 16th beyond (every entry is saturated
    there, and an exact gelu' at 1e300 costs 60 ms), per_binade points each; +-40 densely; 0;
    and the points at which the frameworks switch formulas. All representable in dtype."""
    info = float_info(dtype)
    exps = np.arange(info["minexp"] - info["nmant"], info["maxexp"])
    exps = exps[(exps <= 64) | (exps % 16 == 0)]
    mags = (2.0 ** exps[:, None].astype(np.float64) * np.linspace(1.0, 1.9, per_binade)[None, :]).ravel()
    mags = mags[mags <= info["max"]]
    extra = np.array([0.0, 20.0, 20.5, 36.8, 37.5, 745.0, 746.0])
    points = np.concatenate([mags, -mags, np.linspace(-40, 40, 801), extra, -extra])
    return np.unique(to_dtype(points, dtype))


def to_dtype(values: np.ndarray, dtype: str) -> np.ndarray:
    """values rounded to dtype and back to float64 (bfloat16 through torch)."""
    with np.errstate(over="ignore"):
        t = torch.as_tensor(np.asarray(values, dtype=np.float64)).to(getattr(torch, dtype))
    return t.to(torch.float64).numpy()


@cache
def exact(name: str, x: float) -> mpmath.mpf:
    return theory.exact_derivative(name, x)


def library_values(name: str, xs: np.ndarray, dtype: str, library: str) -> np.ndarray:
    """f'(xs) computed in dtype by torch autograd or by the NumPy reference, as float64."""
    if library == "torch":
        return torch_derivative(name, torch.as_tensor(xs).to(getattr(torch, dtype))).to(torch.float64).numpy()
    if dtype == "bfloat16":  # NumPy has no bfloat16: the reference in float32, rounded once more
        return to_dtype(derivative(name, xs.astype(np.float32)).astype(np.float64), dtype)
    return derivative(name, xs.astype(dtype)).astype(np.float64)


@dataclass
class PointError:
    x: float
    value: float
    exact: mpmath.mpf
    ulps: float | None  # None where the exact value is not a normal float of the dtype
    wrongly_zero: bool
    not_finite: bool


def ulps_at(value: float, ex: mpmath.mpf, info: dict) -> float | None:
    if not (info["tiny"] <= abs(ex) <= info["max"]) or not np.isfinite(value):
        return None
    spacing = mpmath.ldexp(1, int(mpmath.floor(mpmath.log(abs(ex), 2))) - info["nmant"])
    with mpmath.workdps(40):
        return float(abs(mpmath.mpf(value) - ex) / spacing)


def point_errors(name: str, xs: np.ndarray, dtype: str, library: str) -> list[PointError]:
    info = float_info(dtype)
    values = library_values(name, xs, dtype, library)
    out = []
    for x, v in zip(xs, values):
        ex = exact(name, float(x))
        normal = info["tiny"] <= abs(ex) <= info["max"]
        out.append(
            PointError(
                float(x), float(v), ex, ulps_at(float(v), ex, info), bool(v == 0 and normal), bool(not np.isfinite(v))
            )
        )
    return out


def intervals(xs: list[float], all_xs: np.ndarray) -> list[list[float]]:
    """Maximal runs of consecutive sweep points (in all_xs order) that are in xs, as [lo, hi]."""
    marked = np.isin(all_xs, xs)
    runs, start = [], None
    for i, m in enumerate(marked):
        if m and start is None:
            start = i
        if not m and start is not None:
            runs.append([float(all_xs[start]), float(all_xs[i - 1])])
            start = None
    if start is not None:
        runs.append([float(all_xs[start]), float(all_xs[-1])])
    return runs


def summarize(name: str, dtype: str, library: str, errors: list[PointError], xs: np.ndarray) -> dict:
    """Worst ulps per region, wrongly-zero intervals, non-finite results, the worst point."""
    row = {"activation": name, "dtype": dtype, "library": library}
    for label, lo, hi in REGIONS:
        region = [e.ulps for e in errors if e.ulps is not None and lo <= abs(e.x) < hi]
        row[label] = round(max(region), 3) if region else None
    row["wrongly_zero"] = intervals([e.x for e in errors if e.wrongly_zero], xs)
    row["nan_or_inf_for_finite_x"] = [e.x for e in errors if e.not_finite][:10]
    worst = max((e for e in errors if e.ulps is not None), key=lambda e: e.ulps, default=None)
    row["worst_x"] = worst.x if worst else None
    row["worst_ulps"] = round(worst.ulps, 3) if worst else None
    return row


def error_series(errors: list[PointError], bins: int = 120) -> dict:
    """Worst ulps in log-|x| bins, per sign (for the figure): lists of [x, ulps]."""
    out = {}
    for sign, label in ((1, "positive"), (-1, "negative")):
        pts = [(abs(e.x), e.ulps) for e in errors if e.ulps is not None and e.x * sign > 0]
        if not pts:
            out[label] = []
            continue
        edges = np.logspace(-45, 39, bins)
        which = np.digitize([p[0] for p in pts], edges)
        best: dict[int, tuple[float, float]] = {}
        for (ax, u), k in zip(pts, which):
            if k not in best or u > best[k][1]:
                best[k] = (ax, u)
        out[label] = [
            [round(float(a), 6 - int(np.floor(np.log10(a)))) if a else 0.0, round(float(u), 4)]
            for a, u in sorted(best.values())
        ]
    return out
