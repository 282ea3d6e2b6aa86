"""One run of ``threeways check``, in a process of its own (see ``_check.WORKER``).

The checker starts one of these per run, so that a run that hangs can be killed and one
that leaks cannot hide behind another. SPEC is a JSON object (see ``_check._Spec``); the
verdict is written as JSON to the file it names. The run is the harness's, with the
learner's ``main``: switch interval 1e-6 and the GIL given up at random ``record`` calls
(``noise``); a leak check after it; and a watchdog which, if the run is still going at
``hang_after`` seconds, writes who was stuck (read from the events so far) and ends the
process (the checker kills what is left of it).
"""

from __future__ import annotations

import contextlib
import difflib
import importlib
import json
import os
import sys
import threading
import traceback
from typing import Any

from . import _failure
from ._failure import Failure, RunFailed
from ._leaks import leftovers, snapshot
from ._protocol import Result
from ._registry import get_scenario
from ._run import GRACE_S, run
from ._trace import Trace

__all__ = ["trimmed"]

TIMELINE_WIDTH = 100


def trimmed(text: str, path: str) -> str:
    """A traceback cut to the frames in ``path`` (the learner's file) and the error itself:
    threeways' and the standard library's frames are not theirs to read."""
    lines = text.rstrip("\n").splitlines()
    start = max((i for i, line in enumerate(lines) if line.startswith("Traceback")), default=0)
    kept: list[str] = []
    keep = False
    for line in lines[start:]:
        if line.startswith('  File "'):
            keep = line.startswith(f'  File "{path}"')
        elif not line.startswith(" "):
            keep = True  # the header, and the error's own lines
        if keep:
            kept.append(line)
    return "\n".join(kept)


def _verdict(result: Result, path: str, error: RunFailed | None) -> dict[str, Any]:
    problems: list[str] = []
    diff: list[str] = []
    tracebacks: list[str] = []
    if error is not None:
        failure = error.result.failure
        assert failure is not None
        problems.append(failure.message)
        tracebacks = [trimmed(e.traceback, path) for e in failure.errors if e.traceback]
        tracebacks = [t for t in tracebacks if t]
    else:
        if not result.events:
            problems.append("nothing was recorded: main returned without a trace.record call")
        if result.observable != result.expected:
            problems.append(_differs(result.expected, result.observable))
            diff = _diff(result.expected, result.observable)
        problems += [f"invariant broken: {v}" for v in result.violations]
    return {"problems": problems, "diff": diff, "tracebacks": tracebacks}


def _differs(expected: Any, got: Any) -> str:
    """``the observable differs: count is 5, expected 15``."""

    def shown(value: Any) -> str:
        text = json.dumps(value, default=str)
        return text if len(text) <= 60 else text[:57] + "..."

    if isinstance(expected, dict) and isinstance(got, dict):
        keys = [k for k in expected if expected.get(k) != got.get(k)]
        keys += [k for k in got if k not in expected]
        parts = [f"{k} is {shown(got.get(k))}, expected {shown(expected.get(k))}" for k in keys]
        return "the observable differs: " + "; ".join(parts[:3])
    return f"the observable differs: {shown(got)}, expected {shown(expected)}"


def _diff(expected: Any, got: Any) -> list[str]:
    def lines(value: Any) -> list[str]:
        return json.dumps(value, indent=1, sort_keys=True, default=str).splitlines()

    return list(difflib.unified_diff(lines(expected), lines(got), "expected", "got", lineterm=""))


def _timeline(result: Result) -> str:
    from ._timeline import lanes, timeline_text

    try:
        return timeline_text([lanes(result)], TIMELINE_WIDTH).plain
    except Exception:  # a learner's events the scenario's timeline cannot draw
        return ""


