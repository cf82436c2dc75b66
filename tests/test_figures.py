"""Each figure from small evidence with known contents: it names in its text what it draws (titles,
tick labels, legend entries, annotated values), so a reader, a screen reader and a search find them.
The figures of the literature claims are drawn here too: the report's own test runs only cheap claims."""

import html
import re

import pytest

from reports import figures, prose
from tests.figure_examples import CHI_ROWS, answer_results, every_figures_results, literature_results

pytestmark = pytest.mark.instrument


def texts(svg: str) -> list[str]:
    """The text of every <text> element of an SVG, its tspans joined, whitespace collapsed."""
    found = re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", t)).split()) for t in found]


def test_zero_depths_labels_each_bar_with_its_depth_or_none():
    rows = [
        {"activation": "sigmoid", "dtype": "float32", "numpy": 1234, "torch": None},
        {"activation": "tanh", "dtype": "float64", "numpy": None, "torch": 77},
    ]
    words = texts(figures.zero_depths({"rows": rows}))
    assert words.count("none") == 2 and "1,234" in words and "77" in words
    assert {"sigmoid", "float32", "tanh", "float64", "numpy", "torch"} <= set(words)


def test_decay_with_depth_draws_a_panel_per_scheme_and_a_curve_per_activation():
    rows = [
        {"scheme": "W = 1", "activation": "tanh", "log10_abs_dy_dW1": {"1": -0.2, "10": -5.0, "100": "-inf"}},
        {"scheme": "W = 1", "activation": "sigmoid", "log10_abs_dy_dW1": {"1": -0.6, "10": -6.0, "100": -60.0}},
        {"scheme": "He", "activation": "tanh", "log10_abs_dy_dW1": {"1": 0.0, "10": -1.0, "100": -2.0}},
        {"scheme": "He", "activation": "sigmoid", "log10_abs_dy_dW1": {"1": 0.0, "10": -3.0, "100": -30.0}},
    ]
    svg = figures.decay_with_depth({"rows": rows})
    words = texts(svg)
    assert words.count("W = 1") == 1 and words.count("He") == 1
    # one legend, on the last panel (every scheme draws the same activations)
    assert words.count("tanh") == 1 and words.count("sigmoid") == 1
    assert words.count("smallest float64") == 2 and words.count("depth n (layers)") == 2
    title = "Gradient with respect to the first weight against depth (exact log-magnitude, never underflows)"
    assert title in words and f"<title>{title}</title>" in svg  # the figure's text alternative


def test_dead_relu_traces_name_each_optimizer_and_the_step_the_deeper_unit_comes_back():
    table = {
        "rows": [
            {"optimizer": "sgd", "max_pre_activation_every_10_steps": [-1.0, -0.9, -0.9]},
            {"optimizer": "adam", "max_pre_activation_every_10_steps": [-1.0, -1.2, -1.3]},
        ]
    }
    revival = {"example": {"max_pre_activation": [-0.5, -0.1, 0.2], "revived_at_step": 3}}
    words = texts(figures.dead_relu_traces(table, revival))
    assert {"sgd", "adam", "second layer: back after 3 steps"} <= set(words)
    alone = texts(figures.dead_relu_traces(table, None))
    assert not any(w.startswith("second layer") for w in alone) and "sgd" in alone


def test_chi_1_against_simulation_labels_each_width_and_each_activation_with_its_gain():
    rows = CHI_ROWS  # relu at sqrt 2 and tanh at 5/3, widths 64 and 256
    words = texts(figures.chi1_predicted_vs_simulated(rows))
    assert {"predicted", "simulated, width 64", "simulated, width 256"} <= set(words)
    alone = texts(figures.chi1_predicted_vs_simulated(rows[:1]))  # one row labels its series too
    assert {"predicted", "simulated, width 64", "simulated, width 256"} <= set(alone)
    assert {"relu", "sigma_w=1.41", "tanh", "sigma_w=1.67"} <= set(words)  # a tick label's two lines


def test_activation_panels_mark_the_exact_inf_and_sup_and_whether_each_is_attained():
    x = [-2.0, 0.0, 2.0]
    curves = {"tanh": {"f": [-0.96, 0.0, 0.96], "df": [0.07, 1.0, 0.07]}, "relu": {"f": [0, 0, 2], "df": [0, 0, 1]}}
    ranges = {"tanh": {"inf_value": 0.0, "inf_attained": False, "sup_value": 1.0, "sup_attained": True}}
    words = texts(figures.activation_panels(x, curves, ranges))
    assert "inf f' = 0 (not attained)" in words and "sup f' = 1" in words
    assert {"tanh", "relu", "f(x)", "f'(x)"} <= set(words) and words.count("x (pre-activation)") == 2


