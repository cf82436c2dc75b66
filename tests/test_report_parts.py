"""The report's small parts on inputs with known answers: the summary's counts, the outcome marks, a
template's error for a missing key, the BibTeX entry, the audit command's text table, and what
provenance says of the run's seed and command."""

import sys

import pytest
from hypothesis import settings

from reports import audit_command, plugin, prose
from reports.citation import bibtex
from reports.page import reproduced_cell, summary_html

pytestmark = pytest.mark.instrument


def claim(cid: str, math: str | None, float_: str | None, reproduced: bool | None, outcomes: list[str]) -> dict:
    tests = [
        {"nodeid": f"t::{cid}{i}", "outcome": o, "duration_s": 0.1, "examples": None} for i, o in enumerate(outcomes)
    ]
    return {"id": cid, "verdict": {"math": math, "float": float_}, "reproduced": reproduced, "tests": tests}


CLAIMS = [
    claim("X01", "supported", "refuted", True, ["passed"]),
    claim("X02", "refuted", None, False, ["passed", "failed"]),
    claim("X03", "supported", "supported", None, []),
    claim("X04", None, "conditional", True, ["not run", "not run"]),
    claim("X05", "supported", None, True, ["not run"]),
]


@pytest.mark.parametrize(
    ("index", "mark"), [(0, "yes"), (1, "NOT REPRODUCED"), (2, "-"), (3, "not run"), (4, "not run")]
)
def test_each_claim_is_marked_by_what_its_tests_did(index, mark):
    assert plugin.outcome_mark(CLAIMS[index]) == mark


@pytest.mark.parametrize(("index", "css"), [(0, "good"), (1, "bad"), (2, "muted"), (3, "muted")])
def test_the_ledgers_reproduced_cell_colours_the_mark(index, css):
    mark = plugin.outcome_mark(CLAIMS[index])
    assert reproduced_cell(CLAIMS[index]) == f'<span class="{css}">{mark}</span>'


def test_a_claim_with_no_tests_at_all_is_not_run():
    assert plugin.outcome_mark(claim("X06", "supported", None, True, [])) == "not run"


PROVENANCE = {
    "hypothesis_profile": "ci",
    "started": "2026-01-02T03:04:05+00:00",
    "git_commit": "0123456789abcdef",
    "git_dirty": True,
    "packages": {"torch": "2.13.0", "jax": None},
}


def test_the_summary_counts_verdicts_and_outcomes():
    text = summary_html({"claims": CLAIMS, "provenance": PROVENANCE})
    assert text.startswith('<p>5 claims: <span class="bad">1 not reproduced, 2 not run</span>.')
    assert '<span class="badge verdict-supported">3 supported</span>' in text
    assert '<span class="badge verdict-refuted">1 refuted</span>' in text
    assert "(1 without a math verdict)" in text and "(2 without a float verdict)" in text
    assert "commit <code>0123456789ab (dirty)</code>" in text and "torch 2.13.0." in text and "JAX" not in text


def test_the_summary_says_every_claim_reproduced_only_when_none_failed_or_went_unrun():
    text = summary_html({"claims": [CLAIMS[0], CLAIMS[2]], "provenance": {**PROVENANCE, "git_dirty": False}})
    assert '2 claims: <span class="good">every checked claim reproduced</span>' in text
    assert "(dirty)" not in text
    # Either kind of shortfall alone is enough to say so.
    failed = summary_html({"claims": [CLAIMS[0], CLAIMS[1]], "provenance": PROVENANCE})
    assert failed.startswith('<p>2 claims: <span class="bad">1 not reproduced, 0 not run</span>.')
    unrun = summary_html({"claims": [CLAIMS[0], CLAIMS[4]], "provenance": PROVENANCE})
    assert unrun.startswith('<p>2 claims: <span class="bad">0 not reproduced, 1 not run</span>.')


def test_a_template_key_that_no_evidence_has_lists_the_keys_recorded():
    evidence = [{"kind": "numeric", "key": "b"}, {"kind": "numeric", "key": "a"}, {"kind": "table"}]
    with pytest.raises(prose.TemplateError, match=r"no evidence with key 'c' \(recorded keys: a, b\)"):
        prose.lookup("c.value", evidence)
    with pytest.raises(prose.TemplateError, match=r"recorded keys: none"):
        prose.lookup("c", [])


