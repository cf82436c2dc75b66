"""The report: built from results.json, self-contained, deterministic, atomic, and clear about bad input."""

import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from reports import cli
from reports.results import write_atomically
from tests.fixture_scope import module_unless_mutmut_records
from tests.html_references import IdsAndReferences

# Checks the report machinery; establishes no claim.
pytestmark = pytest.mark.instrument

ROOT = Path(__file__).resolve().parent.parent
# Cheap claims' tests: S11's figure and relu's torch audit figure (two figures, so ids could
# collide), prose, and S01, S02 and S03's counterexamples. (S01's figure would do too, but its test
# computes the exact range of every activation: 14 of the 18 seconds such a run took.)
SUBSET = (
    "tests/claims/test_s17_s18_optimisation.py",
    "tests/claims/test_s07_s11_training.py",
    "tests/claims/test_s01_s03_squashing.py::test_s01_tanh_derivative_reaches_one_over_the_reals",
    "tests/claims/test_s01_s03_squashing.py::test_s03_in_floats_tanh_and_sigmoid_round_to_their_bounds",
    "tests/claims/test_s02_s05_s06_depth.py::test_s02_in_floats_autograd_is_nonzero_where_the_stated_product_vanishes",
    "tests/claims/test_framework_audit.py::test_framework_gradient_against_the_exact_derivative_over_every_binade"
    "[torch-relu]",
)


@pytest.fixture(scope="module")
def small_results(tmp_path_factory) -> Path:
    """results.json of a small real run (two claim files), made once for this module."""
    out = tmp_path_factory.mktemp("run") / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SUBSET, f"--results={out}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def build(results: Path, out: Path) -> int:
    return cli.main(["report", "--from-results", str(results), "--out", str(out)])


@pytest.fixture(scope=module_unless_mutmut_records)
def built(small_results, tmp_path_factory) -> Path:
    """The report directory built once from small_results: a check that writes over a report copies it."""
    out = tmp_path_factory.mktemp("page")
    assert build(small_results, out) == 1  # written; the claims outside the subset were not run
    return out


@pytest.fixture(scope=module_unless_mutmut_records)
def page(built) -> str:
    """index.html built once from small_results, for the checks that only read it."""
    return (built / "index.html").read_text()


def test_the_run_writes_results_that_follow_the_schema(small_results):
    from reports.results import schema_problems

    results = json.loads(small_results.read_text())
    assert schema_problems(results) == []
    del results["provenance"]["simulation_device"]
    results["claims"][0]["evidence"].append({"kind": "table", "label": "rows gone"})
    del results["claims"][0]["tests"][0]["examples"]
    results["claims"][0]["tests"][-1]["exampels"] = 3
    assert schema_problems(results) == [
        "claims/0/evidence/" + str(len(results["claims"][0]["evidence"]) - 1) + ": 'rows' is a required property",
        "claims/0/tests/0: 'examples' is a required property",
        f"claims/0/tests/{len(results['claims'][0]['tests']) - 1}: Additional properties are not allowed "
        "('exampels' was unexpected)",
        "provenance: 'simulation_device' is a required property",
    ]


def test_report_is_written_and_is_self_contained(small_results, tmp_path):
    code = build(small_results, tmp_path)
    assert code == 1  # claims outside the subset were not run: reported, and the exit status says so
    page = (tmp_path / "index.html").read_text()
    assert json.loads((tmp_path / "results.json").read_text()) == json.loads(small_results.read_text())
    assert '<table id="ledger">' in page and "<math" in page and "<svg" in page
    assert "<script" not in page and 'http-equiv="Content-Security-Policy"' in page
    for needle in ('src="http', "src='http", "@import", "url(http"):
        assert needle not in page
    assert 'href="#S17"' in page and "verdict-" in page  # the annotated answer links to the claims
    # A claim with two different verdicts says both, by text and by colour (S13: supported, refuted).
    s13 = re.search(r'<a class="span ([^"]*)" href="#S13"[^>]*>.*?<sup>S13&#8239;(.*?)</sup>', page, re.S)
    assert s13 and "m-supported f-refuted" in s13.group(1) and s13.group(2) == "✓✗"
    assert "@software{" in page


