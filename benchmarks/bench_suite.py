"""Where the suite's time goes, from a run's results.json: seconds per test file, the examples and
seconds per claim, the slowest tests, and the run's wall time beside the sum of its tests (the rest
is collection, imports and fixtures).

    python benchmarks/bench_suite.py [reports/out/results.json] [--top 10]

The claims' tests and the instrument tests are both in results.json (``claims[].tests`` and
``instruments``), each with its outcome and duration.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from reports.ledger import load
from reports.plugin import DEFAULT_RESULTS
from reports.results import ResultsError, read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", nargs="?", default=DEFAULT_RESULTS, type=Path)
    parser.add_argument("--top", type=int, default=10, help="how many of the slowest tests to list")
    args = parser.parse_args()
    try:
        results = read(args.results, load())
    except ResultsError as err:
        raise SystemExit(f"bench_suite: {err}") from err
    tests = [t for c in results["claims"] for t in c["tests"] if t["outcome"] != "not run"]
    tests += results.get("instruments", [])
    if not results.get("instruments"):
        print("(this results.json lists no instrument tests: only the claims' tests are counted)")
    per_file = Counter()
    count = Counter()
    for t in tests:
        path = t["nodeid"].split("::")[0]
        per_file[path] += t["duration_s"]
        count[path] += 1
    total = sum(per_file.values())
    prov = results["provenance"]
    print(f"profile {prov['hypothesis_profile']}, seed {prov['seed']}, commit {prov['git_commit']}")
    print(f"wall time {prov['duration_s']:.1f} s; {len(tests)} tests took {total:.1f} s in all")
    print("\nseconds  share  tests  file")
    for path, seconds in per_file.most_common():
        print(f"{seconds:7.1f} {seconds / total:6.1%} {count[path]:6d}  {path}")
    print("\nper claim: tests run, Hypothesis examples (sum over its tests), seconds")
    for claim in results["claims"]:
        ran = [t for t in claim["tests"] if t["outcome"] != "not run"]
        if ran:
            examples = sum(t.get("examples") or 0 for t in ran)
            seconds = sum(t["duration_s"] for t in ran)
            print(f"  {claim['id']}  {len(ran):4d} {examples:8d} {seconds:8.1f}")
    print(f"\nthe {args.top} slowest tests")
    for t in sorted(tests, key=lambda t: t["duration_s"], reverse=True)[: args.top]:
        print(f"{t['duration_s']:7.1f}  {t['nodeid']}")


if __name__ == "__main__":
    main()
