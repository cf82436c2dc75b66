"""The scope of the fixtures that build something once for a module's checks."""

from __future__ import annotations

import os


def module_unless_mutmut_records(fixture_name: str, config) -> str:
    """The module's scope, except while mutmut records which tests reach each function (MUTANT_UNDER_TEST =
    "stats", see tests/conftest.py): it credits a function only to the tests that ran it, so a page
    built once for the module would be credited to its first test alone, and a mutant in the page's
    code run against that test only. While mutmut records, each test builds its own."""
    return "function" if os.environ.get("MUTANT_UNDER_TEST") == "stats" else "module"
