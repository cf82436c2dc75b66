"""Prose bound to evidence: corrections, reasons and findings are templates whose numbers come
from the claim's recorded evidence, and whose qualitative words each name the test asserting them.

A placeholder is ``{key.path:spec}``: ``key`` is the ``key`` field of one of the claim's evidence
items, ``path`` indexes into it (dict fields, list positions), and ``spec`` is a number of
significant digits (default 3), ``d`` for an integer, or ``s`` for a text value as it is.
Exact constants of the mathematics go in LaTeX between ``$`` signs.
"""

from __future__ import annotations

import re

from reports.format import DEFAULT_DIGITS, number

PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*(?:\.\w+)*)(?::(\d+|d|s))?\}")
# Anything brace-delimited that is not a well-formed placeholder (outside LaTeX) is a typo.
BRACED = re.compile(r"\{[^{}$]*\}")
LATEX = re.compile(r"\$[^$]*\$")
# A number written out (not a digit inside a word such as float64, S09 or W_1).
NUMBER = re.compile(r"(?<![\w\\])\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
# A decimal (point or exponent) is a measured value even in LaTeX; exact constants are fractions.
DECIMAL = re.compile(r"\d\.\d|\d[eE][-+]?\d")
QUALIFIER = re.compile(r"\b(never|always|only|iff|if and only if|monoton\w*|exponential\w*)\b", re.IGNORECASE)
FIELDS = ("correction", "reason", "finding")


class TemplateError(ValueError):
    """A template names evidence that is not there, or a value that cannot be printed."""


def outside_latex(text: str, change) -> str:
    """change(segment) applied to the text between LaTeX spans ($...$), which stay as they are."""
    out, cursor = [], 0
    for m in LATEX.finditer(text):
        out += [change(text[cursor : m.start()]), m.group(0)]
        cursor = m.end()
    return "".join([*out, change(text[cursor:])])


def typed_numbers(text: str) -> list[str]:
    """The numbers written out in a template: outside placeholders and LaTeX, any; inside LaTeX, decimals."""
    without = outside_latex(text, lambda seg: PLACEHOLDER.sub("", seg))
    return [m.group(0) for m in DECIMAL.finditer(without)] + NUMBER.findall(LATEX.sub("", without))


def malformed_placeholders(text: str) -> list[str]:
    """Brace groups outside LaTeX that are not placeholders of the form {key.path:spec}."""
    bare = LATEX.sub("", text)
    return [m.group(0) for m in BRACED.finditer(bare) if not PLACEHOLDER.fullmatch(m.group(0))]


def unasserted_qualifiers(text: str, phrases: dict[str, object]) -> list[str]:
    """Qualifier words ("never", "only", "iff", ...) that no asserted phrase of the claim covers."""
    covered = []
    for phrase in phrases:
        start = text.find(phrase)
        while start >= 0:
            covered.append((start, start + len(phrase)))
            start = text.find(phrase, start + 1)
    return [
        m.group(0) for m in QUALIFIER.finditer(text) if not any(a <= m.start() and m.end() <= b for a, b in covered)
    ]


def lookup(path: str, evidence: list[dict]) -> object:
    """The value at ``key.path`` in the evidence item whose key is ``key``."""
    key, *rest = path.split(".")
    items = [item for item in evidence if item.get("key") == key]
    if not items:
        keys = sorted({str(i["key"]) for i in evidence if "key" in i})
        raise TemplateError(f"no evidence with key {key!r} (recorded keys: {', '.join(keys) or 'none'})")
    value: object = items[0]
    for part in rest:
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise TemplateError(f"evidence {key!r} has no field {part!r} on the path {path!r}")
    return value


def render_value(value: object, spec: str | None, path: str) -> str:
    if spec == "s":
        if not isinstance(value, str):
            raise TemplateError(f"{{{path}:s}} is a {type(value).__name__}, not text")
        return value
    if spec == "d":
        if not isinstance(value, int) or isinstance(value, bool):
            raise TemplateError(f"{{{path}:d}} is {value!r}, not an integer")
        return number(value)
    try:
        return number(value, int(spec) if spec else DEFAULT_DIGITS)
    except TypeError as err:
        raise TemplateError(f"{{{path}}}: {err}") from err


def _filled(m: re.Match, evidence: list[dict]) -> str:
    """One placeholder match, rendered from the evidence (TemplateError if it cannot be)."""
    return render_value(lookup(m.group(1), evidence), m.group(2), m.group(1))


def fill(template: str, evidence: list[dict]) -> str:
    """The template with each placeholder replaced by its evidence value; TemplateError if one is missing."""
    return outside_latex(
        template,
        lambda seg: PLACEHOLDER.sub(lambda m: _filled(m, evidence), seg),
    )


def missing(template: str, evidence: list[dict]) -> list[str]:
    """The placeholders of the template that the evidence cannot fill, each with the reason."""
    out = []
    for m in PLACEHOLDER.finditer(LATEX.sub("", template)):
        try:
            _filled(m, evidence)
        except TemplateError as err:
            out.append(f"{m.group(0)}: {err}")
    return out


def fill_or_mark(template: str, evidence: list[dict]) -> str:
    """As fill, but a placeholder without evidence reads [not measured in this run] (narrowed runs)."""

    def one(m: re.Match) -> str:
        try:
            return _filled(m, evidence)
        except TemplateError:
            return "[not measured in this run]"

    return outside_latex(template, lambda seg: PLACEHOLDER.sub(one, seg))
