"""The claims plugin: ledger validation, collection errors, results.json shape and determinism."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from hypothesis import settings

from reports.ledger import LedgerError, load, parse
from reports.results import SCHEMA, without_volatile

# Checks the record-keeping itself; establishes no claim.
pytestmark = pytest.mark.instrument

ROOT = Path(__file__).resolve().parent.parent
SUBSET = "tests/claims/test_s17_s18_optimisation.py"


def run_pytest(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    """pytest in a fresh process, under the ci profile unless env says otherwise (a thorough run of
    the suite must not make these checks of the record-keeping thorough too)."""
    env = env if env is not None else {**os.environ, "HYPOTHESIS_PROFILE": "ci"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


INSTRUMENT = "tests/test_prose_and_ledger.py::test_intervals_read_as_the_widest_runs_with_ends_apart"

# Three claim files (evidence from several claims, in collection order) and one instrument test.
RUN_SUBSET = (
    SUBSET,
    "tests/claims/test_s07_s11_training.py",
    "tests/claims/test_s08_s10_relu.py",
    INSTRUMENT,
)


@pytest.fixture(scope="module")
def subset_run(tmp_path_factory) -> tuple[list[str], subprocess.CompletedProcess, str]:
    """One serial ci run of RUN_SUBSET: (its arguments, the process, its results.json text). Several
    checks read the same run; each fresh pytest process costs seconds of imports."""
    args = [*RUN_SUBSET, f"--results={tmp_path_factory.mktemp('subset') / 'results.json'}"]
    done = run_pytest(*args)
    assert done.returncode == 0, done.stdout + done.stderr
    return args, done, Path(args[-1].removeprefix("--results=")).read_text()


def test_a_second_run_in_parallel_writes_what_the_serial_run_wrote(subset_run, tmp_path):
    """The same profile and seed give the same results.json apart from timestamps, even run a second
    time under pytest-xdist, whose controller merges what each worker recorded (evidence in the tests'
    collection order, each item once): one comparison shows both the run's determinism and the merge."""
    args, _, first = subset_run
    parallel = tmp_path / "parallel.json"
    done = run_pytest("-n", "2", "--dist", "loadfile", *args[:-1], f"--results={parallel}")
    assert done.returncode == 0, done.stdout + done.stderr
    a, b = (without_volatile(json.loads(text)) for text in (first, parallel.read_text()))
    assert a["schema"] == SCHEMA and a["provenance"]["hypothesis_profile"] == "ci"
    assert "-n 2" in b["provenance"].pop("command") and "-n" not in a["provenance"].pop("command").split()
    assert a == b
    assert sum(bool(c["evidence"]) for c in a["claims"]) >= 3 and len(a["instruments"]) == 5
    s17 = next(c for c in a["claims"] if c["id"] == "S17")
    assert s17["reproduced"] is True and s17["evidence"] and all(t["outcome"] == "passed" for t in s17["tests"])


def test_results_list_the_instrument_tests_apart_from_the_claims_tests(subset_run):
    """Each instrument test that ran is in results.json's instruments, with its outcome and time (what
    benchmarks/bench_suite.py reads); a claim's test is under its claim only."""
    results = json.loads(subset_run[2])
    listed = results["instruments"]
    assert len(listed) == 5 and all(t["nodeid"].startswith(INSTRUMENT + "[") for t in listed)
    assert all(t["outcome"] == "passed" and t["duration_s"] >= 0 and t["examples"] is None for t in listed)
    claimed = {t["nodeid"] for c in results["claims"] for t in c["tests"]}
    assert claimed and not claimed & {t["nodeid"] for t in listed}


def test_the_terminal_table_lists_every_claim_and_marks_unrun_ones(subset_run):
    done = subset_run[1]
    ids = set(load().claims)
    lines = [line for line in done.stdout.splitlines() if line.split()[:1] and line.split()[0] in ids]
    assert [line.split()[0] for line in lines] == list(load().claims)
    assert any(line.startswith("S17") and line.endswith("yes") for line in lines)
    assert any(line.startswith("S01") and line.endswith("not run") for line in lines)


