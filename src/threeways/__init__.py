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

from typing import TYPE_CHECKING, Any

from ._failure import Failure, RunFailed, WorkerError
from ._protocol import MODELS, Mark, Observable, Param, Params, Result, Scenario, Span, param
from ._registry import UnknownName, get_scenario, scenarios
from ._run import run, start_methods
from ._trace import ChildTrace, Event, InjectedFault, Recorder, RunCancelled, Trace

if TYPE_CHECKING:
    from ._check import Report, Unusable, check

__all__ = [
    "MODELS",
    "ChildTrace",
    "Event",
    "Failure",
    "InjectedFault",
    "Mark",
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
    "check",
    "get_scenario",
    "param",
    "print_results",
    "run",
    "scenarios",
    "start_methods",
]


def __getattr__(name: str) -> Any:
    # Terminal rendering pulls in rich, exercise mode the ast and subprocess modules:
    # import them only when asked, so that spawned worker processes, which import this
    # package, start quickly.
    if name == "print_results":
        from ._render import print_results

        return print_results
    if name in ("Report", "Unusable", "check"):
        from . import _check

        return getattr(_check, name)
    raise AttributeError(f"module 'threeways' has no attribute {name!r}")