def test_the_page_shows_each_correction_and_finding_filled_from_evidence(small_results, page):
    """The prose the page prints is results.json's filled text, its LaTeX as MathML: no placeholder,
    no raw $ left; a claim that did not run says so instead of inventing a number."""
    import html

    from reports import prose
    from reports.mathml import prose_html

    results = json.loads(small_results.read_text())
    s17 = next(c for c in results["claims"] if c["id"] == "S17")
    assert not prose.PLACEHOLDER.search(prose.LATEX.sub("", s17["correction"]))
    assert prose_html(s17["correction"]) in page
    s11 = next(c for c in results["claims"] if c["id"] == "S11")
    assert "[not measured" not in s11["finding"] and prose_html(s11["finding"]) in page
    s13 = next(c for c in results["claims"] if c["id"] == "S13")
    # S13's tests are outside the subset: the marker stands alone where its number would be
    assert re.search(r"(^|\s)\[not measured in this run\]($|[\s.,;:)])", s13["correction"])
    assert html.escape("$\\sigma") not in page


def test_ids_are_unique_and_every_reference_resolves_within_its_own_figure(page):
    parser = IdsAndReferences()
    parser.feed(page)
    ids = [i for i, _ in parser.ids]
    assert parser.svgs >= 2 and len(ids) == len(set(ids))  # two figures at least, no id twice
    where = dict(parser.ids)
    assert parser.refs and all(ref in where for ref, _ in parser.refs)
    assert all(where[ref] == figure for ref, figure in parser.refs if figure is not None)  # the right figure
    assert page_svgs_have_text_alternatives(page)


class ClassNames(HTMLParser):
    """Every class attribute's names, with the tags that carry them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, set[str]] = {}

    def handle_starttag(self, tag, attrs):
        for name in dict(attrs).get("class", "").split():
            self.tags.setdefault(name, set()).add(tag)


def test_every_class_the_page_uses_has_a_rule_in_its_stylesheet(page):
    """A class is there to style: one whose name no selector of the page's own <style> mentions is a
    typo or a leftover, and its element is shown unstyled."""
    style = re.sub(r"/\*.*?\*/", "", re.search(r"<style>(.*?)</style>", page, re.S).group(1), flags=re.S)
    styled = {
        name for selector in re.findall(r"([^{}]+)\{", style) for name in re.findall(r"\.([A-Za-z][\w-]*)", selector)
    }
    used = ClassNames()
    used.feed(page)
    assert len(used.tags) >= 20 and {"claim", "badge", "answer", "lead"} <= used.tags.keys()
    assert {name: sorted(tags) for name, tags in used.tags.items() if name not in styled} == {}


class AnswerText(HTMLParser):
    """The words a reader sees in the annotated answer (text nodes inside <div class="answer">)."""

    def __init__(self) -> None:
        super().__init__()
        self.inside, self.depth, self.words, self.restored = False, 0, [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div" and attrs.get("class") == "answer":
            self.inside, self.depth = True, 0
        elif self.inside:
            self.depth += tag not in ("br",)
            self.restored += attrs.get("class") == "restored"

    def handle_endtag(self, tag):
        if self.inside and tag != "br":
            self.inside = not (tag == "div" and self.depth == 0)
            self.depth -= 1

    def handle_data(self, data):
        if self.inside:
            self.words.append(data)


def test_the_answer_shows_its_mathematics_as_mathml_and_the_lost_spans_restored(page):
    answer = AnswerText()
    answer.feed(page)
    words = "".join(answer.words)
    assert "Tanh and Sigmoid" in words and "$" not in words  # no raw TeX left for the reader
    assert answer.restored == 3  # S11, S13 and S20's lost spans, each put back in one box


def page_svgs_have_text_alternatives(page: str) -> bool:
    svgs = re.findall(r"<svg\b[^>]*>", page)
    return bool(svgs) and all('aria-label="' in tag for tag in svgs) and page.count("<svg") == len(svgs)


def test_two_builds_from_the_same_results_are_byte_identical(small_results, tmp_path):
    build(small_results, tmp_path / "a")
    build(small_results, tmp_path / "b")
    assert (tmp_path / "a" / "index.html").read_bytes() == (tmp_path / "b" / "index.html").read_bytes()


def test_the_page_says_how_to_reproduce_the_run_with_the_profile_it_used(small_results, tmp_path):
    """The page's command names the run's own profile, read from results.json: a report built with
    --from-results from a thorough run says thorough, whatever --profile says."""
    results = json.loads(small_results.read_text())
    results["provenance"]["hypothesis_profile"] = "thorough"
    (tmp_path / "results.json").write_text(json.dumps(results))
    assert cli.main(["report", "--from-results", str(tmp_path / "results.json"), "--out", str(tmp_path / "page")]) == 1
    page = (tmp_path / "page" / "index.html").read_text()
    assert "activation-claims report --profile thorough" in page and "--profile ci" not in page


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda t: t[: len(t) // 2], "not valid JSON"),
        (lambda t: t.replace("activation-claims/results/1", "other/9"), "has schema 'other/9'"),
        (lambda t: t.replace('"id": "S17"', '"id": "S77"'), "claims the ledger does not have: S77"),
        # The schema (reports/results.schema.json): a provenance field gone, a verdict no one defined.
        (lambda t: t.replace('"seed":', '"seeds":'), "provenance: 'seed' is a required property"),
        (lambda t: t.replace('"float": "refuted"', '"float": "wrong"', 1), "'wrong' is not one of"),
    ],
)
def test_a_bad_results_file_is_a_clear_error_and_leaves_the_previous_report(
    small_results, built, tmp_path, capsys, mangle, message
):
    out = tmp_path / "out"
    shutil.copytree(built, out)  # the previous report, as a build of small_results left it
    before = (out / "index.html").read_bytes()
    bad = tmp_path / "bad.json"
    bad.write_text(mangle(small_results.read_text()))
    assert build(bad, out) == 2
    assert message in capsys.readouterr().err
    assert (out / "index.html").read_bytes() == before
    assert json.loads((out / "results.json").read_text()) == json.loads(small_results.read_text())


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "index.html"
    target.write_text("old")

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, "new")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["index.html"]


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def page_requests(netlog: Path) -> list[str]:
    """URLs the page itself asked the network for: URL_REQUEST_START_JOB events whose initiator
    is the page (the browser's own update and time checks carry initiator 'not an origin')."""
    text = netlog.read_text(errors="replace").rstrip()
    try:
        log = json.loads(text)
    except json.JSONDecodeError:  # a log cut short at exit lacks its closing brackets
        log = json.loads(text.rstrip(",") + "]}")
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    starts = [e.get("params", {}) for e in log["events"] if e["type"] == start_job]
    return [
        p["url"]
        for p in starts
        if "url" in p and p.get("initiator") != "not an origin" and not p["url"].startswith(("file:", "data:"))
    ]


def run_browser(
    browser: str, page: str, tmp: Path, *extra: str, width: int = 1280
) -> tuple[subprocess.CompletedProcess, list[str]]:
    netlog = tmp / "netlog.json"
    flags = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--mute-audio",
        f"--user-data-dir={tmp / 'profile'}",
        f"--log-net-log={netlog}",
        f"--window-size={width},1600",
    ]
    done = subprocess.run([*flags, *extra, page], capture_output=True, text=True, timeout=120)
    return done, page_requests(netlog)


