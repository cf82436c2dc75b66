"""Figures as inline SVG (matplotlib), deterministic: fixed hash salt, no date, no random ids."""

from __future__ import annotations

import hashlib
import html
import io
import re
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

PANEL_TITLE_CHARACTERS = 60  # what a line of a panel title at 8 pt holds in a two-panel figure

STYLE = {
    "svg.hashsalt": "activation-claims",
    "svg.fonttype": "none",  # text stays text: smaller, selectable, searchable
    "font.size": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
}


def to_svg(fig) -> str:
    """The figure as an <svg> element (no XML prolog, no metadata date), its ids unique in the page
    and a text alternative (its title) for readers who cannot see it."""
    alt = figure_title(fig)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})  # tight_layout already fitted it
    plt.close(fig)
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    # matplotlib numbers ids from 1 in every figure (figure_1, patch_1, ...): a page with several
    # would repeat them, and every reference would resolve to the first figure's definitions.
    prefix = "f" + hashlib.sha1(text.encode()).hexdigest()[:7] + "-"
    text = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', text)
    text = re.sub(r'((?:xlink:)?href)="#([^"]+)"', lambda m: f'{m.group(1)}="#{prefix}{m.group(2)}"', text)
    text = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", text)
    head = text.index(">") + 1
    label = html.escape(alt, quote=True)
    return f'{text[: head - 1]} role="img" aria-label="{label}">' + f"<title>{label}</title>" + text[head:]


def figure_title(fig) -> str:
    """The figure's suptitle, else its axes titles joined: what the figure shows, in words."""
    if fig._suptitle is not None and fig._suptitle.get_text():
        return fig._suptitle.get_text()
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    return "; ".join(titles) or "figure"


def activation_panels(x: list[float], curves: dict[str, dict], ranges: dict[str, dict]) -> str:
    """f and f' for each activation (S01's figure evidence), with the exact inf and sup of f' marked."""
    with plt.rc_context(STYLE):
        names = list(curves)
        cols = 3
        rows = (len(names) + cols - 1) // cols
        fig, axes = plt.subplots(rows, cols, figsize=(9, 2.6 * rows + 0.5), squeeze=False)
        for ax, name in zip(axes.flat, names):
            ax.plot(x, curves[name]["f"], label="f(x)", color="#1f4e79")
            ax.plot(x, curves[name]["df"], label="f'(x)", color="#c0504d")
            r = ranges.get(name)
            for word in ("inf", "sup") if r else ():
                value = r[f"{word}_value"]
                ax.axhline(value, color="#c0504d", linestyle="--", linewidth=0.8)
                note = f"{word} f' = {value:.4g}" + ("" if r[f"{word}_attained"] else " (not attained)")
                ax.annotate(note, (x[0], value), fontsize=7, color="#c0504d", va="bottom")
            ax.set_title(name)
            ax.set_ylim(-1.6, 2.2)
            ax.set_xlabel("x (pre-activation)")
        for ax in list(axes.flat)[len(names) :]:
            ax.axis("off")
        axes.flat[0].legend(loc="upper left", fontsize=7)
        fig.suptitle("f and its derivative f'; dashed: the exact inf and sup of f' over the reals")
        fig.tight_layout()
        return to_svg(fig)


def decay_with_depth(table: dict) -> str:
    """log10|dy/dW1| against depth, one panel per weight scheme (S05's table evidence)."""
    rows = table["rows"]
    schemes = list(dict.fromkeys(r["scheme"] for r in rows))
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(schemes), figsize=(9, 3.4), sharey=False)
        for ax, scheme in zip(np.atleast_1d(axes), schemes):
            for r in (r for r in rows if r["scheme"] == scheme):
                depths = [int(d) for d in r["log10_abs_dy_dW1"]]
                values = [float(v) if not isinstance(v, str) else -np.inf for v in r["log10_abs_dy_dW1"].values()]
                ax.plot(depths, values, marker="o", markersize=2.5, linewidth=1, label=r["activation"])
            ax.set_xscale("log")
            ax.axhline(np.log10(np.finfo(np.float64).smallest_subnormal), color="k", linestyle=":", linewidth=0.8)
            ax.annotate("smallest float64", (1, -323.3), fontsize=7, va="bottom")
            ax.set_title(scheme, fontsize=8)
            ax.set_xlabel("depth n (layers)")
            ax.set_ylabel("log10 |dy/dW1|")
        np.atleast_1d(axes)[-1].legend(fontsize=7, loc="lower left")  # the curves fall to the right
        fig.suptitle("Gradient with respect to the first weight against depth (exact log-magnitude, never underflows)")
        fig.tight_layout()
        return to_svg(fig)


