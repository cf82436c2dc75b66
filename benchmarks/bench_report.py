"""Time to build the report from an existing results.json, and the page's weight.

    python benchmarks/bench_report.py [reports/out/results.json] [--repeats 3]

Each build is a fresh process (cold caches, as a user's `activation-claims report --from-results`
is), timed end to end, plus one in-process breakdown: figures (in workers and one by one) vs the
whole page.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="?", type=Path, default=Path("reports/out/results.json"))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeats):
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "reports.cli", "report", "--from-results", str(args.results), "--out", tmp],
                check=False,
                capture_output=True,
            )
            times.append(time.perf_counter() - start)
        size = (Path(tmp) / "index.html").stat().st_size
    print(
        f"cold build from {args.results}: best {min(times):.2f} s, mean {sum(times) / len(times):.2f} s "
        f"over {args.repeats} (each a fresh process, imports included)"
    )
    print(f"page weight: {size / 1e6:.3f} MB")

    from reports import page
    from reports.ledger import load
    from reports.results import read

    results = read(args.results, load())
    jobs = page.figure_jobs(results)
    start = time.perf_counter()
    page.draw(jobs, workers=1)
    serial = time.perf_counter() - start
    start = time.perf_counter()
    page.draw(jobs)
    figures = time.perf_counter() - start
    start = time.perf_counter()
    page.render(results, load(), "activation-claims report")
    whole = time.perf_counter() - start
    print(
        f"in process, warm: {len(jobs)} figures {figures:.2f} s in worker processes ({serial:.2f} s one by one), "
        f"whole page {whole:.2f} s"
    )


if __name__ == "__main__":
    main()
