"""A01-A09 (torch) and J01-J09 (JAX): is the framework's gradient of each activation faithful?
Measured against the exact derivative (mpmath on the exact float input) in float16, bfloat16,
float32 and float64, with the NumPy reference measured the same way beside it. Written once over
the registry and the framework adapters."""

from functools import cache

import numpy as np
import pytest
import sympy as sp
import torch
import torch.nn.functional as F
from hypothesis import given, settings, target
from hypothesis import strategies as st
from hypothesis.extra.numpy import from_dtype

import theory
from reference import audit, frameworks
from registry import ACTIVATIONS
from reports import evidence
from reports.format import intervals, number
from reports.ledger import load
from tests.claims.verdicts import establishes, find_counterexample
from tests.tolerances import AUDIT_FEW_ULPS

AUDITED = [
    pytest.param(fw, name, marks=pytest.mark.claim(audit.audit_id(name, fw)), id=f"{fw}-{name}")
    for fw in frameworks.AUDITED
    for name in ACTIVATIONS
    if frameworks.supports(fw, name)
]
KINK_DTYPES = ("float32", "float64")
# The targeted search draws from every dtype: a claim refuted only in float16 or bfloat16 (jax.nn's
# hard_sigmoid, where x + 3 rounds to 6) needs its counterexample from there.
SEARCH_DTYPES = audit.DTYPES
# The screen is exact where the reference in float64 is far below an ulp of the dtype.
SCREEN_IS_EXACT = ("float16", "bfloat16", "float32")


def faithful(row: dict) -> bool:
    return (
        (row["worst_ulps"] is None or row["worst_ulps"] <= AUDIT_FEW_ULPS)
        and not row["wrongly_zero"]
        and not row["nan_or_inf_for_finite_x"]
    )


def audit_summary(rows: list[dict]) -> dict:
    """Per dtype the worst ulps, where, and the wrongly-zero intervals as text; the worst over all dtypes."""
    out = {
        r["dtype"]: {
            "worst_ulps": r["worst_ulps"],
            "worst_x": r["worst_x"],
            "zero_intervals": intervals(
                r["wrongly_zero"], total=r.get("wrongly_zero_runs"), within=r.get("wrongly_zero_within")
            ),
            # the first few finite inputs (in ascending order) where the result is NaN or infinite
            "nonfinite_at": ", ".join(number(v) for v in r["nan_or_inf_for_finite_x"][:2]) or "none",
        }
        for r in rows
    }
    out["worst_all"] = max(r["worst_ulps"] for r in rows if r["worst_ulps"] is not None)
    return out


def scope(framework: str, name: str) -> str:
    """What the audit ran: the framework's gradient of its out-of-place op, default parameters."""
    spec = ACTIVATIONS[name]
    params = ", ".join(f"{p.name} = {number(p.default)}" for p in spec.params)
    suffix = f" ({params})" if params else ""
    if framework == "jax":
        op = frameworks.adapter("jax").OP_TEXT.get(name, f"jax.nn.{name}")
        return f"jax.grad under jax.vmap of {op}{suffix}, x64 enabled, jit-compiled"
    op = frameworks.adapter("torch").OP_TEXT.get(name, f"torch.nn.functional.{name}")
    text = f"torch autograd of the out-of-place op {op}{suffix}"
    if spec.torch_inplace is not None:
        twin = spec.torch_inplace.__name__
        text += f"; its in-place twin {f'{name}_' if twin == '<lambda>' else twin} is not audited here"
    return text