def test_the_page_renders_in_a_real_browser_without_network(small_results, tmp_path):
    browser = chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have chromium: .ci/run installs Debian's chromium")
        pytest.skip("no chromium on this machine (apt-get install chromium); CI always runs this test")
    # The detector itself: a page with a remote image is caught.
    probe = tmp_path / "probe" / "probe.html"
    probe.parent.mkdir()
    probe.write_text('<html><body><img src="http://example.invalid/x.png"></body></html>')
    _, requests = run_browser(browser, probe.as_uri(), probe.parent, "--dump-dom")
    assert requests == ["http://example.invalid/x.png"]

    build(with_wide_evidence(small_results, tmp_path / "wide.json"), tmp_path / "site")
    page = (tmp_path / "site" / "index.html").as_uri()
    dom, requests = run_browser(browser, page, tmp_path / "site", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert '<table id="ledger">' in dom.stdout and "<math" in dom.stdout and "<svg" in dom.stdout
    assert requests == [], f"the page made network requests: {requests[:5]}"
    for width in (1280, 500):
        shot = tmp_path / f"shot-{width}.png"
        run_browser(browser, page, tmp_path / f"shot-{width}", f"--screenshot={shot}", width=width)
        assert shot.stat().st_size > 10_000  # a real rendering, not a blank page
        layout = measured_layout(browser, tmp_path / "site" / "index.html", tmp_path / f"measure-{width}", width)
        # Nothing makes the page scroll sideways: at phone width wide tables and formulas scroll
        # inside their own box; at desktop width nothing needs to.
        assert layout["page"] <= layout["window"], layout
        if width == 1280:
            assert layout["scrolling_inside"] == [], layout


def test_s19s_card_shows_the_pre_registered_protocol_verbatim(small_results, monkeypatch):
    """The protocol file as S19's figure evidence holds it, escaped, folded under S19's figure."""
    from reports import page
    from reports.ledger import load

    results = json.loads(small_results.read_text())
    s19 = next(c for c in results["claims"] if c["id"] == "S19")
    s19["evidence"].append({"kind": "figure", "curves": {}, "protocol": "[data]\nseeds = 10  # <all>"})
    monkeypatch.setattr(page, "draw", lambda jobs: {cid: f"<figure>{cid}</figure>" for cid, *_ in jobs})
    card = re.search(r'<section class="claim" id="S19">(.*?)</section>', page.render(results, load(), "c"), re.S)
    assert (
        "<figure>S19</figure><details><summary>The pre-registered protocol, verbatim</summary>"
        "<pre>[data]\nseeds = 10  # &lt;all&gt;</pre></details>"
    ) in card.group(1)


def with_wide_evidence(results: Path, out: Path) -> Path:
    """A copy of results.json whose S17 carries evidence as wide as the suite records: a row of
    long formulas (S02's closed forms), a 40-digit constant (L02's), a formula past any screen's
    width and a table of many numeric columns (S05's by-depth rows)."""
    data = json.loads(results.read_text())
    formula = (
        "\\frac{d}{d \\xi_{1}} f{\\left(\\xi_{1} \\right)} "
        "\\Big|_{\\xi_{1}=W_{2} f{\\left(W_{1} x + b_{1} \\right)} + b_{2}}"
    )
    s17 = next(c for c in data["claims"] if c["id"] == "S17")
    s17["evidence"] += [
        {
            "kind": "symbolic",
            "label": "wide",
            "rows": [{"depth": d, "a": formula * 3, "b": formula * 3} for d in (2, 3)],
        },
        {"kind": "symbolic", "constant": "1.673263242354377284817042991671652038461", "at_zero": formula},
        {"kind": "symbolic", "closed_form": formula * 8},
        {
            "kind": "table",
            "label": "many columns",
            "rows": [{f"log10 at depth {10**k:,}": -1.23456 * k for k in range(9)}],
        },
    ]
    out.write_text(json.dumps(data))
    return out


MEASURE = """<script>
const w = window.innerWidth;
const wide = [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > w + 1
  && !e.closest("table, pre, math[display=block]"));
const scrolling = [...document.querySelectorAll("table, pre, math")].filter(e => e.clientWidth > 0
  && ["auto", "scroll"].includes(getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth + 1)
  .map(e => ((e.closest("section, figure") || {}).id || "page") + " " + e.tagName);
document.body.setAttribute("data-layout", JSON.stringify({window: w,
  page: document.documentElement.scrollWidth, sticking_out: wide.slice(0, 5).map(e => e.tagName),
  scrolling_inside: scrolling}));
</script>"""


def measured_layout(browser: str, index: Path, tmp: Path, width: int) -> dict:
    """The page laid out at this width, every fold open: its scroll width against the window's, and
    the boxes (tables, code, formulas) that scroll inside themselves (a copy of the page with a
    measuring script; the page itself forbids scripts)."""
    tmp.mkdir()
    copy = tmp / "measure.html"
    text = index.read_text()
    text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", text)
    copy.write_text(text.replace("<details>", "<details open>").replace("</body>", MEASURE + "</body>"))
    dom, _ = run_browser(browser, copy.as_uri(), tmp, "--dump-dom", width=width)
    found = re.search(r'data-layout="([^"]*)"', dom.stdout)
    assert found, dom.stderr[-2000:]
    return json.loads(html.unescape(found.group(1)))


class Cards(HTMLParser):
    """Per claim card: the classes of its top-level <p>s in order, whether each <details> is open, and
    any text that stands loose in the card, outside every element."""

    def __init__(self) -> None:
        super().__init__()
        self.cards: dict[str, dict] = {}
        self.current, self.depth = None, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and attrs.get("class") == "claim":
            self.current, self.depth = attrs["id"], 0
            self.cards[self.current] = {"paragraphs": [], "details": [], "figures": 0, "loose": []}
            return
        if self.current is None:
            return
        if self.depth == 0 and tag == "p":
            self.cards[self.current]["paragraphs"].append(attrs.get("class") or "")
        if self.depth == 0 and tag == "details":
            self.cards[self.current]["details"].append("open" in attrs)
        if tag == "figure":
            self.cards[self.current]["figures"] += 1
        self.depth += 1

    def handle_data(self, data):
        if self.current is not None and self.depth == 0 and data.strip():
            self.cards[self.current]["loose"].append(data.strip())

    def handle_endtag(self, tag):
        if self.current is None:
            return
        if self.depth == 0 and tag == "section":
            self.current = None
        else:
            self.depth -= 1


def test_each_claim_card_opens_with_its_finding_and_folds_its_evidence(small_results, page):
    """Quote, then the finding (the first of correction, finding, reason that the claim has), then its
    figure; the formal statement, evidence and tests folded in closed <details>."""
    cards = Cards()
    cards.feed(page)
    results = json.loads(small_results.read_text())
    assert set(cards.cards) == {c["id"] for c in results["claims"]}
    for claim in results["claims"]:
        card = cards.cards[claim["id"]]
        has_prose = any(claim.get(f) for f in ("correction", "finding", "reason"))
        assert (card["paragraphs"][:1] == ["lead"]) == has_prose, claim["id"]
        assert len(card["details"]) >= 2 and not any(card["details"]), claim["id"]  # evidence, tests: closed
        assert card["loose"] == [], claim["id"]  # a claim without a figure gets nothing in its place
    assert cards.cards["S11"]["figures"] == 1  # S11's evidence ran in this subset: its figure is in its card
    section = re.search(r'<section class="claim" id="S11">(.*?)</section>', page, re.S).group(1)
    assert section.index('class="lead"') < section.index("<figure") < section.index("<details")


def test_each_claim_card_lists_the_tests_that_ran_for_it(small_results, page):
    """The card's tests table names each test of the claim (without its file) with its outcome."""
    results = json.loads(small_results.read_text())
    ran = [c for c in results["claims"] if c["tests"]]
    assert ran
    for claim in ran:
        section = re.search(rf'<section class="claim" id="{claim["id"]}">(.*?)</section>', page, re.S).group(1)
        assert "No test ran for this claim" not in section, claim["id"]
        for t in claim["tests"]:
            assert html.escape(t["nodeid"].split("::", 1)[-1]) in section, t["nodeid"]


def test_every_figure_has_a_caption_and_a_text_alternative(page):
    figures = re.findall(r"<figure\b.*?</figure>", page, re.S)
    assert figures
    for figure in figures:
        assert re.search(r"<figcaption>[^<]{40,}</figcaption>", figure), figure[-300:]
        assert "<svg" not in figure or page_svgs_have_text_alternatives(figure)
        assert "<svg" not in figure or re.search(r"<svg\b[^>]*>\s*<title>[^<]+</title>", figure)


def test_every_in_page_link_resolves(small_results, page):
    """The contents, the ledger's ids and the answer's spans all point at something on the page."""
    parser = IdsAndReferences()
    parser.feed(page)
    ids = {i for i, _ in parser.ids}
    links = [ref for ref, figure in parser.refs if figure is None]
    assert {"summary", "answer", "claims", "provenance", "cite"} <= set(links)  # the contents
    assert all(ref in ids for ref in links), sorted(set(links) - ids)


def test_the_cite_section_gives_the_citation_files_message_and_bibtex(page):
    """What CITATION.cff asks of a citer, and the entry to cite, read here from the file itself."""
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    cite = page[page.index('<h2 id="cite">') :]
    assert f"<p>{html.escape(cff['message'])}</p>" in cite
    entry = html.unescape(re.search(r"<pre>(.*?)</pre>", cite, re.S).group(1))
    assert entry.startswith("@software{") and f"{{{{{cff['title']}}}}}" in entry and cff["version"] in entry


class VisibleText(HTMLParser):
    """Text a reader sees outside <pre>, <code>, <math>, <svg> and <style> (where numbers are exact constants,
    formulas or drawing)."""

    SKIP = ("pre", "code", "math", "svg", "style", "title")

    def __init__(self) -> None:
        super().__init__()
        self.skip, self.text = 0, []

    def handle_starttag(self, tag, attrs):
        self.skip += tag in self.SKIP

    def handle_endtag(self, tag):
        self.skip -= tag in self.SKIP

    def handle_data(self, data):
        if not self.skip:
            self.text.append(data)


def test_numbers_on_the_page_read_as_numbers_not_reprs(small_results, page):
    """No float repr (18.300000000000004, 8455564492339252.0), no Python list of lists, no dotted key as a
    heading: every measured number went through reports/format.py."""
    visible = VisibleText()
    visible.feed(page)
    text = " ".join(visible.text)
    # The commit's hex digits are an identifier, not a number (0231133... read as one).
    commit = json.loads(small_results.read_text())["provenance"]["git_commit"] or ""
    for shown in filter(None, (commit, commit[:12])):
        text = text.replace(shown, " ")
    assert too_precise(text) == []
    assert not re.search(r"\[\[\s*-?\d", text)  # a Python list of intervals, [[16.7, 64.0]]
    assert "example." not in text and "_ulps" not in text
    # a Python value formatted into the page as is (a keyword argument the prose quotes, inplace=True, is code)
    assert not re.search(r"(?<![\w=])(None|True|False|null)\b", text)


def too_precise(text: str) -> list[str]:
    """Numbers printed with more digits than the formatter gives: a decimal or scientific number with
    more than 6 significant digits, or an integer of more than 5 digits without thousands separators."""
    out = []
    for token in re.findall(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?:e-?\d+)?", text):
        mantissa = token.split("e")[0]
        digits = mantissa.replace(",", "").replace(".", "").lstrip("0")
        if ("." in mantissa or "e" in token) and len(digits) > 6:
            out.append(token)
        elif "." not in mantissa and "," not in mantissa and "e" not in token and len(digits) > 5:
            out.append(token)
    return out


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("x = 18.300000000000004", ["18.300000000000004"]),
        ("8455564492339252.0 ulps", ["8455564492339252.0"]),
        ("7.450580596923828e-09", ["7.450580596923828e-09"]),
        ("1.7e7 ulps at 0.001467, 12,848 points, 2026-11-30, 65,536", []),
        ("seed 123456", ["123456"]),
    ],
)
def test_the_repr_detector_flags_reprs_and_passes_formatted_numbers(text, flagged):
    assert too_precise(text) == flagged


