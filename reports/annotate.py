"""The source answer: its TeX as MathML, lost spans put back as reconstructed, each claim's span
marked by its verdicts and linked to its section."""

from __future__ import annotations

import html
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

from reports.mathml import from_latex

SOURCE_CANDIDATES = (
    Path(__file__).resolve().parent / "source" / "answer-24468.txt",
    Path(__file__).resolve().parent.parent.parent / "shared" / "source" / "answer-24468.txt",
)


def source_text() -> str:
    """The answer's text: shipped with the package (reports/source/), the shared copy as a fallback."""
    for path in SOURCE_CANDIDATES:
        if path.exists():
            return path.read_text(encoding="utf-8")
    raise FileNotFoundError("answer-24468.txt is missing from reports/source/")


def body_of(answer: str) -> str:
    """The answer without its [site]/[post_id] header lines."""
    lines = [line for line in answer.splitlines() if not line.startswith("[")]
    return "\n".join(lines).strip()


MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.S)


@dataclass(frozen=True)
class Restore:
    """Words the stored copy lost, put back right after ``after`` (the ledger's reconstruction)."""

    after: str
    text: str
    note: str


def restored(text: str, restores: list[Restore]) -> tuple[str, list[tuple[int, int, str]], list[tuple[int, int]]]:
    """The text with each lost span put back; where each restored piece now sits (with its note); and
    the insertions as (position in the stored text, length), to carry positions over."""
    places = sorted(((text.find(r.after) + len(r.after), r) for r in restores if r.after in text), key=lambda p: p[0])
    out, cursor, shift, where = [], 0, 0, []
    for at, r in places:
        out += [text[cursor:at], r.text]
        where.append((at + shift, at + shift + len(r.text), r.note))
        cursor, shift = at, shift + len(r.text)
    out.append(text[cursor:])
    return "".join(out), where, [(at, len(r.text)) for at, r in places]


def units(text: str, cuts: set[int]) -> list[tuple[int, int, bool]]:
    """The text as (start, end, is_math): each $...$ or $$...$$ whole, plain text split at the cuts."""
    out, cursor = [], 0
    for m in MATH.finditer(text):
        out += _split(cursor, m.start(), cuts)
        out.append((m.start(), m.end(), True))
        cursor = m.end()
    return out + _split(cursor, len(text), cuts)


def _split(start: int, end: int, cuts: set[int]) -> list[tuple[int, int, bool]]:
    points = [start, *sorted(c for c in cuts if start < c < end), end]
    return [(a, b, False) for a, b in zip(points, points[1:]) if b > a]


def annotated(answer: str, claims: list[dict], spans: dict[str, str], restores: list[Restore] = ()) -> str:
    """HTML of the answer: its TeX as MathML, the lost spans put back and styled as reconstructed,
    each claim's span wrapped in a link marked with its verdicts, in text order. A span boundary
    that falls inside a formula takes the whole formula."""
    stored = body_of(answer)
    text, put_back, inserts = restored(stored, list(restores))
    placed = []
    for claim in claims:
        span = spans.get(claim["id"])
        at = stored.find(span) if span else -1
        if at >= 0:  # carried over to the restored text; words put back inside or at its end belong to it
            end = at + len(span)
            start = at + sum(n for p, n in inserts if p < at)
            placed.append((start, end + sum(n for p, n in inserts if p <= end), claim))
    placed.sort(key=lambda p: p[0])
    kept, last = [], 0
    for start, end, claim in placed:  # overlapping spans: keep the first
        if start >= last:
            kept.append((start, end, claim))
            last = end
    cuts = {p for start, end, _ in kept for p in (start, end)} | {p for a, b, _ in put_back for p in (a, b)}
    groups: list[tuple[dict | None, list[tuple[str | None, str]]]] = []
    for a, b, is_math in units(text, cuts):
        claim = next((c for s, e, c in kept if s <= a < e or (is_math and a < s < b)), None)
        note = next((n for s, e, n in put_back if a < e and s < b), None)
        piece = from_latex(text[a:b].strip("$").strip(), display="inline") if is_math else html.escape(text[a:b])
        if groups and groups[-1][0] is claim:
            groups[-1][1].append((note, piece))
        else:
            groups.append((claim, [(note, piece)]))
    return "".join(span_html(c, _marked(pieces)) if c else _marked(pieces) for c, pieces in groups)


def _marked(pieces: list[tuple[str | None, str]]) -> str:
    """The pieces joined, each run of restored ones in one box titled with its note."""
    out = []
    for note, run in itertools.groupby(pieces, key=lambda p: p[0]):
        inner = "".join(piece for _, piece in run)
        out.append(inner if note is None else f'<span class="restored" title="{html.escape(note)}">{inner}</span>')
    return "".join(out)


# A verdict by text as well as colour: the mark after the claim id, math first, then float.
MARKS = {
    "supported": "✓",
    "refuted": "✗",
    "conditional": "◐",
    "inconclusive": "?",
    "not-checkable": "–",
    "pending": "…",
    None: "",
}


def span_html(claim: dict, inner: str) -> str:
    """One claim's words (HTML), coloured by its verdicts (split in two where math and float differ),
    with its id and a mark per verdict after them, linking to its section."""
    v = claim["verdict"]
    kinds = [k for k in ("math", "float") if v[k] is not None]
    verdicts = list(dict.fromkeys(v[k] for k in kinds))
    css = f"verdict-{verdicts[0]}"
    if len(verdicts) > 1:  # left half the math verdict's colour, right half the float's
        css += f" mixed m-{v['math']} f-{v['float']}"
    said = ", ".join(f"{k} {v[k]}" for k in kinds)
    marks = "".join(MARKS[v[k]] for k in kinds)
    return (
        f'<a class="span {css}" href="#{claim["id"]}" title="{html.escape(claim["id"] + ": " + said)}" '
        f'aria-label="{html.escape(claim["id"] + ", " + said)}">'
        f"{inner}<sup>{claim['id']}&#8239;{marks}</sup></a>"
    )