def coverage(points: dict[str, int]) -> str:
    counts = ", ".join(f"{d} {number(n)}" for d, n in points.items())
    return (
        f"every finite float16 and bfloat16 value; in float32 {number(audit.PER_BINADE['float32'])} and in float64 "
        f"{number(audit.PER_BINADE['float64'])} points a binade, both signs, every float within "
        f"{number(audit.SWITCH_WINDOW)} of each formula switch and over/underflow edge, +-40 in steps of 1/16 "
        f"({counts} points). Screened against the reference in float64; the worst "
        f"{audit.CONFIRM_PER_REGION} points of each region, both ends of every wrongly-zero interval and, in "
        f"float64, {audit.SPARSE_PER_BINADE} points a binade confirmed with mpmath. Interval ends are exact floats: "
        "float32 ends by a scan of every float to the neighbouring sweep point, float64 ends by bisection checked "
        f"monotone over {number(audit.EDGE_WINDOW)} floats either side and at {number(audit.EDGE_SPREAD)} floats "
        "spread over the bracket"
    )


SIDE_WORDS = {"-": "left derivative", "+": "right derivative", "m": "mean of the one-sided derivatives"}


def kink_convention(framework: str, name: str, kink: float) -> tuple[str, sp.Expr]:
    """(words, value): the one-sided derivative (or their mean) the framework gives at ``kink``."""
    spec = ACTIVATIONS[name]
    sides = frameworks.adapter(framework).KINK_SIDE.get(name, "")
    side = sides[spec.kinks.index(kink)] if sides else "-"
    d = theory.derivative(name)
    if side == "m":
        value = (theory.one_sided_limit(d, kink, "-") + theory.one_sided_limit(d, kink, "+")) / 2
    else:
        value = theory.one_sided_limit(d, kink, side)
    return SIDE_WORDS[side], value


def kink_values(framework: str, name: str) -> list[dict]:
    """The framework's f' at each kink against the one-sided derivative it documents there, and at
    each jump, where f has no derivative, the value it returns beside the jump's two sides (agrees is
    None there: no value is right or wrong)."""
    spec = ACTIVATIONS[name]
    f = theory.expression(name)
    out = []
    for k in spec.breaks:
        if k in spec.jumps:
            below, above = theory.one_sided_limit(f, k, "-"), theory.one_sided_limit(f, k, "+")
            words, convention = f"none: f jumps from {below} to {above}, no derivative", None
        else:
            words, convention = kink_convention(framework, name, k)
            words = f"{words} {convention}"
        for dtype in KINK_DTYPES:
            got = float(audit.in_full_lanes(name, [k], dtype, framework)[0])
            ulps = agrees = None
            if convention is not None:
                ulps = audit.ulps_at(got, sp.N(convention, 50), audit.float_info(dtype))
                # Within the 1.5 ulps of a product of two rounded constants (selu), or exact where it is 0.
                agrees = got == float(convention) if ulps is None else ulps <= 1.5
            out.append({"kink": k, "dtype": dtype, framework: got, "convention": words, "ulps": ulps, "agrees": agrees})
    return out


@cache
def audited(framework: str, name: str) -> tuple[list[dict], dict, list[audit.Audit]]:
    """Rows and figure series for every dtype (cached: the NumPy baseline serves both claim series)."""
    runs = [audit.run(name, framework, dtype) for dtype in audit.DTYPES]
    series = {f"{framework} {a.dtype}": audit.error_series(a) for a in runs}
    return [audit.summarize(a) for a in runs], series, runs


