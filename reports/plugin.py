"""pytest plugin: maps tests to claims by marker, collects outcomes, examples and evidence,
writes results.json and prints the claim table."""

from __future__ import annotations

import shlex
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from reports import evidence
from reports.ledger import LedgerError, load
from reports.results import build, dumps, provenance, schema_problems, write_atomically

DEFAULT_RESULTS = Path("reports") / "out" / "results.json"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("activation-claims")
    group.addoption("--results", default=None, help=f"where to write results.json (default: {DEFAULT_RESULTS})")
    group.addoption("--ledger", default=None, help="the claims ledger to check against (default: claims.toml)")
    group.addoption(
        "--claim",
        action="append",
        default=[],
        metavar="ID",
        help="run only the tests that establish this claim (repeatable), e.g. --claim S01",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "claim(id): the claims.toml id this test establishes")
    config.addinivalue_line("markers", "instrument: checks that the routes agree; establishes no claim")
    config.pluginmanager.register(ClaimsPlugin(config), "activation-claims")


def full_run(config: pytest.Config) -> bool:
    """Only a run of the whole suite can tell that a claim has no test."""
    narrowed = (
        config.getoption("keyword")
        or config.getoption("markexpr")
        or config.getoption("deselect")
        or config.getoption("claim")
    )
    if narrowed:
        return False
    if config.args_source == pytest.Config.ArgsSource.TESTPATHS:
        return True
    whole = {config.rootpath.resolve(), *((config.rootpath / p).resolve() for p in config.getini("testpaths"))}
    return bool(config.args) and all(Path(a).resolve() in whole for a in config.args)


def invocation() -> str:
    """The command line as a user would retype it."""
    program = Path(sys.argv[0]).name
    program = "python -m pytest" if program == "__main__.py" else program
    return " ".join([program, *(shlex.quote(a) for a in sys.argv[1:])])


def run_seed(config: pytest.Config, settings) -> int | str | None:
    """The seed the run can be reproduced from: --hypothesis-seed's, else "derandomized" (each test
    seeded from itself) where the profile is, else None (a random run)."""
    seed = config.getoption("hypothesis_seed", None)
    if seed is not None:
        return int(seed) if str(seed).lstrip("-").isdigit() else str(seed)
    return "derandomized" if settings.default.derandomize else None


def simulation_device() -> str | None:
    """Where the simulations ran, cuda or cpu (reference.meanfield.DEVICE); None if none was loaded."""
    meanfield = sys.modules.get("reference.meanfield")
    return None if meanfield is None else meanfield.DEVICE.type


def outcome_mark(claim: dict) -> str:
    """yes / NOT REPRODUCED / not run / - (nothing to reproduce), as the table and report show it."""
    tests = claim["tests"]
    if claim["reproduced"] is None:
        return "-"
    if not tests or all(t["outcome"] == "not run" for t in tests):
        return "not run"
    return "yes" if claim["reproduced"] else "NOT REPRODUCED"


def asserting_tests_missing(ledger, claim_of: dict[str, str]) -> list[str]:
    """Each test a claim's asserts names must exist and be marked with that claim."""
    functions = {(cid, nodeid.split("::")[-1].split("[")[0]) for nodeid, cid in claim_of.items()}
    return [
        f"claim {c.id}: asserts names {test}, which is no test marked claim({c.id!r})"
        for c in ledger.claims.values()
        for test in sorted(c.asserting_tests)
        if (c.id, test) not in functions
    ]


