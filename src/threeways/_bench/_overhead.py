"""overhead: what the harness adds to a run, as a ratio.

Every scenario, in each model, runs twice over: through ``threeways.run(...)`` (the
supervisor, the trace and its child sinks, the judging) and as its bare ``main(trace, p)``
given a recorder that keeps nothing (:class:`Discard`, with the same ``mp_context``, and a
child recorder that discards too). The two alternate, pair by pair, so that a change in
the machine's load falls on both; each pair gives one ratio, harness over bare, of the
CPU time they used (this process's and its children's: what other jobs on the machine do
changes it little) and of the wall time (what a user waits, which other jobs change a lot).

At ``tick=0`` a scenario's sleeps take no time and the ratio is the harness's own cost; at
the default tick the sleeps dominate and every ratio reads about 1.00, which proves
nothing. A sample is as many runs as take about :attr:`Config.sample_s`, timed by
``timeit`` (which turns the garbage collector off while it times, for both alike).
"""

from __future__ import annotations

import statistics
import time
import timeit
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

try:
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

from .._processes import quiet_context
from .._protocol import Scenario
from .._registry import scenarios
from .._run import run, start_methods
from . import Config, Figure, figure, skipped

TIMEOUT_S = 10.0
"""Each scenario's timeout here: a run at tick 0 takes milliseconds."""


class Discard:
    """A recorder that keeps nothing: the bare ``main`` is given this (and its children
    :class:`DiscardChild`), with the run's own ``mp_context``."""

    def __init__(self, start_method: str) -> None:
        self.start_method = start_method

    def record(self, actor: str, action: str, detail: Any = "") -> None:
        pass

    @property
    def mp_context(self) -> Any:
        return quiet_context(self.start_method)

    @contextmanager
    def child_sink(self) -> Iterator[DiscardChild]:
        yield DiscardChild(self.start_method)

    @contextmanager
    def cluster_sink(self, client: Any) -> Iterator[DiscardChild]:
        yield DiscardChild(self.start_method)  # pickled to the tasks: they discard too


class DiscardChild(Discard):
    """The child processes' recorder: picklable, and it discards too."""

    @contextmanager
    def child_sink(self) -> Iterator[DiscardChild]:
        yield self


def cpu_time() -> float:
    """Seconds of CPU used by this process and its children that have ended. Unlike the
    wall clock, it does not count the time other jobs on the machine took the cores."""
    if resource is None:  # pragma: no cover - Windows: this process only
        return time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _sample(timer: timeit.Timer, number: int) -> tuple[float, float]:
    """``number`` runs: the CPU seconds (the timer's clock) and the wall seconds."""
    start = time.perf_counter()
    cpu = timer.timeit(number)
    return cpu, time.perf_counter() - start


def _timers(sc: Scenario[Any], model: str, method: str) -> tuple[timeit.Timer, timeit.Timer]:
    """A harness run and a bare run of ``sc``, ready to time."""
    values: dict[str, Any] = {"tick": 0.0, "timeout": TIMEOUT_S}
    p = sc.params(**values)
    main = sc.implementation(model)
    start = method if model == "multiprocessing" else None
    harness = timeit.Timer(
        lambda: run(sc.name, model, start_method=start, **values), timer=cpu_time
    )
    # the same context as the run's: the other models' processes (a ProcessPoolExecutor)
    # are spawned, as Trace.mp_context does when no start method is given
    bare = timeit.Timer(lambda: main(Discard(start or "spawn"), p), timer=cpu_time)
    return harness, bare


def overhead(model: str, cfg: Config) -> Iterator[Figure]:
    """The ratio of a harness run to a bare one, for every scenario that has ``model``."""
    method = start_methods()[0]  # what threeways.run uses by default
    for sc in scenarios().values():
        if model not in sc.models:
            for metric in ("cpu ratio", "wall ratio"):
                why = f"{sc.name} has no {model}"
                yield skipped(model, "overhead", 1, "x", why, variant=sc.name, metric=metric)
            continue
        more = {"variant": sc.name}
        harness, bare = _timers(sc, model, method)
        _, took = _sample(harness, 1)  # the warm-up: imports, the forkserver, caches
        bare.timeit(1)
        number = max(1, int(cfg.sample_s / max(took, 1e-6)))  # runs of a sample
        pairs = [
            (_sample(harness, number), _sample(bare, number)) for _ in range(cfg.overhead_pairs)
        ]
        bare_ms = statistics.median(b[1] for _, b in pairs) / number * 1e3
        extra = {"bare_ms": round(bare_ms, 3), "runs_per_sample": number, "tick": 0.0}
        cpu = [h[0] / b[0] for h, b in pairs]
        wall = [h[1] / b[1] for h, b in pairs]
        yield figure(model, "overhead", 1, "x", cpu, extra=extra, metric="cpu ratio", **more)
        yield figure(model, "overhead", 1, "x", wall, extra=extra, metric="wall ratio", **more)