def test_the_audit_detail_names_each_dtype_drawn_and_the_reference_once():
    series = {
        "torch float32": {"negative": [[2.0, 3.0], [1e5, 9.0]], "positive": [[0.5, 1.0]]},
        "numpy float32": {"positive": [[0.5, 0.5]]},
        "torch float64": {"positive": [[4.0, 0.5]]},
        "numpy float64": {"negative": [[1.0, 0.25]]},
    }
    svg = figures.audit_detail("gelu", "torch", series, {"float32": [[-3.0, -2.0], [2e3, 3e3]]})
    words = texts(svg)
    assert {"torch float32", "torch float64", "NumPy reference"} <= set(words)
    assert "torch float16" not in words and words.count("NumPy reference") == 1
    assert "torch gelu: error of the computed gradient against x, worst per binade" in words
    assert svg.count("<title>") == 1  # the text alternative


def test_series_panels_title_each_panel_and_mark_the_predicted_levels():
    panels = [
        ("width 64", {"relu": [1.0, 1.1, 0.9], "tanh": [0.8, 0.7, 0.9]}, "depth", "q"),
        ("width 256", {"relu": [1.0, 1.0, 1.0]}, "depth", "q"),
    ]
    words = texts(figures.series_panels("Variance with depth", panels, levels={"relu": 1.0}))
    assert "Variance with depth" in words and {"width 64", "width 256"} <= set(words)
    assert words.count("relu, predicted") == 2 and "tanh, predicted" not in words and words.count("tanh") == 1


def test_learning_curves_title_each_dataset_and_name_each_activation():
    curve = [[0.5, 0.4, 0.3, 0.2], [0.6, 0.5, 0.35, 0.25], [0.7, 0.6, 0.4, 0.3]]
    curves = {"wine": {"elu": curve, "relu": curve}, "digits": {"elu": curve, "relu": curve}}
    words = texts(figures.learning_curves(curves))
    assert {"wine", "digits"} <= set(words) and words.count("elu") == 1 and words.count("relu") == 1
    assert "cross-entropy (training)" in words and words.count("step") == 2


def test_the_phase_diagram_and_the_jacobian_spread_label_their_axes_and_series():
    grid = {"sigma_w": [[0.5, 2.0], [0.5, 2.0]], "sigma_b": [[0.0, 0.0], [1.0, 1.0]], "chi_1": [[0.5, 2.0], [0.4, 1.5]]}
    words = texts(figures.tanh_phase_diagram(grid, [{"critical_sigma_w": 1.0, "sigma_b": 0.0}]))
    assert {"sigma_w (weight scale)", "sigma_b (bias scale)", "ln chi_1"} <= set(words)
    rows = [
        {"sigma_b": 0.05, "depth": d, "q_star": 0.0123, "tanh orthogonal": 0.1 * d, "tanh gaussian": 0.3 * d}
        for d in (10, 100)
    ]
    words = texts(figures.jacobian_spread(rows))
    assert {"tanh orthogonal, sigma_b=0.05, q*=0.0123", "tanh gaussian, sigma_b=0.05, q*=0.0123"} <= set(words)
    assert not any(w.startswith("relu") for w in words) and "depth (layers)" in words