@pytest.mark.parametrize(
    ("agrees", "word"),
    [([None, None], "jump only"), ([None, True], "as stated"), ([True, True], "as stated"), ([True, False], "differs")],
)
def test_the_kink_cell_says_jump_only_as_stated_or_differs(agrees, word):
    from reports.page import kink_word

    assert kink_word([{"agrees": a} for a in agrees]) == word
    assert kink_word(None) == "no kink"


def matrix_row(library: str, dtype: str, ulps: float, zero=(), nonfinite=()) -> dict:
    """One row of an audit claim's "worst ulps" table, for sigmoid."""
    return {
        "activation": "sigmoid",
        "dtype": dtype,
        "library": library,
        "worst_ulps": ulps,
        "wrongly_zero": list(zero),
        "nan_or_inf_for_finite_x": list(nonfinite),
    }


def test_audit_matrix_marks_wrongly_zero_and_colours_by_worst_ulps():
    from reports.page import audit_matrix, ulps_colour

    table = {
        "kind": "table",
        "label": "worst ulps by region",
        "rows": [
            matrix_row("torch", "float32", 1.7e7, [[16.7, 64.0]]),
            matrix_row("numpy", "float32", 0.5, []),
            matrix_row("torch", "float64", 2.0, []),
            matrix_row("numpy", "float64", 2.5, []),
        ],
    }
    html_text = audit_matrix({"claims": [{"id": "A01", "evidence": [table]}]})
    torch_table, numpy_table = re.findall(r'<table class="matrix">.*?</table>', html_text, re.S)
    assert "torch" in torch_table and "NumPy" in numpy_table
    assert "⊘ zero" in torch_table and "⊘ zero" not in numpy_table
    assert 'href="#A01"' in torch_table and "1.7e7" in torch_table and "no kink" in torch_table
    # every cell, not only the activation's name, links to the card with the detail
    assert torch_table.count('href="#A01"') == 1 + 2 and numpy_table.count('href="#A01"') == 1 + 2
    assert "kink" not in numpy_table  # the kink table records torch's values only
    assert "upstream" not in torch_table  # without the ledger there is nothing to link
    thead = lambda table: re.search("<thead>(.*)</thead>", table)[1]  # noqa: E731
    heads = lambda *names: "<tr>" + "".join(f"<th>{h}</th>" for h in names) + "</tr>"  # noqa: E731
    assert thead(torch_table) == heads("activation", "float32", "float64", "kink")
    assert thead(numpy_table) == heads("activation", "float32", "float64")

    # A claim's own kink table sets its kink cell: a value against the stated convention says so.
    kinks = {
        "kind": "table",
        "label": "value at each kink against the documented convention",
        "rows": [{"agrees": False}],
    }
    differing = audit_matrix({"claims": [{"id": "A01", "evidence": [table, kinks]}]})
    assert "<td>differs</td>" in re.findall(r'<table class="matrix">.*?</table>', differing, re.S)[0]

    # With the ledger, a framework's row links the tracker threads its claim lists; the baseline has none.
    from reports.ledger import load

    with_ledger = audit_matrix({"claims": [{"id": "A01", "evidence": [table]}]}, load())
    torch_table, numpy_table = re.findall(r'<table class="matrix">.*?</table>', with_ledger, re.S)
    assert '<a href="https://github.com/pytorch/pytorch/issues/195681"><code>#195681</code></a>' in torch_table
    assert "upstream" not in numpy_table
    assert thead(torch_table) == heads("activation", "float32", "float64", "kink", "upstream")

    # The colour scale darkens with the error: luminance falls from 1 ulp to 1e16 ulps.
    def luminance(hex_colour):
        r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
        return 0.299 * r + 0.587 * g + 0.114 * b

    shades = [luminance(ulps_colour(u)[0]) for u in (0.5, 1, 10, 1e4, 1e8, 1e12, 1e16, "inf")]
    assert shades[0] == shades[1] and all(a > b for a, b in zip(shades[1:-1], shades[2:-1]))
    assert shades[-1] == shades[-2]
    # The legend's swatches are the colours of the values their labels name.
    powers = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
    legend = re.findall(r'<span style="background:(#\w+);color:(#\w+)">([^<]+)</span>', html_text)
    assert [label for *_, label in legend] == ["≤ 1", "10²", "10⁴", "10⁸", "10¹⁶"]
    for bg, fg, label in legend:
        value = 1.0 if label == "≤ 1" else 10.0 ** int(label[2:].translate(powers))
        assert (bg, fg) == ulps_colour(value), label


