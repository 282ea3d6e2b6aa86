"""Run one scenario in one model and judge the result."""

from __future__ import annotations

import contextlib
import multiprocessing
import sys
from collections.abc import Callable
from operator import attrgetter
from time import perf_counter
from typing import Any

from . import _failure
from ._failure import Failure, RunFailed, WorkerError
from ._protocol import Params, Result, Scenario
from ._registry import UnknownName, check_model, get_scenario
from ._supervise import GRACE_S, Supervisor, is_trio_cache
from ._support import WorkerExited
from ._trace import Event, Recorder, RunCancelled, Trace

__all__ = ["GRACE_S", "check_start_method", "is_trio_cache", "run", "start_methods"]


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


def run(
    scenario: str,
    model: str,
    *,
    start_method: str | None = None,
    fail_at: str | None = None,
    stop_timeout: float | None = None,
    implementation: Callable[[Recorder, Any], None] | None = None,
    noise: int | None = None,
    on_start: Callable[[Trace], object] | None = None,
    scheduler: str | None = None,
    **params: Any,
) -> Result:
    """Run ``scenario`` in ``model`` with ``params`` and return its :class:`Result`.

    ``threeways.run("traffic_light", "trio", cars=3)``. ``start_method`` applies to the
    ``multiprocessing`` model (default: the platform's), ``scheduler`` to the ``dask`` model:
    the address of a running dask scheduler (``tcp://127.0.0.1:8786``) to run its tasks on
    (default: the one dask's config names, ``DASK_SCHEDULER_ADDRESS``, else an embedded
    ``LocalCluster`` started and closed by the run). ``fail_at`` injects a failure:
    the first time a worker is about to record an event whose "actor action" begins with
    it (``"Benz passes"``), that worker raises :class:`~threeways.InjectedFault` instead.

    Raises ``UnknownName`` for an unknown scenario, model or start method,
    ``TypeError``/``ValueError`` for bad parameters, and :class:`~threeways.RunFailed` when
    the run fails: a worker raised an exception nobody handled, or the run could not finish
    within its timeout. ``RunFailed`` is an ``ExceptionGroup`` of the errors, the same in
    every model, with the run so far (every event up to the failure) as its ``result``.
    On ``KeyboardInterrupt`` it stops the run's threads and processes within about
    :data:`GRACE_S` before re-raising.

    ``implementation`` runs another ``main(trace, p)`` for the model, yours, judged as the
    scenario's own is. ``noise`` (a seed) makes every ``record`` give up the GIL at random,
    to shake out races; ``on_start`` is called with the run's :class:`Trace` before ``main``
    (a watchdog can read ``trace.snapshot()``). ``threeways check`` uses all three.

    A thread cannot be cancelled: after a failure, one blocked in a wait ends only at that
    wait's timeout. ``stop_timeout`` is how long a failed run waits for such threads:
    by default its own ``timeout`` (every wait is bounded by it), so that nothing it
    started is left behind; a program about to exit may pass :data:`GRACE_S`.
    """
    sc = get_scenario(scenario)
    check_model(model, sc.models)
    p = sc.params(**params)
    main = implementation or sc.implementation(model)
    method = None
    if model == "multiprocessing":
        method = check_start_method(start_method or start_methods()[0])
    supervisor = Supervisor(model, start_method=method, fail_at=fail_at, noise=noise)
    trace = supervisor.trace
    if on_start is not None:
        on_start(trace)
    with supervisor, supervisor.logs(), _configured(model, scheduler):
        start = perf_counter()
        error: BaseException | None = None
        try:
            main(trace, p)
        except BaseException as exc:
            error = exc
        supervisor.main_done()
        elapsed = perf_counter() - start
        if supervisor.deadlock is None and _interrupted(error, trace):
            supervisor.cleanup(GRACE_S)
            if isinstance(error, KeyboardInterrupt):
                raise error
            # A nursery or task group wraps the interrupt with whatever else it caught.
            raise KeyboardInterrupt from error
        errors = _errors(supervisor, error)
        wait = p.timeout if stop_timeout is None else stop_timeout
        not_stopped = supervisor.cleanup(wait) if errors or error is not None else []
    events = sorted(trace.events, key=attrgetter("t"))  # stable: each actor keeps its order
    if error is not None and not errors:
        raise error  # nothing a worker did: a bug in the run itself, shown as it is
    if errors:
        failure = _failure.failure(sc, p, events, errors, elapsed, not_stopped)
        result = _result(sc, model, p, events, elapsed, method, failure)
        raise RunFailed(failure.message, [_as_exception(e) for e in errors], result) from None
    return _result(sc, model, p, events, elapsed, method, None)


def _configured(model: str, scheduler: str | None) -> contextlib.AbstractContextManager[None]:
    """dask's config for a run of the dask model (see :func:`threeways._cluster.configured`)."""
    if model != "dask":
        return contextlib.nullcontext()
    from ._cluster import configured

    return configured(scheduler)


def _interrupted(error: BaseException | None, trace: Trace) -> bool:
    if error is None:
        return False
    if isinstance(error, BaseExceptionGroup) and error.split(KeyboardInterrupt)[0]:
        return True
    if isinstance(error, RunCancelled) and trace.cancelled == "interrupted":
        return True
    return isinstance(error, KeyboardInterrupt)


def _errors(supervisor: Supervisor, error: BaseException | None) -> list[WorkerError]:
    """Every error of the run, each with whose it was, in the order they happened: what
    its threads raised, what its child processes reported, and what ``main`` raised (but
    for a child's exit code when the child's own error is known)."""
    trace = supervisor.trace
    found = list(supervisor.errors)
    reported = set()
    for child in trace.child_failures:
        reported.add(child.process)
        found.append(WorkerError(child.actor, child.rebuilt(), child.t, child.traceback))
    if error is not None:
        for e in supervisor.main_errors(error):
            if not (isinstance(e.error, WorkerExited) and e.error.name in reported):
                found.append(e)
    return _failure.ordered(found)


def _as_exception(error: WorkerError) -> Exception:
    if isinstance(error.error, Exception):
        return error.error
    return RuntimeError(error.line())  # an ExceptionGroup holds Exceptions only


def _result(
    sc: Scenario[Any],
    model: str,
    p: Params,
    events: list[Event],
    elapsed: float,
    method: str | None,
    failure: Failure | None,
) -> Result:
    if failure is None:
        observable = sc.observe(events, p)
        violations = list(sc.invariants(events, p))
        measurements = sc.measure(events, p)
    else:  # the story so far: its invariants and numbers would only echo the failure
        try:
            observable = sc.observe(events, p)
        except Exception:
            observable = None
        violations, measurements = [], {}
    return Result(
        scenario=sc.name,
        model=model,
        params=p.as_dict(),
        observable=observable,
        expected=sc.expected(p),
        events=events,
        elapsed_s=elapsed,
        violations=violations,
        start_method=method,
        measurements=measurements,
        failure=failure,
    )
