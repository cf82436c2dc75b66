"""Framework audit: err(x) = |f'_framework(x) - f'(x)| / ulp(f'(x)) over a dtype's floats, in two stages.

Screen: every point of the sweep (every finite value of a 16-bit dtype; in float32 and float64 a
dense sweep of every binade plus every float near each formula switch, overflow and underflow
edge) against the NumPy reference evaluated in float64. In float16, bfloat16 and float32 that
reference is exact to far below an ulp of the dtype; in float64 it is within a few ulps, so there
the screen only ranks points. A point is "wrongly zero" when the framework returns exactly 0 (of
either sign) where f'(x) is a normal float of the dtype.

Confirm: every number reported is recomputed with mpmath on the exact float input: the worst
screened points of each region, both ends of every wrongly-zero interval, and (float64, where the
screen is not exact) a sparse sweep of 3 points a binade. The ends of a wrongly-zero run found on
a dense sweep are refined to exact floats: in float32 by scanning every float between the run's
end and its neighbour in the sweep, in float64 by bisection checked monotone over 2^16 floats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache

import ml_dtypes
import mpmath
import numpy as np

import theory
from reference import frameworks
from reference.floatscan import NotMonotone, float_intervals, float_threshold, key_of, values_of
from registry import ACTIVATIONS

DTYPES = frameworks.DTYPES
to_dtype = frameworks.to_dtype
REGIONS = (("small |x| < 1", 0.0, 1.0), ("moderate 1 <= |x| < 20", 1.0, 20.0), ("saturated |x| >= 20", 20.0, np.inf))
SERIES = {"torch": "A", "jax": "J"}  # claim id prefix of each audited framework
# Where the frameworks switch formulas, overflow or underflow (exp in float32/float64, torch's
# softplus threshold 20, tanh's and sigmoid's cut-offs): every float this close is swept.
SWITCHES = (0.0, 0.5, 1.0, 2.0, 5.0, 8.0, 9.0, 10.0, 15.0, 17.0, 20.0, 36.8, 37.5, 88.72, 103.97, 709.78, 745.13)
SWITCH_WINDOW = 1 << 12
PER_BINADE = {"float32": 1 << 10, "float64": 1 << 6}
SPARSE_PER_BINADE = 3
CONFIRM_PER_REGION = 8  # the worst screened points of each region that mpmath confirms
EDGE_WINDOW = 1 << 16  # float64 run ends: bisection, then monotone over this many floats each side
EDGE_SPREAD = 1 << 10  # ... and at this many floats spread evenly over the whole bracket
# A gradient that cancels at large |x| (softsign's 1/(1+|x|) - |x|/(1+|x|)^2) is wrongly zero at
# thousands of scattered floats: the widest runs are refined and reported, with the count of all.
MAX_REFINED_RUNS = 32


def audit_id(name: str, framework: str) -> str:
    """A01.. for torch and J01.. for JAX, in registry order."""
    return f"{SERIES[framework]}{list(ACTIVATIONS).index(name) + 1:02d}"


def float_info(dtype: str) -> dict:
    """nmant, minexp, maxexp, max, tiny (smallest normal) and eps of dtype; bfloat16 from ml_dtypes."""
    info = ml_dtypes.finfo(ml_dtypes.bfloat16) if dtype == "bfloat16" else np.finfo(dtype)
    return {
        "nmant": int(info.nmant),
        "minexp": int(info.minexp),
        "maxexp": int(info.maxexp),
        "max": float(info.max),
        "tiny": float(info.tiny),
        "eps": float(info.eps),
    }


def all_finite(dtype: str) -> np.ndarray:
    """Every finite value of a 16-bit dtype, ascending, as float64 (63,488 for float16, 65,280 for
    bfloat16); -0.0 and +0.0 are both there."""
    bits = np.arange(1 << 16, dtype=np.uint32)
    if dtype == "float16":  # 5 exponent bits; all ones is inf or NaN
        bits = bits[(bits >> 10) & 0x1F != 0x1F]
        values = bits.astype(np.uint16).view(np.float16).astype(np.float64)
    elif dtype == "bfloat16":  # 8 exponent bits, the upper half of a float32 with the same bits
        bits = bits[(bits >> 7) & 0xFF != 0xFF]
        values = (bits << 16).view(np.float32).astype(np.float64)
    else:
        raise ValueError(f"all_finite is for 16-bit dtypes (float16, bfloat16), not {dtype!r}")
    return _ascending(values)


def _binade_points(dtype: str, per_binade: int) -> np.ndarray:
    """per_binade floats spread evenly over each binade's significands, both signs; beyond 2^64
    in float64 every 16th binade only (every entry is saturated there)."""
    info = float_info(dtype)
    exps = np.arange(info["minexp"] - info["nmant"], info["maxexp"])
    if dtype == "float64":
        exps = exps[(exps <= 64) | (exps % 16 == 0)]
    fractions = 1.0 + np.arange(per_binade) / per_binade
    mags = (2.0 ** exps[:, None].astype(np.float64) * fractions[None, :]).ravel()
    mags = to_dtype(mags[mags <= info["max"]], dtype)
    return np.concatenate([mags, -mags])


def floats_around(points, dtype: str, window: int) -> np.ndarray:
    """Every float of dtype within ``window`` floats of each point, either side."""
    np_dtype = np.dtype(dtype)
    keys = [np.arange(key_of(p, np_dtype) - window, key_of(p, np_dtype) + window + 1, dtype=np.uint64) for p in points]
    return values_of(np.concatenate(keys), np_dtype).astype(np.float64)


def sweep_points(dtype: str) -> np.ndarray:
    """The screened points of dtype, ascending: every finite value of a 16-bit dtype; else
    PER_BINADE points a binade, every float within SWITCH_WINDOW of each switch, +-40 in steps of 1/16,
    and the extremes of the dtype."""
    if dtype in ("float16", "bfloat16"):
        return all_finite(dtype)
    info = float_info(dtype)
    switches = [s for s in SWITCHES if s <= info["max"]]
    points = np.concatenate(
        [
            _binade_points(dtype, PER_BINADE[dtype]),
            floats_around([*switches, *(-s for s in switches)], dtype, SWITCH_WINDOW),
            np.arange(-640, 641) / 16.0,
            [info["max"], -info["max"], 0.0, -0.0],
        ]
    )
    return _ascending(to_dtype(points, dtype))


def sparse_points(dtype: str) -> np.ndarray:
    """SPARSE_PER_BINADE points a binade, +-40 in steps of 0.1 and the switches: confirmed by mpmath
    in float64, where the screen is not exact."""
    points = np.concatenate(
        [_binade_points(dtype, SPARSE_PER_BINADE), np.linspace(-40, 40, 801), SWITCHES, np.negative(SWITCHES)]
    )
    return _ascending(to_dtype(points, dtype))


def _ascending(values: np.ndarray) -> np.ndarray:
    """Unique floats in float order, -0.0 before +0.0 (np.unique would merge them)."""
    keys = values.view(np.uint64)
    keys = np.where(np.signbit(values), ~keys, keys | np.uint64(1 << 63))
    _, first = np.unique(keys, return_index=True)
    return values[first]


@cache
def exact(name: str, x: float) -> mpmath.mpf:
    return theory.exact_derivative(name, x)


def library_values(name: str, xs: np.ndarray, dtype: str, library: str) -> np.ndarray:
    """f'(xs) computed in dtype by a framework (torch, jax) or the NumPy reference, as float64."""
    return frameworks.gradient(library, name, xs, dtype)


