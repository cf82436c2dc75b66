"""Time of the framework audit (issue targets: every 16-bit value of every activation in both
frameworks within 60 s, the ci profile's whole audit within 90 s, and an exhaustive float32 sweep
per activation).

    python benchmarks/bench_audit.py [--framework torch jax] [--activation NAME ...] [--chunks 2]

Prints (1) per framework and 16-bit dtype the seconds of the sweep (screen and exact interval ends)
and of the mpmath confirmation, summed over the activations; (2) the same for float32 and float64,
the NumPy baseline included, which with (1) is the audit the ci profile runs; (3) per activation the
seconds of ``--chunks`` float32 chunks of 2^24 floats from the middle of the float order (ordinary
magnitudes, the expensive part of the range) and the full 2^32 sweep extrapolated from them.
"""

from __future__ import annotations

import argparse
import time

from reference import audit, exhaustive, frameworks
from registry import ACTIVATIONS


def timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def bench_sweeps(libraries: list[str], names: list[str], dtypes: tuple[str, ...]) -> float:
    total = 0.0
    for library in libraries:
        for dtype in dtypes:
            screen_s = confirm_s = 0.0
            cases = [n for n in names if frameworks.supports(library, n)]
            for name in cases:
                screened, s = timed(audit.screen, name, library, dtype)
                _, c = timed(audit.confirm, screened)
                screen_s, confirm_s = screen_s + s, confirm_s + c
            total += screen_s + confirm_s
            print(
                f"  {library:6s} {dtype:9s} {len(cases):2d} activations: sweep {screen_s:7.2f} s, "
                f"mpmath confirmation {confirm_s:7.2f} s"
            )
    return total


def bench_exhaustive(libraries: list[str], names: list[str], chunks: int) -> None:
    count = exhaustive.chunk_count("float32")
    middle = [count // 4 + k for k in range(chunks)]  # positive floats from about 2^-64 up
    for library in libraries:
        for name in (n for n in names if frameworks.supports(library, n)):
            seconds = sum(timed(exhaustive.run_chunk, name, library, "float32", i)[1] for i in middle)
            per_chunk = seconds / chunks
            minutes = per_chunk * count / 60
            print(f"  {library:6s} {name:15s} {per_chunk:6.2f} s a chunk, all 2^32 floats ~{minutes:6.1f} min")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--framework", nargs="+", default=list(frameworks.AUDITED), choices=list(frameworks.AUDITED))
    parser.add_argument("--activation", nargs="+", default=list(ACTIVATIONS), choices=list(ACTIVATIONS))
    parser.add_argument("--chunks", type=int, default=2, help="float32 chunks timed per activation (0 skips)")
    args = parser.parse_args()
    print("(1) every finite float16 and bfloat16 value")
    sixteen = bench_sweeps(args.framework, args.activation, ("float16", "bfloat16"))
    print(f"  total {sixteen:.1f} s")
    print("(2) float32 and float64 dense sweeps, frameworks and the NumPy baseline")
    wide = bench_sweeps([*args.framework, "numpy"], args.activation, ("float32", "float64"))
    baseline16 = bench_sweeps(["numpy"], args.activation, ("float16", "bfloat16"))
    print(f"  total {wide:.1f} s; the ci audit, all four dtypes and the baseline: {sixteen + wide + baseline16:.1f} s")
    if args.chunks:
        print(f"(3) exhaustive float32, {args.chunks} chunk(s) of 2^24 timed")
        bench_exhaustive(args.framework, args.activation, args.chunks)


if __name__ == "__main__":
    main()
