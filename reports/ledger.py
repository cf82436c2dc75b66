"""claims.toml, the ledger: every claim with id, source, quote, statement, verdicts, correction."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import tomllib

from reports import prose

LEDGER_PATH = Path(__file__).resolve().parent.parent / "claims.toml"
VERDICTS = ("supported", "refuted", "conditional", "inconclusive", "not-checkable", "pending")
NEEDS_CORRECTION = ("refuted", "conditional")
# The activations the answer (S01-S26) discusses: where an S claim's figure or table would otherwise
# run over the whole registry, it keeps to these.
ANSWER_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu")


class LedgerError(ValueError):
    """claims.toml is malformed: the message names the claim and the field."""


@dataclass(frozen=True)
class Claim:
    id: str
    source: str
    quote: str
    statement: str
    math: str | None
    float: str | None
    correction: str | None
    reason: str | None
    reconstructed: str | None
    span: str | None
    finding: str | None = None
    asserts: tuple[tuple[str, tuple[str, ...]], ...] = ()
    restore: tuple[str, str] | None = None  # (after, text): the lost words, put back after these
    upstream: tuple[str, ...] = ()  # reports in the framework's own tracker that match the finding

    def templates(self) -> dict[str, str]:
        """The prose fields that are templates filled from evidence: correction, reason, finding."""
        return {f: getattr(self, f) for f in prose.FIELDS if getattr(self, f)}

    @property
    def asserting_tests(self) -> set[str]:
        return {test for _, tests in self.asserts for test in tests}

    @property
    def pending(self) -> bool:
        return "pending" in (self.math, self.float)

    @property
    def checkable(self) -> bool:
        return not self.pending and {self.math, self.float} != {"not-checkable"}


def _claim(entry: dict, sources: dict) -> Claim:
    cid = entry.get("id", "?")
    # Prose is wrapped in the file; one space between words is what it says.
    entry = {k: " ".join(v.split()) if k in prose.FIELDS and isinstance(v, str) else v for k, v in entry.items()}
    for key in ("id", "source", "quote", "statement"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise LedgerError(f"claim {cid}: field {key!r} must be a non-empty string")
    if entry["source"] not in sources:
        raise LedgerError(f"claim {cid}: source {entry['source']!r} is not in [sources]: {', '.join(sources)}")
    verdict = entry.get("verdict", {})
    for kind in ("math", "float"):
        value = verdict.get(kind)
        if value is not None and value not in VERDICTS:
            raise LedgerError(f"claim {cid}: verdict.{kind} = {value!r}; valid: {', '.join(VERDICTS)}")
    if verdict.get("math") is None and verdict.get("float") is None:
        raise LedgerError(f"claim {cid}: needs verdict.math or verdict.float")
    if any(verdict.get(k) in NEEDS_CORRECTION for k in ("math", "float")) and not entry.get("correction"):
        raise LedgerError(f"claim {cid}: a refuted or conditional verdict needs a correction")
    if "not-checkable" in verdict.values() and not entry.get("reason"):
        raise LedgerError(f"claim {cid}: a not-checkable verdict needs a reason")
    asserts = _asserts(cid, entry)
    for field in (*prose.FIELDS, "statement"):
        _check_prose(cid, field, entry.get(field) or "", asserts if field != "statement" else None)
    return Claim(
        id=entry["id"],
        source=entry["source"],
        quote=entry["quote"].strip(),
        statement=entry["statement"].strip(),
        math=verdict.get("math"),
        float=verdict.get("float"),
        correction=(entry.get("correction") or "").strip() or None,
        reason=(entry.get("reason") or "").strip() or None,
        reconstructed=entry.get("reconstructed"),
        span=entry.get("span"),
        finding=(entry.get("finding") or "").strip() or None,
        asserts=tuple(asserts.items()),
        restore=_restore(cid, entry),
        upstream=_upstream(cid, entry),
    )


def _upstream(cid: str, entry: dict) -> tuple[str, ...]:
    """upstream = ["https://github.com/owner/repo/issues/N", ...]: the tracker threads that report it."""
    raw = entry.get("upstream", [])
    if not isinstance(raw, list) or not all(isinstance(u, str) and u.startswith("https://") for u in raw):
        raise LedgerError(f"claim {cid}: 'upstream' must be a list of https:// addresses")
    return tuple(raw)


def _restore(cid: str, entry: dict) -> tuple[str, str] | None:
    """restore = { after = "words of the span", text = "the lost words" }, for a reconstructed span."""
    raw = entry.get("restore")
    if raw is None:
        return None
    if set(raw) != {"after", "text"} or not entry.get("reconstructed") or raw["after"] not in (entry.get("span") or ""):
        raise LedgerError(f"claim {cid}: restore needs after (words of its span), text, and a reconstructed note")
    return raw["after"], raw["text"]


def _asserts(cid: str, entry: dict) -> dict[str, tuple[str, ...]]:
    """asserts = { "phrase of the prose" = "test_name" or ["test_a", "test_b"] }."""
    raw = entry.get("asserts", {})
    if not isinstance(raw, dict):
        raise LedgerError(f"claim {cid}: 'asserts' must be a table of phrase = test name(s)")
    out = {}
    for phrase, tests in raw.items():
        tests = (tests,) if isinstance(tests, str) else tuple(tests)
        if not tests or not all(isinstance(t, str) and t.startswith("test_") for t in tests):
            raise LedgerError(f"claim {cid}: asserts[{phrase!r}] must name test functions (test_...)")
        if not any(phrase in (entry.get(f) or "") for f in prose.FIELDS):
            raise LedgerError(f"claim {cid}: asserted phrase {phrase!r} is not in its correction, reason or finding")
        out[phrase] = tests
    return out


def _check_prose(cid: str, field: str, text: str, asserts: dict | None) -> None:
    """No typed number, no malformed placeholder, and (in prose) every qualifier asserted by a test.
    A statement is LaTeX throughout: there only decimals count as typed numbers."""
    typed = prose.DECIMAL.findall(text) if field == "statement" else prose.typed_numbers(text)
    if typed:
        raise LedgerError(
            f"claim {cid}: {field} has typed numbers {typed}; use a placeholder {{key.field}} filled from "
            "evidence, or LaTeX ($...$) for an exact constant"
        )
    if field != "statement" and (bad := prose.malformed_placeholders(text)):
        raise LedgerError(f"claim {cid}: {field} has malformed placeholders {bad}; the form is {{key.path:digits}}")
    if asserts is not None and (loose := prose.unasserted_qualifiers(text, asserts)):
        raise LedgerError(
            f"claim {cid}: {field} says {loose} without a test asserting it; add the phrase to the claim's asserts"
        )


@dataclass(frozen=True)
class Ledger:
    sources: dict
    claims: dict[str, Claim]

    def __getitem__(self, cid: str) -> Claim:
        if cid not in self.claims:
            raise LedgerError(f"unknown claim id {cid!r}; the ledger has {', '.join(self.claims)}")
        return self.claims[cid]


def parse(text: str) -> Ledger:
    """The ledger from TOML text; malformed entries are a LedgerError."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise LedgerError(f"claims.toml is not valid TOML: {err}") from err
    sources = data.get("sources", {})
    claims: dict[str, Claim] = {}
    for entry in data.get("claim", []):
        claim = _claim(entry, sources)
        if claim.id in claims:
            raise LedgerError(f"claim {claim.id} appears twice")
        claims[claim.id] = claim
    return Ledger(sources, claims)


def load(path: Path = LEDGER_PATH) -> Ledger:
    """The ledger in the file at ``path``, read anew each call and parsed once per distinct text:
    remembered by path, a relative path would give one directory's ledger for another's, and an
    edited file its old claims."""
    return _parsed(Path(path).read_text(encoding="utf-8"))


@cache
def _parsed(text: str) -> Ledger:
    return parse(text)
