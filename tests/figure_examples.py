"""Small evidence for every figure the page draws, each optional part present (legends, predicted
levels, the revived unit, wrongly-zero runs): what the figure tests draw."""

from reports import figures


def answer_results() -> dict:
    """results.json's claims with the evidence each figure of the answer's claims reads (S01, S05, S06,
    S11, S19; L04 among them, drawn between), and nothing else."""
    s05, s06, s11_table, s11_example = (
        {"kind": k, "rows": [{"n": i}]} for i, k in enumerate(["table"] * 3 + ["counterexample"])
    )
    curves = {"relu": [0.0, 1.0], "gelu": [0.5, 0.5]}
    ranges = {
        "kind": "table",
        "label": "exact inf and sup of f'",
        "rows": [{"activation": "relu"}, {"activation": "gelu"}],
    }
    evidence = {
        "S01": [{"kind": "figure", "x": [0.0, 1.0], "curves": curves}, {"kind": "table", "label": "other"}, ranges],
        "S05": [s05],
        "S06": [s06],
        "S11": [s11_table, s11_example],
        "L04": [{"kind": "figure", "exact_width_2": [0.25], "fraction": [0.3]}],
        "S19": [{"kind": "figure", "curves": {"wine": {}}}],
    }
    return {"claims": [{"id": cid, "evidence": items} for cid, items in evidence.items()]}


def literature_results() -> dict:
    """results.json's claims L01-L06 with the evidence each literature figure reads, and nothing else."""
    chi_row = {
        "activation": "relu",
        "sigma_w (torch gain)": 2**0.5,
        "chi_1": 1.0,
        "simulated_chi_1 width 64": 1.02,
        "standard_error width 64": 0.01,
    }
    evidence = {
        "L01": [
            {
                "kind": "statistic",
                "activation": "relu",
                "mean_q_by_layer": [1.0, 1.1],
                "predicted_q": 1.0,
                "within_standard_errors": 7,
            },
            {"kind": "statistic", "activation": "tanh", "mean_q_by_layer": [1.0, 0.6]},
        ],
        "L03": [
            {"kind": "table", "label": "mean-field prediction against simulation", "rows": [chi_row]},
            {
                "kind": "figure",
                "sigma_w": [[0.5, 2.0], [0.5, 2.0]],
                "sigma_b": [[0, 0], [1, 1]],
                "chi_1": [[0.5, 2], [0.4, 1.5]],
            },
            {"kind": "table", "label": "tanh critical line", "rows": [{"critical_sigma_w": 1.0, "sigma_b": 0.0}]},
        ],
        "L04": [
            {"kind": "figure", "label": "biases, 3 inputs", "exact_width_2": [0.25, 0.4375], "fraction": [0.3, 0.5]}
        ],
        "L05": [
            {"kind": "figure", "label": "mean activation per layer, at each gain", "elu": [0.1, 0.1]},
            {"kind": "figure", "label": "mean activation per layer, at sqrt 2", "elu": [0.3, 0.6], "relu": [0.5, 0.5]},
        ],
        "L06": [{"kind": "table", "rows": [{"sigma_b": 0.0, "depth": 10, "q_star": 0.5, "tanh orthogonal": 0.2}]}],
    }
    return {"claims": [{"id": cid, "evidence": items} for cid, items in evidence.items()]}


def every_figures_results() -> dict:
    """results.json's claims with the evidence of every figure the page draws: the answer's, the
    literature's and one audit claim's."""
    audit = {
        "id": "A01",
        "evidence": [
            {"kind": "figure", "series": {}},
            {
                "kind": "table",
                "label": "worst ulps",
                "rows": [{"activation": "tanh", "library": "torch", "dtype": "float32", "wrongly_zero": []}],
            },
        ],
    }
    answer = [c for c in answer_results()["claims"] if c["id"] != "L04"]  # literature_results has L04's own
    return {"claims": answer + literature_results()["claims"] + [audit]}


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
    # worst 10^7 ulps: the y axis tops at 10^8, where its tick step, (8 + 2) / 5, is a whole number
    "audit_detail up to 10^7 ulps": lambda: figures.audit_detail(
        "tanh", "jax", {"jax float32": {"positive": [[0.5, 1e7]]}, "numpy float32": {"positive": [[0.5, 0.5]]}}, {}
    ),
    "tanh_phase_diagram": lambda: figures.tanh_phase_diagram(PHASE, [{"critical_sigma_w": 1.0, "sigma_b": 0.0}]),
    "series_panels with levels": lambda: figures.series_panels("Variance", PANELS, levels={"relu": 1.0}),
    "series_panels on a log axis": lambda: figures.series_panels("Fraction", PANELS, logy=True),
    # a panel title as long as an evidence label can be: it wraps
    "series_panels with a long title": lambda: figures.series_panels(
        "Born dead", [("Monte Carlo: born dead with biases N(0, 0.1^2), 8 inputs, width 4 (5000 nets)", *PANELS[0][1:])]
    ),
    "chi1_predicted_vs_simulated": lambda: figures.chi1_predicted_vs_simulated(CHI_ROWS),
    "jacobian_spread": lambda: figures.jacobian_spread(SPREAD_ROWS),
    "learning_curves": lambda: figures.learning_curves(
        {"wine": {"elu": CURVE, "relu": CURVE}, "digits": {"elu": CURVE, "relu": CURVE}}
    ),
}
