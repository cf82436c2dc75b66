"""Every float of a dtype, in chunks: err(x) = |f'_framework(x) - f'(x)| / ulp(f'(x)) screened at all 2^32
float32 inputs (or any key range), the worst point and the wrongly-zero intervals kept.

The floats are walked in key order (reference.floatscan: integer order is float order), CHUNK_BITS
of them a chunk, so a chunk is a contiguous stretch of the real line and the wrongly-zero runs of
neighbouring chunks join where they touch. Each chunk is screened as the audit screens its sweep
(reference.audit: the framework against the NumPy reference in float64, exact to far below a
float32 ulp). The finished chunks are kept in a state file after each one, so a run that is cut
short resumes where it stopped; the chunks run in this process or, given a Dask client, on its
cluster. The worst point and both ends of every interval are then confirmed with mpmath.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from reference import audit
from reference.floatscan import values_of

STATE_FORMAT = "activation-claims/exhaustive-state/1"  # a state file of another format is refused, not misread
CHUNK_BITS = 24  # 16,777,216 floats a chunk: about 1 GB of working arrays, 256 chunks for float32


def chunk_count(dtype: str, chunk_bits: int = CHUNK_BITS) -> int:
    return 1 << (8 * np.dtype(dtype).itemsize - min(chunk_bits, 8 * np.dtype(dtype).itemsize))


def run_chunk(name: str, framework: str, dtype: str, index: int, chunk_bits: int = CHUNK_BITS) -> dict:
    """One chunk's screen: its finite floats, the worst screened ulps and where, the wrongly-zero runs
    (as key pairs and floats), the non-finite results. Plain data, so that it travels to and from Dask."""
    np_dtype = np.dtype(dtype)
    first = index << chunk_bits
    keys = np.arange(first, first + (1 << chunk_bits), dtype=np.uint64)
    xs = values_of(keys, np_dtype).astype(np.float64)
    kept = np.isfinite(xs) & audit.off_kinks(name, xs)
    keys, xs = keys[kept], xs[kept]
    values, ulps, zero = audit.screened(name, framework, dtype, xs)
    out = {"index": index, "points": int(xs.size), "worst_ulps": None, "worst_x": None}
    if xs.size and not np.all(np.isnan(ulps)):
        worst = int(np.nanargmax(ulps))
        out["worst_ulps"], out["worst_x"] = float(ulps[worst]), float(xs[worst])
    out["zero"] = [[int(keys[i]), int(keys[j]), float(xs[i]), float(xs[j])] for i, j in audit.runs(zero)]
    bad = ~np.isfinite(values)
    out["nonfinite"] = int(bad.sum())
    out["nan_or_inf_for_finite_x"] = [float(x) for x in xs[bad][:10]]
    return out


def merge(chunks: Iterable[dict]) -> dict:
    """The whole sweep from its chunks: the worst point, runs joined across chunk edges, totals."""
    ordered = sorted(chunks, key=lambda c: c["index"])
    runs: list[list] = []
    for chunk in ordered:
        for run in chunk["zero"]:
            if runs and runs[-1][1] + 1 == run[0]:
                runs[-1][1], runs[-1][3] = run[1], run[3]
            else:
                runs.append(list(run))
    worst = max((c for c in ordered if c["worst_ulps"] is not None), key=lambda c: c["worst_ulps"], default=None)
    return {
        "chunks": len(ordered),
        "points": sum(c["points"] for c in ordered),
        "worst_ulps": worst["worst_ulps"] if worst else None,
        "worst_x": worst["worst_x"] if worst else None,
        "wrongly_zero": [[r[2], r[3]] for r in runs],
        "nonfinite": sum(c["nonfinite"] for c in ordered),
        "nan_or_inf_for_finite_x": [x for c in ordered for x in c["nan_or_inf_for_finite_x"]][:10],
    }


def _load(state: Path | None, header: dict) -> dict[int, dict]:
    if state is None or not state.exists():
        return {}
    saved = json.loads(state.read_text())
    if saved.get("header") != header:
        raise ValueError(f"{state} holds a sweep of {saved.get('header')}, not of {header}; use another --state file")
    return {int(k): v for k, v in saved["chunks"].items()}


def _save(state: Path | None, header: dict, done: dict[int, dict]) -> None:
    if state is None:
        return
    tmp = state.with_suffix(state.suffix + ".tmp")
    tmp.write_text(json.dumps({"header": header, "chunks": {str(k): v for k, v in sorted(done.items())}}))
    os.replace(tmp, state)  # a run killed mid-write leaves the previous state whole


def sweep(
    name: str,
    framework: str,
    dtype: str,
    *,
    chunks: Iterable[int] | None = None,
    chunk_bits: int = CHUNK_BITS,
    state: Path | None = None,
    client=None,
    progress: Callable[[int, int, float], None] | None = None,
) -> dict:
    """Every float of the chosen chunks (all of them by default), resumed from ``state`` where it holds
    finished chunks and saved there after each; on ``client``'s Dask cluster when one is given.
    ``progress(done, total, seconds)`` is called after each chunk. The result is confirmed with mpmath."""
    if dtype not in ("float16", "float32", "float64"):
        raise ValueError(f"an exhaustive sweep takes float16, float32 or float64, not {dtype!r}")
    chunk_bits = min(chunk_bits, 8 * np.dtype(dtype).itemsize)  # float16 is one chunk of 2^16
    wanted = list(range(chunk_count(dtype, chunk_bits)) if chunks is None else chunks)
    header = {
        "format": STATE_FORMAT,
        "activation": name,
        "framework": framework,
        "dtype": dtype,
        "chunk_bits": chunk_bits,
    }
    done = {i: c for i, c in _load(state, header).items() if i in wanted}
    todo = [i for i in wanted if i not in done]
    start = time.perf_counter()

    def finished(result: dict) -> None:
        done[result["index"]] = result
        _save(state, header, done)
        if progress:
            progress(len(done), len(wanted), time.perf_counter() - start)

    if client is None:
        for index in todo:
            finished(run_chunk(name, framework, dtype, index, chunk_bits))
    else:
        from distributed import as_completed

        futures = [client.submit(run_chunk, name, framework, dtype, i, chunk_bits, pure=False) for i in todo]
        for future in as_completed(futures):
            finished(future.result())
    return confirm(name, framework, dtype, merge(done.values()))


def confirm(name: str, framework: str, dtype: str, result: dict) -> dict:
    """mpmath on the worst point (its ulps recomputed exactly) and on both ends of every interval
    (0 from the framework where f' is normal): the numbers reported are the exact ones."""
    info = audit.float_info(dtype)
    if result["worst_x"] is not None:
        value = float(audit.in_full_lanes(name, [result["worst_x"]], dtype, framework)[0])
        result["worst_ulps"] = audit.ulps_at(value, audit.exact(name, result["worst_x"]), info)
    audit.confirm_zero_ends(name, framework, dtype, result["wrongly_zero"])
    result["confirmed"] = "the worst point and both ends of every interval, with mpmath"
    return result
