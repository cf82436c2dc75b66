"""Small evidence for every figure the page draws, each optional part present (legends, predicted
levels, the revived unit, wrongly-zero runs): what the figure tests draw."""

from reports import figures

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
