"""The fixed wording a reader meets, as reviewed: each figure's caption and the texts its drawing is
handed (titles, axis labels, series names; from the figure examples' evidence), and the command
line's help (each command's summary, each option's value name, choices and help), against
tests/snapshots/wording.json.

test_figures.py checks that a caption's numbers come from the evidence and test_report.py that every
option has its help; this pins what they say. A change of wording is made on purpose: write the new
snapshot and review its diff,

    ACTIVATION_CLAIMS_WRITE_WORDING=1 pytest tests/test_wording.py
"""

from __future__ import annotations

import argparse

import pytest

from reports import cli, page
from tests.figure_examples import every_figures_results
from tests.snapshot import as_json, assert_as_reviewed, reviewed

pytestmark = pytest.mark.instrument

WRITE = "ACTIVATION_CLAIMS_WRITE_WORDING"


def texts(value) -> list[str]:
    """The words in a figure's arguments: every text at any depth (titles, axis labels, series
    names), the numbers left out (the figures' own tests check what is drawn)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in texts(k) + texts(v)]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in texts(v)]
    return []


def figures_words() -> dict[str, dict]:
    """Each figure's caption and the texts page.py hands its drawing, keyed by claim and figure function."""
    return {
        f"{cid} {draw.__name__}": {"caption": caption, "texts": texts(args)}
        for cid, draw, args, caption in page.figure_jobs(every_figures_results())
    }


def command_line() -> dict[str, dict]:
    """Each command's summary and, per option, its value's name, its choices and its help."""
    parser = cli.build_parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    summaries = {a.dest: a.help for a in commands._choices_actions}
    return {
        name: {
            "summary": summaries[name],
            "options": {
                a.option_strings[-1]: {"value": a.metavar, "choices": a.choices and list(a.choices), "help": a.help}
                for a in command._actions
                if a.option_strings and a.dest != "help"
            },
        }
        for name, command in commands.choices.items()
    }


@pytest.mark.parametrize("part", ["figures", "command line"])
def test_the_wording_reads_as_reviewed(part):
    # Both parts are read in each test (under a millisecond): mutmut then runs each test for a change
    # in either, where a module fixture would have credited the first test alone.
    current = as_json({"figures": figures_words(), "command line": command_line()})
    known = reviewed("wording", WRITE, current)
    assert_as_reviewed(current[part], known[part], WRITE, f"{part}: ")
