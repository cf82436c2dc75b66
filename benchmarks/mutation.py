"""Mutation score of the fast suite on registry/, theory/, reference/ and reports/, per package:
score = killed / (mutants checked - equivalent), with the survivors listed and each one's diff.

    pip install -e '.[mutation]'
    python benchmarks/mutation.py                      # every mutant: hours on 2 cores
    python benchmarks/mutation.py --sample 200 --seed 1 # a random 200 a package, with a 95% interval

mutmut (configured in pyproject.toml's [tool.mutmut]) copies the packages to mutants/, makes its
mutants there, records which tests reach each function, and runs only those tests against each
mutant. The tests are the suite's fast part (the slow claims and the subprocess runs are left out;
pyproject.toml lists them). A mutant no selected test reaches counts as a survivor: nothing catches
it. Equivalent mutants, which no test can kill because they change no behaviour, are listed with a
one-line reason each in benchmarks/mutation_equivalents.toml and left out of the score. A sampled
score says so and prints its Wilson interval; only a run over every mutant gives the score itself.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import json
import math
import random
import subprocess
import sys
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("registry", "theory", "reference", "reports")
EQUIVALENTS = ROOT / "benchmarks" / "mutation_equivalents.toml"
# mutmut's statuses by exit code (mutmut/stats.py); a timeout counts as a kill, as mutmut's own score does.
KILLED = {1, 3, 24, -24, 36, 152, 255}
TIMEOUT = {24, -24, 36, 152, 255}  # counted as kills, and shown apart: a loaded machine makes them too
UNREACHED = {5, 33}  # no selected test reaches the mutant
SURVIVED = {0} | UNREACHED


# mutmut's own command, not `python -m mutmut`: run as __main__, mutmut's module is imported a second
# time in its fork server's children, and says so.
MUTMUT = Path(sys.executable).with_name("mutmut")


def mutmut(*args: str, check: bool = True) -> None:
    if not MUTMUT.exists():
        raise SystemExit(f"mutation: no {MUTMUT}: pip install -e '.[mutation]'")
    done = subprocess.run([str(MUTMUT), *args], cwd=ROOT)
    if check and done.returncode != 0:
        raise SystemExit(f"mutation: mutmut {' '.join(args[:2])} ... exited with {done.returncode}")


def exit_codes() -> dict[str, int | None]:
    """Every mutant mutmut made, with its last exit code (None: not checked yet)."""
    codes: dict[str, int | None] = {}
    for meta in sorted((ROOT / "mutants").rglob("*.py.meta")):
        codes.update(json.loads(meta.read_text())["exit_code_by_key"])
    return codes


def equivalents() -> dict[str, str]:
    """mutant name -> why it changes no behaviour. Each entry also names the line its mutant writes
    (`change`): mutmut numbers a function's mutants in order, so an edit above a listed one gives its
    number to another mutant, and the listed reason would then excuse a mutant nobody looked at."""
    table = tomllib.loads(EQUIVALENTS.read_text(encoding="utf-8")).get("equivalent", {})
    empty = [name for name, entry in table.items() if not str(entry.get("why", "")).strip()]
    if empty:
        raise SystemExit(f"mutation: {EQUIVALENTS.name}: give each equivalent mutant a reason: {', '.join(empty)}")
    moved = [
        f"{name}: listed as `{entry.get('change')}`, now `{change}`"
        for name, entry in table.items()
        if (change := mutant_change(name)) != entry.get("change")
    ]
    if moved:
        listed = "\n  ".join(moved)
        raise SystemExit(f"mutation: {EQUIVALENTS.name} names mutants that changed (renumbered?):\n  {listed}")
    return {name: entry["why"] for name, entry in table.items()}


@cache
def _mutated(path: Path) -> tuple[list[str], dict[str, ast.FunctionDef]]:
    """mutmut's mutation of one source file: its lines, and its functions by name (parsed once)."""
    from mutmut.mutation.file_mutation import mutate_file_contents

    code = mutate_file_contents(str(path), path.read_text(encoding="utf-8")).code
    functions = {node.name: node for node in ast.walk(ast.parse(code)) if isinstance(node, ast.FunctionDef)}
    return code.splitlines(), functions


