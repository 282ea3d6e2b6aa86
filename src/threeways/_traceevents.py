"""A run as a Chrome trace-event file, for Perfetto (ui.perfetto.dev) and chrome://tracing.

Those viewers already show what threads did, with zoom, search and a panel of details for
whatever is clicked; threeways knows, from each run's events, what each actor was doing
when. :func:`trace_events` writes the one in the format of the other: the "JSON Object
Format" of the Trace Event Format, ``{"traceEvents": [...], "displayTimeUnit": "ms",
"otherData": {...}}``.

- Each model's run is a *process* (``pid`` 1, 2, ... in the order of the runs), each of
  its actors a *thread* (a track of its own, in the order the actors first appear), both
  named with metadata (``"ph": "M"``) events.
- Each bar of ``--timeline`` (:func:`threeways._timeline.lanes`: what the scenario's
  :meth:`~threeways.Scenario.timeline` hook says, cut at the run's end) is a complete
  event (``"ph": "X"``) named by its state (``running``, ``waiting``, ``holding``, or the
  scenario's own, such as ``red``), its ``args`` the actor's events while it lasted, in
  the scenario's words: the first is the one that opened it.
- Each trace event is an instant (``"ph": "i"``, ``"s": "t"``) on its actor's track, named
  "actor action", with its detail and the scenario's sentence for it in ``args``.
- The scenario's phases (:meth:`~threeways.Scenario.marks`) are complete events on a
  track of their own, "phases", above the actors.
- A failed run shows what happened up to its failure, an instant where each worker raised,
  and one for the failure itself (``"s": "p"``, across the process) with the report.

Each run's time starts at 0, as every model's does on ``--timeline``, so their lengths
compare. Times are whole microseconds: ``ts`` and ``dur`` are in microseconds, and an
integer keeps bars that touch from overlapping by a rounding error (Perfetto, like the
format, shows the bars of one track only when they nest).
"""

from __future__ import annotations

import importlib.metadata
import sys
from collections.abc import Sequence
from typing import Any

from ._protocol import Result, Scenario
from ._registry import get_scenario
from ._timeline import Lanes, lanes

__all__ = ["trace_events"]

TRACKS_PER_RUN = 1000
"""Thread ids are ``pid * 1000 + n``: unique in the file, so that no viewer can take the
tracks of two processes for one thread, never a process's id, and never 0 (which Perfetto
has merged with 1)."""


def trace_events(results: Sequence[Result]) -> dict[str, Any]:
    """The runs ``results`` (one scenario's, one per model) in the Chrome trace-event
    format, as a JSON object ready for ``json.dump``."""
    events: list[dict[str, Any]] = []
    for pid, result in enumerate(results, start=1):
        events += _run(result, pid)
    return {"traceEvents": events, "displayTimeUnit": "ms", "otherData": _other_data(results)}


def _run(result: Result, pid: int) -> list[dict[str, Any]]:
    sc = get_scenario(result.scenario)
    run = lanes(result)
    name = (
        result.model if result.start_method is None else f"{result.model} ({result.start_method})"
    )
    out = [
        _meta("process_name", pid, pid, {"name": name}),
        _meta("process_sort_index", pid, pid, {"sort_index": pid}),
    ]
    tracks = _tracks(result, run, pid)
    for actor, tid in tracks.items():
        out.append(_meta("thread_name", pid, tid, {"name": actor}))
        out.append(_meta("thread_sort_index", pid, tid, {"sort_index": tid}))
    out += _spans(sc, result, run, pid, tracks)
    out += _phases(run, pid, tracks)
    for e in result.events:
        args = {"detail": e.detail, "story": sc.narrate(e)}
        out.append(_instant(f"{e.actor} {e.action}", "event", e.t, pid, tracks[e.actor], args))
    out += _failure(result, run, pid, tracks)
    return out


def _tracks(result: Result, run: Lanes, pid: int) -> dict[str, int]:
    """A thread id for each track of the run: the phases first, if it has any, then its
    actors in the order they first appear, then any worker that raised without being one."""
    names = ["phases"] if run.marks else []
    names += run.actors
    if result.failure is not None:
        names += [e.who for e in result.failure.errors]
    unique = dict.fromkeys(names)
    return {name: pid * TRACKS_PER_RUN + i for i, name in enumerate(unique, start=1)}


