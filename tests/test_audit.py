"""The audit's instruments on inputs with known answers: the sweep of every 16-bit float, the ulp
ruler, the wrongly-zero rule, the run finder and exact interval ends, and the audit command."""

import json
import math

import mpmath
import numpy as np
import pytest
import torch

import theory
from reference import audit
from registry import ACTIVATIONS
from reports.cli import main

pytestmark = pytest.mark.instrument

FLOATS = {"float16": np.float16, "float32": np.float32, "float64": np.float64}


def test_every_finite_16_bit_value_is_swept_once_in_order():
    # Independent routes: float16 by walking np.nextafter from -max; bfloat16 by torch's view of every int16.
    walk = [np.float16(-65504.0)]
    while walk[-1] < np.float16(65504.0):
        walk.append(np.nextafter(walk[-1], np.float16(np.inf)))
    half = audit.sweep_points("float16")
    assert len(half) == 63_488
    # nextafter steps from -0.0 to the smallest subnormal, so the walk has one zero: insert +0.0 after -0.0.
    expected = np.array(walk, dtype=np.float64)
    assert np.array_equal(half[half != 0], expected[expected != 0])
    assert [math.copysign(1, z) for z in half[half == 0]] == [-1.0, 1.0]
    bf16 = torch.arange(-32768, 32768, dtype=torch.int32).to(torch.int16).view(torch.bfloat16).to(torch.float64)
    bf16 = np.sort(bf16[torch.isfinite(bf16)].numpy())
    swept = audit.sweep_points("bfloat16")
    assert len(swept) == 65_280 and np.array_equal(swept, bf16)
    assert np.all(np.diff(swept) >= 0)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_the_ulp_ruler_matches_np_spacing_at_powers_of_two_normals_and_the_normal_edge(dtype):
    t = FLOATS[dtype]
    info = audit.float_info(dtype)
    finfo = np.finfo(t)
    rng = np.random.default_rng(0)
    normals = rng.uniform(1, 2, 50) * 2.0 ** rng.integers(finfo.minexp, finfo.maxexp, 50)
    powers = 2.0 ** np.arange(finfo.minexp, finfo.maxexp, dtype=np.float64)
    for r in np.concatenate([normals, powers, [finfo.tiny, finfo.max]]).astype(t):
        for sign in (1, -1):
            ref = t(sign * r)
            # One step away from 0 (toward 0 at max, which is not a power of two): the ulp of ref's binade.
            up = np.nextafter(ref, t(0) if r == finfo.max else t(np.inf) * sign)
            got = audit.screen_ulps(np.array([up], dtype=np.float64), np.array([ref], dtype=np.float64), info)[0]
            assert got == 1.0, (dtype, ref)
            if r != finfo.max:  # np.spacing(max) is the step to inf
                assert float(abs(up - ref)) == float(np.spacing(abs(ref))), (dtype, ref)
            if dtype == "float64":
                assert float(abs(up - ref)) == math.ulp(float(ref)), ref
            exact_ulps = audit.ulps_at(float(up), mpmath.mpf(float(ref)), info)
            assert exact_ulps == 1.0, (dtype, ref)
            # The suite's other ruler, theory.ulp (ulp_error's), measures the same step.
            assert theory.ulp(mpmath.mpf(float(ref)), t) == float(abs(up - ref)), (dtype, ref)
    # Subnormals and 0: theory.ulp is the smallest subnormal there, as np.spacing says.
    for v in (0.0, float(finfo.smallest_subnormal), float(finfo.tiny) / 3):
        assert theory.ulp(mpmath.mpf(v), t) == float(np.spacing(t(v))) == float(finfo.smallest_subnormal)
    # Below the normal range there is no ulp of the dtype to measure in: NaN, and None from mpmath.
    sub = np.array([finfo.tiny / 2], dtype=np.float64)
    assert np.isnan(audit.screen_ulps(sub, sub, info)[0])
    assert audit.ulps_at(float(sub[0]), mpmath.mpf(float(sub[0])), info) is None
    assert audit.ulps_at(1.0 + math.ulp(1.0), mpmath.mpf(1), audit.float_info("float64")) == 1.0
    # Past the largest float but inside its binade (a quarter ulp above it): no float of the dtype is
    # that large, so None, as at infinity; the largest float itself is measured.
    # Past the largest float but inside its binade, and just under the smallest normal (each 2^-30 of
    # it away, which mpmath's 53 bits keep): not normal, so None, as at infinity. The ends themselves
    # are measured. (float64's own neighbours of max and tiny are floats, and normal or zero.)
    top, tiny = float(finfo.max), float(finfo.tiny)
    if dtype != "float64":
        assert audit.ulps_at(top, mpmath.mpf(top) * (1 + 2.0**-30), info) is None
        assert audit.ulps_at(tiny, mpmath.mpf(tiny) * (1 - 2.0**-30), info) is None
    assert audit.ulps_at(top, mpmath.inf, info) is None
    assert audit.ulps_at(top, mpmath.mpf(top), info) == 0.0 and audit.ulps_at(tiny, mpmath.mpf(tiny), info) == 0.0


