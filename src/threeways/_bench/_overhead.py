"""overhead: what the harness adds to a run, as a ratio.

Every scenario, in each model, runs twice over: through ``threeways.run(...)`` (the
supervisor, the trace and its child sinks, the judging) and as its bare ``main(trace, p)``
given a recorder that keeps nothing (:class:`Discard`, with the same ``mp_context``, and a
child recorder that discards too). The two alternate, pair by pair, so that a change in
the machine's load falls on both; each pair gives one ratio, harness over bare.

At ``tick=0`` a scenario's sleeps take no time and the ratio is the harness's own cost; at
the default tick the sleeps dominate and every ratio reads about 1.00, which proves
nothing.
"""

from __future__ import annotations

import timeit
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

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


class DiscardChild(Discard):
    """The child processes' recorder: picklable, and it discards too."""

    @contextmanager
    def child_sink(self) -> Iterator[DiscardChild]:
        yield self


def _pair(sc: Scenario[Any], model: str, method: str) -> tuple[float, float]:
    """One harness run and one bare run of ``sc``: their seconds."""
    values: dict[str, Any] = {"tick": 0.0, "timeout": TIMEOUT_S}
    p = sc.params(**values)
    main = sc.implementation(model)
    start = method if model == "multiprocessing" else None
    harness = timeit.Timer(lambda: run(sc.name, model, start_method=start, **values))
    # the same context as the run's: the other models' processes (a ProcessPoolExecutor)
    # are spawned, as Trace.mp_context does when no start method is given
    bare = timeit.Timer(lambda: main(Discard(start or "spawn"), p))
    return harness.timeit(1), bare.timeit(1)


def overhead(model: str, cfg: Config) -> Iterator[Figure]:
    """The ratio of a harness run to a bare one, for every scenario that has ``model``."""
    method = start_methods()[0]  # what threeways.run uses by default
    for sc in scenarios().values():
        more = {"variant": sc.name, "metric": "ratio"}
        if model not in sc.models:
            yield skipped(model, "overhead", 1, "x", f"{sc.name} has no {model}", **more)
            continue
        _pair(sc, model, method)  # the warm-up: imports, the forkserver, caches
        pairs = [_pair(sc, model, method) for _ in range(cfg.overhead_pairs)]
        ratios = [h / b for h, b in pairs]
        bare = sorted(b for _, b in pairs)[len(pairs) // 2]
        extra = {"bare_ms": round(bare * 1e3, 3), "tick": 0.0}
        yield figure(model, "overhead", 1, "x", ratios, extra=extra, **more)