def test_each_literature_figure_reads_its_own_claims_evidence():
    """The jobs page.py makes for L01-L06: which figure, from which evidence fields, in claim order;
    each draws, and its text carries the values' names."""
    from reports import page

    jobs = page.literature_jobs(literature_results())
    assert [(cid, fn.__name__) for cid, fn, _, _ in jobs] == [
        ("L01", "series_panels"),
        ("L03", "tanh_phase_diagram"),
        ("L03", "chi1_predicted_vs_simulated"),
        ("L04", "series_panels"),
        ("L05", "series_panels"),
        ("L06", "jacobian_spread"),
    ]
    l01, l03_grid, l03_table, l04, l05, l06 = (args for _, _, args, _ in jobs)
    assert l01[1][0][1] == {"relu": [1.0, 1.1], "tanh": [1.0, 0.6]} and l01[3] == {"relu": 1.0}
    assert l03_grid[1] == [{"critical_sigma_w": 1.0, "sigma_b": 0.0}] and l03_table[0][0]["chi_1"] == 1.0
    assert [panel[1] for panel in l04[1]] == [{"1 - (3/4)^L": [0.25, 0.4375]}, {"fraction dead": [0.3, 0.5]}]
    assert l04[1][1][0] == "Monte Carlo: biases, 3 inputs"  # the simulation's configuration as recorded
    assert [(panel[0], panel[1]) for panel in l05[1]] == [
        ("at each gain", {"elu": [0.1, 0.1]}),
        ("at sqrt 2", {"elu": [0.3, 0.6], "relu": [0.5, 0.5]}),
    ]
    assert l06[0][0]["tanh orthogonal"] == 0.2
    # series_panels draws each series at x = 1, 2, ...: the layer; each panel's x axis says so
    assert all("layer" in panel[2] for panel in l01[1] + l04[1] + l05[1])
    drawn = page.draw(jobs, workers=1)
    assert sorted(drawn) == ["L01", "L03", "L04", "L05", "L06"] and drawn["L03"].count("<figure") == 2
    assert all(block.count("<svg") == block.count("<figcaption>") >= 1 for block in drawn.values())


def test_a_literature_claim_without_its_evidence_draws_no_figure():
    from reports import page

    results = literature_results()
    results["claims"] = [c for c in results["claims"] if c["id"] not in ("L03", "L05")]
    assert [cid for cid, *_ in page.literature_jobs(results)] == ["L01", "L04", "L06"]