def test_bibtex_names_people_family_name_first_and_bodies_in_braces():
    cff = {
        "title": "A Tool",
        "authors": [{"family-names": "Doe", "given-names": "Jane"}, {"family-names": "Roe"}, {"name": "The Team"}],
        "version": "1.2",
        "date-released": "2025-06-01",
        "repository-code": "https://example.org/tool",
    }
    entry = bibtex(cff)
    assert entry.startswith("@software{atool2025,\n")
    assert "  author = {Doe, Jane and Roe and {The Team}},\n" in entry
    assert "  year = {2025}" in entry and "  url = {https://example.org/tool}" in entry and "doi" not in entry
    paper = {"title": "The Paper", "year": 2024, "authors": [{"name": "P"}]}
    preferred = bibtex({**cff, "preferred-citation": paper})
    assert preferred.startswith("@software{thepaper2024,\n") and "  title = {{The Paper}}" in preferred
    assert "  author = {{P}}" in preferred and "  version = {1.2}" in preferred
    # A preferred citation without its own url links the project's repository, else the project's url;
    # with neither there is no url line.
    site = {k: v for k, v in cff.items() if k != "repository-code"} | {"url": "https://example.org/site"}
    assert "  url = {https://example.org/tool}" in bibtex({**cff, "preferred-citation": paper})
    assert "  url = {https://example.org/site}" in bibtex({**site, "preferred-citation": paper})
    assert "url" not in bibtex({k: v for k, v in site.items() if k != "url"} | {"preferred-citation": paper})
    # the project's doi and license, where the preferred citation has none of its own; else its own
    assert "  doi = {10.5281/zenodo.1}" in bibtex({**cff, "doi": "10.5281/zenodo.1", "preferred-citation": paper})
    assert "  license = {MIT}" in bibtex({**cff, "license": "MIT", "preferred-citation": paper})
    licensed = paper | {"license": "CC-BY-4.0"}
    assert "  license = {CC-BY-4.0}" in bibtex({**cff, "license": "MIT", "preferred-citation": licensed})
    assert "license" not in entry
    # and one with its own url links that
    own = paper | {"url": "https://example.org/paper"}
    assert "  url = {https://example.org/paper}" in bibtex({**cff, "preferred-citation": own})
    # no year and no release date: no year line, and a key of the title alone
    undated = bibtex({k: v for k, v in cff.items() if k != "date-released"})
    assert undated.startswith("@software{atool,\n") and "year" not in undated


def test_the_audit_table_pads_columns_and_writes_a_dash_for_what_was_not_measured():
    rows = [
        {
            "activation": "relu",
            "dtype": "float16",
            "worst_ulps": 0.5,
            "worst_x": -1.25,
            "wrongly_zero": [[-3.0, -2.0]],
            "nan_or_inf_for_finite_x": [],
            "points": 63488,
        },
        {
            "activation": "tanh",
            "dtype": "bfloat16",
            "worst_ulps": None,
            "worst_x": None,
            "wrongly_zero": [],
            "nan_or_inf_for_finite_x": [7.5],
            "points": 12,
        },
    ]
    lines = audit_command.table(rows).splitlines()
    assert len(lines) == 4 and set(lines[1]) == {"-", " "}
    assert lines[2].split() == ["relu", "float16", "0.5", "-1.25", "[-3,", "-2]", "none", "63,488"]
    assert lines[3].split() == ["tanh", "bfloat16", "-", "-", "none", "7.5", "12"]
    starts = [lines[0].index(head) for head in audit_command.COLUMNS]
    assert [lines[2].index(cell) for cell in ("relu", "float16", "0.5")] == starts[:3]
    # Scattered runs: the widest three, and the rest counted within the extent the audit measured
    # (not the extent of the three), each end to six digits.
    runs = [[-3.0, -2.0], [5.0, 5.5], [7.0, 7.25]]
    scattered = rows[0] | {"wrongly_zero": runs, "wrongly_zero_runs": 10, "wrongly_zero_within": [-8.1234567, 9.0]}
    line = audit_command.table([scattered]).splitlines()[2]
    assert "and 7 more runs, all within [-8.12346, 9]" in line


def test_provenance_records_the_installed_versions_and_the_run_as_given(tmp_path):
    import hypothesis
    import numpy

    from reports.results import provenance

    prov = provenance(tmp_path, "dev", 5, "2026-01-02T03:04:05+00:00", 1.23456, "pytest x", device="cpu")
    assert prov["packages"]["numpy"] == numpy.__version__ and prov["packages"]["hypothesis"] == hypothesis.__version__
    assert (prov["hypothesis_profile"], prov["seed"], prov["command"]) == ("dev", 5, "pytest x")
    assert prov["duration_s"] == 1.235
    assert prov["git_commit"] is None and prov["git_dirty"] is None  # tmp_path is no git checkout
    assert prov["simulation_device"] == "cpu" and prov["python"] == sys.version.split()[0]


def test_provenance_names_the_checkouts_commit_and_whether_a_tracked_file_changed(tmp_path):
    """In a git checkout: the commit is HEAD's full hash, as git itself gives it, and the run is dirty
    once a tracked file differs from it (an untracked file does not count)."""
    import subprocess

    from reports.results import provenance

    def git(*args: str) -> str:
        command = ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args]
        return subprocess.run(command, cwd=tmp_path, check=True, capture_output=True, text=True).stdout.strip()

    git("init", "-q")
    (tmp_path / "tracked.txt").write_text("a")
    git("add", "tracked.txt")
    git("commit", "-q", "-m", "one")
    (tmp_path / "untracked.txt").write_text("b")
    clean = provenance(tmp_path, "ci", 0, "t", 1.0, "c")
    assert clean["git_commit"] == git("rev-parse", "HEAD") and len(clean["git_commit"]) == 40
    assert clean["git_dirty"] is False
    (tmp_path / "tracked.txt").write_text("changed")
    assert provenance(tmp_path, "ci", 0, "t", 1.0, "c")["git_dirty"] is True