TWO_HYPOTHESIS_RUNS = """import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

pytestmark = pytest.mark.instrument


def test_a_search_then_a_find():
    @settings(max_examples=50, database=None, derandomize=True)
    @given(st.integers())
    def search(i):
        pass

    search()
    with pytest.raises(NoSuchExample):  # five examples, none of them found
        find(st.integers(), lambda i: False, settings=settings(max_examples=5, database=None, derandomize=True))
"""


def test_a_tests_examples_count_every_hypothesis_run_in_it(small_project):
    """A @given search and a find() in one test: results.json counts both runs' examples, not the
    last run's alone (the audit's refuted claims search first, then shrink a counterexample)."""
    (small_project / "tests" / "test_examples.py").write_text(TWO_HYPOTHESIS_RUNS)
    # With X01's test: a run of no claim's test writes no results.json.
    args = ("tests/test_x1.py", "tests/test_examples.py", "--ledger=claims.toml", "--results=r.json")
    done = run_in_process(small_project, *args)
    assert done == pytest.ExitCode.OK
    (listed,) = json.loads((small_project / "r.json").read_text())["instruments"]
    assert listed["examples"] == 50 + 5, listed


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("def test_x():\n    pass\n", "no claim marker"),
        ("import pytest\n\n@pytest.mark.claim('S99')\ndef test_x():\n    pass\n", "names no claim in claims.toml"),
    ],
)
def test_a_test_without_a_known_claim_is_a_collection_error(small_project, capsys, body, message):
    (small_project / "tests" / "test_stray.py").write_text(body)
    done = run_in_process(small_project, "tests/test_stray.py", "--ledger=claims.toml", "--results=r.json")
    assert done == pytest.ExitCode.USAGE_ERROR
    assert message in capsys.readouterr().err
    assert not (small_project / "r.json").exists()


LEDGER_HEAD = '[sources.s]\ntitle = "t"\n'


def one_claim(cid: str) -> str:
    return (
        f'\n[[claim]]\nid = "{cid}"\nsource = "s"\nquote = "q"\nstatement = "s"\nverdict = {{ math = "supported" }}\n'
    )


SMALL_LEDGER = LEDGER_HEAD + one_claim("X01") + one_claim("X02")


@pytest.fixture
def small_project(tmp_path) -> Path:
    """A project of one test (claim X01) under the plugin, whose ledger also has X02, which no test names.

    The plugin's rules about the ledger and the collection are the same whatever the suite: this
    project shows them in a second a process, where the suite's own collection costs ten (imports,
    and every parametrization). Every full run of the suite checks the suite's own ledger.
    """
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x1.py").write_text(
        "import pytest\n\n\n@pytest.mark.claim('X01')\ndef test_x1():\n    pass\n"
    )
    (tmp_path / "conftest.py").write_text('pytest_plugins = ("reports.plugin",)\n')
    (tmp_path / "pytest.ini").write_text("[pytest]\ntestpaths = tests\n")
    (tmp_path / "claims.toml").write_text(SMALL_LEDGER)
    return tmp_path


def run_in_process(project: Path, *args: str, plugins: tuple = ()) -> int:
    """pytest.main on ``project`` inside this process: the plugin's own code runs where coverage and
    mutation testing see it, in a fraction of a fresh process's time. The outer session's evidence
    is kept (the nested plugin clears the recorder), and the project's modules leave sys.modules
    after it, so that the next project's files of the same names are imported afresh."""
    from reports import evidence

    cwd = Path.cwd()
    os.chdir(project)
    try:
        with evidence.kept():
            return int(
                pytest.main(["-q", "-p", "no:cacheprovider", "--import-mode=importlib", *args], plugins=list(plugins))
            )
    finally:
        os.chdir(cwd)
        for name, module in list(sys.modules.items()):
            if project in Path(getattr(module, "__file__", None) or "/").parents:
                del sys.modules[name]


