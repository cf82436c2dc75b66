"""Throughput of the NumPy reference against a naive NumPy formula and torch autograd.

    python benchmarks/bench_reference.py [--points 2000000] [--depth 1000] [--inputs 10000] [--repeats 5]
        [--glibc-defaults]

Prints (1) f' on N float64 points: points/s for the reference, the textbook formula and torch
autograd, with ratios; (2) dy/dW1 of a depth-L width-1 chain for M inputs: seconds for NumPy
manual backprop with its log-magnitude and for torch autograd. Both run with glibc keeping freed
memory for reuse (experiments/allocator.py), as in the test processes, unless --glibc-defaults.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import scipy.special
import torch

import reference
from experiments.allocator import retain_freed_memory
from registry import ACTIVATIONS

# The formulas a textbook writes, with the registry's default parameters; they lose the tails
# (s(1 - s) is 0 past x = 37) and cancel near roots, which is what the reference pays to avoid.
# gelu's Phi uses scipy's ndtr (installed with scikit-learn), as a vectorised textbook would.
_S = lambda x: 1.0 / (1.0 + np.exp(-x))  # noqa: E731
_STEP = lambda c: c.astype(np.float64)  # noqa: E731
_SELU_L, _SELU_A = 1.0507009873554805, 1.6732632423543772
_PHI = lambda x: np.exp(-0.5 * x * x) / np.sqrt(2.0 * np.pi)  # noqa: E731


def _gelu_tanh(x):
    u = np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**3)
    t = np.tanh(u)
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * np.sqrt(2.0 / np.pi) * (1.0 + 3 * 0.044715 * x * x)


def _mish(x):
    t = np.tanh(np.log1p(np.exp(x)))
    return t + x * (1.0 - t * t) * _S(x)


NAIVE = {
    "sigmoid": lambda x: (s := _S(x)) * (1.0 - s),
    "tanh": lambda x: 1.0 - np.tanh(x) ** 2,
    "relu": lambda x: _STEP(x > 0),
    "leaky_relu": lambda x: np.where(x > 0, 1.0, 0.01),
    "elu": lambda x: np.where(x > 0, 1.0, np.exp(x)),
    "selu": lambda x: _SELU_L * np.where(x > 0, 1.0, _SELU_A * np.exp(x)),
    "softplus": _S,
    "silu": lambda x: (s := _S(x)) * (1.0 + x * (1.0 - s)),
    "gelu": lambda x: scipy.special.ndtr(x) + x * _PHI(x),
    "hardtanh": lambda x: _STEP((x > -1) & (x < 1)),
    "relu6": lambda x: _STEP((x > 0) & (x < 6)),
    "hardsigmoid": lambda x: _STEP((x > -3) & (x < 3)) / 6.0,
    "hardswish": lambda x: np.where(x < -3, 0.0, np.where(x > 3, 1.0, x / 3.0 + 0.5)),
    "celu": lambda x: np.where(x > 0, 1.0, np.exp(x)),
    "prelu": lambda x: np.where(x > 0, 1.0, 0.25),
    "rrelu": lambda x: np.where(x > 0, 1.0, 11.0 / 48.0),
    "gelu_tanh": _gelu_tanh,
    "logsigmoid": lambda x: 1.0 - _S(x),
    "softsign": lambda x: 1.0 / (1.0 + np.abs(x)) ** 2,
    "mish": _mish,
    "tanhshrink": lambda x: np.tanh(x) ** 2,
    "hardshrink": lambda x: _STEP(np.abs(x) > 0.5),
    "softshrink": lambda x: _STEP(np.abs(x) > 0.5),
    "threshold": lambda x: _STEP(x > 1),
    "squareplus": lambda x: 0.5 * (1.0 + x / np.sqrt(x * x + 4.0)),
    "sparse_plus": lambda x: np.where(x <= -1, 0.0, np.where(x >= 1, 1.0, 0.5 * (x + 1.0))),
    "sparse_sigmoid": lambda x: _STEP(np.abs(x) < 1) * 0.5,
}


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_derivatives(points: int, names: list[str], repeats: int) -> None:
    x = np.random.default_rng(0).normal(0.0, 5.0, points)
    xt = torch.from_numpy(x)
    copy = points / best_of(lambda: x.copy(), repeats) / 1e6
    print(f"f' on {points:.0e} float64 points (best of {repeats}), million points/s; ratios against the textbook")
    print(f"memory bandwidth as the limit: one float64 copy of the array runs at {copy:.0f} M points/s")
    columns = ("reference", "textbook", "torch", "ref/textbook", "ref/torch")
    print(f"{'activation':15s} " + " ".join(f"{c:>12s}" for c in columns))
    for name in names:
        ref = points / best_of(lambda n=name: reference.derivative(n, x), repeats) / 1e6
        naive = points / best_of(lambda n=name: NAIVE[n](x), repeats) / 1e6 if name in NAIVE else float("nan")
        tor = float("nan")
        if ACTIVATIONS[name].torch_f is not None:
            tor = points / best_of(lambda n=name: reference.torch_derivative(n, xt), repeats) / 1e6
        print(f"{name:15s} {ref:12.1f} {naive:12.1f} {tor:12.1f} {ref / naive:12.2f} {ref / tor:12.2f}")


def bench_chain(depth: int, inputs: int, names: list[str], repeats: int) -> None:
    rng = np.random.default_rng(1)
    W, b, x = rng.normal(0, 1, depth), rng.normal(0, 0.1, depth), rng.normal(0, 1, inputs)
    print(f"\ndy/dW1 at depth {depth} for {inputs} inputs (best of {repeats}), seconds")
    print(f"{'activation':15s} {'numpy+log':>10s} {'torch':>10s} {'ratio':>10s}")
    for name in (n for n in names if ACTIVATIONS[n].torch_f is not None):  # torch lacks jax.nn's own
        mine = best_of(lambda n=name: reference.chain_gradient(n, x, W, b), repeats)
        theirs = best_of(lambda n=name: reference.torch_chain_gradient(n, x, W, b), repeats)
        print(f"{name:15s} {mine:10.3f} {theirs:10.3f} {mine / theirs:10.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=2_000_000)  # 16 MB an array: past the caches
    parser.add_argument("--depth", type=int, default=1000)
    parser.add_argument("--inputs", type=int, default=10_000)
    parser.add_argument("--activations", nargs="*", default=list(ACTIVATIONS))
    # Each part is best timed in a process of its own: after the derivative table's large torch runs,
    # the chain's NumPy side measures 2 to 3 times slower than in a fresh process.
    parser.add_argument("--parts", nargs="+", choices=("derivatives", "chain"), default=["derivatives", "chain"])
    parser.add_argument("--glibc-defaults", action="store_true", help="leave malloc's thresholds as they are")
    # The best of five: the machine's noise moves a single run by up to a fifth.
    parser.add_argument("--repeats", type=int, default=5, help="each figure the best of this many runs")
    args = parser.parse_args()
    retained = not args.glibc_defaults and retain_freed_memory()
    print(
        f"torch {torch.__version__}, numpy {np.__version__}, torch threads {torch.get_num_threads()}, "
        f"freed memory {'kept for reuse' if retained else 'at glibc defaults'}\n"
    )
    if "derivatives" in args.parts:
        bench_derivatives(args.points, args.activations, args.repeats)
    if "chain" in args.parts:
        bench_chain(args.depth, args.inputs, args.activations, args.repeats)


if __name__ == "__main__":
    main()
