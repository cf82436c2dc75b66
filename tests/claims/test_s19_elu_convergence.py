"""S19: the pre-registered experiment (experiments/s19_protocol.toml) and the machinery it rests on."""

import functools
import platform
import resource
import statistics

import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import given
from hypothesis import strategies as st

from experiments import s19
from experiments.allocator import retain_freed_memory
from experiments.runner import run_cells
from experiments.s19_analysis import analyse, curves
from reference.floatscan import float_threshold
from reports import evidence
from tests.claims.verdicts import establishes


@pytest.mark.claim("S19")
def test_s19_protocol_is_the_pre_registered_one():
    spec = s19.protocol()
    assert spec["data"]["datasets"] == ["digits", "breast_cancer", "wine", "spirals"]
    assert spec["model"] == {
        "hidden_layers": 6,
        "width": 32,
        "activations": ["relu", "leaky_relu", "elu", "tanh", "sigmoid"],
    }
    assert (spec["training"]["budget_steps"], spec["training"]["seeds"], spec["metrics"]["threshold"]) == (
        400,
        10,
        0.05,
    )


@pytest.mark.claim("S19")
def test_s19_batched_training_gives_each_seed_the_numbers_it_gets_alone():
    together = s19.train_cell("wine", "elu", [0, 1, 2])
    for i, seed in enumerate((0, 1, 2)):
        alone = s19.train_cell("wine", "elu", [seed])
        np.testing.assert_allclose(together.losses[:, i], alone.losses[:, 0], rtol=1e-12, atol=0)
        assert together.steps_to_threshold[i] == alone.steps_to_threshold[0]


@pytest.mark.claim("S19")
@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_s19_training_reuses_freed_memory_instead_of_faulting_in_new_pages():
    """A training step's pattern, layers of 3.2 MB arrays made forward and freed backward, 20 times:
    glibc's default thresholds fault in about 140,000 pages (each array mapped afresh), retained
    memory none."""
    assert retain_freed_memory() is True
    x = np.ones((10, 32, 1257))

    def step():
        layers = [x]
        for _ in range(7):
            layers.append(np.tanh(layers[-1] + 1.0))
        grad = x
        for h in reversed(layers):
            grad = grad * h

    step()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(20):
        step()
    assert resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before < 1000


@pytest.mark.claim("S19")
def test_s19_dask_cluster_gives_the_same_results_as_the_local_run():
    distributed = pytest.importorskip("distributed")
    cells = [("wine", "elu"), ("wine", "relu")]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        local = run_cells(cells, [0, 1])
        with distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster:
            remote = run_cells(cells, [0, 1], scheduler=cluster.scheduler_address)
    finally:
        torch.set_num_threads(threads)
    for cell in cells:
        assert np.array_equal(local[cell].losses, remote[cell].losses)  # bit for bit, one torch thread each


@pytest.mark.claim("S19")
def test_s19_pre_registered_experiment():
    spec = s19.protocol()
    cells = s19.cells(spec)
    results = run_cells(cells, list(range(spec["training"]["seeds"])), spec)
    outcome = analyse(results, spec)
    evidence.record(
        "S19",
        "table",
        label=f"median paired ratio of steps to loss {spec['metrics']['threshold']}, "
        f"bootstrap interval at {outcome['level']:.5f} (Bonferroni)",
        rows=outcome["rows"],
    )
    evidence.record(
        "S19",
        "table",
        label="stuck runs (never reached the threshold) of 10 seeds",
        rows=[{"dataset": ds, **counts} for ds, counts in outcome["stuck"].items()],
    )
    accuracy = [
        {
            "dataset": ds,
            "activation": act,
            "mean_test_accuracy": float(np.mean(results[ds, act].test_accuracy)),
            "median_final_loss": float(np.median(results[ds, act].losses[-1])),
        }
        for ds, act in cells
    ]
    evidence.record("S19", "table", label="held-out accuracy and training loss after the budget", rows=accuracy)
    evidence.record(
        "S19",
        "statistic",
        label="decision rule",
        faster=outcome["faster"],
        slower_or_stuck=outcome["slower_or_stuck"],
        verdict=outcome["verdict"],
    )
    evidence.record(
        "S19",
        "figure",
        label="training loss: median and interquartile band per step",
        curves=curves(results),
        protocol=s19.PROTOCOL_PATH.read_text(encoding="utf-8"),
    )
    establishes("S19", float=outcome["verdict"])
    record_summary(results, outcome, spec)