RECORDING_TEST = """import pytest

from reports import evidence


@pytest.mark.claim('X01')
def test_x1():
    evidence.record('X01', 'symbolic', key='k', value=1.5)


@pytest.mark.claim('X02')
def test_x2():
    evidence.record('X02', 'statistic', key='s', value=float('inf'))
    assert False
"""


class AsWorker:
    """Makes an in-process run a pytest-xdist worker (config.workerinput set, as xdist sets it): the
    plugin hands on what it collected and recorded through config.workeroutput, kept here with the
    worker's test reports."""

    def __init__(self) -> None:
        self.output: dict | None = None
        self.reports: list = []

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        config.workerinput, config.workeroutput = {"workerid": "gw0"}, {}

    def pytest_runtest_logreport(self, report) -> None:
        self.reports.append(report)

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self.output = config.workeroutput.get("activation_claims")


class AsController:
    """Makes an in-process run the pytest-xdist controller: it collects and runs nothing, receives the
    worker's reports and then its output (pytest_testnodedown), as xdist's scheduler hands them over."""

    def __init__(self, worker: AsWorker) -> None:
        self.worker = worker

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection(self, session: pytest.Session) -> bool:
        session.items = []
        return True

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        session.testscollected = len({report.nodeid for report in self.worker.reports})
        for report in self.worker.reports:
            session.config.hook.pytest_runtest_logreport(report=report)
        node = type("WorkerNode", (), {"workeroutput": {"activation_claims": self.worker.output}})()
        session.config.pluginmanager.get_plugin("activation-claims").pytest_testnodedown(node, None)
        return True


# X01 proved, as RECORDING_TEST has it; X02 passes with no evidence at all.
X01_PROVED = RECORDING_TEST.split("@pytest.mark.claim('X02')")[0]
HANDOVER_TESTS = X01_PROVED + (
    "@pytest.mark.claim('X02')\ndef test_x2():\n    pass\n\n\n"
    # two instrument tests, the second before the first in name order: results.json lists them as run
    "@pytest.mark.instrument\ndef test_z():\n    pass\n\n\n@pytest.mark.instrument\ndef test_a():\n    pass\n"
)


def test_the_controller_writes_from_a_workers_handover_what_a_serial_run_writes(small_project, capsys):
    """The handover between pytest-xdist's processes, in this process: X01 passes with its proof, X02
    passes with no evidence, which a full run (and only a full run) finds short of its verdict. The
    controller, given the worker's reports and output, writes the serial run's results.json, the
    full-run check included; and a worker whose collection found a ledger error (a claim with no
    test) hands it on, for the controller to report as the usage error."""
    import reference.meanfield  # noqa: F401  (loaded: the simulations' device is known, and handed on)

    (small_project / "tests" / "test_x1.py").write_text(HANDOVER_TESTS)
    ledger = "--ledger=claims.toml"
    assert run_in_process(small_project, ledger, "--results=serial.json") == pytest.ExitCode.TESTS_FAILED
    worker = AsWorker()
    run_in_process(small_project, ledger, "--results=unused.json", plugins=(worker,))
    assert worker.output is not None and not (small_project / "unused.json").exists()
    code = run_in_process(small_project, ledger, "--results=merged.json", plugins=(AsController(worker),))
    assert code == pytest.ExitCode.TESTS_FAILED
    serial, merged = (
        without_volatile(json.loads((small_project / f).read_text())) for f in ("serial.json", "merged.json")
    )
    assert merged == serial
    assert merged["provenance"]["simulation_device"] == ("cuda" if torch.cuda.is_available() else "cpu")
    assert [t["nodeid"] for t in merged["instruments"]] == ["tests/test_x1.py::test_z", "tests/test_x1.py::test_a"]
    claims = {c["id"]: c for c in merged["claims"]}
    assert claims["X01"]["reproduced"] is True and claims["X02"]["reproduced"] is False and claims["X02"]["problems"]

    (small_project / "tests" / "test_x1.py").write_text(X01_PROVED)
    capsys.readouterr()
    worker = AsWorker()
    run_in_process(small_project, ledger, plugins=(worker,))
    assert worker.output["errors"] == ["claim X02 has no test"] and not worker.reports
    code = run_in_process(small_project, ledger, "--results=r.json", plugins=(AsController(worker),))
    assert code == pytest.ExitCode.USAGE_ERROR and "claim X02 has no test" in capsys.readouterr().out
    assert not (small_project / "r.json").exists()


