"""The shared strategies reach what the claims need: narrowing one (no NaN, no inf, |x| <= 10) must
fail here rather than quietly weaken every property that draws from it."""

import math

import numpy as np
import pytest
from hypothesis import find, settings
from hypothesis.errors import NoSuchExample

from registry import ACTIVATIONS
from tests.strategies import DTYPES, float_arrays, floats_of, params_for

pytestmark = pytest.mark.instrument
SEARCH = settings(derandomize=True, database=None, max_examples=2000, deadline=None)

TARGETS = {
    "+0.0": lambda x: x == 0 and not np.signbit(x),
    "-0.0": lambda x: x == 0 and np.signbit(x),
    "positive subnormal": lambda x: 0 < x < np.finfo(type(x)).tiny,
    "negative subnormal": lambda x: -np.finfo(type(x)).tiny < x < 0,
    "|x| in the hundreds": lambda x: 100 <= abs(x) < 1000,
    "|x| near the dtype's max": lambda x: np.isfinite(x) and abs(x) >= np.finfo(type(x)).max / 2,
    "+inf": lambda x: x == np.inf,
    "-inf": lambda x: x == -np.inf,
    "NaN": lambda x: bool(np.isnan(x)),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("target", list(TARGETS))
def test_floats_of_every_dtype_reach_each_edge_case(dtype, target):
    found = find(floats_of(dtype), lambda x: bool(TARGETS[target](dtype(x))), settings=SEARCH)
    assert TARGETS[target](dtype(found))


@pytest.mark.parametrize("target", ["+inf", "NaN", "negative subnormal", "|x| in the hundreds"])
def test_float_arrays_carry_the_edge_cases_into_arrays(target):
    found = find(float_arrays(np.float32), lambda a: any(TARGETS[target](v) for v in a), settings=SEARCH)
    assert any(TARGETS[target](v) for v in found)


def test_finite_only_strategies_stay_finite_and_still_reach_the_extremes():
    finite = floats_of(np.float64, allow_nan=False, allow_infinity=False)
    with pytest.raises(NoSuchExample):
        find(finite, lambda x: not math.isfinite(x), settings=SEARCH)
    near_max = TARGETS["|x| near the dtype's max"]
    assert near_max(np.float64(find(finite, near_max, settings=SEARCH)))


@pytest.mark.parametrize("name", [n for n, a in ACTIVATIONS.items() if a.params])
def test_parameters_reach_their_default_and_closed_endpoints(name):
    for p in ACTIVATIONS[name].params:
        wanted = [p.default] + [v for v, closed in ((p.low, p.low_closed), (p.high, p.high_closed)) if closed]
        for value in wanted:
            assert find(params_for(name), lambda d, v=value, n=p.name: d[n] == v, settings=SEARCH)[p.name] == value