def ulps_at(value: float, ex: mpmath.mpf, info: dict) -> float | None:
    """|value - ex| in ulps of ex in the dtype, 2^(floor(log2 |ex|) - nmant), with ex (an mpmath mpf
    or a sympy Float) taken with all its bits, the difference exact and rounded once; None where
    value is not finite or ex is not normal in the dtype (normal_in)."""
    if not math.isfinite(value):
        return None
    raw = theory.raw_mpf(ex)
    # A binade strictly inside the normal range is normal whatever its bits: read off the exponent
    # (the common case) before comparing mpmath numbers with the dtype's limits, ten times the cost.
    inside = raw[1] and info["minexp"] <= theory.binade(raw) < info["maxexp"] - 1
    if not inside and not normal_in(ex, info):
        return None
    return theory.ulps_between(float(value), raw, theory.binade(raw) - info["nmant"])


def normal_in(values, info: dict):
    """tiny <= |values| <= max of the dtype (elementwise; a scalar gives a bool). An mpmath number is
    compared at mpmath's working precision, 53 bits, the precision of the screen's float64 reference,
    so that the screen and mpmath draw the line between normal and subnormal in the same place."""
    return (abs(values) >= info["tiny"]) & (abs(values) <= info["max"])


def screen_ulps(values: np.ndarray, reference: np.ndarray, info: dict) -> np.ndarray:
    """|values - reference| in ulps of the dtype at reference; NaN where reference is not normal
    in it or values is not finite. ulp(r) = 2^(floor(log2 |r|) - nmant), exactly, by frexp."""
    ok = normal_in(reference, info) & np.isfinite(values)
    _, e = np.frexp(np.where(ok, reference, 1.0))
    spacing = np.ldexp(1.0, e - 1 - info["nmant"])
    return np.where(ok, np.abs(np.where(ok, values, 0.0) - reference) / spacing, np.nan)


