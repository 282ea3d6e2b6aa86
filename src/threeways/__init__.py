"""threeways: learn Python concurrency by reading one scenario written four ways.

Each classic scenario (a traffic light on an Event, dogs eating bones from a Queue...) is
implemented with ``threading``, ``multiprocessing``, ``asyncio`` and ``trio`` behind one
protocol; every implementation reports what happens as trace events, and the scenario
derives an observable that does not depend on scheduling luck, so the four can be proven
to behave alike::

    >>> import threeways
    >>> result = threeways.run("traffic_light", "trio", cars=3, tick=0.01)
    >>> result.ok, result.observable == result.expected
    (True, True)
"""

from __future__ import annotations

from typing import Any

from ._check import Report, Unusable, check
from ._failure import Failure, RunFailed, WorkerError
from ._models import ALL_MODELS, ModelUnavailable, available, unavailable
from ._protocol import MODELS, Mark, Observable, Param, Params, Result, Scenario, Span, param
from ._registry import UnknownName, get_scenario, scenarios
from ._run import run, start_methods
from ._trace import ChildTrace, Event, InjectedFault, Recorder, RunCancelled, Trace

__all__ = [
    "ALL_MODELS",
    "MODELS",
    "ChildTrace",
    "Event",
    "Failure",
    "InjectedFault",
    "Mark",
    "ModelUnavailable",
    "Observable",
    "Param",
    "Params",
    "Recorder",
    "Report",
    "Result",
    "RunCancelled",
    "RunFailed",
    "Scenario",
    "Span",
    "Trace",
    "UnknownName",
    "Unusable",
    "WorkerError",
    "available",
    "check",
    "get_scenario",
    "param",
    "print_results",
    "run",
    "scenarios",
    "start_methods",
    "trace_events",
    "unavailable",
]


def __getattr__(name: str) -> Any:
    # Terminal rendering (and the timeline, which trace_events reads) pulls in rich:
    # import it only when asked, so that spawned worker processes, which import this
    # package, start quickly.
    if name == "print_results":
        from ._render import print_results

        return print_results
    if name == "trace_events":
        from ._traceevents import trace_events

        return trace_events
    raise AttributeError(f"module 'threeways' has no attribute {name!r}")
