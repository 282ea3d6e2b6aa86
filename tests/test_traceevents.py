"""``--trace-events FILE``: a run in the Chrome trace-event JSON format, for Perfetto.

No viewer runs here (Perfetto's trace processor is a binary it downloads), so the tests
check the file against what the format requires and what the viewers rely on: the fields
of each phase, names for every process and track, bars of one track that never overlap,
times within the run. Timings vary from run to run, so positions are never compared.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

import threeways
from threeways import Result, scenarios
from threeways._timeline import lanes
from threeways.cli import main

from .conftest import FAST, fast_run

NEEDS = {"M": {"name", "ph", "pid", "tid", "args"}, "X": {"name", "ph", "ts", "dur", "pid", "tid"}}
NEEDS["i"] = {"name", "ph", "ts", "pid", "tid", "s"}


def check_trace(trace: Any, results: Sequence[Result]) -> list[dict[str, Any]]:
    """Fail unless ``trace`` is a valid trace-event file of ``results``; its events."""
    trace = json.loads(json.dumps(trace))  # plain JSON, as a viewer reads it
    assert set(trace) == {"traceEvents", "displayTimeUnit", "otherData"}
    assert trace["displayTimeUnit"] in ("ms", "ns")
    events: list[dict[str, Any]] = trace["traceEvents"]
    for e in events:
        assert NEEDS[e["ph"]] <= set(e), e
        assert isinstance(e["name"], str) and isinstance(e["pid"], int), e
        assert isinstance(e["tid"], int) and e["tid"] > 0, e
        assert e.get("ts", 0) >= 0 and e.get("dur", 0) >= 0, e
    processes = _named(events, "process_name")
    assert [processes[pid] for pid in sorted(processes)] == [_process(r) for r in results]
    order = {e["pid"]: e["args"]["sort_index"] for e in events if e["name"] == "process_sort_index"}
    assert sorted(processes, key=order.__getitem__) == sorted(processes)
    tracks = _named(events, "thread_name")
    for pid, result in enumerate(results, start=1):
        _check_run([e for e in events if e["pid"] == pid], result, tracks)
    other = trace["otherData"]
    assert other["scenario"] == results[0].scenario and other["params"] == results[0].params
    assert {"threeways", "python", "ok"} <= set(other)
    assert [(r["model"], r["start_method"], r["ok"]) for r in other["runs"]] == [
        (r.model, r.start_method, r.ok) for r in results
    ]
    return events


def _check_run(events: list[dict[str, Any]], result: Result, tracks: dict[int, str]) -> None:
    """One model's process: a named track per actor, in order of first appearance; each
    event an instant on its actor's track; bars that never overlap, within the run."""
    run = lanes(result)
    own = [tracks[e["tid"]] for e in events if e["name"] == "thread_name"]
    actors = [a for a in own if a in run.actors]
    assert actors == list(run.actors)
    end_us = round(run.end * 1e6)
    bars: dict[int, list[dict[str, Any]]] = {}
    for e in events:
        if e["ph"] == "M":
            continue
        assert e["ts"] + e.get("dur", 0) <= end_us, e
        if e["ph"] == "X":
            bars.setdefault(e["tid"], []).append(e)
        if e.get("s") == "t" or e["ph"] == "X":
            assert e["tid"] in tracks, e  # every bar and instant is on a named track
    for track in bars.values():
        track.sort(key=lambda e: (e["ts"], e["dur"]))
        for before, after in itertools.pairwise(track):
            assert before["ts"] + before["dur"] <= after["ts"], (before, after)
    instants = [e for e in events if e["ph"] == "i" and e.get("s") == "t"]
    for event in result.events:
        name = f"{event.actor} {event.action}"
        assert any(i["name"] == name and tracks[i["tid"]] == event.actor for i in instants), name
    states = {s.state for s in run.spans}
    assert {e["name"] for e in events if e["ph"] == "X" and tracks[e["tid"]] != "phases"} == states
    if run.marks:
        phases = [e for e in events if e["ph"] == "X" and tracks[e["tid"]] == "phases"]
        assert [p["name"] for p in phases] == [m.label for m in run.marks]


def _named(events: list[dict[str, Any]], what: str) -> dict[int, str]:
    key = "pid" if what == "process_name" else "tid"
    named = [e for e in events if e["ph"] == "M" and e["name"] == what]
    ids = [e[key] for e in named]
    assert len(ids) == len(set(ids)), f"two {what} for one id"  # tids are unique in the file
    return {e[key]: e["args"]["name"] for e in named}


