"""Run one scenario in one model and judge the result."""

from __future__ import annotations

import multiprocessing
import sys
import threading
from operator import attrgetter
from time import monotonic, perf_counter
from typing import Any

from ._protocol import Result
from ._registry import UnknownName, check_model, get_scenario
from ._trace import RunCancelled, Trace

__all__ = ["GRACE_S", "check_start_method", "is_trio_cache", "run", "start_methods"]

GRACE_S = 1.0
"""How long an interrupted run gives its threads and processes to stop."""


def start_methods() -> list[str]:
    """The ``multiprocessing`` start methods this platform offers, its default first."""
    default = multiprocessing.get_start_method(allow_none=True) or _platform_default()
    return [default, *(m for m in multiprocessing.get_all_start_methods() if m != default)]


def check_start_method(name: str) -> str:
    """``name`` if this platform has that start method; raises :class:`UnknownName` otherwise."""
    if name not in multiprocessing.get_all_start_methods():
        raise UnknownName("start method", name, multiprocessing.get_all_start_methods())
    return name


def _platform_default() -> str:
    # Asking multiprocessing would fix the global start method as a side effect.
    if sys.platform in ("darwin", "win32"):
        return "spawn"
    return "forkserver" if sys.version_info >= (3, 14) else "fork"


def run(scenario: str, model: str, *, start_method: str | None = None, **params: Any) -> Result:
    """Run ``scenario`` in ``model`` with ``params`` and return its :class:`Result`.

    ``threeways.run("traffic_light", "trio", cars=3)``. ``start_method`` applies to the
    ``multiprocessing`` model (default: the platform's). Raises ``UnknownName`` for an
    unknown scenario, model or start method, ``TypeError``/``ValueError`` for bad
    parameters, and whatever the implementation raised if it failed (a wait that timed
    out, an ``ExceptionGroup`` from a task group...). On ``KeyboardInterrupt`` it stops
    the run's threads and processes within about :data:`GRACE_S` before re-raising.
    """
    sc = get_scenario(scenario)
    check_model(model, sc.models)
    p = sc.params(**params)
    main = sc.implementation(model)
    method = None
    if model == "multiprocessing":
        method = check_start_method(start_method or start_methods()[0])
    trace = Trace(start_method=method)
    before = set(threading.enumerate())
    start = perf_counter()
    try:
        main(trace, p)
    except BaseException as exc:
        _stop(trace, before)
        if isinstance(exc, BaseExceptionGroup) and exc.split(KeyboardInterrupt)[0]:
            # A nursery or task group wraps the interrupt with whatever else it caught.
            raise KeyboardInterrupt from exc
        raise
    elapsed = perf_counter() - start
    events = sorted(trace.events, key=attrgetter("t"))  # stable: each actor keeps its order
    return Result(
        scenario=sc.name,
        model=model,
        params=p.as_dict(),
        observable=sc.observe(events, p),
        expected=sc.expected(p),
        events=events,
        elapsed_s=elapsed,
        violations=list(sc.invariants(events, p)),
        start_method=method,
        measurements=sc.measure(events, p),
    )


def _stop(trace: Trace, threads_before: set[threading.Thread]) -> None:
    """Stop what an interrupted or failed run left: its threads and child processes.

    Threads cannot be cancelled: the trace makes their next ``record`` raise
    :class:`RunCancelled`, and we wait a little for them. Processes are terminated.
    """
    trace.cancel()
    deadline = monotonic() + GRACE_S
    for child in multiprocessing.active_children():
        child.terminate()
    for child in multiprocessing.active_children():
        child.join(max(0.0, deadline - monotonic()))
    hook = threading.excepthook
    threading.excepthook = _quiet_when_cancelled
    try:
        for thread in set(threading.enumerate()) - threads_before:
            if is_trio_cache(thread):
                continue
            thread.join(max(0.0, deadline - monotonic()))
    finally:
        threading.excepthook = hook


def is_trio_cache(thread: threading.Thread) -> bool:
    """One of trio's idle cached worker threads: kept about 10 s by design, never waited for."""
    return thread.name.startswith("Trio thread")


def _quiet_when_cancelled(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is not RunCancelled:
        threading.__excepthook__(args)
