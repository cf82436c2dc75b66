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
        v = claim["verdict"]
        verdict = v["math"] if v["math"] not in (None, "not-checkable") else v["float"]
        title = f"{claim['id']}: math {v['math']}, float {v['float']}"
        out.append(html.escape(text[cursor:start]))
        out.append(
            f'<a class="span verdict-{verdict}" href="#{claim["id"]}" title="{html.escape(title)}">'
            f"{html.escape(text[start:end])}<sup>{claim['id']}</sup></a>"
        )
        cursor = end
    out.append(html.escape(text[cursor:]))
    return "".join(out)