@pytest.mark.parametrize(("framework", "name"), AUDITED)
def test_framework_gradient_against_the_exact_derivative_over_every_binade(framework, name):
    aid = audit.audit_id(name, framework)
    rows, series, runs = audited(framework, name)
    base_rows, base_series, _ = audited("numpy", name)
    points = {a.dtype: len(a.xs) for a in runs}
    kinks = kink_values(framework, name)
    evidence.record(
        aid,
        "table",
        label=f"worst ulps by region, wrongly-zero intervals, NaN/inf ({frameworks.adapter(framework).TITLE} "
        f"{frameworks.adapter(framework).version()} and the NumPy reference; {number(sum(points.values()))} points)",
        rows=rows + base_rows,
    )
    if kinks:
        evidence.record(aid, "table", label="value at each kink against the documented convention", rows=kinks)
    evidence.record(aid, "figure", label="worst ulps in log-|x| bins", series={**series, **base_series})
    evidence.record(aid, "numeric", key=framework, **audit_summary(rows))
    evidence.record(aid, "numeric", key="numpy", **audit_summary(base_rows))
    evidence.record(aid, "numeric", key="scope", form=scope(framework, name))
    evidence.record(aid, "numeric", key="sweep", points=sum(points.values()), coverage=coverage(points))
    # Where the screen is exact, mpmath confirms its worst point to within rounding of the ulp count.
    for a, row in zip(runs, rows):
        if a.dtype in SCREEN_IS_EXACT and row["worst_ulps"] is not None:
            assert np.nanmax(a.ulps) == pytest.approx(row["worst_ulps"], rel=1e-3, abs=1e-3), (a.dtype, row)
    ok = all(faithful(r) for r in rows) and all(k["agrees"] is not False for k in kinks)
    establishes(aid, float="supported" if ok else "refuted")
    # The reference beside it is never wrongly zero and never NaN for a finite input.
    for r in base_rows:
        assert not r["wrongly_zero"] and not r["nan_or_inf_for_finite_x"], r


def any_of(values: np.ndarray) -> st.SearchStrategy:
    """One element of an array, uniformly, shrinking toward the first: st.sampled_from, without its
    cost on 63,000 floats (it rebuilds a label from every element, each time the strategy is drawn:
    36 s of the audit's 140)."""
    return st.integers(0, len(values) - 1).map(values.__getitem__)


def floats_where_things_happen(dtype: str) -> st.SearchStrategy:
    """Every finite float of dtype, and as often the floats of [-1000, 1000] (every switch, threshold
    and underflow edge of the audited ops lies there; a draw from the whole range rarely does).
    bfloat16, which NumPy lacks, is drawn as the upper half of a float32."""
    if dtype in ("float16", "bfloat16"):
        finite = audit.all_finite(dtype)
        return st.one_of(any_of(finite), any_of(finite[np.abs(finite) <= 1000]))
    width = 32 if dtype == "float32" else 64
    return st.one_of(
        from_dtype(np.dtype(dtype), allow_nan=False, allow_infinity=False),
        st.floats(-1000, 1000, width=width).map(np.dtype(dtype).type),
    )


def search_space(seeds: tuple = ()):
    """(dtype, x) over every dtype; with ``seeds``, (dtype, x) pairs drawn as often as the rest: the
    sweep's worst point and the ends of its wrongly-zero intervals in each dtype, so that a window a
    few floats wide (hardswish' next to its root -3/2) is in reach of the search and its shrinking."""
    anywhere = st.sampled_from(SEARCH_DTYPES).flatmap(lambda dt: st.tuples(st.just(dt), floats_where_things_happen(dt)))
    return st.one_of(anywhere, st.sampled_from(seeds)) if seeds else anywhere


def sweep_seeds(rows: list[dict]) -> tuple:
    """Where the sweep found the most: each dtype's worst point and its wrongly-zero interval ends."""
    seeds = {(r["dtype"], r["worst_x"]) for r in rows if r["worst_x"] is not None}
    seeds |= {(r["dtype"], end) for r in rows for interval in r["wrongly_zero"] for end in interval}
    return tuple(sorted(seeds))


def point_error(framework: str, name: str, example) -> dict:
    """The framework's f' at one float (in full vector lanes) against the exact value."""
    dtype, x = example
    value = float(audit.in_full_lanes(name, [float(x)], dtype, framework)[0])
    ex = audit.exact(name, float(x))
    info = audit.float_info(dtype)
    return {
        "value": value,
        "exact": ex,
        "ulps": audit.ulps_at(value, ex, info),
        "wrongly_zero": bool(audit.wrongly_zero(value, ex, info)),
        "not_finite": not np.isfinite(value),
    }