def test_the_audit_matrix_marks_a_dtype_not_measured_and_is_absent_without_an_audit():
    """A library's row without one of the dtypes another measured shows a dash there; a non-finite
    gradient is marked; a run without audit claims has no matrix and no audit section."""
    from reports.page import audit_matrix, audit_section

    rows = [matrix_row("torch", "float16", 3.0, nonfinite=[1.0]), matrix_row("numpy", "float64", 3.0)]
    table = {"kind": "table", "label": "worst ulps by region", "rows": rows}
    torch_table, numpy_table = re.findall(
        r'<table class="matrix">.*?</table>', audit_matrix({"claims": [{"id": "A05", "evidence": [table]}]}), re.S
    )
    assert re.findall(r"<th>(float\d+)</th>", torch_table) == ["float16", "float64"]
    assert torch_table.count('<td class="muted">—</td>') == 1 and numpy_table.count('<td class="muted">—</td>') == 1
    assert "NaN/∞" in torch_table and "NaN/∞" not in numpy_table
    no_audit = {"claims": [{"id": "S01", "evidence": [{"kind": "table", "label": "exact", "rows": []}]}]}
    assert audit_matrix(no_audit) == "" and audit_section(no_audit) == ""


def test_every_correction_finding_and_counterexample_is_on_the_page(small_results, page):
    """What a reader comes for cannot drop off the page: each claim's filled prose, and every value of
    every counterexample, inside that claim's own card."""
    from reports.mathml import prose_html
    from reports.page import flatten, value_html

    results = json.loads(small_results.read_text())
    checked = 0
    for claim in results["claims"]:
        start = page.index(f'<section class="claim" id="{claim["id"]}">')
        card = page[start : page.index("</section>", start)]
        for field in ("correction", "finding", "reason"):
            if claim.get(field):
                assert prose_html(claim[field]) in card, (claim["id"], field)
        for item in claim["evidence"]:
            if item["kind"] != "counterexample":
                continue
            for key, value in flatten({k: v for k, v in item.items() if k not in ("kind", "label")}).items():
                assert value_html(value) in card, (claim["id"], key, value)
                checked += 1
    assert checked >= 10  # the subset has refuted claims with counterexamples