def _spans(
    sc: Scenario[Any], result: Result, run: Lanes, pid: int, tracks: dict[str, int]
) -> list[dict[str, Any]]:
    out = []
    for span in run.spans:
        during = [
            sc.narrate(e)
            for e in result.events
            if e.actor == span.actor and span.start <= e.t < span.end
        ]
        out.append(
            _complete(span.state, "state", span.start, span.end, pid, tracks[span.actor], during)
        )
    return out


def _phases(run: Lanes, pid: int, tracks: dict[str, int]) -> list[dict[str, Any]]:
    """Each phase as a bar from its mark to the next (the last one to the run's end)."""
    if not run.marks:
        return []
    ends = [*(m.t for m in run.marks[1:]), run.end]
    return [
        _complete(mark.label, "phase", mark.t, max(mark.t, until), pid, tracks["phases"], [])
        for mark, until in zip(run.marks, ends, strict=True)
    ]


def _failure(result: Result, run: Lanes, pid: int, tracks: dict[str, int]) -> list[dict[str, Any]]:
    """Where each worker raised, on its track, and the failure across the process: when
    the first worker raised, or when the run gave up (a timeout)."""
    failure = result.failure
    if failure is None:
        return []
    out = []
    times = []
    for error in failure.errors:
        if error.t is None:
            continue
        # A run's clock starts a moment before its elapsed time does: a timeout can come
        # a fraction of a millisecond after the timeline's end, where no bar is.
        t = min(error.t, run.end)
        times.append(t)
        out.append(_instant(error.line(), "error", t, pid, tracks[error.who], error.as_dict()))
    moment = min(times, default=run.end)
    name = f"{failure.kind}: {failure.message}"
    out.append(_instant(name, "failure", moment, pid, None, failure.as_dict()))
    return out


def _other_data(results: Sequence[Result]) -> dict[str, Any]:
    """What the file is a run of; a viewer shows it as the trace's metadata."""
    first = results[0] if results else None
    return {
        "scenario": first.scenario if first else None,
        "params": dict(first.params) if first else {},
        "threeways": _version(),
        "python": sys.version.split()[0],
        "ok": all(r.ok for r in results),
        "runs": [
            {
                "model": r.model,
                "start_method": r.start_method,
                "ok": r.ok,
                "elapsed_s": round(r.elapsed_s, 6),
                "failure": None if r.failure is None else r.failure.message,
            }
            for r in results
        ],
    }


def _version() -> str:
    try:
        return importlib.metadata.version("threeways")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree
        return "unknown"


# ---------------------------------------------------------------------------- events


def _us(t: float) -> int:
    return max(0, round(t * 1e6))


def _meta(name: str, pid: int, tid: int, args: dict[str, Any]) -> dict[str, Any]:
    # Chrome's own metadata events carry this category; stricter readers want one on each.
    return {
        "name": name,
        "cat": "__metadata",
        "ph": "M",
        "ts": 0,
        "pid": pid,
        "tid": tid,
        "args": args,
    }


def _complete(
    name: str, cat: str, start: float, end: float, pid: int, tid: int, events: list[str]
) -> dict[str, Any]:
    ts = _us(start)
    args = {"events": events} if events else {}
    return {
        "name": name,
        "cat": cat,
        "ph": "X",
        "ts": ts,
        "dur": _us(end) - ts,
        "pid": pid,
        "tid": tid,
        "args": args,
    }


def _instant(
    name: str, cat: str, t: float, pid: int, tid: int | None, args: dict[str, Any]
) -> dict[str, Any]:
    """An instant on track ``tid``, or across the whole process if ``tid`` is None."""
    scope = {"s": "t", "tid": tid} if tid is not None else {"s": "p", "tid": pid * TRACKS_PER_RUN}
    return {
        "name": name,
        "cat": cat,
        "ph": "i",
        "ts": _us(t),
        "pid": pid,
        **scope,
        "args": args,
    }
