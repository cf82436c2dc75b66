"""Each figure from small evidence with known contents: it names in its text what it draws (titles,
tick labels, legend entries, annotated values), so a reader, a screen reader and a search find them.
The figures of the literature claims are drawn here too: the report's own test runs only cheap claims."""

import html
import re

import pytest

from reports import figures

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
    rows = [
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
    words = texts(figures.chi1_predicted_vs_simulated(rows))
    assert {"predicted", "simulated, width 64", "simulated, width 256"} <= set(words)
    assert {"relu", "sigma_w=1.41", "tanh", "sigma_w=1.67"} <= set(words)  # a tick label's two lines


def test_activation_panels_mark_the_exact_inf_and_sup_and_whether_each_is_attained():
    x = [-2.0, 0.0, 2.0]
    curves = {"tanh": {"f": [-0.96, 0.0, 0.96], "df": [0.07, 1.0, 0.07]}, "relu": {"f": [0, 0, 2], "df": [0, 0, 1]}}
    ranges = {"tanh": {"inf_value": 0.0, "inf_attained": False, "sup_value": 1.0, "sup_attained": True}}
    words = texts(figures.activation_panels(x, curves, ranges))
    assert "inf f' = 0 (not attained)" in words and "sup f' = 1" in words
    assert {"tanh", "relu", "f(x)", "f'(x)"} <= set(words) and words.count("x (pre-activation)") == 2