def test_wrongly_zero_is_zero_of_either_sign_where_the_exact_value_is_normal():
    info = audit.float_info("float32")
    tiny = info["tiny"]
    values = np.array([0.0, -0.0, 0.0, 0.0, 1e-3, 0.0, 0.0])
    exact = np.array([1.0, -2.0, tiny, tiny / 2, 1.0, 0.0, 1e39])
    assert audit.wrongly_zero(values, exact, info).tolist() == [True, True, True, False, False, False, False]


def test_runs_are_the_maximal_stretches_of_true():
    assert audit.runs(np.array([False, True, True, False, True])) == [(1, 2), (4, 4)]
    assert audit.runs(np.array([True, True])) == [(0, 1)]
    assert audit.runs(np.zeros(5, dtype=bool)) == []


def test_past_the_limit_the_runs_kept_are_the_longest_then_the_widest_in_x():
    """widest_runs: runs by the number of sweep points they span, a tie going to the wider one in x,
    returned in ascending order; at or under the limit every run is kept as given."""
    xs = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 50.0, 100.0, 101.0, 102.0])
    pairs = [(0, 1), (3, 5), (7, 8), (9, 11)]
    assert audit.widest_runs(pairs, xs, keep=4) == pairs
    # (3, 5) and (9, 11) span 3 points each; (0, 1) and (7, 8) two, and (7, 8) is 43 wide in x,
    # (0, 1) 1: the longer runs win over the wider one, and the wider wins the tie.
    assert audit.widest_runs(pairs, xs, keep=2) == [(3, 5), (9, 11)]
    assert audit.widest_runs(pairs, xs, keep=3) == [(3, 5), (7, 8), (9, 11)]


def test_the_worst_confirmed_error_of_a_region_is_its_largest_with_the_nearer_to_zero_on_a_tie():
    """worst_confirmed over lo <= |x| < hi: the largest ulps, ties to the smaller |x|; points with no
    ulps (None) and points on the region's upper end are outside it."""
    from types import SimpleNamespace

    found = SimpleNamespace(confirmed={-0.5: 3.25, 0.25: 3.25, 0.75: 1.0, 1.0: 9.8765, -2.0: None, 30.0: 2.4567})
    assert audit.worst_confirmed(found, 0.0, 1.0) == (0.25, 3.25)
    assert audit.worst_confirmed(found, 1.0, 20.0) == (1.0, 9.8765)
    assert audit.worst_confirmed(found, 2.0, 20.0) is None
    assert audit.worst_confirmed(found) == (1.0, 9.8765)
    # The summary row names the worst point by its x, with its ulps beside (to three decimals), and
    # each region's worst.
    found.__dict__.update(name="relu", dtype="float64", framework="torch", zero_intervals=[], zero_runs=0, nonfinite=[])
    row = audit.summarize(found)
    assert (row["worst_x"], row["worst_ulps"]) == (1.0, 9.877)
    assert [row[label] for label, _, _ in audit.REGIONS] == [3.25, 9.877, 2.457]


