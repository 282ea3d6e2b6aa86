"""What subinterpreters cost (PEP 734): Python 3.14's ``concurrent.interpreters``, the
``interpreters-pep-734`` backport on 3.13.

An interpreter lives in this process, with a GIL of its own, and shares no object with
the others: a function it runs is looked up by module name and imported afresh (the
first call pays for the import), arguments and results are pickled, and messages cross
through a cross-interpreter queue, whose ``get`` and ``put`` wait by polling every 10 ms
(a round trip costs that much whenever the queue is empty). CPU work speeds up as with
processes; each interpreter holds its own copy of every module it imported.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from concurrent.futures import Executor
from functools import partial
from time import perf_counter
from typing import Any

from . import (
    STOP,
    TIMEOUT_S,
    Config,
    Figure,
    burn,
    cap,
    cores,
    count_loop,
    echo_loop,
    figure,
    io_figures,
    per_second,
    resident,
    speed_ups,
    timings,
)

if sys.version_info >= (3, 14):
    from concurrent import interpreters
    from concurrent.futures import InterpreterPoolExecutor
else:  # Python 3.13: the backport, given 3.14's call(fn, *args)
    from interpreters_backport.concurrent.futures import InterpreterPoolExecutor

    from threeways._pep734 import interpreters

MODEL = "interpreters"
IO_CAP = 100
"""The most waits io-scaling holds as interpreters: each imports its own modules."""


def _nothing() -> None:
    pass


# ---------------------------------------------------------------------------- spawn


def spawn(cfg: Config) -> Iterator[Figure]:
    def bare() -> None:
        interpreters.create().close()

    def called() -> None:
        interp = interpreters.create()
        try:
            interp.call(_nothing)  # imports this module (and threeways) in the interpreter
        finally:
            interp.close()

    micros = [s * 1e6 for s in timings(bare, cfg)]
    yield figure(MODEL, "spawn", 1, "µs", micros, variant="create + close")
    micros = [s * 1e6 for s in timings(called, cfg, number=1)]
    yield figure(MODEL, "spawn", 1, "µs", micros, variant="create + first call + close")


# ---------------------------------------------------------------------------- message, ping-pong


def _count(inbox: Any, outbox: Any) -> None:
    count_loop(partial(inbox.get, timeout=TIMEOUT_S), outbox.put)


def _echo(inbox: Any, outbox: Any) -> None:
    echo_loop(partial(inbox.get, timeout=TIMEOUT_S), outbox.put)


class _Peer:
    """An interpreter in a thread of its own running ``loop`` on two queues."""

    def __init__(self, loop: Any) -> None:
        self.inbox = interpreters.create_queue()
        self.outbox = interpreters.create_queue()
        self.interp = interpreters.create()
        self.thread = self.interp.call_in_thread(loop, self.inbox, self.outbox)

    def __enter__(self) -> _Peer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.inbox.put(None)
        self.thread.join(TIMEOUT_S)
        self.interp.close()


def message(cfg: Config) -> Iterator[Figure]:
    n = cfg.messages
    with _Peer(_count) as peer:

        def burst() -> None:
            for i in range(n):
                peer.inbox.put(i)
            peer.inbox.put(STOP)
            peer.outbox.get(timeout=TIMEOUT_S)

        rates = per_second(timings(burst, cfg), n)
    yield figure(MODEL, "message", n, "msg/s", rates, variant="interpreters.Queue")


def ping_pong(cfg: Config) -> Iterator[Figure]:
    n = max(5, cfg.round_trips // 100)  # each round trip waits for at least one 10 ms poll
    with _Peer(_echo) as peer:

        def rally() -> None:
            for i in range(n):
                peer.inbox.put(i)
                peer.outbox.get(timeout=TIMEOUT_S)

        micros = [s / n * 1e6 for s in timings(rally, cfg, number=1)]
    yield figure(MODEL, "ping-pong", n, "µs", micros, variant="interpreters.Queue")


# ---------------------------------------------------------------------------- cpu-scaling


def _share(pool: Executor, job: list[int]) -> None:
    list(pool.map(burn, job, timeout=TIMEOUT_S))


def cpu_scaling(cfg: Config) -> Iterator[Figure]:
    one: list[float] = []
    for k in range(1, cores() + 1):
        with InterpreterPoolExecutor(k) as pool:
            _share(pool, [1] * k)  # every worker up, its modules imported, before the timing
            times = timings(partial(_share, pool, [cfg.cpu_work // k] * k), cfg, number=1)
        one = one or times
        yield figure(
            MODEL,
            "cpu-scaling",
            k,
            "x",
            speed_ups(one, times),
            variant="InterpreterPoolExecutor",
            metric="speed-up",
        )


# ---------------------------------------------------------------------------- io-scaling


def _wait(go: Any) -> None:
    go.get(timeout=TIMEOUT_S)


def _hold(n: int) -> tuple[float, int | None]:
    go = interpreters.create_queue()
    before = resident()
    workers = []
    threads = []
    try:
        start = perf_counter()
        for _ in range(n):
            workers.append(interpreters.create())
            threads.append(workers[-1].call_in_thread(_wait, go))
        held = perf_counter()
        after = resident()
        woken = perf_counter()
        for _ in range(n):
            go.put(None)
        for thread in threads:
            thread.join(TIMEOUT_S)
        end = perf_counter()
    finally:
        if any(thread.is_alive() for thread in threads):  # stopped midway: wake them all
            for _ in threads:
                go.put(None)
            for thread in threads:
                thread.join(TIMEOUT_S)
        for worker in workers:
            worker.close()
    grew = None if before is None or after is None else after - before
    return (held - start) + (end - woken), grew


def io_scaling(cfg: Config) -> Iterator[Figure]:
    yield from io_figures(MODEL, cap(IO_CAP, cfg), _hold, cfg, "interpreter per Queue.get")