def wrongly_zero(values: np.ndarray, reference: np.ndarray, info: dict) -> np.ndarray:
    """The rule: the framework returns exactly 0 (either sign) where f'(x) is a normal float of the dtype."""
    return (values == 0) & normal_in(reference, info)


def runs(marked: np.ndarray) -> list[tuple[int, int]]:
    """Maximal runs of True in a boolean array, as (first, last) index pairs."""
    change = np.flatnonzero(np.diff(np.concatenate([[False], marked, [False]]).astype(np.int8)))
    return [(int(s), int(e) - 1) for s, e in zip(change[::2], change[1::2])]


@dataclass
class Audit:
    """One (activation, framework, dtype): the screen over the sweep and what mpmath confirmed."""

    name: str
    framework: str
    dtype: str
    xs: np.ndarray
    values: np.ndarray
    ulps: np.ndarray  # screened; NaN where the exact value is not normal or the value is not finite
    zero_intervals: list[list[float]]
    nonfinite: list[float]
    confirmed: dict[float, float | None] = field(default_factory=dict)  # x -> exact ulps (mpmath)
    edges_exact: bool = True
    zero_runs: int = 0  # runs the sweep found; zero_intervals holds the MAX_REFINED_RUNS widest
    zero_within: list[float] | None = None  # the sweep points where the first run starts and the last ends

    @property
    def info(self) -> dict:
        return float_info(self.dtype)


def reference_values(name: str, xs: np.ndarray) -> np.ndarray:
    """The screen's f'(x): the NumPy reference in float64 at the exact float inputs."""
    return frameworks.gradient("numpy", name, xs, "float64")


