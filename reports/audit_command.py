"""activation-claims audit: one framework's f' against the exact derivative, as a table or JSON.

Each (activation, dtype) case runs the audit's two stages (reference.audit): the screen over the
sweep, then mpmath on what it reports. A 16-bit dtype is every finite value and takes about a
second; float32 and float64 take a few seconds more, float64's first case longest (its sparse
mpmath sweep), so progress goes to stderr, one line a case.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from reference import audit, frameworks
from reports.format import intervals, number

COLUMNS = ("activation", "dtype", "worst ulps", "at x", "wrongly zero on", "NaN/inf at", "points")


def cases(framework: str, names: list[str], dtypes: list[str]) -> list[tuple[str, str]]:
    """The (activation, dtype) pairs asked for; a ValueError naming the valid choices otherwise."""
    module = frameworks.adapter(framework)
    for name in names:
        if not frameworks.supports(framework, name):
            raise ValueError(f"{framework} has no activation {name!r}; valid: {', '.join(module.activations())}")
    for dtype in dtypes:
        frameworks.check_dtype(dtype)
    return [(n, d) for n in (names or module.activations()) for d in (dtypes or frameworks.DTYPES)]


def row_of(summary: dict, points: int, **extra) -> dict:
    """One table row: the audit's summary (activation, dtype, library, worst ulps and where, the
    wrongly-zero intervals, non-finite results), how many points, and the claim it belongs to."""
    framework = summary["library"]
    claim = audit.audit_id(summary["activation"], framework) if framework in audit.SERIES else None
    return {**summary, "points": points, "claim": claim, **extra}


def table(rows: list[dict]) -> str:
    """A plain-text table, one line a case, columns padded to their widest cell."""
    cells = [
        [
            r["activation"],
            r["dtype"],
            number(r["worst_ulps"], 3) if r["worst_ulps"] is not None else "-",
            number(r["worst_x"], 6) if r["worst_x"] is not None else "-",
            intervals(
                r["wrongly_zero"], digits=6, total=r.get("wrongly_zero_runs"), within=r.get("wrongly_zero_within")
            ),
            ", ".join(number(x, 6) for x in r["nan_or_inf_for_finite_x"]) or "none",
            number(r["points"]),
        ]
        for r in rows
    ]
    widths = [max(len(c[i]) for c in [list(COLUMNS), *cells]) for i in range(len(COLUMNS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in [list(COLUMNS), *cells]]
    return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]])


def exhaustive_row(name: str, framework: str, dtype: str, args: argparse.Namespace, err) -> dict:
    """Every float of dtype, with a progress bar on stderr; resumable from --state, on Dask if asked."""
    from reference import exhaustive

    first: list[int] = []  # chunks already done when this run started (a resumed run skips them)

    def bar(done: int, total: int, seconds: float) -> None:
        first[:] = first or [done - 1]
        filled = round(30 * done / total)
        eta = seconds / (done - first[0]) * (total - done)
        err.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} chunks, {seconds:.0f} s, ~{eta:.0f} s left")
        err.flush()

    client = None
    if args.dask_scheduler:
        from distributed import Client

        client = Client(args.dask_scheduler)
    try:
        result = exhaustive.sweep(name, framework, dtype, state=args.state, client=client, progress=bar)
    finally:
        if client is not None:
            client.close()
    err.write("\n")
    keys = ("worst_ulps", "worst_x", "wrongly_zero", "nan_or_inf_for_finite_x")
    summary = {"activation": name, "dtype": dtype, "library": framework, **{k: result[k] for k in keys}}
    return row_of(
        summary, result["points"], coverage=f"every finite float of {dtype} but the kinks; {result['confirmed']}"
    )


def run(args: argparse.Namespace) -> int:
    out, err = sys.stdout, sys.stderr
    try:
        todo = cases(args.framework, args.activation, args.dtype)
        if args.exhaustive and (not args.dtype or set(args.dtype) - {"float16", "float32"}):
            raise ValueError("--exhaustive needs --dtype float32 or float16 (the 16-bit audit is exhaustive already)")
        if (args.state or args.dask_scheduler) and not args.exhaustive:
            raise ValueError("--state and --dask-scheduler go with --exhaustive")
        if args.state and len(todo) > 1:
            raise ValueError("--state holds one sweep: give one --activation and one --dtype")
    except ValueError as exc:
        print(f"activation-claims audit: error: {exc}", file=err)
        return 2
    module = frameworks.adapter(args.framework)
    rows = []
    for i, (name, dtype) in enumerate(todo, 1):
        start = time.perf_counter()
        if args.exhaustive:
            rows.append(exhaustive_row(name, args.framework, dtype, args, err))
        else:
            result = audit.run(name, args.framework, dtype)
            rows.append(row_of(audit.summarize(result), len(result.xs)))
        print(f"[{i}/{len(todo)}] {args.framework} {name} {dtype}: {time.perf_counter() - start:.1f} s", file=err)
    print(f"{module.TITLE} {module.version()}: error of f'(x) in ulps of the dtype against the exact value", file=out)
    print(table(rows), file=out)
    if args.json is not None:
        payload = json.dumps({"framework": args.framework, "version": module.version(), "rows": rows}, indent=1)
        if str(args.json) == "-":
            print(payload, file=out)
        else:
            args.json.write_text(payload + "\n")
    return 0