class ClaimsPlugin:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        ledger = config.getoption("--ledger")
        try:
            self.ledger = load(Path(ledger)) if ledger else load()
        except LedgerError as err:  # before any test runs, as a usage error that names the claim
            raise pytest.UsageError(f"claims ledger: {err}") from err
        self.claim_of: dict[str, str] = {}
        self.order: dict[str, int] = {}  # nodeid -> collection index of the tests that run
        self.ran: dict[str, dict] = {}  # nodeid -> outcome and time, claims' tests and instruments alike
        self.examples: dict[str, int] = {}
        self.workers: list[dict] = []  # with pytest-xdist, what each worker collected and recorded
        self.errors: list[str] = []  # ledger errors a pytest-xdist worker found (it hands them on)
        self.late_errors: list[str] = []  # ledger errors the xdist controller reports, at the end
        self.started = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.t0 = time.perf_counter()
        self.results: dict | None = None
        self.strict = False
        self.path = Path(config.getoption("--results") or config.rootpath / DEFAULT_RESULTS)
        evidence.clear()

    def pytest_collection_modifyitems(self, session: pytest.Session, config: pytest.Config, items: list) -> None:
        errors = []
        for item in items:
            marks = list(item.iter_markers("claim"))
            if not marks and item.get_closest_marker("instrument") is None:
                errors.append(f"{item.nodeid}: no claim marker (mark it claim('Sxx') or instrument)")
            for mark in marks:
                if len(mark.args) != 1 or mark.args[0] not in self.ledger.claims:
                    errors.append(f"{item.nodeid}: claim marker {mark.args} names no claim in claims.toml")
                else:
                    self.claim_of[item.nodeid] = mark.args[0]
        self.strict = full_run(config)
        if self.strict:
            errors += self.untested()
        if errors and hasattr(config, "workerinput"):
            # A pytest-xdist worker that raised here would crash, and the message would be lost: it
            # runs nothing and hands the errors on; the controller reports them as the usage error.
            self.errors, items[:] = errors, []
            return
        if errors:
            raise pytest.UsageError("claims ledger and tests disagree:\n  " + "\n  ".join(errors))
        self.select_claims(config, items)
        self.order = {item.nodeid: i for i, item in enumerate(items)}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem):
        """Evidence recorded from here on comes from this test (its collection index orders it)."""
        evidence.set_origin(self.order.get(item.nodeid, -1))
        yield
        evidence.set_origin(-1)

    def untested(self) -> list[str]:
        """In a full run: each claim needs a test, and each test its asserts names must exist."""
        tested = set(self.claim_of.values())
        claims = self.ledger.claims.values()
        errors = [f"claim {c.id} has no test" for c in claims if c.id not in tested and not c.pending]
        return errors + asserting_tests_missing(self.ledger, self.claim_of)

    def select_claims(self, config: pytest.Config, items: list) -> None:
        """--claim ID: keep the tests that establish one of these claims, deselect the rest."""
        wanted = config.getoption("claim")
        if not wanted:
            return
        unknown = [c for c in wanted if c not in self.ledger.claims]
        if unknown:
            raise pytest.UsageError(
                f"--claim {', '.join(unknown)}: no such claim; valid: {', '.join(self.ledger.claims)}"
            )
        keep = [item for item in items if self.claim_of.get(item.nodeid) in wanted]
        dropped = [item for item in items if self.claim_of.get(item.nodeid) not in wanted]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = keep  # the other claims' tests stay in claim_of: results.json lists them as not run

    @pytest.hookimpl(hookwrapper=True, trylast=True)
    def pytest_runtest_call(self, item: pytest.Item):
        """Count the examples Hypothesis ran, chained onto its own statistics collector: summed over
        every Hypothesis run in the test (a @given search and a find() after it, say)."""
        from hypothesis.statistics import collector

        previous = collector.value

        def note(stats: dict) -> None:
            phases = [v for k, v in stats.items() if k.endswith("-phase") and isinstance(v, dict)]
            cases = [c for p in phases for c in p.get("test-cases", [])]
            ran = sum(1 for c in cases if c.get("status") in ("valid", "interesting"))
            self.examples[item.nodeid] = self.examples.get(item.nodeid, 0) + ran
            if previous is not None:
                previous(stats)

        with collector.with_value(note):
            yield

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        entry = self.ran.setdefault(report.nodeid, {"nodeid": report.nodeid, "outcome": "passed", "duration_s": 0.0})
        entry["duration_s"] = round(entry["duration_s"] + report.duration, 3)
        if report.failed:
            entry["outcome"] = "failed"
        elif report.skipped and entry["outcome"] == "passed":
            entry["outcome"] = "skipped"

    def collected(self) -> dict:
        """What this process collected and recorded, as a pytest-xdist worker hands it on."""
        return {
            "claim_of": self.claim_of,
            "order": self.order,
            "examples": self.examples,
            "evidence": evidence.recorded_with_origins(),
            "device": simulation_device(),
            "errors": self.errors,
        }

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error) -> None:
        """pytest-xdist, in the controller: a worker finished and sent what it collected."""
        part = getattr(node, "workeroutput", {}).get("activation_claims")
        if part is not None:
            self.workers.append(part)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.config.getoption("collectonly") or exitstatus == pytest.ExitCode.USAGE_ERROR:
            return  # nothing ran: no results.json, and a previous one stays as it was
        if hasattr(self.config, "workerinput"):  # a pytest-xdist worker: the controller writes results
            self.config.workeroutput["activation_claims"] = self.collected()
            return
        parts = self.workers or [self.collected()]
        for part in parts:  # every worker collected the same tests; the union is one process's view
            self.claim_of.update(part["claim_of"])
            self.order.update(part["order"])
            self.examples.update(part["examples"])
        if self.workers:
            # Each worker collected the whole suite and made the full-run checks itself (a claim with
            # no test among them): the controller reports what they found, once.
            self.strict = full_run(self.config)
            self.late_errors = list(dict.fromkeys(e for p in parts for e in p["errors"]))
            if self.late_errors:
                session.exitstatus = pytest.ExitCode.USAGE_ERROR
                return
        if not self.claim_of:
            return
        device = next((p["device"] for p in parts if p["device"] is not None), None)
        by_claim: dict[str, list] = {}
        for nodeid, cid in sorted(self.claim_of.items(), key=lambda kv: self.order.get(kv[0], -1)):
            test = dict(self.ran.get(nodeid, {"nodeid": nodeid, "outcome": "not run", "duration_s": 0.0}))
            test["examples"] = self.examples.get(nodeid)
            by_claim.setdefault(cid, []).append(test)
        instruments = sorted(
            (
                {**t, "examples": self.examples.get(nodeid)}
                for nodeid, t in self.ran.items()
                if nodeid not in self.claim_of and nodeid in self.order
            ),
            key=lambda t: self.order[t["nodeid"]],
        )
        from hypothesis import settings

        prov = provenance(
            self.config.rootpath,
            profile=settings.get_current_profile_name(),
            seed=run_seed(self.config, settings),
            started=self.started,
            duration_s=time.perf_counter() - self.t0,
            command=invocation(),
            device=device,
        )
        recorded = evidence.merged([p["evidence"] for p in parts])
        self.results = build(self.ledger, by_claim, recorded, prov, strict=self.strict, instruments=instruments)
        write_atomically(self.path, dumps(self.results))
        # Written even so, to be looked at; but a results.json that breaks its schema fails the run.
        self.schema_problems = schema_problems(self.results)
        failed = self.schema_problems or any(c.get("problems") for c in self.results["claims"])
        if failed and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter, exitstatus: int, config: pytest.Config) -> None:
        tr = terminalreporter
        for problem in self.late_errors:
            tr.write_line(f"claims ledger and tests disagree: {problem}", red=True)
        if self.results is None:
            return
        for problem in getattr(self, "schema_problems", []):
            tr.write_line(f"results.json breaks reports/results.schema.json: {problem}", red=True)
        tr.section("claims")
        tr.write_line(f"{'id':5s} {'math':14s} {'float':14s} reproduced")
        for claim in self.results["claims"]:
            mark = outcome_mark(claim)
            v = claim["verdict"]
            line = f"{claim['id']:5s} {v['math'] or '-':14s} {v['float'] or '-':14s} {mark}"
            tr.write_line(line, red=mark == "NOT REPRODUCED", green=mark == "yes")
            for problem in claim.get("problems", []):
                tr.write_line(f"      {problem}", red=True)
        tr.write_line(f"results: {self.path}")