def test_an_audit_figure_draws_an_error_near_the_float64_maximum():
    """jax.nn's squareplus gradient is 1/2 where the exact one is ~1e-299: an error near 1e298 ulps,
    whose axis and ticks must stay finite (warnings are errors here)."""
    from reports.figures import audit_detail

    series = {"jax float64": {"negative": [[1.0, 3.9e298], [10.0, 1.7e308]], "positive": [[2.0, 0.5]]}}
    svg = audit_detail("squareplus", "jax", series, {"float64": [[-5.0, -2.0]]})
    assert svg.lstrip().startswith("<svg") and "squareplus" in svg


@pytest.mark.parametrize(
    ("workers", "expected"),
    [("auto", ["-n", "auto", "--dist", "loadfile"]), ("2", ["-n", "2", "--dist", "loadfile"]), ("0", [])],
)
def test_verify_shares_the_tests_among_the_workers_it_is_given(workers, expected, monkeypatch, tmp_path):
    """--workers N: pytest-xdist with N processes, one test file each at a time; 0: in this process."""
    seen = []
    monkeypatch.setattr(pytest, "main", lambda args, plugins: seen.append(args) or 0)
    assert cli.main(["verify", "--workers", workers, "--results", str(tmp_path / "r.json")]) == 0
    (args,) = seen
    start = args.index("-n") if "-n" in args else len(args)
    assert args[start : start + 4] == expected