def test_provenance_names_the_seed_and_the_command_as_typed(monkeypatch):
    class Config:
        def __init__(self, seed):
            self.seed = seed

        def getoption(self, name, default=None):
            assert name == "hypothesis_seed"
            return self.seed

    derandomized = settings(derandomize=True)
    assert plugin.run_seed(Config("12"), type("S", (), {"default": derandomized})) == 12
    assert plugin.run_seed(Config("-3"), type("S", (), {"default": derandomized})) == -3
    assert plugin.run_seed(Config("abc"), type("S", (), {"default": derandomized})) == "abc"
    assert plugin.run_seed(Config(None), type("S", (), {"default": derandomized})) == "derandomized"
    assert plugin.run_seed(Config(None), type("S", (), {"default": settings(derandomize=False)})) is None
    monkeypatch.setattr(sys, "argv", ["/x/pytest/__main__.py", "-k", "a b", "--results=r.json"])
    assert plugin.invocation() == "python -m pytest -k 'a b' --results=r.json"
    monkeypatch.setattr(sys, "argv", ["/usr/bin/pytest", "tests"])
    assert plugin.invocation() == "pytest tests"


def test_results_json_is_indented_in_insertion_order_with_one_final_newline():
    from reports.results import dumps

    assert dumps({"b": 1, "a": ["é", 2.5]}) == '{\n  "b": 1,\n  "a": [\n    "é",\n    2.5\n  ]\n}\n'
    with pytest.raises(ValueError):
        dumps({"x": float("nan")})  # evidence turns non-finite floats into text first (evidence.plain)


def test_the_ulps_colour_runs_through_its_stops_on_a_log_scale():
    """Pale green up to 1 ulp, the stops at 10^(t AUDIT_SCALE) ulps for t = 1/4, 0.6 and 1, and the
    darkest red for anything past the scale or not finite; white text only on the dark part."""
    from reports.page import AUDIT_SCALE, ulps_colour

    green, amber, orange, red = "#e8f5e9", "#ffecb3", "#f48f61", "#a50f15"
    assert ulps_colour(0.0) == ulps_colour(1.0) == ulps_colour("0.5") == (green, "#1b1b1b")
    assert ulps_colour(10 ** (AUDIT_SCALE / 4)) == (amber, "#1b1b1b")
    assert ulps_colour(10 ** (0.6 * AUDIT_SCALE)) == (orange, "#1b1b1b")  # t = 0.6 is still dark text
    assert (
        ulps_colour(10**AUDIT_SCALE) == ulps_colour(1e300) == ulps_colour("inf") == ulps_colour("nan") == (red, "#fff")
    )
    # Halfway between two stops on the log scale, each channel is halfway: (232 + 255) / 2 = 243.5 and
    # (245 + 236) / 2 = 240.5 round to even, 244 and 240; (233 + 179) / 2 = 206.
    assert ulps_colour(10 ** (AUDIT_SCALE / 8)) == ("#f4f0ce", "#1b1b1b")
    assert ulps_colour(10 ** (0.8 * AUDIT_SCALE))[1] == "#fff"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.123456789, "0.1235"),
        (3, "3"),
        ("0.00246650929136005", "0.002467"),  # an exact value recorded as text, at the evidence's digits
        ("plain <text>", "plain &lt;text&gt;"),
        ([1.0, 2.5], "[1, 2.5]"),
        (list(range(13)), "[0, 1, 2, 3, 4, 5, … 7 more]"),
        (list(range(12)), "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]"),
        ([[1, 2], [3, 4]], "[1, 2]; [3, 4]"),
        ({"worst_x": 1.5}, "<b>worst at x</b>: 1.5"),
        (True, "true"),
        (None, '<span class="muted">—</span>'),  # not measured in that row: a dash, not JSON's null
        ([None, 1], '[<span class="muted">—</span>, 1]'),
        ("1.6732632423543772848170429916717", '<code class="constant">1.6732632423543772848170429916717</code>'),
    ],
)
def test_an_evidence_value_is_shown_by_its_kind(value, shown):
    from reports.page import value_html

    assert value_html(value) == shown


def test_a_formula_is_set_inline_as_a_block_or_as_source_by_its_length():
    from reports.page import LONG_FORMULA, UNSETTABLE_FORMULA, value_html

    short, long, huge = r"\frac{1}{4}", r"\frac{1}{4} + " + "x" * LONG_FORMULA, "\\" + "x" * UNSETTABLE_FORMULA
    assert value_html(short).startswith("<math") and 'display="inline"' in value_html(short)
    assert value_html(long).startswith("<math") and 'display="block"' in value_html(long)
    assert value_html(huge) == f'<pre class="constant">{huge}</pre>'


