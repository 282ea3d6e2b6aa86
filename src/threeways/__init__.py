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

import importlib
from typing import TYPE_CHECKING, Any

from ._models import ALL_MODELS, ModelUnavailable, available, unavailable
from ._protocol import MODELS, Mark, Observable, Param, Params, Result, Scenario, Span, param
from ._registry import UnknownName, get_scenario, scenarios  # after the scenarios package
from ._trace import ChildTrace, Event, InjectedFault, Recorder, RunCancelled, Trace

if TYPE_CHECKING:
    from ._check import Report, Unusable, check
    from ._failure import Failure, RunFailed, WorkerError
    from ._render import print_results
    from ._run import run, start_methods
    from ._traceevents import trace_events

_LAZY = {
    "Report": "_check",
    "Unusable": "_check",
    "check": "_check",
    "Failure": "_failure",
    "RunFailed": "_failure",
    "WorkerError": "_failure",
    "print_results": "_render",
    "run": "_run",
    "start_methods": "_run",
    "trace_events": "_traceevents",
}
"""Names imported when first asked for: a child process of a run imports this package to
find its scenario's model, and needs none of the runner, the checker, trio or rich."""

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
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'threeways' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