def fake_framework(monkeypatch, zero_on, nonfinite_at=()):
    """A framework whose f' is exactly 0 on the given closed intervals, NaN, inf and -inf in turn at
    the points nonfinite_at, and 1 elsewhere (f' = 1)."""

    def values(name, xs, dtype, library):
        # every caller below audits torch's sigmoid: the name and the library must reach here
        assert (name, library) == ("sigmoid", "torch"), (name, library)
        xs = np.asarray(xs, dtype=np.float64)
        out = np.ones_like(xs)
        for lo, hi in zero_on:
            out[(xs >= lo) & (xs <= hi)] = 0.0
        for i, at in enumerate(nonfinite_at):
            out[xs == at] = (np.nan, np.inf, -np.inf)[i % 3]
        return out

    monkeypatch.setattr(audit, "library_values", values)
    monkeypatch.setattr(audit, "reference_values", lambda name, xs: np.ones_like(np.asarray(xs, dtype=np.float64)))


def count_framework_calls(monkeypatch) -> list[int]:
    """The number of points of each call the audit makes to the (fake) framework, in order."""
    values, sizes = audit.library_values, []
    monkeypatch.setattr(audit, "library_values", lambda *args: sizes.append(len(args[1])) or values(*args))
    return sizes


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_wrongly_zero_intervals_have_exact_float_ends_between_sweep_points(monkeypatch, dtype):
    t = FLOATS[dtype]
    # Ends that no sweep point hits: odd significands inside binades.
    lo, hi = float(t(-13.341881751)), float(t(-6.1513514518))
    other = float(t(3.00000123))
    fake_framework(monkeypatch, [(lo, hi), (other, other)])
    swept = audit.sweep_points(dtype)
    assert lo not in swept and hi not in swept and other not in swept
    found = audit.screen("sigmoid", "torch", dtype)
    # The single float at 3.00000123 falls between sweep points: the dense sweep cannot see it.
    assert found.zero_intervals == [[lo, hi]] and found.edges_exact


def test_a_float64_end_is_bisected_six_levels_a_call(monkeypatch):
    """Between two float64 sweep points lie about 2^46 floats: bisection one probe a call would ask the
    framework some 46 times an end, six levels a call (63 probes, under the 64 lanes) 8 times. With the
    ends' own checks, the window and the spread: 12 calls an end, where one level a call takes 50."""
    lo, hi = -13.341881751, -6.1513514518
    fake_framework(monkeypatch, [(lo, hi)])
    sizes = count_framework_calls(monkeypatch)
    found = audit.screen("sigmoid", "torch", "float64")
    assert found.zero_intervals == [[lo, hi]] and found.edges_exact
    assert len(sizes) <= 1 + 2 * 12 and max(sizes[1:]) <= audit.EDGE_WINDOW * 2 + 1, sizes


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_a_16_bit_interval_is_read_off_the_sweep_of_every_float_without_another_call(monkeypatch, dtype):
    """A 16-bit sweep holds every finite float, so a run's first and last points are the interval's
    exact ends: the framework is asked for the sweep and nothing more."""
    lo, hi = -13.25, -6.125  # floats of both dtypes
    fake_framework(monkeypatch, [(lo, hi)])
    sizes = count_framework_calls(monkeypatch)
    found = audit.screen("sigmoid", "torch", dtype)
    assert found.zero_intervals == [[lo, hi]] and found.edges_exact
    assert sizes == [len(found.xs)]


