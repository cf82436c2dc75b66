"""Prose bound to evidence: typed numbers and unasserted qualifiers are ledger errors, placeholders
fill from keyed evidence or fail, and each verdict needs its kind of evidence."""

import string

import pytest

from reports import prose
from reports.format import column_label, intervals, is_constant, number
from reports.ledger import LedgerError, load, parse
from reports.plugin import asserting_tests_missing
from reports.results import build, claim_record, evidence_problems

pytestmark = pytest.mark.instrument

HEAD = '[sources.s]\ntitle = "t"\n[[claim]]\nid = "X1"\nsource = "s"\nquote = "q"\nstatement = "s"\n'


def ledger_with(fields: str):
    return parse(HEAD + fields + "\n")


@pytest.mark.parametrize(
    ("correction", "typed"),
    [
        ("exactly 1 for |x| < 9.48e-9", "9.48e-9"),  # a decimal in prose
        ("after 7 steps", "7"),  # an integer in prose is a number too
        ("at $x = 0.5$", "0.5"),  # a decimal is a measured value even in LaTeX
        ("between 1e-3 and $x$", "1e-3"),
    ],
)
def test_a_typed_number_in_a_correction_is_a_ledger_error(correction, typed):
    with pytest.raises(LedgerError, match="typed numbers") as err:
        ledger_with(f'verdict = {{ math = "refuted" }}\ncorrection = "{correction}"')
    assert typed in str(err.value)


def test_a_claim_without_a_verdict_is_a_ledger_error_that_says_what_it_needs():
    with pytest.raises(LedgerError, match=r"^claim X1: needs verdict.math or verdict.float$"):
        ledger_with("")


def test_exact_constants_in_latex_placeholders_and_words_with_digits_are_not_typed_numbers():
    claim = ledger_with(
        'verdict = { math = "refuted" }\n'
        'correction = "$\\\\tfrac14$ at $x = 0$ in float64 (S09): {cx.example.x:3} and {n.count:d}"'
    ).claims["X1"]
    assert claim.correction.startswith("$\\tfrac14$")


def test_a_ledger_without_sources_names_the_missing_source_and_an_empty_one_has_none():
    headless = HEAD.replace('[sources.s]\ntitle = "t"\n', "") + 'verdict = { math = "supported" }\n'
    with pytest.raises(LedgerError, match=r"claim X1: source 's' is not in \[sources\]: $"):
        parse(headless)
    empty = parse("")
    assert (empty.sources, empty.claims) == ({}, {})


def test_a_malformed_placeholder_is_a_ledger_error():
    with pytest.raises(LedgerError, match="malformed placeholders"):
        ledger_with('verdict = { math = "refuted" }\ncorrection = "at {cx.example.x:q}"')


def test_a_qualifier_needs_a_phrase_that_names_its_test():
    bare = 'verdict = { math = "refuted" }\ncorrection = "it is never zero"'
    with pytest.raises(LedgerError, match=r"says \['never'\] without a test"):
        ledger_with(bare)
    claim = ledger_with(bare + '\nasserts = { "never zero" = "test_it_is_never_zero" }').claims["X1"]
    assert claim.asserting_tests == {"test_it_is_never_zero"}
    with pytest.raises(LedgerError, match="is not in its correction"):
        ledger_with(bare + '\nasserts = { "never zero" = "test_a", "always one" = "test_b" }')
    with pytest.raises(LedgerError, match="must name test functions"):
        ledger_with(bare + '\nasserts = { "never zero" = "it_is_never_zero" }')


def test_every_qualifier_of_the_real_ledger_names_a_test_marked_with_its_claim():
    ledger = load()
    marked = {(c.id, t) for c in ledger.claims.values() for t in c.asserting_tests}
    assert marked  # the ledger does assert qualifiers
    claim_of = {f"tests/claims/x.py::{test}[p]": cid for cid, test in marked}
    assert asserting_tests_missing(ledger, claim_of) == []
    claim_of.popitem()
    assert len(asserting_tests_missing(ledger, claim_of)) == 1
    # A test method of a class counts by its own name, the last part of its node id.
    in_classes = {f"tests/claims/x.py::TestQualifiers::{test}[p]": cid for cid, test in marked}
    assert asserting_tests_missing(ledger, in_classes) == []


EVIDENCE = [
    {"kind": "counterexample", "key": "cx", "example": {"x": 0.5, "W": [1.0, -2.5]}},
    {"kind": "numeric", "key": "edge", "value": 7.450580596923828e-09, "depth": 1076, "where": "NumPy"},
]


