"""The source answer, escaped, with each claim's span marked by its verdict and linked to its section."""

from __future__ import annotations

import html
from pathlib import Path

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


def annotated(answer: str, claims: list[dict], spans: dict[str, str]) -> str:
    """HTML of the answer with <a class="span verdict-..."> around each claim's span, in text order."""
    text = body_of(answer)
    placed = []
    for claim in claims:
        span = spans.get(claim["id"])
        at = text.find(span) if span else -1
        if at >= 0:
            placed.append((at, at + len(span), claim))
    placed.sort(key=lambda p: p[0])
    out, cursor = [], 0
    for start, end, claim in placed:
        if start < cursor:  # overlapping spans: keep the first
            continue
        out.append(html.escape(text[cursor:start]))
        out.append(span_html(claim, text[start:end]))
        cursor = end
    out.append(html.escape(text[cursor:]))
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


def span_html(claim: dict, words: str) -> str:
    """One claim's words, coloured by its verdicts (split in two where math and float differ),
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
        f"{html.escape(words)}<sup>{claim['id']}&#8239;{marks}</sup></a>"
    )