def record_summary(results: dict, outcome: dict, spec: dict) -> None:
    """The numbers the ledger's reason cites, each recomputed from the raw steps (not from analyse's
    rows), and the reason's reading of the rule: ELU faster somewhere, stuck or slower nowhere."""
    budget, datasets = spec["training"]["budget_steps"], spec["data"]["datasets"]
    steps = {cell: [budget + 1 if s is None else s for s in r.steps_to_threshold] for cell, r in results.items()}
    for row in outcome["rows"]:
        mine, other = (part.strip() for part in row["comparison"].split("/"))
        ratios = [a / b for a, b in zip(steps[row["dataset"], mine], steps[row["dataset"], other])]
        assert row["median_ratio"] == pytest.approx(statistics.median(ratios), rel=1e-12)
    stuck = {cell: sum(s is None for s in r.steps_to_threshold) for cell, r in results.items()}
    assert all(outcome["stuck"][ds][act] == stuck[ds, act] for ds, act in stuck)
    faster = [ds for ds in datasets if all(r["high"] < 1 for r in outcome["rows"] if r["dataset"] == ds)]
    ratios = [r["median_ratio"] for r in outcome["rows"] if r["dataset"] in faster]
    elu_stuck = sum(stuck[ds, "elu"] for ds in datasets)
    assert outcome["faster"] == bool(faster) and outcome["faster"] and not outcome["slower_or_stuck"]
    stuck_runs = [
        f"{act} {n} of {spec['training']['seeds']} on {ds.replace('_', ' ')}" for (ds, act), n in stuck.items() if n
    ]
    evidence.record(
        "S19",
        "statistic",
        key="summary",
        label="what the reason cites, recomputed from the steps to the threshold",
        faster_datasets=len(faster),
        faster_names=", ".join(ds.replace("_", " ") for ds in faster),
        ratio_low=min(ratios),
        ratio_high=max(ratios),
        elu_stuck=elu_stuck,
        stuck_runs="; ".join(stuck_runs) or "none",
    )
    evidence.record(
        "S19",
        "numeric",
        key="protocol",
        datasets=len(datasets),
        hidden_layers=spec["model"]["hidden_layers"],
        seeds=spec["training"]["seeds"],
        threshold=spec["metrics"]["threshold"],
    )


# What "stuck at the local maximum" can mean for gradient descent, on the smallest loss with one:
# L(w) = w^4/4 - w^2/2, a maximum at 0 between minima at -1 and 1.
W_SYM, ETA = sp.Symbol("w", real=True), sp.Symbol("eta", positive=True)
DOUBLE_WELL = W_SYM**4 / 4 - W_SYM**2 / 2


def descent_step(w: float, eta: float = 0.1) -> float:
    """w - eta L'(w) in float64, L'(w) = w^3 - w."""
    return w - eta * (w**3 - w)


@functools.cache
def smallest_start_that_moves() -> float:
    """The smallest positive float w whose descent step moves it."""
    return float_threshold(lambda w: descent_step(w) != w, 5e-324, 0.5, np.float64).edge


def double_well_descent(w: float, steps: int = 20_000) -> tuple[float, int | None]:
    """Plain gradient descent by descent_step; (last w, first step within 1e-12 of +-1)."""
    for step in range(steps):
        if abs(abs(w) - 1.0) <= 1e-12:
            return w, step
        w = descent_step(w)
    return w, None


@pytest.mark.claim("S19")
def test_s19_gradient_descent_leaves_a_local_maximum_unless_it_starts_exactly_there():
    """The step map g(w) = w - eta L'(w) has multiplier g'(w*) = 1 - eta L''(w*) at a critical point:
    1 + eta > 1 at the maximum (repelling for every step size), 1 - 2 eta at the minima (attracting
    for 0 < eta < 1). So descent settles where the gradient vanishes and the loss curves up (a
    minimum, or creeps across a plateau or past a saddle); a maximum holds it only from exactly there."""
    grad = sp.diff(DOUBLE_WELL, W_SYM)
    critical = sorted(sp.solve(grad, W_SYM))
    assert critical == [-1, 0, 1]
    multiplier = {c: sp.simplify(1 - ETA * sp.diff(DOUBLE_WELL, W_SYM, 2).subs(W_SYM, c)) for c in critical}
    assert multiplier[0] == 1 + ETA and sp.ask(sp.Q.gt(multiplier[0], 1))
    attracting = sp.solve_univariate_inequality(sp.Abs(multiplier[1]) < 1, ETA, relational=False)
    assert attracting == sp.Interval.open(0, 1) and multiplier[-1] == multiplier[1]
    # In float64 a start need not be exactly at the maximum: where eta |L'(w)| is below half the
    # spacing of the floats at w the update rounds away and w never moves. That happens only among
    # the smallest subnormals; the first start that moves escapes, about log(1/w0)/log(1+eta) steps on.
    assert double_well_descent(0.0, steps=1000) == (0.0, None)
    moves = smallest_start_that_moves()
    stuck = float(np.nextafter(moves, 0.0))
    assert 0 < stuck < moves < 1e-322 and double_well_descent(stuck, steps=1000) == (stuck, None)
    w, escape = double_well_descent(moves)
    assert w > 0 and escape is not None and escape > 7000
    evidence.record("S19", "numeric", key="double_well", stuck_up_to=stuck, eta=0.1, first_that_moves=moves)
    evidence.record(
        "S19",
        "symbolic",
        label="what gradient descent can converge to (L = w^4/4 - w^2/2)",
        critical_points="-1, 0, 1",
        multiplier_at_maximum=str(multiplier[0]),
        attracting_minima_for_eta_in=str(attracting),
        float64_starts_that_never_move="0 < |w| <= " + repr(stuck),
        steps_to_reach_the_minimum_from=f"{moves!r}: {escape}",
    )


@pytest.mark.claim("S19")
@given(w0=st.floats(-1.5, 1.5, allow_subnormal=True).filter(lambda w: abs(w) >= smallest_start_that_moves()))
def test_s19_gradient_descent_from_any_start_that_moves_reaches_the_minimum_on_its_side(w0):
    """Every float start in [-1.5, 1.5] past the few subnormals that never move (found above)."""
    w, step = double_well_descent(w0)
    assert step is not None and np.sign(w) == np.sign(w0)