def test_placeholders_fill_from_the_evidence_with_that_key():
    text = "x = {cx.example.x}, W_2 = {cx.example.W.1:2}, {edge.value:3} at depth {edge.depth:d} in {edge.where:s}"
    assert prose.fill(text, EVIDENCE) == "x = 0.5, W_2 = -2.5, 7.45e-9 at depth 1,076 in NumPy"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{nope.x}", "no evidence with key 'nope'"),
        ("{cx.example.y}", "has no field 'y'"),
        ("{cx.example.W.5}", "has no field '5'"),
        ("{edge.value:d}", "not an integer"),
        ("{edge.depth:s}", "not text"),
        ("{cx.example}", "is not a number"),
    ],
)
def test_a_placeholder_that_names_missing_evidence_is_an_error(template, message):
    with pytest.raises(prose.TemplateError, match=message):
        prose.fill(template, EVIDENCE)
    assert prose.missing(template, EVIDENCE) and "[not measured in this run]" in prose.fill_or_mark(template, [])


def test_latex_braces_are_not_placeholders():
    assert prose.fill("$e^{x}$ and $2^{-27}$", []) == "$e^{x}$ and $2^{-27}$"


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (18.990341103219276, 4, "18.99"),
        (7.450580596923828e-09, 3, "7.45e-9"),
        (8455564492339252.0, 2, "8.5e15"),
        (0.0833, 3, "0.0833"),
        (-745.1332191019412, 5, "-745.13"),
        (1.0, 3, "1"),
        (0.0, 3, "0"),
        (65536, 3, "65,536"),
        ("inf", 3, "∞"),
        ("-inf", 3, "-∞"),
        ("nan", 3, "NaN"),
        (float("nan"), 3, "NaN"),
        (float("inf"), 3, "∞"),
        (float("-inf"), 3, "-∞"),
    ],
)
def test_numbers_read_to_the_stated_significant_digits(value, digits, text):
    assert number(value, digits) == text


@pytest.mark.parametrize("value", [True, "abc", "1.5", None, [1.0]])
def test_what_is_not_a_number_is_refused_rather_than_printed(value):
    """A bool, a word, a decimal kept as text, None, a list: each is a TypeError (a page that printed
    "True" or "None" for a measured value would hide a broken record)."""
    with pytest.raises(TypeError):
        number(value, 3)


@pytest.mark.parametrize(
    ("pairs", "kwargs", "text"),
    [
        ([], {}, "none"),
        ([[-13.34, -6.15]], {}, "[-13.3, -6.15]"),
        # ends that read alike at 3 digits get the digits that tell them apart; a single float is {a}
        ([[-4.611686018427388e18, -4.6116860184273874e18]], {}, "[-4.611686018427388e18, -4.611686018427387e18]"),
        ([[2.5, 2.5], [3.0, 4.0]], {}, "{2.5}; [3, 4]"),
        # past three: the three widest relative to their magnitude, not the far-out single floats
        (
            [[-2.05e149, -2.05e149], [-3.1e144, -3.1e144], [-40.0, -20.0], [-9.0, -8.0], [-7.0, -6.9], [5.0, 5.0]],
            {"total": 70, "within": [-2.05e149, 5.0]},
            "[-40, -20]; [-9, -8]; [-7, -6.9] and 67 more runs, all within [-2.05e149, 5]",
        ),
    ],
)
def test_intervals_read_as_the_widest_runs_with_ends_apart(pairs, kwargs, text):
    assert intervals(pairs, **kwargs) == text


def test_past_three_runs_with_nothing_said_of_the_rest_the_span_is_that_of_the_runs_given():
    pairs = [[-9.0, -8.0], [-1.0, -0.5], [0.25, 0.25], [3.0, 7.0], [12.0, 12.5]]
    assert intervals(pairs) == "[-9, -8]; [-1, -0.5]; [3, 7] and 2 more runs, all within [-9, 12.5]"


@pytest.mark.parametrize(
    ("key", "label"),
    [
        ("worst_ulps", "worst error (ulps)"),  # a named field
        ("example.depth", "depth (layers)"),  # a counterexample's field, with its unit
        ("duration_s", "time (s)"),
        ("max_abs_ulps", "max abs (ulps)"),  # the unit from the suffix
        ("revived_at_step", "revived at step"),  # no unit to add
        ("steps", "steps"),  # the unit is the word: not "steps (steps)"
        ("mean_q.layer", "mean q · layer"),
    ],
)
def test_evidence_fields_read_as_labelled_columns(key, label):
    assert column_label(key) == label


@pytest.mark.parametrize(
    ("text", "constant"),
    [
        ("1.6732632423543772848170429916717", True),
        ("-745.13", False),  # short: stays in its cell
        ("relu6 is not a constant of any kind", False),
        ("0.00246650929136005123", False),  # under the length
        ("87904967042368842997010876040615967103012290445610415488549141/500000000000000", True),  # exact
    ],
)
def test_long_constants_are_set_apart(text, constant):
    assert is_constant(text) is constant


def test_a_long_constant_with_any_other_character_in_it_is_text():
    """A constant is digits, sign, point, exponent e and the slash of a fraction; any other character
    (a letter, a space, a bracket) makes it text, which wraps in its cell."""
    alphabet = set("0123456789.-+e/")
    for ch in sorted(set(string.printable) - alphabet):
        assert not is_constant("1.6732632423543772848170429916717" + ch), repr(ch)


