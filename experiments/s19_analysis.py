"""S19's pre-registered statistic and decision rule (experiments/s19_protocol.toml)."""

from __future__ import annotations

import numpy as np

from experiments.s19 import CellResult


def censored_steps(cell: CellResult, budget: int) -> np.ndarray:
    """Steps to the loss threshold per seed; a stuck run counts as budget + 1."""
    return np.array([s if s is not None else budget + 1 for s in cell.steps_to_threshold], dtype=np.float64)


def median_ratio_interval(a: np.ndarray, b: np.ndarray, resamples: int, seed: int, level: float) -> tuple:
    """Median of the paired ratios a/b and its percentile-bootstrap interval at the given level."""
    ratios = a / b
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(ratios), size=(resamples, len(ratios)))
    medians = np.median(ratios[idx], axis=1)
    tail = (1 - level) / 2
    return float(np.median(ratios)), float(np.quantile(medians, tail)), float(np.quantile(medians, 1 - tail))


def analyse(cells: dict[tuple[str, str], CellResult], spec: dict) -> dict:
    """Per dataset and comparison: median ratio, corrected interval, stuck counts; then the verdict."""
    st, budget = spec["statistic"], spec["training"]["budget_steps"]
    datasets = spec["data"]["datasets"]
    tests = len(datasets) * len(st["comparisons"])
    level = 1 - (1 - st["confidence"]) / tests  # Bonferroni
    rows = []
    for ds in datasets:
        for mine, other in st["comparisons"]:
            a, b = censored_steps(cells[ds, mine], budget), censored_steps(cells[ds, other], budget)
            median, lo, hi = median_ratio_interval(a, b, st["bootstrap"]["resamples"], st["bootstrap"]["seed"], level)
            rows.append(
                {
                    "dataset": ds,
                    "comparison": f"{mine} / {other}",
                    "median_ratio": median,
                    "low": lo,
                    "high": hi,
                    "stuck_" + mine: int(np.sum(a > budget)),
                    "stuck_other": int(np.sum(b > budget)),
                }
            )
    faster = any(r["high"] < 1 for r in rows)
    slower_or_stuck = any(r["low"] > 1 or r["stuck_elu"] - r["stuck_other"] >= 3 for r in rows)
    if faster and slower_or_stuck:
        verdict = "supported"
    elif not faster and not slower_or_stuck and all(0.8 <= r["low"] and r["high"] <= 1.25 for r in rows):
        verdict = "refuted"
    else:
        verdict = "inconclusive"
    stuck = {
        ds: {act: sum(s is None for s in cells[ds, act].steps_to_threshold) for act in spec["model"]["activations"]}
        for ds in datasets
    }
    return {
        "rows": rows,
        "level": level,
        "faster": faster,
        "slower_or_stuck": slower_or_stuck,
        "verdict": verdict,
        "stuck": stuck,
    }


def curves(cells: dict[tuple[str, str], CellResult]) -> dict:
    """Median and interquartile band of the training loss per step, per dataset and activation (every 5th step)."""
    out: dict = {}
    for (ds, act), cell in cells.items():
        q = np.quantile(cell.losses[::5], [0.25, 0.5, 0.75], axis=1)
        out.setdefault(ds, {})[act] = np.round(q, 5).tolist()
    return out