@cache
def swept_reference(name: str, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """(xs, f'(xs)): dtype's sweep off name's kinks and the reference there (read-only). Every
    framework audited in dtype screens these same points, so the reference is computed once for all
    of them. xs stays writable, as torch wants its input, and no caller writes to it."""
    xs = sweep_points(dtype)
    xs = xs[off_kinks(name, xs)]
    ref = reference_values(name, xs)
    ref.flags.writeable = False
    return xs, ref


def off_kinks(name: str, xs: np.ndarray) -> np.ndarray:
    """Where xs is neither a kink nor a jump: a kink is judged against the convention the framework
    documents there, and a jump, where f has no derivative, only recorded (the claim's kink table);
    neither against the sweep's one-sided exact value."""
    return ~np.isin(xs, ACTIVATIONS[name].breaks)


def screened(
    name: str, framework: str, dtype: str, xs: np.ndarray, ref: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The screen at xs: the framework's f', its error in ulps against the reference (``ref``, the
    reference at xs, if the caller has it), and where it is wrongly zero."""
    info = float_info(dtype)
    values = library_values(name, xs, dtype, framework)
    ref = reference_values(name, xs) if ref is None else ref
    return values, screen_ulps(values, ref, info), wrongly_zero(values, ref, info)


def _zero_predicate(name: str, framework: str, dtype: str):
    def holds(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.size >= LANES:
            return screened(name, framework, dtype, x)[2]
        # A few points alone would take a kernel's scalar tail, which can round differently from the
        # vectorised body the sweep saw (see in_full_lanes): each is repeated to fill the lanes.
        return screened(name, framework, dtype, np.repeat(x, LANES))[2][::LANES]

    return holds


def widest_runs(pairs: list[tuple[int, int]], xs: np.ndarray, keep: int = MAX_REFINED_RUNS) -> list[tuple[int, int]]:
    """The ``keep`` runs that span the most sweep points (ties: the wider in x), in ascending order."""
    if len(pairs) <= keep:
        return pairs
    ranked = sorted(pairs, key=lambda p: (p[1] - p[0], float(xs[p[1]] - xs[p[0]])), reverse=True)
    return sorted(ranked[:keep])


def _refine(name: str, framework: str, dtype: str, xs: np.ndarray, marked: np.ndarray) -> tuple[list, bool]:
    """The wrongly-zero intervals, ends exact: 16-bit sweeps are every float already; float32 scans
    every float between each run's end and its unmarked neighbour; float64 bisects there and checks
    the predicate monotone over EDGE_WINDOW floats and at EDGE_SPREAD across the bracket (False where it
    is not: the sweep point is kept).
    Past MAX_REFINED_RUNS runs, the widest are refined and returned."""
    pairs = widest_runs(runs(marked), xs)
    if dtype in ("float16", "bfloat16"):
        return [[float(xs[i]), float(xs[j])] for i, j in pairs], True
    holds = _zero_predicate(name, framework, dtype)
    np_dtype = np.dtype(dtype)
    exact_edges = True
    out = []
    for i, j in pairs:
        lo, hi = float(xs[i]), float(xs[j])
        if i > 0:
            lo, ok = _edge(holds, float(xs[i - 1]), lo, np_dtype, rising=True)
            exact_edges &= ok
        if j < len(xs) - 1:
            hi, ok = _edge(holds, hi, float(xs[j + 1]), np_dtype, rising=False)
            exact_edges &= ok
        out.append([lo, hi])
    return out, exact_edges


def _edge(holds, a: float, b: float, dtype: np.dtype, rising: bool) -> tuple[float, bool]:
    """The first (rising) or last (falling) float of [a, b] in the run, given holds(a) != holds(b)."""
    if dtype == np.float32:
        pieces = float_intervals(holds, a, b, dtype)
        return (pieces[-1][0] if rising else pieces[0][1]), len(pieces) == 1
    predicate = holds if rising else (lambda x: ~holds(x))
    if list(predicate(np.array([a, b]))) != [False, True]:
        return (b if rising else a), False  # the run's end does not separate cleanly: keep the sweep point
    try:
        edge = float_threshold(predicate, a, b, dtype, window=EDGE_WINDOW, spread=EDGE_SPREAD, levels=6).edge
    except NotMonotone:
        return (b if rising else a), False
    if rising:
        return edge, True
    return float(values_of(np.array([key_of(edge, dtype) - 1], dtype=np.uint64), dtype)[0]), True


def screen(name: str, framework: str, dtype: str, xs: np.ndarray | None = None, ref: np.ndarray | None = None) -> Audit:
    """Stage one over the sweep (or xs): screened ulps, exact wrongly-zero intervals, non-finite
    results. ``ref``, if given, is the reference at xs, which must then lie off the kinks."""
    if ref is None:
        xs = sweep_points(dtype) if xs is None else xs
        xs = xs[off_kinks(name, xs)]
    values, ulps, marked = screened(name, framework, dtype, xs, ref)
    intervals, edges_exact = _refine(name, framework, dtype, xs, marked)
    nonfinite = [float(x) for x in xs[~np.isfinite(values)][:10]]
    every = runs(marked)
    within = [float(xs[every[0][0]]), float(xs[every[-1][1]])] if every else None
    return Audit(
        name,
        framework,
        dtype,
        xs,
        values,
        ulps,
        intervals,
        nonfinite,
        edges_exact=edges_exact,
        zero_runs=len(every),
        zero_within=within,
    )


def confirm(audit: Audit) -> Audit:
    """Stage two: mpmath at the worst screened points of each region (the values the framework gave
    in the sweep), at both ends of every wrongly-zero interval (each must be 0 from the framework
    where f' is normal), and in float64 over the sparse sweep too."""
    info = audit.info
    chosen: set[int] = set()
    for _, lo, hi in REGIONS:
        inside = np.flatnonzero((np.abs(audit.xs) >= lo) & (np.abs(audit.xs) < hi) & ~np.isnan(audit.ulps))
        chosen.update(int(i) for i in inside[np.argsort(audit.ulps[inside], kind="stable")[::-1][:CONFIRM_PER_REGION]])
    pairs = [(float(audit.xs[i]), float(audit.values[i])) for i in sorted(chosen)]
    if audit.dtype == "float64":
        sparse = sparse_points("float64")
        pairs += zip(sparse.tolist(), library_values(audit.name, sparse, audit.dtype, audit.framework).tolist())
    audit.confirmed = {x: ulps_at(v, exact(audit.name, x), info) for x, v in pairs}
    confirm_zero_ends(audit.name, audit.framework, audit.dtype, audit.zero_intervals)
    return audit


def confirm_zero_ends(name: str, framework: str, dtype: str, intervals: list[list[float]]) -> None:
    """Both ends of every wrongly-zero interval, with mpmath: the framework gives 0 there (in full
    vector lanes) and the exact f' is a normal float of the dtype."""
    info = float_info(dtype)
    ends = [e for interval in intervals for e in interval]
    for x, v in zip(ends, in_full_lanes(name, ends, dtype, framework)):
        assert v == 0 and normal_in(exact(name, x), info), (name, framework, dtype, x, v)


LANES = 64


def in_full_lanes(name: str, xs: list[float], dtype: str, framework: str) -> np.ndarray:
    """f'(xs) with each point repeated LANES times: a framework's vectorized kernel and its scalar tail
    can round differently (torch's float16 gelu' does), and inside a sweep every point but the last
    few goes through the vectorized one."""
    if not xs:
        return np.array([], dtype=np.float64)
    return library_values(name, np.repeat(np.asarray(xs, dtype=np.float64), LANES), dtype, framework)[::LANES]


def run(name: str, framework: str, dtype: str) -> Audit:
    """Both stages over dtype's sweep."""
    return confirm(screen(name, framework, dtype, *swept_reference(name, dtype)))


def worst_confirmed(audit: Audit, lo: float = 0.0, hi: float = np.inf) -> tuple[float, float] | None:
    """(x, ulps) of the largest mpmath-confirmed error with lo <= |x| < hi."""
    pts = [(x, u) for x, u in audit.confirmed.items() if u is not None and lo <= abs(x) < hi]
    return max(pts, key=lambda p: (p[1], -abs(p[0])), default=None)


def summarize(audit: Audit) -> dict:
    """Worst confirmed ulps per region, wrongly-zero intervals, non-finite results, the worst point."""
    row = {"activation": audit.name, "dtype": audit.dtype, "library": audit.framework}
    for label, lo, hi in REGIONS:
        worst = worst_confirmed(audit, lo, hi)
        row[label] = round(worst[1], 3) if worst else None
    row["wrongly_zero"] = audit.zero_intervals
    if audit.zero_runs > len(audit.zero_intervals):  # scattered: the widest runs, and how many in all
        row["wrongly_zero_runs"] = audit.zero_runs
        row["wrongly_zero_within"] = audit.zero_within
    row["nan_or_inf_for_finite_x"] = audit.nonfinite
    worst = worst_confirmed(audit)
    row["worst_x"] = worst[0] if worst else None
    row["worst_ulps"] = round(worst[1], 3) if worst else None
    return row


def error_series(audit: Audit, bins: int = 120) -> dict:
    """Worst ulps in log-|x| bins, per sign (for the figure): lists of [x, ulps]. The screen where it
    is exact (16-bit, float32), the confirmed points in float64."""
    if audit.dtype == "float64":
        pairs = [(x, u) for x, u in audit.confirmed.items() if u is not None]
        xs = np.array([p[0] for p in pairs], dtype=np.float64)
        us = np.array([p[1] for p in pairs], dtype=np.float64)
    else:
        ok = ~np.isnan(audit.ulps)
        xs, us = audit.xs[ok], audit.ulps[ok]
    out = {}
    edges = np.logspace(-45, 39, bins)
    for sign, label in ((1, "positive"), (-1, "negative")):
        side = (xs * sign) > 0
        ax, u = np.abs(xs[side]), us[side]
        which = np.digitize(ax, edges)
        best: dict[int, tuple[float, float]] = {}
        for k in np.unique(which):
            in_bin = np.flatnonzero(which == k)
            top = in_bin[np.argmax(u[in_bin])]
            best[int(k)] = (float(ax[top]), float(u[top]))
        out[label] = [
            [round(a, 6 - int(np.floor(np.log10(a)))) if a else 0.0, round(v, 4)] for a, v in sorted(best.values())
        ]
    return out