def verdicts(**v) -> str:
    return "verdict = { " + ", ".join(f'{k} = "{x}"' for k, x in v.items()) + " }\n"


@pytest.mark.parametrize(
    ("fields", "items", "problem"),
    [
        (verdicts(math="refuted") + 'correction = "c"', [{"kind": "symbolic"}], "no counterexample"),
        (
            verdicts(math="conditional") + 'correction = "c"',
            [{"kind": "numeric", "side": "holds"}],
            "evidence for both sides",
        ),
        (verdicts(math="supported"), [{"kind": "numeric"}], "neither a proof"),
        (verdicts(float="supported"), [{"kind": "symbolic"}, {"kind": "counterexample"}], "yet a counterexample"),
        (verdicts(float="inconclusive"), [{"kind": "table"}], "the statistic"),
    ],
)
def test_each_verdict_needs_its_kind_of_evidence(fields, items, problem):
    claim = ledger_with(fields).claims["X1"]
    assert any(problem in p for p in evidence_problems(claim, items))
    passed = [{"nodeid": "t", "outcome": "passed", "duration_s": 0.0}]
    record = claim_record(claim, passed, items, strict=True)
    assert record["reproduced"] is False and record["problems"]
    assert claim_record(claim, passed, items, strict=False)["reproduced"] is True  # a narrowed run does not judge
    ledger = ledger_with(fields)
    for strict in (True, False):  # build hands its strictness to every record
        (built,) = build(ledger, {"X1": passed}, {"X1": items}, {}, strict=strict)["claims"]
        assert built["reproduced"] is not strict and bool(built.get("problems")) is strict


def test_evidence_that_meets_each_verdict_passes():
    cases = [
        (verdicts(math="refuted") + 'correction = "c"', [{"kind": "counterexample"}]),
        (
            verdicts(math="conditional") + 'correction = "c"',
            [{"kind": "numeric", "side": s} for s in ("holds", "fails")],
        ),
        (verdicts(math="supported"), [{"kind": "numeric", "coverage": "every float16"}]),
        (verdicts(math="inconclusive"), [{"kind": "statistic"}]),
    ]
    for fields, items in cases:
        assert evidence_problems(ledger_with(fields).claims["X1"], items) == []


def test_a_strict_record_names_the_placeholder_it_could_not_fill():
    claim = ledger_with(verdicts(math="refuted") + 'correction = "at {cx.example.z}"').claims["X1"]
    passed = [{"nodeid": "t", "outcome": "passed", "duration_s": 0.0}]
    record = claim_record(claim, passed, [{"kind": "counterexample", "key": "cx", "example": {}}], strict=True)
    assert record["reproduced"] is False and "{cx.example.z}" in record["problems"][0]


def test_upstream_reports_are_https_addresses():
    ok = ledger_with('verdict = { float = "supported" }\nupstream = ["https://github.com/jax-ml/jax/issues/1"]')
    assert ok.claims["X1"].upstream == ("https://github.com/jax-ml/jax/issues/1",)
    for bad in ('"https://github.com/a/b/issues/1"', '["github.com/a/b/issues/1"]', "[1]"):
        with pytest.raises(LedgerError, match="'upstream' must be a list of https:// addresses"):
            ledger_with(f'verdict = {{ float = "supported" }}\nupstream = {bad}')


def test_a_claims_record_holds_its_correction_filled_from_its_evidence():
    """results.json's correction is the ledger's template with each placeholder filled from the
    claim's evidence (what a reader of results.json alone sees)."""
    claim = ledger_with('verdict = { math = "refuted" }\ncorrection = "it fails from {n.count:d} on"').claims["X1"]
    record = claim_record(claim, [], [{"kind": "numeric", "key": "n", "count": 12}])
    assert record["correction"] == "it fails from 12 on" and record["finding"] is None


def test_a_claims_prose_is_stripped_and_an_absent_or_blank_field_is_none():
    """What the page prints of a claim: its words without surrounding space; a field that is absent or
    only space is None, so that no empty correction, reason or finding is printed."""
    head = '[sources.s]\ntitle = "t"\n\n[[claim]]\nid = "X01"\nsource = "s"\nquote = " q "\nstatement = "s"\n'
    plain = parse(head + 'verdict = { math = "supported" }\n').claims["X01"]
    assert (plain.quote, plain.correction, plain.reason, plain.finding) == ("q", None, None, None)
    told = parse(head + 'verdict = { math = "supported" }\nfinding = "  it holds.  "\nreason = "   "\n').claims["X01"]
    assert (told.finding, told.reason, told.correction) == ("it holds.", None, None)
    refuted = parse(head + 'verdict = { math = "refuted" }\ncorrection = " it fails. "\n').claims["X01"]
    assert refuted.correction == "it fails."
