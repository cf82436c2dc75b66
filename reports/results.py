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

from reports.ledger import Claim, Ledger

SCHEMA = "activation-claims/results/1"
PACKAGES = ("numpy", "sympy", "mpmath", "torch", "hypothesis", "pytest", "matplotlib")
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


def provenance(root: Path, profile: str, seed: object, started: str, duration_s: float, command: str) -> dict:
    """Where, with what and how the verdicts were reproduced."""
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
        "started": started,
        "duration_s": round(duration_s, 3),
        "command": command,
    }


def claim_record(claim: Claim, tests: list[dict], evidence: list[dict]) -> dict:
    """One claim as results.json holds it; reproduced = it has tests and every one passed."""
    reproduced = bool(tests) and all(t["outcome"] == "passed" for t in tests)
    return {
        "id": claim.id,
        "source": claim.source,
        "quote": claim.quote,
        "statement": claim.statement,
        "verdict": {"math": claim.math, "float": claim.float},
        "correction": claim.correction,
        "reproduced": reproduced if claim.checkable or tests else None,
        "tests": sorted(tests, key=lambda t: t["nodeid"]),
        "evidence": evidence,
    }


def build(ledger: Ledger, tests_by_claim: dict, evidence: dict, prov: dict) -> dict:
    return {
        "schema": SCHEMA,
        "provenance": prov,
        "claims": [
            claim_record(c, tests_by_claim.get(c.id, []), evidence.get(c.id, [])) for c in ledger.claims.values()
        ],
    }


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
    unknown = [c.get("id") for c in results["claims"] if c.get("id") not in ledger.claims]
    if unknown:
        raise ResultsError(f"{path} names claims the ledger does not have: {', '.join(map(str, unknown))}")
    return results