class _Watchdog:
    """Ends a run that is still going at ``after`` seconds, naming who was stuck."""

    def __init__(self, spec: dict[str, Any], write: Any) -> None:
        self.spec = spec
        self.write = write
        self.trace: Trace | None = None
        self.timer = threading.Timer(spec["hang_after"], self._fire)
        self.timer.daemon = True

    def watch(self, trace: Trace) -> None:
        self.trace = trace

    def _fire(self) -> None:
        spec = self.spec
        sc = get_scenario(spec["scenario"])
        p = sc.params(**spec["params"])
        events = self.trace.snapshot() if self.trace else []
        stuck = _failure.still_running(sc, events, p)
        who = "; ".join(_failure._since(sc, e) for e in stuck[:8])
        message = f"hung: still going after {spec['hang_after']:g} s (timeout {p.timeout:g} s)"
        message += f"; stuck: {who}" if who else "; no actor had recorded anything"
        verdict: dict[str, Any] = {"outcome": "hung", "problems": [message]}
        if events:
            so_far = Result(
                scenario=sc.name,
                model=spec["model"],
                params=p.as_dict(),
                observable=None,
                expected=sc.expected(p),
                events=events,
                elapsed_s=spec["hang_after"],
                failure=Failure("timeout", message, still_running=stuck),
            )
            verdict["timeline"] = _timeline(so_far)
        self.write(verdict)
        os._exit(1)


def _start_helpers(spec: dict[str, Any]) -> None:
    """multiprocessing's long-lived helpers, started before the run so that they do not
    count as left behind by it: the resource tracker, and the forkserver if it is used."""
    from multiprocessing import forkserver, resource_tracker

    if spec["model"] in ("threading", "asyncio", "trio"):
        return  # none of them starts a process (and each helper is a Python to start)
    resource_tracker.ensure_running()
    if spec["start_method"] == "forkserver":
        forkserver.ensure_running()


def main(argv: list[str]) -> int:
    spec = json.loads(argv[0])

    def write(verdict: dict[str, Any]) -> None:
        with open(spec["verdict"], "w", encoding="utf-8") as f:
            json.dump(verdict, f, default=str)

    sys.setswitchinterval(spec["switch_interval"])
    sys.path.insert(0, spec["dir"])
    try:
        module = importlib.import_module(spec["module"])
        learner_main = module.main
    except BaseException as exc:  # their code, at import: the file cannot be used
        text = trimmed("".join(traceback.format_exception(exc)), spec["path"])
        last = text.splitlines()[-1] if text else f"{type(exc).__name__}: {exc}"
        write({"outcome": "unusable", "problems": [f"importing it raised {last}"], "tb": text})
        return 2
    _start_helpers(spec)
    watchdog = _Watchdog(spec, write)
    watchdog.timer.start()  # before the run: its thread is not one of the run's

    def started(trace: Trace) -> None:
        if spec["model"] == "dask":  # a cluster's workers (and scheduler) lack the file
            trace.uploads.append(spec["path"])
        watchdog.watch(trace)

    before = snapshot()
    error: RunFailed | None = None
    try:
        result = run(
            spec["scenario"],
            spec["model"],
            start_method=spec["start_method"],
            stop_timeout=GRACE_S,
            implementation=learner_main,
            noise=spec["seed"],
            on_start=started,
            **spec["params"],
        )
    except RunFailed as failed:
        error, result = failed, failed.result
    except (Exception, SystemExit) as exc:  # main itself raised, not a worker: their code
        text = trimmed("".join(traceback.format_exception(exc)), spec["path"])
        write({"outcome": "failed", "problems": [f"main raised {exc!r}"], "tracebacks": [text]})
        return 1
    finally:
        watchdog.timer.cancel()
        watchdog.trace = None  # it holds the run's processes: their pipes must close
    verdict = _verdict(result, spec["path"], error)
    left = leftovers(before, wait=GRACE_S)
    if left:
        verdict["problems"].append("left behind after the run: " + ", ".join(left))
    verdict["outcome"] = "failed" if verdict["problems"] else "passed"
    verdict["elapsed_s"] = result.elapsed_s
    verdict["observable"] = result.observable
    verdict["expected"] = result.expected
    if verdict["problems"] and result.events:
        verdict["timeline"] = _timeline(result)
    write(verdict)
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    if left:
        # a thread that would not stop keeps the interpreter from exiting until it ends by
        # itself: the verdict is written, and whatever is left, the checker kills with us
        os._exit(0)
    return 0
