"""Hypothesis profiles, chosen by HYPOTHESIS_PROFILE (default: ci), one torch thread, the claims plugin, and
empty caches before each test while mutmut records which tests reach which function."""

import os
import sys

import pytest
import torch
from hypothesis import HealthCheck, settings

from experiments.allocator import retain_freed_memory

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=60,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
# Every profile is derandomized (each test's examples come from a seed derived from the test
# itself), so that a run, the archival one included, reproduces from what provenance records.
# --hypothesis-seed N replaces that with one seed for every test (see pytest_configure).
settings.register_profile("dev", derandomize=True, deadline=None, max_examples=30)
# thorough, the archival run: 500 examples a test, about 8 times ci's. At 2,000 the suite's
# Hypothesis tests alone would take about 5 hours on a 2-core machine; 500 keeps the whole run,
# S19, L03 and L06 included, within 30 minutes there (benchmarks/bench_suite.py shows where it goes).
settings.register_profile(
    "thorough", derandomize=True, deadline=None, max_examples=500, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# One torch thread: a product's rounding depends on how its reduction is split across threads (S19's
# losses and L06's Jacobian spectra differ in their last digits between 1 and 2 threads), so one
# thread makes results.json the same on every machine whatever its core count; and the pytest-xdist
# workers, one per core, do not each start a thread per core and contend for them (L06 took 9 times
# as long in a 2-worker run with 2 threads each).
torch.set_num_threads(1)
# Freed memory kept for reuse (experiments/allocator.py): the claims' sweeps and simulations make and
# free arrays of a few MB over and over, which glibc's defaults fault in afresh each time (L01 to L06
# and the audit: 2.9 million page faults at the defaults, 0.8 million kept).
retain_freed_memory()


# The files whose tests take longest, longest first (benchmarks/bench_suite.py shows them). They run
# first: pytest-xdist hands out files in collection order (see pytest_configure), and one started
# last ends the run alone (S19's single test of ~100 s did: a minute of one idle core).
LONG_FIRST = (
    "tests/claims/test_s19_elu_convergence.py",
    "tests/test_plugin_and_results.py",
    "tests/claims/test_framework_audit.py",
    "tests/test_numpy_vs_exact.py",
    "tests/test_gaussian_routes.py",
)


def pytest_collection_modifyitems(items):
    """LONG_FIRST's files ahead of the rest, each file's tests in their own order (a stable sort)."""
    rank = {path: i for i, path in enumerate(LONG_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(LONG_FIRST)))


def pytest_configure(config):
    """With --hypothesis-seed N the profile runs from that seed instead of each test's own: the same
    profile with derandomize off (Hypothesis lets derandomize win over a given seed). Under
    pytest-xdist, files go out in collection order, not reordered by their number of tests (which
    sent S19's file of 6 tests out last)."""
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False
    if config.getoption("hypothesis_seed", None) is not None:
        name = settings.get_current_profile_name()  # provenance records the profile by this name
        settings.register_profile(name, settings.get_profile(name), derandomize=False)
        settings.load_profile(name)


# The plugin that maps tests to claims and writes results.json; registered here, not as an
# entry point, so that installing the package does not load it into other projects' pytest.
pytest_plugins = ("reports.plugin",)


# mutmut (benchmarks/mutation.py) records which tests reach each function (with MUTANT_UNDER_TEST set
# to "stats") and later runs only those tests against that function's mutants. A value an earlier
# test cached hides the functions behind it from every later test that needs it: a mutant there was
# run against the wrong tests and "survived". So while mutmut records, every test starts with the
# project's caches (functools caches in its packages and in the tests) empty.
CACHED_PACKAGES = ("registry", "theory", "reference", "reports", "experiments", "tests")


@pytest.fixture(autouse=True)
def _fresh_caches_while_mutmut_records():
    if os.environ.get("MUTANT_UNDER_TEST") == "stats":
        for name, module in list(sys.modules.items()):
            if name.split(".")[0] in CACHED_PACKAGES:
                for value in list(vars(module).values()):
                    if callable(getattr(value, "cache_clear", None)):
                        value.cache_clear()
    yield
