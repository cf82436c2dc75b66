"""Hypothesis strategies: floats of each dtype with the edge cases, parameters from the registry."""

from __future__ import annotations

from functools import cache

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays, from_dtype

from registry import ACTIVATIONS, FLOAT_DTYPES, round_to

# Points every property must survive (the foundation issue's list), rounded to each dtype.
EDGE_POINTS = (0.0, -0.0, np.inf, -np.inf, 1000.0, -1000.0, -745.2, 36.8, -20.0, 5e-324, -5e-324, 1e-310, 1e308, -1e308)


def edge_points(dtype) -> np.ndarray:
    info = np.finfo(dtype)
    extra = (float(info.smallest_subnormal), -float(info.smallest_subnormal), float(info.max), -float(info.max))
    return round_to(np.array(EDGE_POINTS + extra, dtype=np.float64), dtype)


# The strategies below are cached: a test that calls data.draw(float_arrays(dtype)) builds the strategy
# at every example, and Hypothesis validates each new object before drawing from it (half the time of
# generating an example). A strategy is immutable, so one object per set of arguments draws the same.


@cache
def floats_of(dtype, allow_nan: bool = True, allow_infinity: bool = True) -> st.SearchStrategy:
    """Every float of dtype, its edge cases drawn often (Hypothesis also favours 0, inf, subnormals)."""
    edges = [v for v in edge_points(dtype) if (allow_infinity or np.isfinite(v))]
    return st.one_of(
        st.sampled_from(edges),
        from_dtype(np.dtype(dtype), allow_nan=allow_nan, allow_infinity=allow_infinity, allow_subnormal=True),
    )


@cache
def float_arrays(dtype, max_size: int = 12, **kwargs) -> st.SearchStrategy:
    """Arrays of 1 to max_size floats of dtype, each drawn by floats_of."""
    return arrays(np.dtype(dtype), st.integers(1, max_size), elements=floats_of(dtype, **kwargs))


@cache
def params_for(name: str) -> st.SearchStrategy:
    """Valid parameters of the activation: defaults, closed endpoints and values in between."""
    fields = {}
    for p in ACTIVATIONS[name].params:
        ends = [v for v, closed in ((p.low, p.low_closed), (p.high, p.high_closed)) if closed]
        inner = st.floats(p.low, p.high, exclude_min=not p.low_closed, exclude_max=not p.high_closed)
        fields[p.name] = st.one_of(st.sampled_from([p.default, *ends]), inner)
    return st.fixed_dictionaries(fields)


def scaled_params(name: str, factor: float) -> dict[str, float]:
    """Each parameter at factor times its default (validated): the fixed sweeps' other settings. Twice
    the default moves the tails (softplus's deep tail starts at x = -700/beta); 1.3 times it is no
    power of two, where beta x is rarely exact (softplus carries its rounding error, hundreds of ulps
    of sigma(beta x) at beta x = -700 if dropped)."""
    return ACTIVATIONS[name].bind(**{p.name: factor * p.default for p in ACTIVATIONS[name].params})


ACTIVATION_NAMES = tuple(ACTIVATIONS)
TORCH_NAMES = tuple(n for n, a in ACTIVATIONS.items() if a.torch_f is not None)
INPLACE_NAMES = tuple(n for n, a in ACTIVATIONS.items() if a.torch_inplace is not None)
DTYPES = FLOAT_DTYPES