def violates(framework: str, name: str, example) -> bool:
    e = point_error(framework, name, example)
    return (e["ulps"] or 0.0) > AUDIT_FEW_ULPS or e["wrongly_zero"] or e["not_finite"]


@pytest.mark.parametrize(("framework", "name"), AUDITED)
def test_hypothesis_search_for_the_gradients_worst_error(framework, name):
    """A targeted search for the largest ulp error and for wrongly-zero points; a refuted verdict also
    needs the minimal counterexample Hypothesis shrinks to, a supported one needs the search to find none."""
    aid = audit.audit_id(name, framework)
    declared = load()[aid].float
    worst = {"ulps": 0.0}
    seeds = sweep_seeds(audited(framework, name)[0])

    @settings(deadline=None, database=None)
    @given(example=search_space(seeds))
    def search(example):
        e = point_error(framework, name, example)
        target(min(e["ulps"] or 0.0, 1e30), label="ulps")
        target(1.0 if e["wrongly_zero"] or e["not_finite"] else 0.0, label="wrongly zero or not finite")
        score = e["ulps"] if e["ulps"] is not None else (1e30 if e["wrongly_zero"] or e["not_finite"] else 0.0)
        if score > worst["ulps"]:
            worst.update(
                ulps=score, dtype=example[0], x=float(example[1]), **{framework: e["value"]}, exact=str(e["exact"])[:25]
            )
        if declared == "supported":
            assert not violates(framework, name, example)

    search()
    evidence.record(aid, "numeric", label="worst error found by a targeted Hypothesis search (every dtype)", **worst)
    if declared == "refuted":
        find_counterexample(
            aid,
            search_space(seeds),
            lambda ex: violates(framework, name, ex),
            lambda ex: {
                "dtype": ex[0],
                "x": float(ex[1]),
                framework: point_error(framework, name, ex)["value"],
                "exact": str(point_error(framework, name, ex)["exact"])[:25],
                "ulps": point_error(framework, name, ex)["ulps"],
            },
            label=f"{framework}'s {name}' more than {AUDIT_FEW_ULPS:g} ulps off, or 0 where the exact value is normal",
        )
    else:
        establishes(aid, float="supported")


# A07's correction advises a larger threshold in float64. Past beta x = 37.4 the exact sigmoid rounds
# to 1 in float64 (1 - e^-37.4 < 1 - 2^-54), so any threshold above that leaves only the exact kernel.
LARGER_SOFTPLUS_THRESHOLD = 40.0


@pytest.mark.claim("A07")
def test_a_larger_softplus_threshold_makes_torchs_float64_gradient_faithful():
    """torch softplus'(x) in float64 with threshold 40: within a few ulps of sigmoid(x) on (20, 60],
    where the default threshold's exact 1 is up to 1.9e7 ulps off. Checked with mpmath at every
    sixteenth and at 256 floats either side of 20, 37.4 (where sigmoid rounds to 1) and 40."""
    edges = audit.floats_around([20.0, 37.4, 40.0], "float64", 256)
    xs = np.unique(np.concatenate([np.arange(20.0, 60.0, 1 / 16) + 1 / 16, edges]))
    xs = xs[xs > 20.0]
    t = torch.from_numpy(xs).requires_grad_()
    grad = torch.autograd.grad(F.softplus(t, threshold=LARGER_SOFTPLUS_THRESHOLD).sum(), t)[0].numpy()
    info = audit.float_info("float64")
    ulps = np.array([audit.ulps_at(float(g), audit.exact("softplus", float(x)), info) for x, g in zip(xs, grad)])
    worst = int(np.argmax(ulps))
    evidence.record(
        "A07",
        "numeric",
        key="larger_threshold",
        threshold=LARGER_SOFTPLUS_THRESHOLD,
        points=len(xs),
        worst_ulps=float(ulps[worst]),
        worst_x=float(xs[worst]),
    )
    assert ulps[worst] <= AUDIT_FEW_ULPS