def test_confirm_asks_mpmath_at_each_regions_worst_screened_points(monkeypatch):
    """Stage two confirms, in each region, the CONFIRM_PER_REGION points the screen found worst (no
    sparse sweep in float32, no interval ends here): a synthetic screen whose ulps rank 120 points."""
    rng = np.random.default_rng(2)
    xs = np.concatenate([rng.uniform(-1, 1, 40), rng.uniform(1, 20, 40), rng.uniform(20, 60, 40)])
    ulps = rng.permutation(120).astype(float)
    ulps[[3, 50]] = np.nan  # no exact normal value there: never confirmed
    found = audit.Audit("tanh", "torch", "float32", xs, np.zeros_like(xs), ulps, [], [])
    monkeypatch.setattr(audit, "exact", lambda name, x: mpmath.mpf(1))
    monkeypatch.setattr(audit, "ulps_at", lambda value, exact, info: 0.0)
    audit.confirm(found)
    worst = set()
    for _, lo, hi in audit.REGIONS:
        inside = [i for i in range(len(xs)) if lo <= abs(xs[i]) < hi and not np.isnan(ulps[i])]
        worst |= {float(xs[i]) for i in sorted(inside, key=lambda i: -ulps[i])[: audit.CONFIRM_PER_REGION]}
    assert set(found.confirmed) == worst and len(worst) == 3 * audit.CONFIRM_PER_REGION


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_run_that_ends_next_to_the_last_sweep_point_is_refined_against_that_point(monkeypatch, dtype):
    """A run whose right neighbour is the sweep's last point: its ends are found between it and each
    unmarked neighbour, no further."""
    fake_framework(monkeypatch, [(21.0, 27.0)])
    xs = np.arange(10.0, 30.0, 2.0)  # ..., 20, 22, 24, 26, 28: the run is 22 to 26; its right neighbour 28 is last
    found = audit.screen("sigmoid", "torch", dtype, xs=xs)
    assert found.zero_intervals == [[21.0, 27.0]] and found.edges_exact


def test_a_non_finite_gradient_at_a_finite_x_is_listed_the_first_ten_in_sweep_order(monkeypatch):
    xs = np.arange(-20.0, 20.0, 0.5)
    bad = [-7.5, 3.0, -12.0, 0.5, 9.0, -1.0, 11.5, 2.0, -19.5, 15.0, 19.5, 4.0]  # twelve: NaN, inf, -inf in turn
    fake_framework(monkeypatch, [], nonfinite_at=bad)
    found = audit.screen("sigmoid", "torch", "float64", xs=xs)
    assert found.nonfinite == sorted(bad)[:10]
    assert np.isnan(found.ulps[np.isin(xs, bad)]).all() and (found.ulps[~np.isin(xs, bad)] == 0).all()
    assert found.zero_intervals == []
    fake_framework(monkeypatch, [])
    assert audit.screen("sigmoid", "torch", "float64", xs=xs).nonfinite == []


def test_a_hole_next_to_an_interval_end_is_reported_not_hidden(monkeypatch):
    # In float32 the gap to the neighbouring sweep point is scanned whole: a zero stretch just outside
    # the run's end makes the end not exact, and the end is the run's own.
    lo, hi = -13.341881751, -6.1513514518
    step = float(np.spacing(np.float32(13.0)))
    fake_framework(monkeypatch, [(float(np.float32(lo)), float(np.float32(hi))), (lo - 40 * step, lo - 30 * step)])
    found = audit.screen("sigmoid", "torch", "float32")
    assert not found.edges_exact
    assert found.zero_intervals[0][0] == float(np.float32(lo))


def test_a_float64_end_next_to_a_hole_stays_at_the_runs_own_sweep_point(monkeypatch):
    # In float64 the end is found by bisection and checked monotone around it: a zero stretch 40 floats
    # past the run's right end is not monotone, so that end stays at the last sweep point inside the run.
    lo, hi = -13.341881751, -6.1513514518
    step = abs(float(np.spacing(hi)))
    fake_framework(monkeypatch, [(lo, hi), (hi + 40 * step, hi + 60 * step)])
    swept = audit.sweep_points("float64")
    found = audit.screen("sigmoid", "torch", "float64")
    assert not found.edges_exact
    assert found.zero_intervals[0] == [lo, float(swept[swept <= hi].max())]


def test_the_audit_command_prints_one_case_and_writes_json(tmp_path, capsys):
    out = tmp_path / "audit.json"
    assert (
        main(["audit", "--framework", "torch", "--activation", "sigmoid", "--dtype", "float16", "--json", str(out)])
        == 0
    )
    printed = capsys.readouterr()
    assert "sigmoid" in printed.out and "float16" in printed.out and "[1/1] torch sigmoid float16" in printed.err
    # the table is headed by what it measures, in which library and version
    heading = f"torch autograd {torch.__version__}: error of f'(x) in ulps of the dtype against the exact value"
    assert printed.out.splitlines()[0] == heading
    data = json.loads(out.read_text())
    (row,) = data["rows"]
    assert row["claim"] == "A01" and row["points"] == 63_488 and row["wrongly_zero"]
    assert data["version"] == torch.__version__


