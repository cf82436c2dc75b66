"""Throughput of the NumPy reference against a naive NumPy formula and torch autograd.

    python benchmarks/bench_reference.py [--points 10000000] [--depth 1000] [--inputs 10000]

Prints (1) f' on N float64 points: points/s for the reference, the textbook formula and torch
autograd, with ratios; (2) dy/dW1 of a depth-L width-1 chain for M inputs: seconds for NumPy
manual backprop with its log-magnitude and for torch autograd.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

import reference
from registry import ACTIVATIONS

# The formulas a textbook writes; they lose the tails (s(1 - s) is 0 past x = 37).
NAIVE = {
    "sigmoid": lambda x: (s := 1.0 / (1.0 + np.exp(-x))) * (1.0 - s),
    "tanh": lambda x: 1.0 - np.tanh(x) ** 2,
    "relu": lambda x: (x > 0).astype(x.dtype),
}


def best_of(fn, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_derivatives(points: int, names: list[str]) -> None:
    x = np.random.default_rng(0).normal(0.0, 5.0, points)
    xt = torch.from_numpy(x)
    print(f"f' on {points:.0e} float64 points (best of 3), million points/s")
    print(f"{'activation':12s} {'reference':>10s} {'naive':>10s} {'torch':>10s} {'ref/torch':>10s}")
    for name in names:
        ref = points / best_of(lambda n=name: reference.derivative(n, x)) / 1e6
        naive = points / best_of(lambda n=name: NAIVE[n](x)) / 1e6 if name in NAIVE else float("nan")
        tor = points / best_of(lambda n=name: reference.torch_derivative(n, xt)) / 1e6
        print(f"{name:12s} {ref:10.1f} {naive:10.1f} {tor:10.1f} {ref / tor:10.2f}")


def bench_chain(depth: int, inputs: int, names: list[str]) -> None:
    rng = np.random.default_rng(1)
    W, b, x = rng.normal(0, 1, depth), rng.normal(0, 0.1, depth), rng.normal(0, 1, inputs)
    print(f"\ndy/dW1 at depth {depth} for {inputs} inputs (best of 3), seconds")
    print(f"{'activation':12s} {'numpy+log':>10s} {'torch':>10s} {'ratio':>10s}")
    for name in names:
        mine = best_of(lambda n=name: reference.chain_gradient(n, x, W, b))
        theirs = best_of(lambda n=name: reference.torch_chain_gradient(n, x, W, b))
        print(f"{name:12s} {mine:10.3f} {theirs:10.3f} {mine / theirs:10.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000_000)
    parser.add_argument("--depth", type=int, default=1000)
    parser.add_argument("--inputs", type=int, default=10_000)
    parser.add_argument("--activations", nargs="*", default=list(ACTIVATIONS))
    args = parser.parse_args()
    print(f"torch {torch.__version__}, numpy {np.__version__}, torch threads {torch.get_num_threads()}\n")
    bench_derivatives(args.points, args.activations)
    bench_chain(args.depth, args.inputs, args.activations)


if __name__ == "__main__":
    main()