def test_more_than_three_intervals_read_as_one_line_of_runs():
    """Four runs: the three widest relative to their size ((b - a) / max(|a|, |b|): 1/3, 1/3, 1/5, 3/4), in
    ascending order, and how many more, all within a span; three are listed as they are."""
    from reports.page import value_html

    four = [[1.0, 1.5], [2.0, 3.0], [4.0, 5.0], [16.0, 64.0]]
    assert value_html(four) == "[1, 1.5]; [2, 3]; [16, 64] and 1 more runs, all within [1, 64]"
    assert value_html(four[:3]) == "[1, 1.5]; [2, 3]; [4, 5]"


def test_the_installed_version_is_read_before_pyproject(tmp_path):
    """From a directory without pyproject.toml the installed distribution still names the version."""
    from importlib.metadata import version

    from reports.results import package_version

    assert package_version(tmp_path) == version("activation-claims")


def test_without_an_installed_distribution_the_version_is_pyprojects(tmp_path, monkeypatch):
    from reports import results

    monkeypatch.setattr(results, "_version", lambda name: None)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "9.8.7"\n')
    assert results.package_version(tmp_path) == "9.8.7"
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert results.package_version(tmp_path) is None
    assert results.package_version(tmp_path / "nowhere") is None


def test_verify_without_the_test_suite_beside_the_package_says_how_to_install(monkeypatch, tmp_path, capsys):
    from reports import cli

    monkeypatch.setattr(cli, "ROOT", tmp_path)
    assert cli.verify("ci", tmp_path / "r.json") == 2
    assert capsys.readouterr().err == (
        f"error: the test suite is not beside the package ({tmp_path / 'tests'}); install from a clone with pip "
        "install -e .\n"
    )


def test_the_run_options_reach_the_suite_as_typed(monkeypatch, tmp_path):
    from reports import cli

    calls = []
    monkeypatch.setattr(cli, "verify", lambda *args: calls.append(args) or 0)
    out = tmp_path / "r.json"
    assert cli.main(["verify", "--results", str(out)]) == 0
    assert calls.pop() == ("ci", out, None, None, [], "auto")
    argv = ["verify", "--results", str(out), "--seed", "5", "--claim", "S01", "--claim", "S02", "--workers", "0"]
    assert cli.main(argv) == 0
    assert calls.pop() == ("ci", out, None, 5, ["S01", "S02"], "0")
    with pytest.raises(SystemExit) as refused:
        cli.main(["verify", "--workers", "-1"])
    assert refused.value.code == 2 and not calls


def test_latex_the_converter_cannot_parse_shows_as_source_and_an_unpaired_dollar_as_text():
    from reports.mathml import from_latex, prose_html

    assert from_latex(r"\frac{1}{", "inline") == r'<code class="tex">\frac{1}{</code>'
    assert prose_html("costs $5 & more") == "costs $5 &amp; more"
    assert prose_html("a $x$ <b>").startswith("a <math") and prose_html("a $x$ <b>").endswith("</math> &lt;b&gt;")


def card(cid: str, **fields) -> dict:
    """claim() with what a claim card shows besides: its quote, statement and evidence."""
    return {
        **claim(cid, "supported", "refuted", False, ["failed"]),
        "quote": "a <quote>",
        "statement": "x",
        "evidence": [{"kind": "figure"}, {"kind": "numeric", "key": "k", "value": 1.5}],
        **fields,
    }


def test_a_claim_card_shows_its_problems_its_upstream_reports_and_its_figure():
    """Each reason it was not reproduced, escaped; the tracker threads of an audit claim as
    owner/repo#N links; the figure after the first prose (or alone); figures not counted as evidence."""
    from reports.ledger import load
    from reports.page import claim_section

    ledger = load()
    html_text = claim_section(card("A01", problems=["test t::a <failed>"]), ledger, "<figure>F</figure>")
    assert '<p class="bad"><b>Not reproduced:</b> test t::a &lt;failed&gt;</p>' in html_text
    assert (
        '<a href="https://github.com/pytorch/pytorch/issues/195681"><code>pytorch/pytorch#195681</code></a>'
        in html_text
    )
    assert "<figure>F</figure>" in html_text and "(1 item)" in html_text and "Tests run (1)" in html_text
    assert "<blockquote>a &lt;quote&gt;</blockquote>" in html_text
    with_prose = claim_section(card("S01", finding="first", reason="second"), ledger, "<figure>F</figure>")
    assert with_prose.index("first") < with_prose.index("<figure>F</figure>") < with_prose.index("second")
    assert "Not reproduced" not in with_prose and "Reported upstream" not in with_prose
    for items, label in ((0, "(0 items)"), (2, "(2 items)")):
        evidence = [{"kind": "numeric", "key": f"k{i}", "value": i} for i in range(items)]
        assert label in claim_section(card("S01", evidence=evidence), ledger, "")


