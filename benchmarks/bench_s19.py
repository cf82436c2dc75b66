"""S19's batched training against a per-seed loop: 20 seeds of one cell.

python benchmarks/bench_s19.py [--dataset breast_cancer] [--activation elu] [--seeds 20]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from experiments.s19 import protocol, train_cell


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="breast_cancer")
    parser.add_argument("--activation", default="elu")
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args()
    spec, seeds = protocol(), list(range(args.seeds))
    train_cell(args.dataset, args.activation, [0], spec)  # warm-up: imports, sympy's gain, the data files
    start = time.perf_counter()
    together = train_cell(args.dataset, args.activation, seeds, spec)
    batched = time.perf_counter() - start
    start = time.perf_counter()
    alone = [train_cell(args.dataset, args.activation, [s], spec) for s in seeds]
    loop = time.perf_counter() - start
    diff = max(float(np.max(np.abs(together.losses[:, i] - a.losses[:, 0]))) for i, a in enumerate(alone))
    final = max(abs(float(together.losses[-1, i] - a.losses[-1, 0])) for i, a in enumerate(alone))
    print(f"{args.dataset} / {args.activation}, {args.seeds} seeds, {spec['training']['budget_steps']} steps")
    print(f"batched: {batched:.2f} s   per-seed loop: {loop:.2f} s   ratio: {loop / batched:.1f}x")
    print(f"largest difference in final loss: {final:.3g} (over the whole curve: {diff:.3g})")


if __name__ == "__main__":
    main()