@pytest.mark.parametrize("command", ["verify", "report", "audit"])
def test_every_option_of_the_command_line_says_what_it_does_in_help(command, capsys):
    """Each option of each command has a help text, and `activation-claims COMMAND --help` prints it."""
    (commands,) = [a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    options = [a for a in commands.choices[command]._actions if a.option_strings and a.dest != "help"]
    assert options and all(a.help for a in options), [a.dest for a in options if not a.help]
    with pytest.raises(SystemExit) as done:
        cli.main([command, "--help"])
    shown = " ".join(capsys.readouterr().out.split())  # the help wraps at the terminal's width
    assert done.value.code == 0 and shown.startswith(f"usage: activation-claims {command} ")
    for a in options:
        assert a.option_strings[0] in shown and " ".join(a.help.split()) in shown, a.dest


@pytest.mark.parametrize("command", ["verify", "report", "audit"])
def test_each_option_that_takes_a_value_names_it_as_the_readme_does(command):
    """--help and the README's table name an option's value alike (PATH, N, ADDRESS, ...), not by
    argparse's upper-cased option name; an option with choices lists them instead."""
    (commands,) = [a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    taking = [a for a in commands.choices[command]._actions if a.option_strings and a.nargs != 0]
    assert taking and all(a.metavar or a.choices for a in taking), [a.dest for a in taking if not a.metavar]
    readme = (cli.ROOT / "README.md").read_text(encoding="utf-8")
    row = next((line for line in readme.splitlines() if line.startswith(f"| `activation-claims {command} [")), None)
    if command != "audit":  # the README shows audit by examples, the others by a synopsis
        for a in taking:
            assert f"[{a.option_strings[0]} {a.metavar or ''}" in row or a.choices, (a.option_strings[0], row)


def test_the_command_line_without_a_command_is_a_usage_error_that_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main([])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "{verify,report,audit}" in err and "required: command" in err


def test_a_bad_worker_count_is_a_usage_error_that_says_what_is_valid(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["verify", "--workers", "-1"])
    assert stop.value.code == 2 and "not a number of workers (0, 1, 2, ... or auto)" in capsys.readouterr().err


def test_a_wide_table_of_few_records_is_set_sideways():
    """Twelve fields of two records (an audit's per-dtype summary, torch and NumPy) would scroll on a
    desktop page: a row per field, the first field heading a column per record. Five records stay
    a plain table (its rows read as records), and so do ten fields."""
    from reports.page import FEW_ROWS, WIDE_COLUMNS, table_html

    records = (("torch", 1), ("numpy", 10))
    wide = [{"key": k, **{f"field{i}": i * scale for i in range(WIDE_COLUMNS)}} for k, scale in records]
    sideways = table_html(wide)
    assert 'class="sideways"' in sideways
    assert sideways.count('<th scope="row">') == WIDE_COLUMNS
    assert re.search(r"<thead><tr><th>key</th><th>torch</th><th>numpy</th></tr></thead>", sideways)
    # Each field's row holds each record's value, in the records' order.
    assert '<tr><th scope="row">field3</th><td>3</td><td>30</td></tr>' in sideways
    many = [{"key": str(k), **{f"field{i}": i for i in range(WIDE_COLUMNS)}} for k in range(FEW_ROWS + 1)]
    assert 'class="sideways"' not in table_html(many)
    narrow = [{"key": k, **{f"field{i}": i for i in range(WIDE_COLUMNS - 1)}} for k in ("torch", "numpy")]
    assert 'class="sideways"' not in table_html(narrow)


def test_the_provenance_table_lists_every_field_and_every_package(small_results, page):
    prov = json.loads(small_results.read_text())["provenance"]
    section = page[page.index('id="provenance"') : page.index('id="reproduce"')]
    rows = re.findall(r"<tr><td>([^<]+)</td><td>", section)
    expected = [k for k in prov if k != "packages"] + [f"package {name}" for name in prov["packages"]]
    assert rows == expected
    # A field without a value says what that means: this subset loads no simulation.
    assert prov["simulation_device"] is None
    assert "<tr><td>simulation_device</td><td>no simulation ran</td></tr>" in section


def test_the_page_names_and_links_the_answer_it_checks(page):
    from reports.ledger import load

    source = load().sources["answer-24468"]
    assert f'<a href="{html.escape(source["url"])}">{html.escape(source["title"])}</a>' in page
    # CC BY-SA asks for the licence beside the attribution; the stored copy's gaps are said where it is shown
    assert f"</a>\n({html.escape(source['license'])})" in page
    assert html.escape(source["note"]) in page