def test_without_volatile_drops_the_timestamps_and_durations_at_every_depth_and_keeps_the_rest():
    from reports.results import without_volatile

    results = {
        "started": "t",
        "provenance": {"started": "t", "seed": 0},
        "claims": [{"id": "S01", "tests": [{"nodeid": "a", "duration_s": 1.5, "outcome": "passed"}]}, 3],
        "duration_s": 2.0,
    }
    assert without_volatile(results) == {
        "provenance": {"seed": 0},
        "claims": [{"id": "S01", "tests": [{"nodeid": "a", "outcome": "passed"}]}, 3],
    }


def test_evidence_is_stored_as_plain_json_values():
    """numpy scalars and arrays as Python numbers and lists, non-finite floats as words, keys as
    strings, tuples as lists, anything else by its str()."""
    import numpy as np

    from reports.evidence import plain

    assert plain(np.float32(0.5)) == 0.5 and type(plain(np.int64(3))) is int
    assert plain(np.array([1.0, np.nan])) == [1.0, "nan"]
    assert [plain(v) for v in (float("inf"), float("-inf"), 1.5)] == ["inf", "-inf", 1.5]
    assert plain({1: (2, None), "a": [True, "s"]}) == {"1": [2, None], "a": [True, "s"]}
    assert plain(complex(1, 2)) == "(1+2j)"


def test_evidence_of_an_unknown_kind_is_refused_with_the_valid_kinds():
    from reports import evidence

    with pytest.raises(ValueError, match=f"^evidence kind 'guess'; valid: {', '.join(evidence.KINDS)}$"):
        evidence.record("S01", "guess", x=1)


def test_a_sympy_expression_is_set_as_mathml():
    import sympy as sp

    from reports.mathml import from_sympy

    shown = from_sympy(sp.Symbol("x") ** 2)
    assert shown.startswith('<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">')
    assert "<msup><mi>x</mi><mrow><mn>2</mn></mrow></msup>" in shown
    assert 'display="inline"' in from_sympy(sp.Symbol("x"), "inline")


def test_provenance_without_git_or_a_package_says_so_with_none(monkeypatch, tmp_path):
    import subprocess

    from reports import results

    assert results._version("no-such-distribution-here") is None

    def no_git(*args, **kwargs):
        raise FileNotFoundError("git")

    monkeypatch.setattr(subprocess, "run", no_git)
    prov = results.provenance(tmp_path, "ci", 0, "t", 1.0, "c")
    assert (prov["git_commit"], prov["git_dirty"]) == (None, None)


def test_a_missing_answer_file_is_an_error_that_names_it(monkeypatch, tmp_path):
    from reports import annotate

    monkeypatch.setattr(annotate, "SOURCE_CANDIDATES", (tmp_path / "a.txt", tmp_path / "b.txt"))
    with pytest.raises(FileNotFoundError, match=r"^answer-24468.txt is missing from reports/source/$"):
        annotate.source_text()


def test_the_answer_marks_exactly_each_claims_words_and_boxes_exactly_the_restored_ones():
    """Spans and restored words that share no boundary: each claim's link holds its span's words and
    nothing else, the restored words sit in their own box, and the rest of the text stays plain; a span
    after a restore is found by its stored position carried over, and one at the very start is found
    too. Of overlapping spans the one that starts first is kept; a claim whose span is not in the text
    is not marked."""
    from reports import annotate

    claim = {"verdict": {"math": "refuted", "float": None}}
    x0, x1, x2, x3, x4 = ({**claim, "id": i} for i in ("X0", "X1", "X2", "X3", "X4"))
    answer = "[site] s\n[post_id] 1\nZero one two three four five six."
    restores = [annotate.Restore(after="one", text=" and a half", note="lost")]
    spans = {"X0": "Zero", "X1": "two three", "X2": "four five six", "X3": "seven", "X4": "five"}
    got = annotate.annotated(answer, [x4, x2, x1, x3, x0], spans, restores)
    box = '<span class="restored" title="lost"> and a half</span>'
    marked = {c["id"]: annotate.span_html(c, spans[c["id"]]) for c in (x0, x1, x2)}
    assert got == f"{marked['X0']} one{box} {marked['X1']} {marked['X2']}."


def test_restored_words_go_in_text_order_and_two_after_one_anchor_in_the_ledgers_order():
    """Each restore goes right after its anchor, wherever the ledger lists it; two after the same
    anchor keep the ledger's order (and their positions in the stored text are the same)."""
    from reports.annotate import Restore, restored

    restores = [
        Restore(after="three", text=" (3)", note="c"),
        Restore(after="one", text=" (1a)", note="a"),
        Restore(after="one", text=" (1b)", note="b"),
    ]
    text, where, insertions = restored("one two three", restores)
    assert text == "one (1a) (1b) two three (3)"
    assert where == [(3, 8, "a"), (8, 13, "b"), (23, 27, "c")]
    assert insertions == [(3, 5), (3, 5), (13, 4)]


