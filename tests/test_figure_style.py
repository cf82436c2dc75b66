"""Each figure's look, as reviewed: the grid its panels sit in, colours, line widths and styles,
markers, font sizes, legends, colour maps, and the limits and ticks the figure code sets itself,
read from the axes of every figure drawn from small evidence, against
tests/snapshots/figure_style.json.

test_figures.py checks what each figure says and draws; this checks how it draws it. A change of look
is made on purpose: look at the page's screenshots, then write the new snapshot and commit its diff:

    ACTIVATION_CLAIMS_WRITE_FIGURE_STYLE=1 pytest tests/test_figure_style.py

Limits and tick positions are recorded only where the figure code fixes them (autoscale off, a
FixedLocator): matplotlib's own choices may move between its versions; the figure code's may not.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.colors
import matplotlib.ticker
import pytest

from reports import figures
from tests.figure_examples import EXAMPLES
from tests.fixture_scope import module_unless_mutmut_records
from tests.html_references import IdsAndReferences
from tests.snapshot import as_json, assert_as_reviewed, reviewed

pytestmark = pytest.mark.instrument

WRITE = "ACTIVATION_CLAIMS_WRITE_FIGURE_STYLE"


def number(v: float) -> float | str:
    """v to 6 significant digits; ±inf as text (JSON has no infinity)."""
    v = float(v)
    return float(f"{v:.6g}") if abs(v) != float("inf") else str(v)


def colour(c) -> str:
    return matplotlib.colors.to_hex(c, keep_alpha=True)


def text_style(t) -> dict:
    return {"text": t.get_text(), "size": number(t.get_fontsize()), "colour": colour(t.get_color())}


def axis_style(axis, limits: tuple[float, float], autoscaled: bool) -> dict:
    """An axis' scale and label; its limits if set by the figure code, its ticks if placed by it."""
    ticks = axis.get_major_locator()
    style = {
        "scale": axis.get_scale(),
        "label": text_style(axis.label),
        "minor ticks": len(axis.get_minorticklocs()) > 0,
        "tick label size": number(axis.get_ticklabels()[0].get_fontsize()) if axis.get_ticklabels() else None,
    }
    if not autoscaled:
        style["limits"] = [number(v) for v in limits]
    transform = axis.get_transform()
    if hasattr(transform, "linthresh"):  # symlog: where it turns linear
        style["linear within"] = number(transform.linthresh)
    if isinstance(ticks, matplotlib.ticker.FixedLocator):
        style["ticks"] = [number(v) for v in axis.get_majorticklocs()]
        style["tick labels"] = [t.get_text() for t in axis.get_ticklabels()]
    return style


def line_style(line) -> dict:
    return {
        "label": line.get_label(),
        "colour": colour(line.get_color()),
        "width": number(line.get_linewidth()),
        "style": line.get_linestyle(),
        "marker": str(line.get_marker()),
        "marker size": number(line.get_markersize()),
        "x": [number(v) for v in line.get_xdata()],
        "y": [number(v) for v in line.get_ydata()],
    }


def collection_style(c) -> dict:
    style = {
        "kind": type(c).__name__,
        "faces": sorted({colour(f) for f in c.get_facecolors()}),
        "edges": sorted({colour(e) for e in c.get_edgecolors()}),
        "widths": sorted({number(w) for w in c.get_linewidths()}),
        "alpha": c.get_alpha(),
    }
    if c.get_array() is not None:  # coloured by value: its colour map and the levels
        style["colour map"] = c.get_cmap().name
        style["levels"] = [number(v) for v in getattr(c, "levels", [])]
    return style


def legend_style(legend) -> dict | None:
    if legend is None:
        return None
    return {
        "entries": [t.get_text() for t in legend.get_texts()],
        "size": number(legend.get_texts()[0].get_fontsize()),
        "columns": legend._ncols,
        "place": legend._loc,
    }


def figure_style(fig) -> dict:
    """What the figure code chose for fig, axes by axes."""
    suptitle = fig._suptitle
    return {
        "size": [number(v) for v in fig.get_size_inches()],
        "title": text_style(suptitle) if suptitle is not None else None,
        "axes": [
            {
                "shown": ax.axison,
                # rows, columns and the cells it spans: side by side or stacked (a colour bar has none)
                "grid": [int(n) for n in spec.get_geometry()] if (spec := ax.get_subplotspec()) is not None else None,
                "title": text_style(ax.title),
                "x": axis_style(ax.xaxis, ax.get_xlim(), ax.get_autoscalex_on()),
                "y": axis_style(ax.yaxis, ax.get_ylim(), ax.get_autoscaley_on()),
                "lines": [line_style(line) for line in ax.get_lines()],
                "collections": [collection_style(c) for c in ax.collections],
                "patches": [
                    {"kind": type(p).__name__, "face": colour(p.get_facecolor()), "width": number(p.get_width())}
                    if hasattr(p, "get_width")
                    else {"kind": type(p).__name__, "face": colour(p.get_facecolor())}
                    for p in ax.patches
                ],
                "notes": [text_style(t) | {"at": [number(v) for v in t.xy]} for t in ax.texts],
                "legend": legend_style(ax.get_legend()),
            }
            for ax in fig.axes
        ],
    }


@pytest.fixture(scope=module_unless_mutmut_records)
def drawn() -> tuple[dict[str, dict], dict[str, str]]:
    """Each example figure's style, read as it goes to SVG, and the SVG it becomes (drawn once for
    the module, but per test while mutmut records: tests/fixture_scope.py)."""
    seen, svgs, real = {}, {}, figures.to_svg
    with pytest.MonkeyPatch.context() as patch:
        for name, draw in EXAMPLES.items():

            def capture(fig, name=name):
                seen[name] = figure_style(fig)
                svgs[name] = real(fig)
                return svgs[name]

            patch.setattr(figures, "to_svg", capture)
            draw()
    return as_json(seen), svgs


@pytest.fixture(scope=module_unless_mutmut_records)
def styles(drawn) -> dict[str, dict]:
    return drawn[0]


def test_each_figures_svg_resolves_its_own_references_under_its_own_ids(drawn):
    """Markers are <use xlink:href="#..."> and clipped axes url(#...): with the ids made unique for the
    page, every reference must be rewritten alike, or markers and clips vanish in the browser."""
    svgs = drawn[1]
    kinds = set()
    for name, svg in svgs.items():
        parser = IdsAndReferences()
        parser.feed(svg)
        ids = {i for i, _ in parser.ids}
        missing = sorted({ref for ref, _ in parser.refs} - ids)
        assert parser.svgs == 1 and not missing, f"{name}: references without an id: {missing[:5]}"
        kinds |= {"xlink:href"} if 'xlink:href="#' in svg else set()
        kinds |= {"url"} if "url(#" in svg else set()
    assert kinds == {"xlink:href", "url"}  # the examples hold both kinds of reference


def test_every_figure_the_page_draws_has_an_example():
    from reports import page

    drawn = set(re.findall(r"\bfigures\.([a-z_0-9]+)", Path(page.__file__).read_text(encoding="utf-8")))
    assert drawn and drawn == {name.split(" ")[0] for name in EXAMPLES}


def test_each_figure_looks_as_reviewed(styles):
    assert_as_reviewed(styles, reviewed("figure_style", WRITE, styles), WRITE)