def mutant_change(name: str) -> str | None:
    """The lines mutant ``name`` writes in place of its function's own, stripped and joined by " / "
    (None if mutmut makes no such mutant), read from mutmut's own mutation of the source file."""
    module, _, rest = name.partition(".x")
    path = ROOT / (module.replace(".", "/") + ".py")
    if not path.exists():  # a package's own functions live in its __init__.py
        path = ROOT / module.replace(".", "/") / "__init__.py"
    if not path.exists():
        return None
    lines, functions = _mutated(path)
    mangled, _, number = ("x" + rest).rpartition("__mutmut_")
    original, mutant = functions.get(f"{mangled}__mutmut_orig"), functions.get(f"{mangled}__mutmut_{number}")
    if original is None or mutant is None:
        return None
    body = lambda node: lines[node.body[0].lineno - 1 : node.end_lineno]  # noqa: E731
    diff = difflib.unified_diff(body(original), body(mutant), lineterm="", n=0)
    return " / ".join(line[1:].strip() for line in diff if line.startswith("+") and not line.startswith("+++"))


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a proportion k/n."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def package_of(name: str) -> str:
    return name.split(".", 1)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--packages", nargs="+", default=list(PACKAGES), choices=PACKAGES)
    parser.add_argument("--sample", type=int, default=None, help="a random SAMPLE mutants a package, not all")
    parser.add_argument("--seed", type=int, default=0, help="the sample's seed")
    parser.add_argument("--max-children", type=int, default=None, help="parallel mutant runs (default: cores)")
    parser.add_argument("--report-only", action="store_true", help="score what earlier runs checked; run nothing")
    args = parser.parse_args()
    children = [] if args.max_children is None else ["--max-children", str(args.max_children)]
    same = equivalents()

    if not args.report_only:
        # Makes every mutant and records which tests reach each function (once: mutants/ keeps both),
        # then stops, since no mutant has this name (mutmut says so and exits 1).
        mutmut("run", *children, "no.mutant.has.this.name", check=False)
        codes = exit_codes()
        if not codes:
            raise SystemExit("mutation: mutmut made no mutants (see its output above)")
        unknown = sorted(set(same) - set(codes))
        if unknown:
            raise SystemExit(f"mutation: {EQUIVALENTS.name} names mutants mutmut no longer makes: {', '.join(unknown)}")
        chosen = []
        for package in args.packages:
            names = sorted(n for n in codes if package_of(n) == package and n not in same)
            if args.sample is not None and args.sample < len(names):
                names = sorted(random.Random(f"{args.seed}:{package}").sample(names, args.sample))
            chosen += names
        for start in range(0, len(chosen), 400):  # a command line of a few hundred names at a time
            mutmut("run", *children, *chosen[start : start + 400])

    codes = exit_codes()
    head = f"{'package':<11}{'mutants':>8}{'checked':>9}{'equiv.':>8}{'killed':>8}{'survived':>9}{'unreached':>10}"
    print(f"\n{head}  score (95% interval)")
    survivors = defaultdict(list)
    for package in args.packages:
        mine = {n: c for n, c in codes.items() if package_of(n) == package}
        checked = {n: c for n, c in mine.items() if c is not None and n not in same}
        tally = Counter("killed" if c in KILLED else "survived" if c in SURVIVED else "other" for c in checked.values())
        survivors[package] = sorted(n for n, c in checked.items() if c in SURVIVED)
        judged = tally["killed"] + tally["survived"]
        lo, hi = wilson(tally["killed"], judged)
        score = f"{tally['killed'] / judged:.1%} ({lo:.1%} to {hi:.1%})" if judged else "-"
        n_same = sum(1 for n in mine if n in same)
        unreached = sum(1 for c in checked.values() if c in UNREACHED)
        timeouts = sum(1 for c in checked.values() if c in TIMEOUT)
        counts = f"{len(mine):>8}{len(checked):>9}{n_same:>8}{tally['killed']:>8}{tally['survived']:>9}{unreached:>10}"
        print(f"{package:<11}{counts}  {score}" + (f", {timeouts} of the kills by timeout" if timeouts else ""))
        if tally["other"]:
            print(f"{'':<11}{tally['other']} suspicious or segfault: rerun them alone")
    for package, names in survivors.items():
        if names:
            print(f"\nsurvivors in {package}/ ({len(names)}): `mutmut show NAME` prints each one's diff")
            for name in names:
                print(f"  {name}{'  (no selected test reaches it)' if codes[name] in UNREACHED else ''}")


if __name__ == "__main__":
    main()