def test_evidence_of_one_kind_and_fields_shares_a_table_and_a_recorded_table_gets_its_own():
    """Consecutive items alike (kind and fields) are rows of one table, their labels in its first
    column; an item holding rows is headed by its label (said once, not again as a field), its other
    fields in a table of their own, if it has any; a figure's data is left to its figure."""
    from reports.page import evidence_html, table_html, value_html

    rows = [{"x": 1}, {"x": 2}]
    items = [
        {"kind": "numeric", "key": "a", "label": "first", "value": 1.5},
        {"kind": "numeric", "key": "b", "label": "second", "value": 2.5},
        {"kind": "figure", "label": "drawn", "curve": [1, 2]},
        {"kind": "table", "label": "alone", "rows": rows},
        {"kind": "table", "label": "with n", "n": 3, "rows": rows[:1]},
        {"kind": "numeric", "key": "c", "value": 7},
    ]
    assert evidence_html(items) == (
        "<p><b>numeric</b></p>"
        + table_html([{"what": "first", "key": "a", "value": 1.5}, {"what": "second", "key": "b", "value": 2.5}])
        + "<p><b>table</b>: alone</p>"
        + value_html(rows)
        + "<p><b>table</b>: with n</p>"
        + table_html([{"n": 3}])
        + value_html(rows[:1])
        + "<p><b>numeric</b></p>"
        + table_html([{"what": "", "key": "c", "value": 7}])
    )
    assert evidence_html(items[2:3]) == evidence_html([]) == '<p class="muted">No evidence recorded.</p>'
    # An item holding two tables shows both under its heading, one after the other.
    two = [{"kind": "table", "label": "two", "rows": rows, "more": rows[:1]}]
    assert evidence_html(two) == "<p><b>table</b>: two</p>" + value_html(rows) + value_html(rows[:1])


def test_a_claims_tests_table_names_each_test_its_outcome_examples_and_time():
    """Each test by its name within its file, with a dash where it ran no Hypothesis examples; a claim
    no test ran says so."""
    from reports.page import table_html, tests_html

    tests = [
        {"nodeid": "tests/t.py::test_a[x]", "outcome": "passed", "examples": 60, "duration_s": 1.5},
        {"nodeid": "tests/t.py::test_b", "outcome": "not run", "examples": None, "duration_s": 0.0},
    ]
    assert tests_html(tests) == table_html(
        [
            {"test": "test_a[x]", "outcome": "passed", "examples": 60, "duration_s": 1.5},
            {"test": "test_b", "outcome": "not run", "examples": "—", "duration_s": 0.0},
        ]
    )
    assert tests_html([]) == '<p class="muted">No test ran for this claim.</p>'


def test_an_evidence_value_reads_by_its_shape():
    """A dict as labelled lines, a short list in brackets, a long one cut after six with the rest
    counted, a list of pairs joined by semicolons, a missing value as a dash."""
    from reports.page import NOTHING, value_html

    one, two = value_html(1), value_html(2)
    assert value_html({"a": 1, "b": "t"}) == f"<b>a</b>: {one}<br><b>b</b>: t"
    assert value_html([1, 2]) == f"[{one}, {two}]"
    assert value_html(list(range(1, 14))) == "[" + ", ".join(value_html(v) for v in range(1, 7)) + ", … 7 more]"
    assert value_html([[1, 2], [2, 1]]) == f"[{one}, {two}]; [{two}, {one}]"
    assert value_html(None) == NOTHING


def test_the_contents_link_every_section_and_the_audit_only_where_there_is_one():
    import re

    from reports.page import TOC, toc_html

    results = {"claims": [{"id": cid} for cid in ("S01", "S02", "A01", "A24", "J01", "J27", "L01", "L06")]}
    for has_audit in (True, False):
        nav = toc_html(results, has_audit)
        linked = re.findall(r'<a href="#([^"]+)">', nav.split("<br>")[0])
        assert linked == [a for a, _ in TOC if a != "audit" or has_audit]
    assert 'the answer: <a href="#S01">S01</a>–<a href="#S02">S02</a>' in nav
    assert 'literature: <a href="#L01">L01</a>–<a href="#L06">L06</a>' in nav
    assert 'torch audit: <a href="#A01">A01</a>–<a href="#A24">A24</a>' in nav
    assert 'JAX audit: <a href="#J01">J01</a>–<a href="#J27">J27</a>' in nav


def test_results_that_cannot_be_read_say_why(tmp_path):
    """A missing file, a JSON list, a section gone, many schema problems (three shown, the rest
    counted): each a ResultsError naming the file."""
    import json

    from reports.ledger import load
    from reports.results import SCHEMA, ResultsError, read

    def refused(text: str | None) -> str:
        path = tmp_path / "r.json"
        path.unlink(missing_ok=True)
        if text is not None:
            path.write_text(text)
        with pytest.raises(ResultsError) as err:
            read(path, load())
        assert str(path) in str(err.value)
        return str(err.value)

    assert "cannot read" in refused(None)
    assert "has schema 'list'" in refused("[]")
    assert "has no 'claims' section" in refused(json.dumps({"schema": SCHEMA, "provenance": {}}))
    # 13 problems: an empty claims list, and each of provenance's twelve fields missing
    many = refused(json.dumps({"schema": SCHEMA, "provenance": {}, "claims": []}))
    assert "does not follow" in many and many.endswith(" (and 10 more)") and many.count("; ") == 2


