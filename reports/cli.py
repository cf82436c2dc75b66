"""activation-claims verify | report | audit: run the suite, write results.json and the HTML report, or
audit one framework's gradients."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import pytest

from reports.ledger import load
from reports.results import ResultsError, read, write_atomically

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "reports" / "out"
PROFILES = ("ci", "dev", "thorough")
REPRODUCE = "activation-claims report --profile {profile}"


class Progress:
    """One status line on a terminal: tests done of total and the claim being checked."""

    def __init__(self, stream) -> None:
        self.stream, self.total, self.done, self.claim_of = stream, 0, 0, {}

    def pytest_collection_finish(self, session) -> None:
        self.total = len(session.items)
        for item in session.items:
            mark = item.get_closest_marker("claim")
            self.claim_of[item.nodeid] = mark.args[0] if mark else "instruments"

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node, ids) -> None:
        """With worker processes the controller collects nothing: each worker says what it has."""
        self.total = len(ids)

    def pytest_runtest_logreport(self, report) -> None:
        if report.when != "teardown":
            return
        self.done += 1
        name = report.nodeid.split("::")[-1][:60]
        self.stream.write(f"\r\x1b[K[{self.done}/{self.total}] {self.claim_of.get(report.nodeid, '')}: {name}")
        self.stream.flush()

    def pytest_sessionfinish(self) -> None:
        self.stream.write("\r\x1b[K")
        self.stream.flush()


def verify(
    profile: str,
    results: Path,
    dask_scheduler: str | None = None,
    seed: int | None = None,
    claims: list[str] | None = None,
    workers: str = "auto",
) -> int:
    """Run the suite through pytest with the claims plugin; pytest's exit code. With a Dask
    scheduler address, the experiment's cells (S19) run on that cluster; with a seed, every
    Hypothesis test runs from it; with claims, only their tests run; ``workers`` processes (a number,
    or auto: one per core; 0: in this process) share the tests."""
    from experiments.runner import SCHEDULER_ENV

    if dask_scheduler:
        os.environ[SCHEDULER_ENV] = dask_scheduler

    if not (ROOT / "tests").is_dir():
        print(
            f"error: the test suite is not beside the package ({ROOT / 'tests'}); "
            "install from a clone with pip install -e .",
            file=sys.stderr,
        )
        return 2
    os.environ["HYPOTHESIS_PROFILE"] = profile
    plugins = [Progress(sys.stderr)] if sys.stderr.isatty() else []
    args = [str(ROOT / "tests"), f"--rootdir={ROOT}", "-p", "no:cacheprovider", "-qq", f"--results={results}"]
    # One worker process per core (pytest-xdist), one test file per worker at a time, so that a
    # file's shared caches (the audit's sweeps) stay in one process; 0 runs in this process.
    args += ["-n", str(workers), "--dist", "loadfile"] if workers != "0" else []
    args += [f"--hypothesis-seed={seed}"] if seed is not None else []
    args += [f"--claim={claim}" for claim in claims or []]
    return int(pytest.main(args, plugins=plugins))


def build_report(results_path: Path, out: Path) -> int:
    """Render index.html from results.json, then write both into out atomically; 1 if a claim
    is not reproduced (the report is still written), 2 if results.json cannot be reported. The
    page's command to reproduce the run names the profile the run recorded."""
    from reports.page import render
    from reports.plugin import outcome_mark

    ledger = load()
    try:
        results = read(results_path, ledger)
        page = render(results, ledger, REPRODUCE.format(profile=results["provenance"]["hypothesis_profile"]))
    except ResultsError as err:
        print(f"error: {err}; nothing written", file=sys.stderr)
        return 2
    raw = Path(results_path).read_text(encoding="utf-8")
    write_atomically(out / "results.json", raw)
    write_atomically(out / "index.html", page)
    failed = [c["id"] for c in results["claims"] if outcome_mark(c) in ("NOT REPRODUCED", "not run")]
    print(f"report: {out / 'index.html'} ({len(page.encode()) / 1e6:.2f} MB)")
    if failed:
        print(f"not reproduced (failed or not run): {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def add_run_options(command: argparse.ArgumentParser) -> None:
    """The options verify and report share: how to run the suite."""
    command.add_argument(
        "--seed",
        type=int,
        default=None,
        metavar="N",
        help="run every Hypothesis test from this seed (default: each test from its own fixed seed); "
        "results.json records it",
    )
    command.add_argument(
        "--claim",
        action="append",
        default=[],
        metavar="ID",
        help="run only this claim's tests (repeatable), e.g. --profile thorough --claim S01",
    )
    command.add_argument(
        "--workers",
        default="auto",
        type=workers_count,
        metavar="N",
        help="processes that share the tests: a number, or auto (one per core, the default); 0 runs them "
        "in this process. results.json is the same either way, apart from timestamps and the command",
    )
    command.add_argument(
        "--dask-scheduler", default=None, metavar="ADDRESS", help="run the experiment's cells on this Dask scheduler"
    )


def workers_count(text: str) -> str:
    """--workers: auto or a count >= 0."""
    if text == "auto" or (text.isdigit() and int(text) >= 0):
        return text
    raise argparse.ArgumentTypeError(f"{text!r} is not a number of workers (0, 1, 2, ... or auto)")


PROFILE_HELP = (
    "Hypothesis profile (tests/conftest.py): ci, the default; dev, fewer examples; thorough, many more "
    "examples and wider simulations, the archival run"
)


def build_parser() -> argparse.ArgumentParser:
    """The command line: verify, report and audit, each option with its help."""
    parser = argparse.ArgumentParser(prog="activation-claims", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify", help="run the suite and write results.json")
    v.add_argument("--profile", choices=PROFILES, default="ci", help=PROFILE_HELP)
    v.add_argument(
        "--results", type=Path, default=DEFAULT_OUT / "results.json", metavar="PATH", help="where results.json goes"
    )
    add_run_options(v)
    r = sub.add_parser(
        "report", help="run the suite (or read results.json) and write DIR/index.html and DIR/results.json"
    )
    r.add_argument("--profile", choices=PROFILES, default="ci", help=PROFILE_HELP)
    r.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help="where index.html and results.json go")
    r.add_argument(
        "--from-results",
        type=Path,
        default=None,
        metavar="PATH",
        help="report an existing results.json instead of running",
    )
    add_run_options(r)
    a = sub.add_parser("audit", help="one framework's gradients against the exact derivative, as a table (or JSON)")
    a.add_argument("--framework", default="torch", metavar="NAME", help="torch, jax or numpy (the reference)")
    a.add_argument("--activation", action="append", default=[], metavar="NAME", help="repeatable; default: all it has")
    a.add_argument("--dtype", action="append", default=[], metavar="DTYPE", help="repeatable; default: all four")
    a.add_argument("--json", type=Path, default=None, metavar="PATH", help="also write the rows as JSON ('-': stdout)")
    a.add_argument(
        "--exhaustive",
        action="store_true",
        help="every float of the dtype (float16 or float32: all 2^32, in 256 chunks; minutes an activation)",
    )
    a.add_argument("--state", type=Path, default=None, metavar="PATH", help="with --exhaustive: resume from here")
    a.add_argument(
        "--dask-scheduler",
        default=None,
        metavar="ADDRESS",
        help="with --exhaustive: run the chunks on this Dask scheduler",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    if args.command == "audit":  # imported here: the audit loads torch, JAX and mpmath, which report never needs
        from reports import audit_command

        return audit_command.run(args)
    if args.command == "verify":
        return verify(args.profile, args.results, args.dask_scheduler, args.seed, args.claim, args.workers)
    if args.from_results is not None:
        return build_report(args.from_results, args.out)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "results.json"
        code = verify(args.profile, fresh, args.dask_scheduler, args.seed, args.claim, args.workers)
        if not fresh.exists():
            print("error: the suite wrote no results.json (see the output above); nothing written", file=sys.stderr)
            return code or 2
        built = build_report(fresh, args.out)
    return built or (1 if code else 0)


if __name__ == "__main__":
    sys.exit(main())