def test_a_run_in_process_writes_each_claims_tests_evidence_and_table(small_project, capsys):
    """X01 passes with its evidence, X02 fails: results.json says so claim by claim, the terminal
    table marks them, and the run fails; the outer session's evidence is as it was."""
    from reports import evidence

    (small_project / "tests" / "test_x1.py").write_text(RECORDING_TEST)
    with evidence.kept():  # the outer session's own recorder, given an item here and left as it was
        evidence.record("outer", "numeric", key="here before", value=2)
        before = evidence.recorded_with_origins()
        code = run_in_process(small_project, "--ledger=claims.toml", "--results=r.json")
        assert evidence.recorded_with_origins() == before
    out = capsys.readouterr().out
    assert code == pytest.ExitCode.TESTS_FAILED
    results = json.loads((small_project / "r.json").read_text())
    claims = {c["id"]: c for c in results["claims"]}
    assert claims["X01"]["reproduced"] is True and claims["X02"]["reproduced"] is False
    assert [t["outcome"] for t in claims["X02"]["tests"]] == ["failed"]
    assert claims["X01"]["evidence"] == [{"kind": "symbolic", "key": "k", "value": 1.5}]
    assert claims["X02"]["evidence"] == [{"kind": "statistic", "key": "s", "value": "inf"}]
    assert results["provenance"]["seed"] == "derandomized"
    rows = [line.split() for line in out.splitlines() if line[:3] in ("X01", "X02")]
    assert "id    math           float          reproduced" in out.splitlines()  # the table's header
    assert rows[0][0] == "X01" and rows[0][-1] == "yes"
    assert rows[1][0] == "X02" and rows[1][-2:] == ["NOT", "REPRODUCED"]
    assert "results: " in out


def test_a_claim_with_no_test_is_an_error_in_a_full_run_only(small_project, capsys):
    full = run_in_process(small_project, "--collect-only", "--ledger=claims.toml")
    assert full == pytest.ExitCode.USAGE_ERROR and "claim X02 has no test" in capsys.readouterr().err
    narrowed = run_in_process(small_project, "--collect-only", "--ledger=claims.toml", "-k", "x1")
    assert narrowed == pytest.ExitCode.OK
    # Under pytest-xdist the workers run nothing and the controller reports the same usage error.
    parallel = run_pytest("-n", "2", "--ledger=claims.toml", "--results=r.json", cwd=small_project)
    assert parallel.returncode == pytest.ExitCode.USAGE_ERROR and "claim X02 has no test" in parallel.stdout
    assert not (small_project / "r.json").exists()


def test_the_claim_option_runs_that_claims_tests_and_lists_the_others_as_not_run(small_project, capsys):
    (small_project / "tests" / "test_x2.py").write_text(
        "import pytest\n\n\n@pytest.mark.claim('X02')\ndef test_x2():\n    pass\n"
    )
    code = run_in_process(small_project, "--ledger=claims.toml", "--claim=X01", "--results=r.json")
    assert code == pytest.ExitCode.OK
    assert "1 passed, 1 deselected" in capsys.readouterr().out  # pytest is told what --claim left out
    claims = {c["id"]: c for c in json.loads((small_project / "r.json").read_text())["claims"]}
    assert [(t["nodeid"], t["outcome"]) for t in claims["X01"]["tests"]] == [("tests/test_x1.py::test_x1", "passed")]
    assert [(t["nodeid"], t["outcome"]) for t in claims["X02"]["tests"]] == [("tests/test_x2.py::test_x2", "not run")]