def test_the_progress_line_counts_finished_tests_and_names_each_ones_claim():
    import io
    from types import SimpleNamespace as NS

    from reports.cli import Progress

    def item(nodeid, claim):
        return NS(nodeid=nodeid, get_closest_marker=lambda name: NS(args=(claim,)) if claim else None)

    stream = io.StringIO()
    progress = Progress(stream)
    progress.pytest_collection_finish(NS(items=[item("t::a", "S01"), item("t::b", None)]))
    for when in ("setup", "call"):
        progress.pytest_runtest_logreport(NS(when=when, nodeid="t::a"))
    assert stream.getvalue() == ""  # a test is done at its teardown
    progress.pytest_runtest_logreport(NS(when="teardown", nodeid="t::a"))
    progress.pytest_runtest_logreport(NS(when="teardown", nodeid="t::b"))
    progress.pytest_sessionfinish()
    assert stream.getvalue() == "\r\x1b[K[1/2] S01: a\r\x1b[K[2/2] instruments: b\r\x1b[K"
    progress.pytest_xdist_node_collection_finished(None, ["x"] * 7)  # a worker's collection
    assert progress.total == 7
    # with workers the controller collects nothing: a test's claim is not known there, and not guessed
    under_xdist = Progress(io.StringIO())
    under_xdist.pytest_xdist_node_collection_finished(None, ["t::c"] * 3)
    under_xdist.pytest_runtest_logreport(NS(when="teardown", nodeid="t::c"))
    assert under_xdist.stream.getvalue() == "\r\x1b[K[1/3] : c"


def test_verify_hands_pytest_the_profile_workers_seed_and_claims(monkeypatch, tmp_path):
    import os

    import pytest as pytest_module

    from experiments.runner import SCHEDULER_ENV
    from reports import cli

    calls = []
    monkeypatch.setattr(pytest_module, "main", lambda args, plugins: calls.append(args) or 0)
    monkeypatch.delenv("HYPOTHESIS_PROFILE", raising=False)
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    out = tmp_path / "r.json"
    assert cli.verify("thorough", out, "tcp://h:1", 7, ["S01", "S02"], "3") == 0
    args = calls.pop()
    assert args[:2] == [str(cli.ROOT / "tests"), f"--rootdir={cli.ROOT}"] and f"--results={out}" in args
    assert args[2:4] == ["-p", "no:cacheprovider"]  # no .pytest_cache written beside an installed package
    assert args[args.index("-n") : args.index("-n") + 4] == ["-n", "3", "--dist", "loadfile"]
    assert args[-3:] == ["--hypothesis-seed=7", "--claim=S01", "--claim=S02"]
    assert os.environ["HYPOTHESIS_PROFILE"] == "thorough" and os.environ[SCHEDULER_ENV] == "tcp://h:1"
    assert cli.verify("ci", out, workers="0") == 0
    args = calls.pop()
    assert "-n" not in args and not any(a.startswith(("--hypothesis-seed", "--claim")) for a in args)
    assert cli.verify("ci", out) == 0  # by default one worker per core, as the command line's default
    args = calls.pop()
    assert args[args.index("-n") : args.index("-n") + 2] == ["-n", "auto"]


def test_report_runs_the_suite_into_a_fresh_results_file_and_reports_it(monkeypatch, tmp_path, capsys):
    """report without --from-results: the suite writes a fresh results.json, which the report reads;
    the exit status is the build's, else 1 if a test failed; a run that wrote nothing is an error."""
    from reports import cli

    built, runs = [], []

    def verify(profile, results, scheduler, seed, claims, workers, code=1):
        runs.append((profile, workers))
        results.write_text("{}")
        return code

    monkeypatch.setattr(cli, "verify", verify)
    monkeypatch.setattr(cli, "build_report", lambda path, out: built.append((path.name, out)) or 0)
    out = tmp_path / "site"
    assert cli.main(["report", "--out", str(out), "--profile", "dev", "--workers", "3"]) == 1  # built, a test failed
    assert built == [("results.json", out)] and runs == [("dev", "3")]
    monkeypatch.setattr(cli, "verify", lambda *args: 0)  # a run that wrote no results.json
    assert cli.main(["report", "--out", str(out)]) == 2
    assert "the suite wrote no results.json" in capsys.readouterr().err and len(built) == 1
    monkeypatch.setattr(cli, "verify", lambda *args: pytest.ExitCode.USAGE_ERROR)  # pytest's own status is kept
    assert cli.main(["report", "--out", str(out)]) == pytest.ExitCode.USAGE_ERROR == 4
    monkeypatch.setattr(cli, "build_report", lambda path, out: 2)
    monkeypatch.setattr(cli, "verify", lambda profile, results, *rest: results.write_text("{}") and 0)
    assert cli.main(["report", "--out", str(out)]) == 2  # the build's own error wins