@pytest.mark.parametrize(
    ("argv", "listed"),
    [
        (["--framework", "tensorflow"], "valid: torch, jax, numpy"),
        (["--activation", "swish"], "valid: sigmoid, tanh, relu"),
        (["--dtype", "half"], "valid: float16, bfloat16, float32, float64"),
    ],
)
def test_the_audit_command_lists_the_valid_choices_for_an_unknown_one(argv, listed, capsys):
    assert main(["audit", *argv]) == 2
    assert listed in capsys.readouterr().err


def test_the_exhaustive_audit_command_sweeps_every_float_and_agrees_with_the_audit(tmp_path, capsys):
    out = tmp_path / "exhaustive.json"
    argv = ["audit", "--activation", "sigmoid", "--dtype", "float16", "--exhaustive", "--json", str(out)]
    assert main(argv) == 0
    assert "1/1 chunks" in capsys.readouterr().err  # the progress bar
    (row,) = json.loads(out.read_text())["rows"]
    swept = audit.run("sigmoid", "torch", "float16")
    assert row["points"] == 63_488 and row["wrongly_zero"] == swept.zero_intervals
    assert row["worst_ulps"] == pytest.approx(audit.summarize(swept)["worst_ulps"], abs=1e-3)
    # --state keeps the sweep's chunks, so that a sweep cut short resumes: the command hands it on.
    state = tmp_path / "sigmoid16.json"
    assert main([*argv, "--state", str(state)]) == 0
    assert json.loads(state.read_text())["header"]["activation"] == "sigmoid"
    capsys.readouterr()
    assert main([*argv[:-1], "-"]) == 0  # --json -: the same record on stdout, after the table
    printed = capsys.readouterr().out
    assert json.loads(printed[printed.index("\n{") + 1 :])["rows"] == [row]


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--exhaustive"], "--exhaustive needs --dtype float32 or float16"),
        (["--exhaustive", "--dtype", "float64"], "--exhaustive needs --dtype float32 or float16"),
        (["--state", "s.json", "--dtype", "float16"], "go with --exhaustive"),
        (["--exhaustive", "--dtype", "float16", "--state", "s.json"], "--state holds one sweep"),
    ],
)
def test_the_exhaustive_options_say_what_they_need(argv, says, capsys):
    assert main(["audit", *argv]) == 2
    assert says in capsys.readouterr().err


def test_a_float64_audit_confirms_every_sparse_point_with_mpmath():
    """In float64 the screen (the reference in float64) is not exact, so mpmath confirms the sparse
    sweep besides the worst points: every one of them, at the value the framework gave."""
    run = audit.run("relu", "torch", "float64")
    sparse = audit.sparse_points("float64")
    assert set(sparse.tolist()) <= set(run.confirmed) and len(sparse) > 6_000
    assert all(u in (0, None) for u in run.confirmed.values())  # relu' is 0 or 1: torch is exact (None: f' = 0)
    assert len(audit.run("relu", "torch", "float32").confirmed) < len(sparse)  # the screen is exact there


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_floats_around_a_point_are_the_window_next_floats_either_side(dtype):
    """Against np.nextafter walked one float at a time: across a power of two (the spacing halves below
    1 and 2), and at 0, where -0.0 and +0.0 are two floats of the window."""
    t = FLOATS[dtype]
    got = audit.floats_around([1.0, -2.0], dtype, 3)
    want = []
    for p in (t(1.0), t(-2.0)):
        below, above = [p], [p]
        for _ in range(3):
            below.insert(0, np.nextafter(below[0], t(-np.inf)))
            above.append(np.nextafter(above[-1], t(np.inf)))
        want += below[:-1] + above
    assert got.dtype == np.float64 and got.tolist() == [float(v) for v in want]
    tiny = float(np.finfo(t).smallest_subnormal)
    around_zero = audit.floats_around([0.0], dtype, 2)
    assert around_zero.tolist() == [-tiny, -0.0, 0.0, tiny, 2 * tiny]
    assert np.signbit(around_zero).tolist() == [True, True, False, False, False]


