"""The claims plugin: ledger validation, collection errors, results.json shape and determinism."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reports.ledger import LedgerError, load, parse
from reports.results import SCHEMA, without_volatile

# Checks the record-keeping itself; establishes no claim.
pytestmark = pytest.mark.instrument

ROOT = Path(__file__).resolve().parent.parent
SUBSET = "tests/claims/test_s17_s18_optimisation.py"


def run_pytest(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_two_runs_of_the_same_profile_write_identical_results_apart_from_timestamps(tmp_path):
    out, texts = tmp_path / "results.json", []
    for _ in range(2):  # the same command twice: provenance records the command too
        done = run_pytest(SUBSET, f"--results={out}")
        assert done.returncode == 0, done.stdout + done.stderr
        texts.append(out.read_text())
    a, b = (json.loads(t) for t in texts)
    assert a["schema"] == SCHEMA and a["provenance"]["hypothesis_profile"] == "ci"
    assert without_volatile(a) == without_volatile(b)
    s17 = next(c for c in a["claims"] if c["id"] == "S17")
    assert s17["reproduced"] is True and s17["evidence"] and all(t["outcome"] == "passed" for t in s17["tests"])


def test_the_terminal_table_lists_every_claim_and_marks_unrun_ones(tmp_path):
    done = run_pytest(SUBSET, f"--results={tmp_path / 'r.json'}")
    ids = set(load().claims)
    lines = [line for line in done.stdout.splitlines() if line.split()[:1] and line.split()[0] in ids]
    assert [line.split()[0] for line in lines] == list(load().claims)
    assert any(line.startswith("S17") and line.endswith("yes") for line in lines)
    assert any(line.startswith("S01") and line.endswith("not run") for line in lines)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("def test_x():\n    pass\n", "no claim marker"),
        ("import pytest\n\n@pytest.mark.claim('S99')\ndef test_x():\n    pass\n", "names no claim in claims.toml"),
    ],
)
def test_a_test_without_a_known_claim_is_a_collection_error(tmp_path, body, message):
    stray = ROOT / "tests" / "claims" / f"test_zz_stray_{tmp_path.name}.py"
    stray.write_text(body)
    try:
        done = run_pytest(str(stray.relative_to(ROOT)), f"--results={tmp_path / 'r.json'}")
    finally:
        stray.unlink()
    assert done.returncode == pytest.ExitCode.USAGE_ERROR
    assert message in done.stderr
    assert not (tmp_path / "r.json").exists()


def test_a_claim_with_no_test_is_an_error_in_a_full_run_only(tmp_path):
    """Run the suite's collection against a ledger with an extra claim that no test names."""
    ledger = tmp_path / "claims.toml"
    ledger.write_text(
        (ROOT / "claims.toml").read_text() + '\n[[claim]]\nid = "S98"\nsource = "answer-24468"\n'
        'quote = "q"\nstatement = "s"\nverdict = { math = "supported" }\n'
    )
    full = run_pytest("--collect-only", f"--ledger={ledger}")
    assert full.returncode == pytest.ExitCode.USAGE_ERROR and "claim S98 has no test" in full.stderr
    narrowed = run_pytest("--collect-only", f"--ledger={ledger}", "-k", "s17")
    assert narrowed.returncode == pytest.ExitCode.OK


LEDGER_HEAD = '[sources.s]\ntitle = "t"\n'


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            'id = "X1"\nsource = "s"\nquote = "q"\nstatement = "s"\nverdict = { math = "maybe" }',
            "verdict.math = 'maybe'",
        ),
        ('id = "X1"\nsource = "s"\nquote = "q"\nstatement = "s"\nverdict = { math = "refuted" }', "needs a correction"),
        (
            'id = "X1"\nsource = "nope"\nquote = "q"\nstatement = "s"\nverdict = { math = "supported" }',
            "is not in [sources]",
        ),
        ('id = "X1"\nsource = "s"\nquote = ""\nstatement = "s"\nverdict = { math = "supported" }', "'quote' must be"),
        (
            'id = "X1"\nsource = "s"\nquote = "q"\nstatement = "s"\nverdict = { float = "not-checkable" }',
            "needs a reason",
        ),
    ],
)
def test_a_malformed_ledger_entry_is_a_clear_error(entry, message):
    with pytest.raises(LedgerError, match=message.replace("[", r"\[").replace("(", r"\(")):
        parse(LEDGER_HEAD + "[[claim]]\n" + entry + "\n")


def test_every_claim_of_the_answer_has_a_span_found_verbatim_in_it():
    from reports.annotate import source_text

    text = source_text()
    answer_claims = [c for c in load().claims.values() if c.source == "answer-24468"]
    assert len(answer_claims) == 26  # S01-S26
    for claim in answer_claims:
        assert claim.span and claim.span in text, claim.id
