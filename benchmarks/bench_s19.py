"""S19's batched training against a per-seed loop: 20 seeds of one cell, per dataset.

Seconds are the best of --repeats runs of each, batched and loop runs taking turns so that a slow
spell of the machine hits both (its timings vary by 10 to 50% from run to run); the ratio is loop /
batched; the difference is the largest |loss| gap between a seed trained with the others and
alone, at the end of the budget and over the whole curve. For scale, the batched run's
matrix-product rate (GFLOP/s: 2 S n fan_in fan_out per product, three products per layer per
step but two for the first, whose input needs no gradient) is printed next to that of one batched
product of a hidden layer's shape alone, hot in cache: the loop can only lose to the batched
program where its own products are small enough for per-op overhead to dominate.
The second table is the cost of one seed's training step (milliseconds) when S seeds train
together, over a 100-step budget: where it stops falling, more seeds per program buy nothing, and
the ratio above comes out close to the S = 1 cost over that floor.

python benchmarks/bench_s19.py [--datasets wine breast_cancer] [--activation elu] [--seeds 20] [--repeats 3]
python benchmarks/bench_s19.py --protocol --threads 1   # the whole pre-registered run, as its test makes it
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import torch

from experiments.runner import run_cells
from experiments.s19 import Split, cells, layer_sizes, protocol, split, train_cell

BATCH_SIZES = (1, 2, 5, 10, 20, 40)


def timed(run):
    """(wall time, result) of one call."""
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def matmul_gflop(data: Split, seeds: int, spec: dict) -> float:
    """GFLOP of matrix products in one training step of ``seeds`` seeds."""
    sizes, n = layer_sizes(data, spec), data.x_train.shape[0]
    per_pass = [2 * seeds * n * a * b for a, b in zip(sizes, sizes[1:])]
    return (3 * sum(per_pass) - per_pass[0]) / 1e9


def hidden_product_gflops(data: Split, seeds: int, spec: dict, reps: int = 200) -> float:
    """GFLOP/s of torch.bmm at one hidden layer's shape, (S, width, width) @ (S, width, n)."""
    width, n = spec["model"]["width"], data.x_train.shape[0]
    w = torch.randn(seeds, width, width, dtype=torch.float64)
    h = torch.randn(seeds, width, n, dtype=torch.float64)
    torch.bmm(w, h)
    start = time.perf_counter()
    for _ in range(reps):
        torch.bmm(w, h)
    return 2 * seeds * width * width * n * reps / (time.perf_counter() - start) / 1e9


def whole_protocol(spec: dict) -> None:
    """The pre-registered run (every cell, every seed) as the suite's test makes it: wall, CPU and
    system seconds and the page faults it took (experiments/allocator.py is what keeps those few)."""
    grid = cells(spec)
    before = resource.getrusage(resource.RUSAGE_SELF)
    wall, _ = timed(lambda: run_cells(grid, list(range(spec["training"]["seeds"])), spec))
    after = resource.getrusage(resource.RUSAGE_SELF)
    print(
        f"S19 protocol, {len(grid)} cells of {spec['training']['seeds']} seeds, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads: {wall:.1f} s wall, {after.ru_utime - before.ru_utime:.1f} s user, "
        f"{after.ru_stime - before.ru_stime:.1f} s system, {after.ru_minflt - before.ru_minflt:,} page faults"
    )


def main() -> None:
    spec = protocol()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=spec["data"]["datasets"])
    parser.add_argument("--activation", default="elu")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--protocol", action="store_true", help="time the whole protocol once, as its test runs it, and stop"
    )
    parser.add_argument("--threads", type=int, default=None, help="torch threads (the suite gives torch one)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.protocol:
        whole_protocol(spec)
        return
    seeds = list(range(args.seeds))
    print(
        f"{args.activation}, {args.seeds} seeds, {spec['training']['budget_steps']} steps, "
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, best of {args.repeats}"
    )
    print(
        f"{'dataset':<15}{'batched s':>10}{'loop s':>10}{'ratio':>8}{'final diff':>12}{'curve diff':>12}"
        f"{'GFLOP/s':>9}{'bmm alone':>11}"
    )
    per_seed_step = {}
    short = {**spec, "training": {**spec["training"], "budget_steps": 100}}
    for dataset in args.datasets:
        train_cell(dataset, args.activation, [0], spec)  # warm-up: imports, sympy's gain, the data files
        cell = (dataset, args.activation)
        runs = [
            (
                timed(lambda c=cell: train_cell(*c, seeds, spec)),
                timed(lambda c=cell: [train_cell(*c, [s], spec) for s in seeds]),
            )
            for _ in range(args.repeats)
        ]
        batched, loop = min(r[0][0] for r in runs), min(r[1][0] for r in runs)
        together, alone = runs[-1][0][1], runs[-1][1][1]
        gaps = [np.abs(together.losses[:, i] - a.losses[:, 0]) for i, a in enumerate(alone)]
        final, curve = max(float(g[-1]) for g in gaps), max(float(g.max()) for g in gaps)
        data = split(dataset, spec)
        rate = matmul_gflop(data, args.seeds, spec) * spec["training"]["budget_steps"] / batched
        print(
            f"{dataset:<15}{batched:>10.2f}{loop:>10.2f}{loop / batched:>7.1f}x{final:>12.3g}{curve:>12.3g}"
            f"{rate:>9.1f}{hidden_product_gflops(data, args.seeds, spec):>11.1f}"
        )
        per_seed_step[dataset] = [
            min(timed(lambda c=cell, k=k: train_cell(*c, list(range(k)), short))[0] for _ in range(args.repeats))
            / (k * 100)
            * 1e3
            for k in BATCH_SIZES
        ]
    print(f"\nms per seed and step, S seeds together (100 steps, best of {args.repeats})")
    print(f"{'dataset':<15}" + "".join(f"{'S=' + str(k):>8}" for k in BATCH_SIZES))
    for dataset, costs in per_seed_step.items():
        print(f"{dataset:<15}" + "".join(f"{c:>8.3f}" for c in costs))


if __name__ == "__main__":
    main()