def test_the_audit_cases_default_to_every_activation_and_every_dtype():
    from reference import frameworks

    every = frameworks.adapter("numpy").activations()
    assert audit_command.cases("numpy", [], ["float16"]) == [(n, "float16") for n in every]
    assert audit_command.cases("torch", ["relu", "elu"], []) == [
        (n, d) for n in ("relu", "elu") for d in ("float16", "bfloat16", "float32", "float64")
    ]
    assert len(audit_command.cases("numpy", [], [])) == 4 * len(every) and len(every) == 27


def test_a_claims_tests_are_listed_by_node_id():
    from reports.ledger import load
    from reports.results import claim_record

    tests = [{"nodeid": f"t::{n}", "outcome": "passed", "duration_s": 0.0, "examples": None} for n in "cab"]
    record = claim_record(load()["S17"], tests, [])
    assert [t["nodeid"] for t in record["tests"]] == ["t::a", "t::b", "t::c"] and record["reproduced"] is True


@pytest.mark.parametrize(
    ("phases", "outcome", "duration"),
    [
        # setup 0.4 ms, call 12.3 ms, teardown 0.2 ms: summed phase by phase, each sum kept to the millisecond
        ([("passed", 0.0004), ("failed", 0.0123), ("passed", 0.0002)], "failed", 0.012),
        ([("skipped", 0.0031), ("passed", 0.0007)], "skipped", 0.004),
        ([("skipped", 0.0), ("failed", 0.25)], "failed", 0.25),
        ([("passed", 1.2345), ("passed", 0.0), ("passed", 0.001)], "passed", 1.235),
    ],
)
def test_a_tests_record_sums_its_phases_and_keeps_the_worst_outcome(phases, outcome, duration):
    from types import SimpleNamespace

    recorder = SimpleNamespace(ran={})
    for when, (result, seconds) in zip(("setup", "call", "teardown"), phases):
        report = SimpleNamespace(
            nodeid="t.py::x",
            when=when,
            duration=seconds,
            failed=result == "failed",
            skipped=result == "skipped",
            passed=result == "passed",
        )
        plugin.ClaimsPlugin.pytest_runtest_logreport(recorder, report)
    assert recorder.ran == {"t.py::x": {"nodeid": "t.py::x", "outcome": outcome, "duration_s": duration}}


@pytest.mark.parametrize(
    ("url", "short", "text"),
    [
        ("https://github.com/pytorch/pytorch/issues/195681", False, "pytorch/pytorch#195681"),
        ("https://github.com/jax-ml/jax/pull/4242", False, "jax-ml/jax#4242"),
        ("https://github.com/jax-ml/jax/pull/4242", True, "#4242"),
        ("https://discuss.pytorch.org/t/elu-grad/17", False, "discuss.pytorch.org"),  # not a GitHub thread: its host
    ],
)
def test_an_upstream_link_names_its_thread_or_its_host(url, short, text):
    from reports.page import upstream_links

    assert upstream_links((url,), short=short) == f'<a href="{url}"><code>{text}</code></a>'


def test_a_file_written_atomically_gets_the_permissions_the_umask_gives_a_new_file(tmp_path):
    """... in directories made as needed (a report's --out may name a path not there yet)."""
    import os

    from reports.results import write_atomically

    target = tmp_path / "new" / "out" / "index.html"
    for umask, mode in ((0o022, 0o644), (0o077, 0o600), (0o002, 0o664)):
        before = os.umask(umask)
        try:
            write_atomically(target, "page")
        finally:
            os.umask(before)
        assert target.read_text() == "page" and target.stat().st_mode & 0o7777 == mode, oct(umask)


def test_the_terminal_summary_says_where_ledger_and_tests_disagree_in_red():
    from types import SimpleNamespace

    lines = []
    reporter = SimpleNamespace(write_line=lambda text, **style: lines.append((text, style)))
    run = SimpleNamespace(late_errors=["claim X02 has no test"], results=None)
    plugin.ClaimsPlugin.pytest_terminal_summary(run, reporter, 1, None)
    assert lines == [("claims ledger and tests disagree: claim X02 has no test", {"red": True})]
    # A results.json that breaks its schema is said in red too, before the claims table.
    lines.clear()
    claim = {"id": "X01", "verdict": {"math": "supported", "float": None}, "reproduced": True, "tests": []}
    problems = ["'id' is required"]
    broken = SimpleNamespace(late_errors=[], results={"claims": [claim]}, schema_problems=problems, path="r")
    reporter.section = lambda title: lines.append((title, {}))
    plugin.ClaimsPlugin.pytest_terminal_summary(broken, reporter, 1, None)
    assert lines[0] == ("results.json breaks reports/results.schema.json: 'id' is required", {"red": True})
    assert lines[1] == ("claims", {})


def test_verify_and_report_write_to_reports_out_by_default():
    from reports import cli

    parser = cli.build_parser()
    assert parser.parse_args(["verify"]).results == cli.DEFAULT_OUT / "results.json"
    assert parser.parse_args(["report"]).out == cli.DEFAULT_OUT == cli.ROOT / "reports" / "out"