def test_the_terminal_table_marks_a_claim_not_reproduced_in_red(small_project, capsys):
    (small_project / "tests" / "test_x2.py").write_text(
        "import pytest\n\n\n@pytest.mark.claim('X02')\ndef test_x2():\n    assert False\n"
    )
    code = run_in_process(small_project, "--ledger=claims.toml", "--color=yes", "--results=r.json")
    assert code == pytest.ExitCode.TESTS_FAILED
    (x2,) = [line for line in capsys.readouterr().out.splitlines() if re.match(r"(\x1b\[[0-9;]*m)*X02 ", line)]
    assert x2.startswith("\x1b[31m") and "NOT REPRODUCED" in x2


def test_pytest_help_lists_the_plugins_options_with_what_each_does(small_project, capsys):
    from reports.plugin import DEFAULT_RESULTS

    assert run_in_process(small_project, "--help") == pytest.ExitCode.OK
    shown = " ".join(capsys.readouterr().out.split())  # help text wraps at the terminal's width
    for said in (
        f"--results=RESULTS where to write results.json (default: {DEFAULT_RESULTS})",
        "--ledger=LEDGER the claims ledger to check against (default: claims.toml)",
        "--claim=ID run only the tests that establish this claim (repeatable), e.g. --claim S01",
    ):
        assert said in shown, said


def test_an_unknown_claim_id_is_a_usage_error_that_lists_the_valid_ones(small_project, capsys):
    bad = run_in_process(small_project, "--claim=X99", "--ledger=claims.toml", "--results=r.json")
    assert bad == pytest.ExitCode.USAGE_ERROR
    assert "--claim X99: no such claim; valid: X01, X02" in "".join(capsys.readouterr())
    assert not (small_project / "r.json").exists()


def test_a_malformed_ledger_stops_the_run_before_any_test_as_a_usage_error(small_project, capsys):
    (small_project / "claims.toml").write_text(SMALL_LEDGER.replace('source = "s"', 'source = "nope"', 1))
    code = run_in_process(small_project, "--ledger=claims.toml", "--results=r.json")
    assert code == pytest.ExitCode.USAGE_ERROR
    assert "claims ledger: claim X01: source 'nope' is not in [sources]" in "".join(capsys.readouterr())
    assert not (small_project / "r.json").exists()


def test_the_ledger_a_relative_path_names_is_the_file_there_now(tmp_path, monkeypatch):
    """Two directories, a claims.toml in each: the same relative path gives each its own ledger, and an
    edited file its new claims."""
    for folder, cid in (("a", "X01"), ("b", "X02")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "claims.toml").write_text(LEDGER_HEAD + one_claim(cid))
    monkeypatch.chdir(tmp_path / "a")
    assert list(load(Path("claims.toml")).claims) == ["X01"]
    monkeypatch.chdir(tmp_path / "b")
    assert list(load(Path("claims.toml")).claims) == ["X02"]
    (tmp_path / "b" / "claims.toml").write_text(SMALL_LEDGER)
    assert list(load(Path("claims.toml")).claims) == ["X01", "X02"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            'id = "X01"\nsource = "s"\nquote = "q"\nstatement = "s"\nverdict = { math = "maybe" }',
            "verdict.math = 'maybe'",
        ),
        (
            'id = "X01"\nsource = "s"\nquote = "q"\nstatement = "s"\nverdict = { math = "refuted" }',
            "needs a correction",
        ),
        (
            'id = "X01"\nsource = "nope"\nquote = "q"\nstatement = "s"\nverdict = { math = "supported" }',
            "is not in [sources]",
        ),
        ('id = "X01"\nsource = "s"\nquote = ""\nstatement = "s"\nverdict = { math = "supported" }', "'quote' must be"),
        (
            'id = "X01"\nsource = "s"\nquote = "q"\nstatement = "s"\nverdict = { float = "not-checkable" }',
            "needs a reason",
        ),
        ('id = "X01"\nsource = "s"\nquote = "q"\nstatement = "s"\nverdict = {}', "claim X01: needs verdict.math or"),
        (
            'id = "X01"\nsource = "s"\nquote = "q"\nstatement = "s"\nverdict = { math = "supported" }\n'
            'span = "a b"\nreconstructed = "r"\nrestore = { after = "c", text = "t" }',
            "claim X01: restore needs after (words of its span), text, and a reconstructed note",
        ),
        (
            'id = "X01"\nsource = "s"\nquote = "q"\nstatement = "s"\nverdict = { math = "supported" }\n'
            'asserts = ["test_a"]',
            "claim X01: 'asserts' must be a table of phrase = test name(s)",
        ),
        (
            'id = "X01"\nsource = "s"\nquote = "q"\nstatement = "s"\nverdict = { math = "supported" }\n'
            '[[claim]]\nid = "X01"\nsource = "s"\nquote = "q"\nstatement = "s"\nverdict = { math = "supported" }',
            "claim X01 appears twice",
        ),
        ('id = "X01"\nsource = ', "claims.toml is not valid TOML: "),
    ],
)
def test_a_malformed_ledger_entry_is_a_clear_error(entry, message):
    with pytest.raises(LedgerError, match=re.escape(message)):
        parse(LEDGER_HEAD + "[[claim]]\n" + entry + "\n")


