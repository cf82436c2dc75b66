"""Gaussian expectations: closed form / quadrature against Monte Carlo, seconds to reach 1e-6.

    python benchmarks/bench_gaussian.py

For each activation, E[f'(z)^2] with z ~ N(0, 1) (the chi_1 integrand at q = 1): the time of
theory.gaussian.moment (sympy closed form or mpmath quadrature, 35 digits), of 2 x 200-node
Gauss-Legendre split at 0, and of Monte Carlo with as many samples as its standard error needs to reach 1e-6
(timed on 10^7 samples and scaled; drawing 10^12 samples would take hours).
"""

from __future__ import annotations

import time

import numpy as np

from reference import derivative
from reference.meanfield import gauss_moment
from registry import ACTIVATIONS
from theory.gaussian import closed_form, moment

TARGET = 1e-6


def main() -> None:
    rng = np.random.default_rng(0)
    z = rng.normal(size=10_000_000)
    header = ("activation", "method", "exact s", "G-L s", "MC n for 1e-6", "MC s", "MC/exact")
    print(f"{header[0]:12s} {header[1]:12s} " + " ".join(f"{h:>12s}" for h in header[2:]))
    for name in ACTIVATIONS:
        closed_form.cache_clear()
        start = time.perf_counter()
        m = moment(name, "slope2", 1.0)
        exact_s = time.perf_counter() - start
        start = time.perf_counter()
        gauss_moment(name, "slope2", 1.0)
        gh_s = time.perf_counter() - start
        start = time.perf_counter()
        samples = derivative(name, z) ** 2
        mc_s_per = (time.perf_counter() - start) / len(z)
        n_needed = float(samples.var() / TARGET**2)
        mc_s = n_needed * mc_s_per
        print(
            f"{name:12s} {m.method:12s} {exact_s:9.3f} {gh_s:9.5f} {n_needed:14.3g} {mc_s:10.3g} {mc_s / exact_s:9.2g}"
        )


if __name__ == "__main__":
    main()