def test_an_exhaustive_float32_audit_is_accepted(monkeypatch, capsys):
    """--exhaustive with --dtype float32 passes the option checks and reaches the sweep (a stand-in here:
    the real one takes minutes)."""
    from reports import audit_command

    swept = []
    monkeypatch.setattr(audit_command, "exhaustive_row", lambda name, fw, dtype, args, err: swept.append(dtype) or {})
    monkeypatch.setattr(audit_command, "table", lambda rows: "")
    assert main(["audit", "--activation", "relu", "--dtype", "float32", "--exhaustive"]) == 0
    assert swept == ["float32"]


def test_the_error_series_keeps_the_worst_point_of_each_log_bin_per_sign():
    """The audit figure's data: |x| in bins of 84/119 decades from 1e-45, per sign, the worst ulps of
    each bin at its x; NaN (not measured) and 0 (no sign's side) left out. In float64 the series is
    the mpmath-confirmed points instead, those with an exact value to measure against."""
    xs = np.array([-3.0, -2.5, -1e-50, 0.0, 1.0, 1.05, 2.0, 1e30])
    ulps = np.array([1.0, 2.0, 5.0, 0.5, 3.0, 7.0, 4.0, 9.0])
    ulps[2] = np.nan
    found = audit.Audit("relu", "torch", "float32", xs, xs, ulps, [], [])
    # 1 and 1.05 share the bin (10^-0.53, 10^0.18]; 2, 2.5 and 3 lie in the next.
    assert audit.error_series(found) == {"positive": [[1.05, 7.0], [2.0, 4.0], [1e30, 9.0]], "negative": [[2.5, 2.0]]}
    found = audit.Audit("relu", "torch", "float64", xs, xs, ulps, [], [], confirmed={1.0: 0.5, 1e10: None, -2.0: 3.0})
    assert audit.error_series(found) == {"positive": [[1.0, 0.5]], "negative": [[2.0, 3.0]]}
    # Points near the largest float fall on their own side (the side is read without scaling x).
    found.confirmed = {1.7e308: 2.5, -1.5e308: 4.0, -2.0: 3.0}
    assert audit.error_series(found) == {"positive": [[1.7e308, 2.5]], "negative": [[2.0, 3.0], [1.5e308, 4.0]]}


def test_jax_pads_each_call_to_the_next_power_of_two_of_at_least_1024_points():
    """One compiled kernel a bucket: every call of up to 1,024 points shares one, and a longer call
    takes the smallest power of two that holds it."""
    from reference.frameworks import jax_grad

    sizes = (0, 1, 64, 1024, 1025, 4032, 4096, 4097)
    assert [jax_grad._bucket(n) for n in sizes] == [1024] * 4 + [2048, 4096, 4096, 8192]


def test_an_audit_claims_number_is_its_activations_place_in_the_registry_for_both_series():
    names = list(ACTIVATIONS)
    assert [audit.audit_id(n, "torch") for n in names[:2]] == ["A01", "A02"]
    assert audit.audit_id(names[-1], "jax") == f"J{len(names):02d}"


def test_an_audit_commands_row_names_its_own_frameworks_claim():
    """The command's rows carry the claim of the library they measured: J for JAX, A for torch, none
    for the NumPy baseline, which no claim is about."""
    from reports.audit_command import row_of

    claims = {fw: row_of({"activation": "tanh", "library": fw}, 10)["claim"] for fw in ("torch", "jax", "numpy")}
    assert claims == {"torch": "A02", "jax": "J02", "numpy": None}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_dense_sweep_holds_plus_minus_40_in_steps_of_a_sixteenth_and_is_symmetric(dtype):
    """As its docstring says: every k/16 with |k| <= 640; and each point's negative is a point too
    (the binades, the switches and the grid are all taken on both sides)."""
    swept = audit.sweep_points(dtype)
    assert np.isin(np.arange(-640, 641) / 16.0, swept).all()
    negated = -swept[::-1]  # ascending again, -0.0 and +0.0 trading places
    assert np.array_equal(negated, swept) and np.array_equal(np.signbit(negated), np.signbit(swept))