def test_an_unknown_claim_id_is_a_ledger_error_that_lists_the_known_ones():
    ledger = parse(SMALL_LEDGER)
    assert ledger["X02"].id == "X02"
    with pytest.raises(LedgerError, match=r"^unknown claim id 'X9'; the ledger has X01, X02$"):
        ledger["X9"]


def test_every_claim_of_the_answer_has_a_span_found_verbatim_in_it():
    from reports.annotate import source_text

    text = source_text()
    answer_claims = [c for c in load().claims.values() if c.source == "answer-24468"]
    assert len(answer_claims) == 26  # S01-S26
    for claim in answer_claims:
        assert claim.span and claim.span in text, claim.id


def test_provenance_records_the_seed_a_run_reproduces_from(subset_run):
    """ci runs derandomized (each test from its own fixed seed); --hypothesis-seed replaces that, and
    the thorough runs below record the seed they were given."""
    assert json.loads(subset_run[2])["provenance"]["seed"] == "derandomized"


def test_two_thorough_runs_of_one_claim_with_one_seed_are_identical(tmp_path):
    """The archival profile, narrowed to one claim (S18: the profile's examples a test), twice from seed 11.
    S18's file alone is collected: the rest of the suite's collection would only add seconds."""
    out, texts = tmp_path / "results.json", []
    env = {**os.environ, "HYPOTHESIS_PROFILE": "thorough"}
    for _ in range(2):
        done = run_pytest(SUBSET, "--claim=S18", "--hypothesis-seed=11", f"--results={out}", env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        texts.append(out.read_text())
    a, b = (json.loads(t) for t in texts)
    assert a["provenance"]["hypothesis_profile"] == "thorough" and a["provenance"]["seed"] == 11
    s18 = next(c for c in a["claims"] if c["id"] == "S18")
    thorough = settings.get_profile("thorough").max_examples
    assert max(t["examples"] or 0 for t in s18["tests"]) == thorough  # the thorough profile did run
    assert without_volatile(a) == without_volatile(b)


def test_claim_option_runs_one_claims_tests_only(tmp_path):
    out = tmp_path / "r.json"
    done = run_pytest("--claim=S17", f"--results={out}")
    assert done.returncode == 0, done.stdout + done.stderr
    claims = {c["id"]: c for c in json.loads(out.read_text())["claims"]}
    ran = {cid for cid, c in claims.items() if any(t["outcome"] != "not run" for t in c["tests"])}
    assert ran == {"S17"}
    assert all(not c.get("problems") for c in claims.values())  # a narrowed run judges nothing it did not run
    # The whole suite was collected, simulations included: provenance says where they would run.
    device = json.loads(out.read_text())["provenance"]["simulation_device"]
    assert device == ("cuda" if torch.cuda.is_available() else "cpu")


def test_the_plugin_is_registered_under_its_name(pytestconfig):
    """-p no:activation-claims turns it off, and other plugins find it by this name."""
    assert type(pytestconfig.pluginmanager.get_plugin("activation-claims")).__name__ == "ClaimsPlugin"
