"""LaTeX (from claims.toml or sympy.latex) -> native MathML, converted at build time."""

from __future__ import annotations

import html
from functools import cache

import latex2mathml.converter
import sympy as sp


@cache
def from_latex(tex: str, display: str = "block") -> str:
    """<math> for tex; a <code> block with the LaTeX where the converter cannot parse it."""
    try:
        return latex2mathml.converter.convert(tex, display=display)
    except Exception:  # noqa: BLE001 - any converter failure degrades to showing the source
        return f'<code class="tex">{html.escape(tex)}</code>'


def from_sympy(expr: sp.Expr, display: str = "block") -> str:
    """<math> for a sympy expression; Piecewise goes through LaTeX cases, which the converter handles."""
    return from_latex(sp.latex(expr), display)


def prose_html(text: str) -> str:
    """Prose with inline LaTeX between $ signs: the text escaped, each $...$ as inline MathML."""
    parts = text.split("$")
    if len(parts) % 2 == 0:  # an unpaired $: show the text as it is rather than guess
        return html.escape(text)
    return "".join(from_latex(p, display="inline") if i % 2 else html.escape(p) for i, p in enumerate(parts))