def _process(result: Result) -> str:
    method = f" ({result.start_method})" if result.start_method else ""
    return result.model + method


@pytest.mark.parametrize("name", list(scenarios()))
def test_every_scenario_writes_valid_trace_events(name: str, model: str) -> None:
    # every scenario in every model: a valid file, a named track per actor, bars that nest
    result = fast_run(name, model)
    check_trace(threeways.trace_events([result]), [result])


def test_a_span_until_the_run_ends_ends_at_its_end() -> None:
    # the light's last colour lasts "until the run ends" (math.inf): its bar ends at the end
    result = fast_run("traffic_light", "trio")
    events = check_trace(threeways.trace_events([result]), [result])
    [light] = [
        e["tid"] for e in events if e["name"] == "thread_name" and e["args"]["name"] == "light"
    ]
    last = max((e for e in events if e["ph"] == "X" and e["tid"] == light), key=lambda e: e["ts"])
    assert last["ts"] + last["dur"] == round(lanes(result).end * 1e6)
    waits = [e for e in events if e["ph"] == "X" and e["name"] == "waiting"]
    assert waits and all(w["args"]["events"] for w in waits)  # each bar says what opened it


def test_a_failed_run_shows_what_happened_until_then(model: str) -> None:
    # a failed run: its events so far, where the worker raised, and the failure's line
    with pytest.raises(threeways.RunFailed) as failed:
        threeways.run("traffic_light", model, cars=2, fail_at="Audi passes", **FAST)
    result = failed.value.result
    assert result.failure is not None
    trace = threeways.trace_events([result])
    events = check_trace(trace, [result])
    [whole] = [e for e in events if e["ph"] == "i" and e["s"] == "p"]
    assert whole["name"] == f"error: {result.failure.message}"
    assert whole["args"]["errors"][0]["type"] == "InjectedFault"
    audi = {e["tid"] for e in events if e["name"] == "thread_name" and e["args"]["name"] == "Audi"}
    raised = [e for e in events if e["name"].startswith("Audi raised InjectedFault")]
    assert raised and {e["tid"] for e in raised} == audi and "traceback" in raised[0]["args"]
    assert trace["otherData"]["ok"] is False
    assert trace["otherData"]["runs"][0]["failure"] == result.failure.message


def test_a_timed_out_run_says_who_was_still_running() -> None:
    # a timeout: the failure's line names who was still running, at the moment it gave up
    with pytest.raises(threeways.RunFailed) as failed:
        threeways.run("traffic_light", "trio", cars=2, tick=0.1, timeout=0.2)
    result = failed.value.result
    assert result.failure is not None and result.failure.kind == "timeout"
    events = check_trace(threeways.trace_events([result]), [result])
    [whole] = [e for e in events if e["ph"] == "i" and e["s"] == "p"]
    assert whole["name"].startswith("timeout: ") and whole["args"]["still_running"]


def test_cli_writes_every_model_with_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # --trace-events with --json: stdout stays one JSON object per run, the file has them all
    path = tmp_path / "run.json"
    argv = ["producer_consumer", "--json", "--trace-events", str(path), "--tick", "0.002"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    models = threeways.available(threeways.get_scenario("producer_consumer").models)
    assert [r["model"] for r in lines] == list(models)
    assert str(path) in captured.err
    trace = json.loads(path.read_text(encoding="utf-8"))
    names = {e["args"]["name"] for e in trace["traceEvents"] if e["name"] == "process_name"}
    assert {n.split()[0] for n in names} == set(models)
    assert trace["otherData"]["ok"] is True


def test_cli_writes_with_timeline_and_a_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # with --timeline, and for a failed run: the picture is drawn and the file written
    path = tmp_path / "failed.json"
    argv = ["traffic_light", "--model", "asyncio", "--timeline", "--trace-events", str(path)]
    argv += ["--fail-at", "Audi passes", "--cars", "2", "--tick", "0.002"]
    assert main(argv) == 1
    assert "ended at" in capsys.readouterr().out
    trace = json.loads(path.read_text(encoding="utf-8"))
    assert any(e.get("s") == "p" for e in trace["traceEvents"])
    assert "Audi raised" in trace["otherData"]["runs"][0]["failure"]


@pytest.mark.parametrize("where", ["missing/run.json", "."])
def test_cli_bad_path_is_one_line(
    where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a file in a directory that does not exist, or a directory: one line, exit 2, no run
    path = tmp_path / where
    assert main(["traffic_light", "--trace-events", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--trace-events" in err and "running" not in err
