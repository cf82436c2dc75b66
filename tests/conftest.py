"""Hypothesis profiles, chosen by HYPOTHESIS_PROFILE (default: ci), and the claims plugin."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=60,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=30)
settings.register_profile("thorough", deadline=None, max_examples=2000, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The plugin that maps tests to claims and writes results.json; registered here, not as an
# entry point, so that installing the package does not load it into other projects' pytest.
pytest_plugins = ("reports.plugin",)
