"""S19: the pre-registered experiment (experiments/s19_protocol.toml) and the machinery it rests on."""

import numpy as np
import pytest
import torch

from experiments import s19
from experiments.runner import run_cells
from experiments.s19_analysis import analyse, curves
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
def test_s19_dask_cluster_gives_the_same_results_as_the_local_run():
    distributed = pytest.importorskip("distributed")
    cells = [("wine", "elu"), ("wine", "relu")]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        local = run_cells(cells, [0, 1])
        with distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster:
            remote = run_cells(cells, [0, 1], scheduler=cluster.scheduler_address)
    finally:
        torch.set_num_threads(threads)
    for cell in cells:
        assert np.array_equal(local[cell].losses, remote[cell].losses)  # bit for bit, one torch thread each


@pytest.mark.claim("S19")
def test_s19_pre_registered_experiment():
    spec = s19.protocol()
    cells = [(ds, act) for ds in spec["data"]["datasets"] for act in spec["model"]["activations"]]
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