def test_the_sparse_float64_sweep_holds_plus_minus_40_in_steps_of_a_tenth_and_the_switches():
    sparse = set(audit.sparse_points("float64").tolist())
    assert {float(v) for v in np.linspace(-40, 40, 801)} <= sparse
    assert {float(s) for s in audit.SWITCHES} | {-float(s) for s in audit.SWITCHES} <= sparse


def test_the_jax_adapter_gives_jaxs_gradient_and_the_one_sided_value_it_documents_at_each_kink():
    """Away from the kinks, at points where JAX's float64 gradients are accurate, the NumPy reference's
    values; at each kink, the side KINK_SIDE names ("-" left, "+" right, "m" their mean), the sides
    read from the reference just off the kink. A length past the jit bucket (65) gives the same values."""
    from reference.frameworks import gradient, jax_grad
    from reference.numpy_ops import derivative
    from registry import get

    xs = np.tile([-0.3, 0.7, 1.5], 22)[:65]
    for name in jax_grad.activations():
        spec = get(name)
        got = gradient("jax", name, xs, "float64")
        assert np.allclose(got, derivative(name, xs), rtol=1e-12, atol=0) and np.array_equal(got[:3], got[-5:-2]), name
        kinks = np.array(spec.kinks)
        if not kinks.size:
            continue
        left, right = derivative(name, kinks - 1e-9), derivative(name, kinks + 1e-9)
        sides = jax_grad.KINK_SIDE.get(name, "-" * kinks.size)
        want = [{"-": lo, "+": hi, "m": (lo + hi) / 2}[s] for s, lo, hi in zip(sides, left, right)]
        assert np.allclose(gradient("jax", name, kinks, "float64"), want, rtol=0, atol=1e-6), name
    assert gradient("jax", "relu", np.array([-1.0, 2.0]), "bfloat16").tolist() == [0.0, 1.0]


def test_the_numpy_baseline_in_bfloat16_is_the_float32_reference_rounded_once_more():
    from reference.frameworks import gradient, numpy_reference, to_dtype
    from reference.numpy_ops import derivative

    xs = np.array([-3.0, -0.5, 0.3, 1.25, 40.0])
    once_more = to_dtype(derivative("gelu", xs.astype(np.float32)).astype(np.float64), "bfloat16")
    assert np.array_equal(gradient("numpy", "gelu", xs, "bfloat16"), once_more)
    assert not np.array_equal(once_more, derivative("gelu", xs.astype(np.float32)).astype(np.float64))
    assert numpy_reference.version() == np.__version__


@pytest.mark.parametrize("dtype", [np.dtype(np.float64), np.dtype(np.float16)], ids=str)
def test_an_edge_that_does_not_separate_cleanly_keeps_the_sweep_point_and_is_not_exact(dtype):
    """_edge gets a and b with holds(a) != holds(b); where the run's end goes the other way (holds(a)
    and not holds(b) at a rising edge), the edge stays at the sweep point, flagged as not exact."""
    assert audit._edge(lambda v: v < 1.5, 1.0, 2.0, dtype, rising=True) == (2.0, False)
    assert audit._edge(lambda v: v > 1.5, 1.0, 2.0, dtype, rising=False) == (1.0, False)
    # where it separates, the first float of the run and the last before it falls, exactly
    assert audit._edge(lambda v: v >= 1.5, 1.0, 2.0, dtype, rising=True) == (1.5, True)
    below = float(np.nextafter(dtype.type(1.5), dtype.type(0)))
    assert audit._edge(lambda v: v < 1.5, 1.0, 2.0, dtype, rising=False) == (below, True)


def test_the_sparse_float64_points_keep_every_binade_up_to_2_64_and_every_16th_beyond():
    """Past 2^64 every entry of the audit is saturated, so float64 keeps one binade in 16 there."""
    mags = np.abs(audit._binade_points("float64", 4))
    binades = set((np.frexp(mags)[1] - 1).tolist())
    assert set(range(-1022, 65)) <= binades
    beyond = sorted(b for b in binades if b > 64)
    assert beyond == list(range(80, 1024, 16))
