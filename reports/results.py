"""results.json (schema activation-claims/results/1): provenance, claims, tests and evidence."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import tempfile
from importlib import metadata
from pathlib import Path

import tomllib

from reports import prose
from reports.ledger import Claim, Ledger

SCHEMA = "activation-claims/results/1"
PACKAGES = ("numpy", "sympy", "mpmath", "torch", "jax", "ml_dtypes", "hypothesis", "pytest", "matplotlib")
SCHEMA_FILE = Path(__file__).with_name("results.schema.json")
# Fields that may differ between two runs of the same profile and seed.
VOLATILE = ("started", "duration_s")


def _git(*args: str, cwd: Path) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def package_version(root: Path) -> str | None:
    """The installed distribution's version, else the one pyproject.toml declares."""
    installed = _version("activation-claims")
    if installed is not None:
        return installed
    try:
        return tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return None


def provenance(
    root: Path, profile: str, seed: object, started: str, duration_s: float, command: str, device: str | None = None
) -> dict:
    """Where, with what and how the verdicts were reproduced (device: where torch ran the simulations)."""
    commit = _git("rev-parse", "HEAD", cwd=root)
    status = _git("status", "--porcelain", "--untracked-files=no", cwd=root)
    return {
        "package_version": package_version(root),
        "git_commit": commit,
        "git_dirty": None if status is None else bool(status),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": {name: _version(name) for name in PACKAGES},
        "hypothesis_profile": profile,
        "seed": seed,
        "simulation_device": device,
        "started": started,
        "duration_s": round(duration_s, 3),
        "command": command,
    }


def evidence_problems(claim: Claim, evidence: list[dict]) -> list[str]:
    """What the verdicts need and the evidence lacks: refuted, a counterexample; conditional, evidence
    on both sides (side = "holds" and side = "fails"); supported, a proof (symbolic evidence) or a
    search that states its coverage; inconclusive, the statistic that did not decide."""
    verdicts = {claim.math, claim.float} - {None}
    kinds = {item["kind"] for item in evidence}
    sides = {item.get("side") for item in evidence}
    problems = []
    if "refuted" in verdicts and "counterexample" not in kinds:
        problems.append("refuted, but no counterexample was recorded")
    if "conditional" in verdicts and not {"holds", "fails"} <= sides:
        problems.append("conditional, but evidence for both sides (side 'holds' and 'fails') was not recorded")
    if "supported" in verdicts and "symbolic" not in kinds and not any("coverage" in item for item in evidence):
        problems.append("supported, but neither a proof (symbolic evidence) nor a search's coverage was recorded")
    if "supported" in verdicts and "refuted" not in verdicts and "counterexample" in kinds:
        problems.append("supported, yet a counterexample was recorded")
    if "inconclusive" in verdicts and "statistic" not in kinds:
        problems.append("inconclusive, but the statistic was not recorded")
    return problems


def claim_record(claim: Claim, tests: list[dict], evidence: list[dict], strict: bool = False) -> dict:
    """One claim as results.json holds it; reproduced = it has tests, every one passed, and (in a full
    run, strict) its prose fills from its evidence and the evidence is what its verdicts need."""
    passed = bool(tests) and all(t["outcome"] == "passed" for t in tests)
    templates = claim.templates()
    problems = []
    if strict and passed:
        problems = [f"{field}: {m}" for field, text in templates.items() for m in prose.missing(text, evidence)]
        problems += evidence_problems(claim, evidence)
    filled = {field: prose.fill_or_mark(text, evidence) for field, text in templates.items()}
    record = {
        "id": claim.id,
        "source": claim.source,
        "quote": claim.quote,
        "statement": claim.statement,
        "verdict": {"math": claim.math, "float": claim.float},
        "correction": filled.get("correction"),
        "reason": filled.get("reason"),
        "finding": filled.get("finding"),
        "reproduced": (passed and not problems) if claim.checkable or tests else None,
        "tests": sorted(tests, key=lambda t: t["nodeid"]),
        "evidence": evidence,
    }
    if problems:
        record["problems"] = problems
    return record


def build(
    ledger: Ledger,
    tests_by_claim: dict,
    evidence: dict,
    prov: dict,
    strict: bool = False,
    instruments: list[dict] | None = None,
) -> dict:
    """results.json: provenance, a record per claim, and the instrument tests that ran (outcome and
    time each, for benchmarks/bench_suite.py)."""
    out = {
        "schema": SCHEMA,
        "provenance": prov,
        "claims": [
            claim_record(c, tests_by_claim.get(c.id, []), evidence.get(c.id, []), strict)
            for c in ledger.claims.values()
        ],
    }
    if instruments:
        out["instruments"] = instruments
    return out


def dumps(results: dict) -> str:
    return json.dumps(results, indent=2, sort_keys=False, ensure_ascii=False, allow_nan=False) + "\n"


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside path, then rename: readers see the old or the new file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        # mkstemp makes the file private (0600); a report is for reading, so the usual umask applies.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def without_volatile(results: dict) -> dict:
    """results with every `started` and `duration_s` removed, for determinism checks."""
    if isinstance(results, dict):
        return {k: without_volatile(v) for k, v in results.items() if k not in VOLATILE}
    if isinstance(results, list):
        return [without_volatile(v) for v in results]
    return results


class ResultsError(ValueError):
    """A results.json that cannot be reported: the message says what is wrong with it."""


def schema_problems(results: object) -> list[str]:
    """Where results breaks reports/results.schema.json (JSON Schema draft 7): 'path: message', in order."""
    import jsonschema  # imported here: only writing and reading results.json need it

    validator = jsonschema.Draft7Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    errors = sorted(validator.iter_errors(results), key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in errors]


def read(path: Path, ledger: Ledger) -> dict:
    """results.json, checked: valid JSON, this schema, every claim id known to the ledger."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ResultsError(f"cannot read {path}: {err.strerror}") from err
    try:
        results = json.loads(text)
    except json.JSONDecodeError as err:
        raise ResultsError(f"{path} is not valid JSON (truncated?): {err.msg} at line {err.lineno}") from err
    if not isinstance(results, dict) or results.get("schema") != SCHEMA:
        found = results.get("schema") if isinstance(results, dict) else type(results).__name__
        raise ResultsError(f"{path} has schema {found!r}; this version reads {SCHEMA!r}")
    for key in ("provenance", "claims"):
        if key not in results:
            raise ResultsError(f"{path} has no {key!r} section")
    problems = schema_problems(results)
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise ResultsError(f"{path} does not follow {SCHEMA}: {'; '.join(problems[:3])}{more}")
    unknown = [c.get("id") for c in results["claims"] if c.get("id") not in ledger.claims]
    if unknown:
        raise ResultsError(f"{path} names claims the ledger does not have: {', '.join(map(str, unknown))}")
    return results
