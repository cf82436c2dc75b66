"""Run the cells of an experiment in-process, or on a Dask cluster when a scheduler address is given."""

from __future__ import annotations

import os

from experiments.s19 import CellResult, protocol, train_cell

SCHEDULER_ENV = "ACTIVATION_CLAIMS_DASK_SCHEDULER"


def run_cells(
    cells: list[tuple[str, str]], seeds: list[int], spec: dict | None = None, scheduler: str | None = None
) -> dict[tuple[str, str], CellResult]:
    """Each (dataset, activation) cell is independent: in-process by default; on the Dask cluster at
    ``scheduler`` (or $ACTIVATION_CLAIMS_DASK_SCHEDULER) otherwise."""
    spec = spec or protocol()
    scheduler = scheduler or os.environ.get(SCHEDULER_ENV)
    if not scheduler:
        return {cell: train_cell(*cell, seeds, spec) for cell in cells}
    from distributed import Client

    with Client(scheduler) as client:
        futures = [client.submit(train_cell, ds, act, seeds, spec, pure=False) for ds, act in cells]
        return {cell: future.result() for cell, future in zip(cells, futures)}