def zero_depths(table: dict) -> str:
    """First depth at which dy/dW1 is exactly 0, per activation, dtype and library (S06)."""
    rows = table["rows"]
    labels = [f"{r['activation']}\n{r['dtype']}" for r in rows]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(9, 3.2))
        at = np.arange(len(rows))
        limit = 10_000
        for shift, library, color in ((-0.2, "numpy", "#1f4e79"), (0.2, "torch", "#c0504d")):
            heights = [r[library] if r[library] is not None else limit for r in rows]
            bars = ax.bar(at + shift, heights, width=0.38, color=color, label=library)
            for bar, r in zip(bars, rows):
                text = f"{r[library]:,}" if r[library] is not None else "none"
                ax.annotate(
                    text, (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", fontsize=7, va="bottom"
                )
        ax.set_yscale("log")
        ax.set_xticks(at, labels, fontsize=7)
        ax.set_ylabel("first depth n with dy/dW1 == 0")
        ax.set_title("Where the gradient becomes exactly zero (W_i = 1, b_i = 0, x = 1)")
        ax.legend(fontsize=7)
        fig.tight_layout()
        return to_svg(fig)


def dead_relu_traces(table: dict, revival: dict | None) -> str:
    """Largest pre-activation of a dead first-layer ReLU unit during training, per optimizer;
    and the deeper-layer unit that comes back (S11)."""
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
        for r in table["rows"]:
            trace = r["max_pre_activation_every_10_steps"]
            axes[0].plot(np.arange(len(trace)) * 10, trace, label=r["optimizer"], linewidth=1)
        axes[0].axhline(0, color="k", linewidth=0.8)
        axes[0].set_xlabel("training step")
        axes[0].set_ylabel("max over inputs of z (unit 0)")
        axes[0].set_title("first hidden layer: dead on every input", fontsize=8)
        axes[0].legend(fontsize=6)
        if revival is not None:
            trace = revival["example"]["max_pre_activation"]
            axes[1].plot(np.arange(1, len(trace) + 1), trace, marker="o", markersize=3, color="#c0504d")
            axes[1].axhline(0, color="k", linewidth=0.8)
            axes[1].set_xlabel("training step")
            axes[1].set_ylabel("max over inputs of z (unit 0, layer 2)")
            axes[1].set_title(f"second layer: back after {revival['example']['revived_at_step']} steps", fontsize=8)
        fig.suptitle("Dead ReLU units under training (torch float32)")
        fig.tight_layout()
        return to_svg(fig)


AUDIT_X_LIMIT = 1e3  # every switch, threshold and underflow edge of the audited activations lies inside
DTYPE_COLORS = {"float16": "#c0504d", "bfloat16": "#e08a1e", "float32": "#1f4e79", "float64": "#4f8f4f"}


# Errors drawn at most this high: a gradient of 1/2 where the exact one is 1e-308 is ~1e308 ulps off,
# and matplotlib's log axis (its margins, its tick locator) overflows float64 near there.
ULPS_CEILING = 1e280


def audit_detail(name: str, framework: str, series: dict[str, dict], zero: dict[str, list[list[float]]]) -> str:
    """One activation's audit in one framework: worst ulps per log-|x| bin against x, the framework
    solid and the NumPy reference dotted, one colour per dtype; shaded where the framework's
    gradient is wrongly zero."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(9, 2.8))
        worst = 0.0  # over the points drawn: errors beyond the x window would flatten the ones in it
        for dtype, color in DTYPE_COLORS.items():
            for library, style, width in ((framework, "-", 1.1), ("numpy", ":", 0.9)):
                s = series.get(f"{library} {dtype}", {})
                pts = [(-a, u) for a, u in s.get("negative", [])] + [(a, u) for a, u in s.get("positive", [])]
                pts = sorted(p for p in pts if abs(p[0]) <= AUDIT_X_LIMIT)
                if pts:
                    xs, us = zip(*pts)
                    worst = max(worst, *us)
                    label = f"{framework} {dtype}" if library == framework else None
                    label = "NumPy reference" if library == "numpy" and dtype == "float64" else label
                    ax.plot(xs, np.clip(us, 1e-2, ULPS_CEILING), style, linewidth=width, color=color, label=label)
            for lo, hi in zero.get(dtype, []):
                lo, hi = max(lo, -AUDIT_X_LIMIT), min(hi, AUDIT_X_LIMIT)
                if lo < hi:
                    ax.axvspan(lo, hi, color=color, alpha=0.15, linewidth=0)
        ax.set_xscale("symlog", linthresh=1.0)
        ax.set_xlim(-AUDIT_X_LIMIT, AUDIT_X_LIMIT)
        ax.set_yscale("log")
        # Ticks placed here, at most six: matplotlib's LogLocator steps past the top of the axis.
        top = int(np.ceil(np.log10(max(1e2, 10 * min(worst, ULPS_CEILING)))))
        ax.set_ylim(5e-3, 10.0**top)
        ax.minorticks_off()  # hundreds of minor ticks on symlog/log axes would double the SVG
        step = max(1, int(np.ceil((top + 2) / 5)))
        ax.yaxis.set_major_locator(matplotlib.ticker.FixedLocator(10.0 ** np.arange(-2, top + 1, step)))
        ax.annotate("exact (0 ulps) on the bottom line", (0.99, 0.03), xycoords="axes fraction", ha="right", fontsize=7)
        ax.axhline(4, color="k", linestyle="--", linewidth=0.8)
        ax.set_xlabel("x (input of the activation; symmetric log scale)")
        ax.set_ylabel("error of f'(x) (ulps)")
        ax.set_title(f"{framework} {name}: error of the computed gradient against x, worst per binade")
        ax.legend(fontsize=7, ncol=5, loc="upper left")
        fig.subplots_adjust(left=0.08, right=0.99, bottom=0.17, top=0.9)
        return to_svg(fig)


def _figure(title: str, ncols: int = 1, width: float = 9, height: float = 3.2):
    fig, axes = plt.subplots(1, ncols, figsize=(width, height))
    fig.suptitle(title)
    return fig, np.atleast_1d(axes)


def tanh_phase_diagram(data: dict, line: list[dict]) -> str:
    """chi_1 of tanh over (sigma_w, sigma_b) with the critical line chi_1 = 1 (L03)."""
    with plt.rc_context(STYLE):
        fig, (ax,) = _figure("tanh: mean-field phase diagram (chi_1; ordered < 1 < chaotic)", width=6, height=4)
        sw, sb, chi = np.array(data["sigma_w"]), np.array(data["sigma_b"]), np.array(data["chi_1"])
        mesh = ax.contourf(sw, sb, np.log(chi), levels=20, cmap="RdBu_r")
        ax.contour(sw, sb, chi, levels=[1.0], colors="k", linewidths=1.2)
        ax.plot([r["critical_sigma_w"] for r in line], [r["sigma_b"] for r in line], "ko", markersize=3)
        fig.colorbar(mesh, ax=ax, label="ln chi_1")
        ax.set_xlabel("sigma_w (weight scale)")
        ax.set_ylabel("sigma_b (bias scale)")
        fig.tight_layout()
        return to_svg(fig)


def series_panels(
    title: str,
    panels: list[tuple[str, dict[str, list[float]], str, str]],
    logy: bool = False,
    levels: dict[str, float] | None = None,
) -> str:
    """Small multiples of line series: (panel title, {label: values by depth}, x label, y label).
    ``levels``: each series' predicted constant level, {series label: value}, drawn dashed in the
    series' colour on a linear axis from 0, so that a wobble reads at its true size."""
    with plt.rc_context(STYLE):
        fig, axes = _figure(title, ncols=len(panels))
        for ax, (sub, lines, xlabel, ylabel) in zip(axes, panels):
            colours = {}
            for label, values in lines.items():
                (drawn,) = ax.plot(np.arange(1, len(values) + 1), values, label=label, linewidth=1)
                colours[label] = drawn.get_color()
            for label, value in (levels or {}).items():
                ax.axhline(value, color=colours[label], linestyle="--", linewidth=0.8, label=f"{label}, predicted")
            if levels:  # from 0, with room above the highest line
                ax.set_ylim(0, 1.15 * max([*levels.values(), *(max(v) for v in lines.values())]))
            if logy:
                ax.set_yscale("log")
            ax.set_title(textwrap.fill(sub, PANEL_TITLE_CHARACTERS), fontsize=8)  # an evidence label may be long
            ax.set_xlabel(xlabel)
            ax.set_ylabel(ylabel)
            ax.legend(fontsize=7)
        fig.tight_layout()
        return to_svg(fig)


def chi1_predicted_vs_simulated(rows: list[dict]) -> str:
    """Mean-field chi_1 against the simulated per-layer gradient ratio, with 2 standard errors (L03)."""
    with plt.rc_context(STYLE):
        fig, (ax,) = _figure("chi_1: mean-field prediction vs finite-width simulation", width=6, height=3.4)
        for i, r in enumerate(rows):
            ax.plot([i - 0.25, i + 0.25], [r["chi_1"]] * 2, "k-", linewidth=2, label="predicted" if i == 0 else None)
            widths = sorted(int(k.rsplit(" ", 1)[-1]) for k in r if k.startswith("simulated_chi_1 width"))
            for shift, width, color in zip((-0.1, 0.1, 0.2), widths, ("#c0504d", "#1f4e79", "#4f8f4f")):
                ax.errorbar(
                    i + shift,
                    r[f"simulated_chi_1 width {width}"],
                    yerr=2 * r[f"standard_error width {width}"],
                    fmt="o",
                    color=color,
                    markersize=3,
                    label=f"simulated, width {width}" if i == 0 else None,
                )
        ax.set_xticks(range(len(rows)), [f"{r['activation']}\nsigma_w={r['sigma_w (torch gain)']:.3g}" for r in rows])
        ax.set_yscale("log")
        ax.set_ylabel("|grad z_l|^2 / |grad z_l+1|^2")
        ax.legend(fontsize=7)
        fig.tight_layout()
        return to_svg(fig)


def jacobian_spread(rows: list[dict]) -> str:
    """Spread of the Jacobian's log singular values against depth (L06)."""
    with plt.rc_context(STYLE):
        fig, (ax,) = _figure("Input-output Jacobian: std of log singular values (width 256)", width=7, height=3.4)
        for sigma_b in sorted({r["sigma_b"] for r in rows}):
            sub = [r for r in rows if r["sigma_b"] == sigma_b]
            depths = [r["depth"] for r in sub]
            for key, style in (("tanh orthogonal", "-o"), ("tanh gaussian", "--o"), ("relu orthogonal (He)", ":o")):
                if key in sub[0]:
                    label = key if key.startswith("relu") else f"{key}, sigma_b={sigma_b:g}, q*={sub[0]['q_star']:.3g}"
                    ax.plot(depths, [r[key] for r in sub], style, markersize=3, label=label)
        ax.set_yscale("log")
        ax.set_xlabel("depth (layers)")
        ax.set_ylabel("std of log singular values")
        ax.legend(fontsize=6)
        fig.tight_layout()
        return to_svg(fig)


def learning_curves(curves: dict) -> str:
    """Training loss per step: median and interquartile band per activation, one panel per dataset (S19)."""
    with plt.rc_context(STYLE):
        fig, axes = _figure(
            "S19: training loss (median and interquartile band over seeds)", ncols=len(curves), height=3.0
        )
        for ax, (dataset, by_activation) in zip(axes, curves.items()):
            for activation, (q1, med, q3) in by_activation.items():
                # every other recorded step: the curves are smooth at that scale, and the SVG halves
                q1, med, q3 = q1[::2], med[::2], q3[::2]
                steps = np.arange(len(med)) * 10
                line = ax.plot(steps, med, linewidth=1, label=activation)[0]
                ax.fill_between(steps, q1, q3, color=line.get_color(), alpha=0.2, linewidth=0)
            ax.set_yscale("log")
            ax.minorticks_off()
            ax.axhline(0.05, color="k", linestyle=":", linewidth=0.8)
            ax.set_title(dataset, fontsize=8)
            ax.set_xlabel("step")
        axes[0].set_ylabel("cross-entropy (training)")
        axes[-1].legend(fontsize=6)
        fig.tight_layout()
        return to_svg(fig)