def numbers_in(value) -> set[float]:
    """Every number an evidence item holds, at any depth, those written in its text fields included."""
    if isinstance(value, dict):
        return set().union(*(numbers_in(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(numbers_in(v) for v in value))
    if isinstance(value, str):
        return {float(n) for n in prose.NUMBER.findall(value)}
    return {float(value)} if isinstance(value, (int, float)) else set()


def test_every_number_a_caption_prints_is_a_value_of_its_claims_evidence():
    """The rule the ledger's prose follows (reports/prose.py), for the captions: a number a caption
    prints is read from the evidence, so that it cannot say what the run did not do."""
    from reports import page

    results = every_figures_results()
    evidence = {c["id"]: numbers_in(c["evidence"]) for c in results["claims"]}
    jobs = page.figure_jobs(results)
    assert len(jobs) == 12  # every figure the page draws: five of the answer's, six literature, one audit
    captions = [(cid, caption) for cid, _, _, caption in jobs]
    typed = [
        (cid, n) for cid, caption in captions for n in prose.NUMBER.findall(caption) if float(n) not in evidence[cid]
    ]
    assert not typed
    assert any("within 7 standard errors" in caption for cid, caption in captions if cid == "L01")


def test_each_answer_figure_reads_its_own_claims_evidence():
    """The jobs page.py makes for S01, S05, S06, S11 and S19 (before the L figures, S19 after them):
    S01's panels and its ranges keep the answer's activations only, the ranges by activation; the
    others hand their evidence on as recorded. A claim without its evidence draws nothing."""
    from reports import page

    results = answer_results()
    s05, s06, s11_table, s11_example = (
        next(c for c in results["claims"] if c["id"] == cid)["evidence"][i]
        for cid, i in (("S05", 0), ("S06", 0), ("S11", 0), ("S11", 1))
    )
    jobs = page.figure_jobs(results)
    assert [(cid, fn.__name__) for cid, fn, _, _ in jobs] == [
        ("S01", "activation_panels"),
        ("S05", "decay_with_depth"),
        ("S06", "zero_depths"),
        ("S11", "dead_relu_traces"),
        ("L04", "series_panels"),
        ("S19", "learning_curves"),
    ]
    args = {cid: a for cid, _, a, _ in jobs}
    assert args["S01"] == ([0.0, 1.0], {"relu": [0.0, 1.0]}, {"relu": {"activation": "relu"}})
    assert args["S05"] == (s05,) and args["S06"] == (s06,) and args["S11"] == (s11_table, s11_example)
    assert args["S19"] == ({"wine": {}},)
    assert all(caption for *_, caption in jobs)
    results["claims"] = [c for c in results["claims"] if c["id"] in ("S01", "S19")]
    results["claims"][0]["evidence"] = results["claims"][0]["evidence"][:1]  # the figure without its ranges
    jobs = page.figure_jobs(results)
    assert [cid for cid, *_ in jobs] == ["S01", "S19"] and jobs[0][2][2] == {}


def is_reference_line(line) -> bool:
    """An axhline: from x = 0 to 1 in axes coordinates, at one height (a predicted level carries a label)."""
    x, y = list(line.get_xdata()), list(line.get_ydata())
    return x == [0, 1] and y[0] == y[1]


@pytest.fixture
def drawn(monkeypatch) -> list[list[dict]]:
    """What each figure drew, read from its axes as it goes to SVG: per axes its scales and lines
    (label: x and y data), bars' heights and reference lines' (height, line style). The SVG's text shows the words;
    this shows that the data drawn is the data given, on the scale the caption states."""
    seen, real = [], figures.to_svg

    def capture(fig):
        axes = []
        for ax in fig.axes:
            if not ax.get_lines() and not ax.patches:
                continue  # a colour bar or an empty panel
            lines = {}
            for line in ax.get_lines():
                if not is_reference_line(line):
                    xy = ([float(v) for v in line.get_xdata()], [float(v) for v in line.get_ydata()])
                    lines.setdefault(line.get_label(), []).append(xy)
            axes.append(
                {
                    "xscale": ax.get_xscale(),
                    "yscale": ax.get_yscale(),
                    "lines": lines,
                    "bars": [round(p.get_height(), 9) for p in ax.patches if type(p).__name__ == "Rectangle"],
                    # a filled band's outline: the corners of the region between its two curves
                    "bands": [
                        sorted({(float(x), float(y)) for path in c.get_paths() for x, y in path.vertices})
                        for c in ax.collections
                        if type(c).__name__ in ("PolyCollection", "FillBetweenPolyCollection")
                    ],
                    "hlines": sorted(
                        (float(line.get_ydata()[0]), line.get_linestyle())
                        for line in ax.get_lines()
                        if is_reference_line(line)
                    ),
                }
            )
        seen.append(axes)
        return real(fig)

    monkeypatch.setattr(figures, "to_svg", capture)
    return seen


def test_each_figure_draws_the_data_given_on_the_scale_its_caption_states(drawn):
    curve = [[0.5, 0.4, 0.3, 0.2], [0.6, 0.5, 0.35, 0.25], [0.7, 0.6, 0.4, 0.3]]
    figures.learning_curves({"wine": {"elu": curve}})
    (wine,) = drawn.pop()
    assert wine["yscale"] == "log" and wine["lines"] == {"elu": [([0.0, 10.0], [0.6, 0.35])]}  # every other step
    assert wine["hlines"] == [(0.05, ":")]  # the pre-registered target loss, dotted
    assert wine["bands"] == [[(0.0, 0.5), (0.0, 0.7), (10.0, 0.3), (10.0, 0.4)]]  # between the quartiles

    rows = [{"scheme": "W = 1", "activation": "tanh", "log10_abs_dy_dW1": {"1": -0.2, "10": -5.0, "100": -9.0}}]
    figures.decay_with_depth({"rows": rows})
    (panel,) = drawn.pop()
    assert panel["xscale"] == "log" and panel["lines"] == {"tanh": [([1.0, 10.0, 100.0], [-0.2, -5.0, -9.0])]}
    assert panel["hlines"] == [(pytest.approx(-323.306, abs=1e-3), ":")]  # log10 of the smallest float64

    rows = [{"activation": "sigmoid", "dtype": "float32", "numpy": 1234, "torch": None}]
    figures.zero_depths({"rows": rows})
    (bars,) = drawn.pop()
    assert bars["yscale"] == "log" and bars["bars"] == [1234, 10_000]  # none drawn at the deepest depth tried

    table = {"rows": [{"optimizer": "sgd", "max_pre_activation_every_10_steps": [-1.0, -0.9]}]}
    figures.dead_relu_traces(table, {"example": {"max_pre_activation": [-0.5, 0.2], "revived_at_step": 2}})
    first, second = drawn.pop()
    assert first["lines"] == {"sgd": [([0.0, 10.0], [-1.0, -0.9])]} and first["hlines"] == [(0.0, "-")]
    assert list(second["lines"].values()) == [[([1.0, 2.0], [-0.5, 0.2])]]

    panels = [("width 64", {"relu": [1.0, 1.1]}, "depth", "q")]
    figures.series_panels("t", panels, logy=True)
    (panel,) = drawn.pop()
    assert panel["yscale"] == "log" and panel["lines"] == {"relu": [([1.0, 2.0], [1.0, 1.1])]}
    figures.series_panels("t", panels, levels={"relu": 1.05})
    (panel,) = drawn.pop()
    assert panel["yscale"] == "linear" and panel["hlines"] == [(1.05, "--")]  # the predicted level, dashed

    rows = [
        {"sigma_b": 0.05, "depth": d, "q_star": 0.01, "tanh orthogonal": 0.1 * d, "relu orthogonal (He)": 0.2}
        for d in (10, 20)
    ]
    figures.jacobian_spread(rows)
    (spread,) = drawn.pop()
    assert spread["yscale"] == "log"
    assert spread["lines"] == {  # relu's spread does not depend on sigma_b or q*: its label names neither
        "tanh orthogonal, sigma_b=0.05, q*=0.01": [([10.0, 20.0], [1.0, 2.0])],
        "relu orthogonal (He)": [([10.0, 20.0], [0.2, 0.2])],
    }

    rows = [
        {
            "activation": a,
            "sigma_w (torch gain)": 1.0,
            "chi_1": chi,
            "simulated_chi_1 width 64": 1.1,
            "standard_error width 64": 0.1,
        }
        for a, chi in (("relu", 1.0), ("tanh", 1.2))
    ]
    figures.chi1_predicted_vs_simulated(rows)
    (chi,) = drawn.pop()
    assert chi["yscale"] == "log" and chi["lines"]["predicted"] == [([-0.25, 0.25], [1.0, 1.0])]
    assert ([0.75, 1.25], [1.2, 1.2]) in [xy for v in chi["lines"].values() for xy in v]  # the second row's

    grid = {"sigma_w": [[0.5, 2.0], [0.5, 2.0]], "sigma_b": [[0.0, 0.0], [1.0, 1.0]], "chi_1": [[0.5, 2.0], [0.4, 1.5]]}
    figures.tanh_phase_diagram(
        grid, [{"critical_sigma_w": 1.0, "sigma_b": 0.0}, {"critical_sigma_w": 1.5, "sigma_b": 1.0}]
    )
    phase = drawn.pop()[0]
    assert list(phase["lines"].values()) == [[([1.0, 1.5], [0.0, 1.0])]]  # the bisected critical points

    x = [-2.0, 0.0, 2.0]
    figures.activation_panels(x, {"tanh": {"f": [-0.96, 0.0, 0.96], "df": [0.07, 1.0, 0.07]}}, {})
    tanh = drawn.pop()[0]
    assert tanh["lines"] == {"f(x)": [(x, [-0.96, 0.0, 0.96])], "f'(x)": [(x, [0.07, 1.0, 0.07])]}


def test_the_audit_detail_draws_signed_x_on_a_symmetric_log_scale_and_shades_the_zero_runs(drawn):
    series = {
        "torch float32": {"negative": [[2.0, 3.0], [1e5, 9.0]], "positive": [[0.5, 1e300]]},
        "numpy float64": {"negative": [[1.0, 0.0]]},
    }
    figures.audit_detail("gelu", "torch", series, {"float32": [[-3.0, -2.0], [2e3, 3e3]]})
    (ax,) = drawn.pop()
    assert ax["xscale"] == "symlog" and ax["yscale"] == "log"
    # negative side at -|x|, past the x window (1e5) left out; errors clipped into [1e-2, ULPS_CEILING]
    assert ax["lines"]["torch float32"] == [([-2.0, 0.5], [3.0, figures.ULPS_CEILING])]
    assert ax["lines"]["NumPy reference"] == [([-1.0], [1e-2])]
    assert ax["hlines"] == [(4.0, "--")]  # the audit's budget


def test_a_figures_title_is_its_suptitle_else_its_panels_titles_else_a_plain_word():
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2)
    assert figures.figure_title(fig) == "figure"  # nothing titled: the text alternative still says what it is
    left.set_title("a")
    right.set_title("b")
    assert figures.figure_title(fig) == "a; b"
    fig.suptitle("both")
    assert figures.figure_title(fig) == "both"
    plt.close(fig)


def test_a_figure_drawn_to_svg_is_closed_and_no_other():
    """Each figure is closed once drawn (a page's dozens would otherwise stay in memory), and only it:
    another open figure stays open."""
    import matplotlib.pyplot as plt

    drawn, other = plt.figure(), plt.figure()  # the other one is the current figure
    figures.to_svg(drawn)
    assert not plt.fignum_exists(drawn.number) and plt.fignum_exists(other.number)
    plt.close(other)
