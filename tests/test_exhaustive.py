"""The exhaustive sweep's machinery on float16, where a whole sweep takes a second: chunks joined
across their edges, resumed from a state file, and the same on a Dask LocalCluster."""

import json

import numpy as np
import pytest

from reference import audit, exhaustive, floatscan

pytestmark = pytest.mark.instrument
CASE = ("sigmoid", "torch", "float16")  # wrongly zero on an interval, worst error in the thousands of ulps


def dense_audit() -> dict:
    """The same screen by the audit's own route: every finite float16 from its sweep."""
    found = audit.screen(*CASE, xs=audit.all_finite("float16"))
    worst = int(np.nanargmax(found.ulps))
    return {"worst_x": float(found.xs[worst]), "wrongly_zero": found.zero_intervals}


def test_one_chunk_and_sixteen_chunks_agree_with_the_audit_sweep():
    whole = exhaustive.sweep(*CASE, chunk_bits=16)
    pieces = exhaustive.sweep(*CASE, chunk_bits=12)
    expected = dense_audit()
    assert whole["chunks"] == 1 and pieces["chunks"] == 16
    assert whole["points"] == pieces["points"] == 63_488
    # A run that crosses a chunk edge is joined: the intervals are the audit's, in either chunking.
    assert whole["wrongly_zero"] == pieces["wrongly_zero"] == expected["wrongly_zero"] != []
    assert whole["worst_x"] == pieces["worst_x"] == expected["worst_x"]
    assert whole["worst_ulps"] == pieces["worst_ulps"] > 1000


def test_a_chunk_with_no_point_to_screen_says_so_in_the_same_fields():
    """A chunk whose floats are all left out (relu's kink at 0, the chunk one float wide) has no worst
    point: its fields are there, empty, for merge to read."""
    key = int(floatscan.key_of(0.0, np.dtype("float16")))
    assert exhaustive.run_chunk("relu", "torch", "float16", index=key, chunk_bits=0) == {
        "index": key,
        "points": 0,
        "worst_ulps": None,
        "worst_x": None,
        "zero": [],
        "nonfinite": 0,
        "nan_or_inf_for_finite_x": [],
    }


def chunk(index: int, zero: list, worst: float | None = None, nonfinite: list | None = None) -> dict:
    """run_chunk's output for a synthetic chunk: zero runs as [first key, last key, first x, last x]."""
    bad = nonfinite or []
    return {
        "index": index,
        "points": 10,
        "worst_ulps": worst,
        "worst_x": None if worst is None else float(index),
        "zero": zero,
        "nonfinite": len(bad),
        "nan_or_inf_for_finite_x": bad,
    }


def test_merge_joins_runs_only_where_keys_meet_across_a_chunk_edge():
    chunks = [
        chunk(2, [[20, 29, 2.0, 2.9]], worst=3.0, nonfinite=[2.5] * 6),  # out of order: merge sorts by index
        chunk(0, [[1, 3, 0.1, 0.3], [8, 9, 0.8, 0.9]], worst=1.0),
        chunk(1, [[10, 19, 1.0, 1.9]], worst=7.0, nonfinite=[1.5] * 6),
        chunk(3, [[31, 32, 3.1, 3.2]]),  # key 30 is not zero: the run from chunk 0 to 2 ends at 29
    ]
    merged = exhaustive.merge(chunks)
    assert merged["wrongly_zero"] == [[0.1, 0.3], [0.8, 2.9], [3.1, 3.2]]
    assert (merged["chunks"], merged["points"], merged["nonfinite"]) == (4, 40, 12)
    assert (merged["worst_ulps"], merged["worst_x"]) == (7.0, 1.0)
    assert merged["nan_or_inf_for_finite_x"] == [1.5] * 6 + [2.5] * 4  # the first ten, in sweep order


def test_a_sweep_cut_short_resumes_from_its_state_and_ends_as_an_uncut_one(tmp_path):
    state = tmp_path / "state.json"
    calls = []
    exhaustive.sweep(*CASE, chunk_bits=12, chunks=range(5), state=state)  # "cut short" after 5 of 16 chunks
    saved = json.loads(state.read_text())
    assert sorted(saved["chunks"]) == sorted(str(i) for i in range(5))
    assert saved["header"] == {
        "format": exhaustive.STATE_FORMAT,  # a file of another format is refused, not misread
        "activation": CASE[0],
        "framework": CASE[1],
        "dtype": CASE[2],
        "chunk_bits": 12,
    }
    resumed = exhaustive.sweep(*CASE, chunk_bits=12, state=state, progress=lambda d, t, s: calls.append((d, t)))
    assert calls[0] == (6, 16) and calls[-1] == (16, 16) and len(calls) == 11  # only the 11 chunks left ran
    assert resumed == exhaustive.sweep(*CASE, chunk_bits=12)
    with pytest.raises(ValueError, match="holds a sweep of") as refused:
        exhaustive.sweep("tanh", "torch", "float16", chunk_bits=12, state=state)
    assert f"'activation': '{CASE[0]}'" in str(refused.value) and "'activation': 'tanh'" in str(refused.value)


def test_a_dask_local_cluster_gives_the_local_result():
    distributed = pytest.importorskip("distributed")
    local = exhaustive.sweep(*CASE, chunk_bits=12)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as c:
        with distributed.Client(c) as client:
            remote = exhaustive.sweep(*CASE, chunk_bits=12, client=client)
    assert remote == local


def test_the_sweep_names_what_it_takes():
    with pytest.raises(ValueError, match="float16, float32 or float64"):
        exhaustive.sweep("sigmoid", "torch", "bfloat16")
    assert exhaustive.chunk_count("float32") == 256 and exhaustive.chunk_count("float16", 12) == 16


def test_a_kink_is_left_out_of_the_sweep_as_it_is_out_of_the_audit():
    """relu's kink at 0 (both zeros) is judged by the kink table, not against a one-sided exact value."""
    whole = exhaustive.sweep("relu", "torch", "float16", chunk_bits=16)
    assert whole["points"] == audit.all_finite("float16").size - 2 == 63_486
