"""Each figure's look, as reviewed: colours, line widths and styles, markers, font sizes, legends,
colour maps, and the limits and ticks the figure code sets itself, read from the axes of every figure
drawn from small evidence, against tests/snapshots/figure_style.json.

test_figures.py checks what each figure says and draws; this checks how it draws it. A change of look
is made on purpose: look at the page's screenshots, then write the new snapshot and commit its diff:

    ACTIVATION_CLAIMS_WRITE_FIGURE_STYLE=1 pytest tests/test_figure_style.py

Limits and tick positions are recorded only where the figure code fixes them (autoscale off, a
FixedLocator): matplotlib's own choices may move between its versions; the figure code's may not.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import matplotlib.colors
import matplotlib.ticker
import pytest

from reports import figures

pytestmark = pytest.mark.instrument

SNAPSHOT = Path(__file__).parent / "snapshots" / "figure_style.json"
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


AUDIT_SERIES = {
    "torch float16": {"negative": [[2.0, 3.0]], "positive": [[0.5, 700.0]]},
    "torch bfloat16": {"positive": [[0.5, 2.0], [8.0, 1.0]]},
    "torch float32": {"negative": [[2.0, 3.0], [1e5, 9.0]], "positive": [[0.5, 1e9]]},
    "numpy float32": {"positive": [[0.5, 0.5]]},
    "torch float64": {"positive": [[4.0, 0.5]]},
    "numpy float64": {"negative": [[1.0, 0.25]]},
}
CURVE = [[0.5, 0.4, 0.3, 0.2], [0.6, 0.5, 0.35, 0.25], [0.7, 0.6, 0.4, 0.3]]
CHI_ROWS = [
    {
        "activation": act,
        "sigma_w (torch gain)": gain,
        "chi_1": chi,
        "simulated_chi_1 width 64": chi * 1.01,
        "standard_error width 64": 0.01,
        "simulated_chi_1 width 256": chi * 0.99,
        "standard_error width 256": 0.005,
    }
    for act, gain, chi in (("relu", 2**0.5, 1.0), ("tanh", 5 / 3, 1.2))
]
SPREAD_ROWS = [
    {
        "sigma_b": 0.05,
        "depth": d,
        "q_star": 0.0123,
        "tanh orthogonal": 0.1 * d,
        "tanh gaussian": 0.3 * d,
        "relu orthogonal (He)": 0.2,
    }
    for d in (10, 100)
]
PHASE = {"sigma_w": [[0.5, 2.0], [0.5, 2.0]], "sigma_b": [[0.0, 0.0], [1.0, 1.0]], "chi_1": [[0.5, 2.0], [0.4, 1.5]]}
PANELS = [
    ("width 64", {"relu": [1.0, 1.1, 0.9], "tanh": [0.8, 0.7, 0.9]}, "depth", "q"),
    ("width 256", {"relu": [1.0, 1.0, 1.0]}, "depth", "q"),
]

# Every figure the page draws, with every optional part present (legends, levels, the revival, zero runs).
EXAMPLES = {
    "activation_panels": lambda: figures.activation_panels(
        [-2.0, 0.0, 2.0],
        {"tanh": {"f": [-0.96, 0.0, 0.96], "df": [0.07, 1.0, 0.07]}, "relu": {"f": [0, 0, 2], "df": [0, 0, 1]}},
        {"tanh": {"inf_value": 0.0, "inf_attained": False, "sup_value": 1.0, "sup_attained": True}},
    ),
    "decay_with_depth": lambda: figures.decay_with_depth(
        {
            "rows": [
                {"scheme": s, "activation": a, "log10_abs_dy_dW1": {"1": -0.2, "10": -5.0, "100": v}}
                for s, a, v in (("W = 1", "tanh", "-inf"), ("W = 1", "sigmoid", -60.0), ("He", "tanh", -2.0))
            ]
        }
    ),
    "zero_depths": lambda: figures.zero_depths(
        {
            "rows": [
                {"activation": "sigmoid", "dtype": "float32", "numpy": 1234, "torch": None},
                {"activation": "tanh", "dtype": "float64", "numpy": None, "torch": 77},
            ]
        }
    ),
    "dead_relu_traces": lambda: figures.dead_relu_traces(
        {
            "rows": [
                {"optimizer": "sgd", "max_pre_activation_every_10_steps": [-1.0, -0.9, -0.9]},
                {"optimizer": "adam", "max_pre_activation_every_10_steps": [-1.0, -1.2, -1.3]},
            ]
        },
        {"example": {"max_pre_activation": [-0.5, -0.1, 0.2], "revived_at_step": 3}},
    ),
    "audit_detail": lambda: figures.audit_detail(
        "gelu", "torch", AUDIT_SERIES, {"float32": [[-3.0, -2.0], [2e3, 3e3]], "float16": [[5.0, 9.0]]}
    ),
    "tanh_phase_diagram": lambda: figures.tanh_phase_diagram(PHASE, [{"critical_sigma_w": 1.0, "sigma_b": 0.0}]),
    "series_panels with levels": lambda: figures.series_panels("Variance", PANELS, levels={"relu": 1.0}),
    "series_panels on a log axis": lambda: figures.series_panels("Fraction", PANELS, logy=True),
    "chi1_predicted_vs_simulated": lambda: figures.chi1_predicted_vs_simulated(CHI_ROWS),
    "jacobian_spread": lambda: figures.jacobian_spread(SPREAD_ROWS),
    "learning_curves": lambda: figures.learning_curves(
        {"wine": {"elu": CURVE, "relu": CURVE}, "digits": {"elu": CURVE, "relu": CURVE}}
    ),
}


@pytest.fixture(scope="module")
def styles() -> dict[str, dict]:
    """Each example figure's style, read as it goes to SVG."""
    seen, real = {}, figures.to_svg
    with pytest.MonkeyPatch.context() as patch:
        for name, draw in EXAMPLES.items():

            def capture(fig, name=name):
                seen[name] = figure_style(fig)
                return real(fig)

            patch.setattr(figures, "to_svg", capture)
            draw()
    # one JSON round trip: tuples become lists, as in the file
    return json.loads(json.dumps(seen))


def test_every_figure_the_page_draws_has_an_example():
    from reports import page

    drawn = set(re.findall(r"\bfigures\.([a-z_0-9]+)", Path(page.__file__).read_text(encoding="utf-8")))
    assert drawn and drawn == {name.split(" ")[0] for name in EXAMPLES}


def test_each_figure_looks_as_reviewed(styles):
    if os.environ.get(WRITE):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(styles, indent=1, sort_keys=True) + "\n")
        pytest.skip(f"wrote {SNAPSHOT}; review its diff")
    reviewed = json.loads(SNAPSHOT.read_text())
    assert sorted(styles) == sorted(reviewed)
    for name in reviewed:
        assert styles[name] == reviewed[name], f"{name} looks different: if on purpose, {WRITE}=1 and review"
