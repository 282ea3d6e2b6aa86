"""What threads cost: ``threading.Thread``, ``queue.Queue``, a ``ThreadPoolExecutor``.

A thread is an OS thread in the same process: cheap to start, and a message is a Python
object handed over, not copied. The GIL lets one thread run Python at a time, so CPU work
does not speed up; a wait costs one OS thread, whose stack is mostly never touched.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
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

MODEL = "threading"
IO_CAP = 10_000
"""The most waits io-scaling holds as threads: one OS thread each."""
STACK = 256 * 1024
"""The stack of each waiting thread: a wait needs little, and 10,000 default stacks
(8 MiB of address space each on Linux) would be 80 GiB of address space."""


def _nothing() -> None:
    pass


# ---------------------------------------------------------------------------- spawn


def spawn(cfg: Config) -> Iterator[Figure]:
    def once() -> None:
        thread = threading.Thread(target=_nothing)
        thread.start()
        thread.join(TIMEOUT_S)

    micros = [s * 1e6 for s in timings(once, cfg)]
    yield figure(MODEL, "spawn", 1, "µs", micros, variant="Thread start + join")


# ---------------------------------------------------------------------------- message, ping-pong


@contextmanager
def _peer(loop: Callable[[Callable[[], Any], Callable[[Any], object]], None]) -> Iterator[Any]:
    """A thread running ``loop`` on two queues: (to it, from it)."""
    inbox: queue.Queue[Any] = queue.Queue()
    outbox: queue.Queue[Any] = queue.Queue()
    thread = threading.Thread(target=loop, args=(partial(inbox.get, timeout=TIMEOUT_S), outbox.put))
    thread.start()
    try:
        yield inbox, outbox
    finally:
        inbox.put(None)
        thread.join(TIMEOUT_S)


def message(cfg: Config) -> Iterator[Figure]:
    n = cfg.messages
    with _peer(count_loop) as (inbox, outbox):

        def burst() -> None:
            for i in range(n):
                inbox.put(i)
            inbox.put(STOP)
            outbox.get(timeout=TIMEOUT_S)

        rates = per_second(timings(burst, cfg), n)
    yield figure(MODEL, "message", n, "msg/s", rates, variant="queue.Queue", metric="throughput")


def ping_pong(cfg: Config) -> Iterator[Figure]:
    n = cfg.round_trips
    with _peer(echo_loop) as (inbox, outbox):

        def rally() -> None:
            for i in range(n):
                inbox.put(i)
                outbox.get(timeout=TIMEOUT_S)

        micros = [s / n * 1e6 for s in timings(rally, cfg)]
    yield figure(MODEL, "ping-pong", n, "µs", micros, variant="queue.Queue", metric="round trip")


# ---------------------------------------------------------------------------- cpu-scaling


def _share(pool: ThreadPoolExecutor, job: list[int]) -> None:
    list(pool.map(burn, job, timeout=TIMEOUT_S))


def cpu_scaling(cfg: Config) -> Iterator[Figure]:
    one: list[float] = []
    for k in range(1, cores() + 1):
        with ThreadPoolExecutor(k) as pool:
            times = timings(partial(_share, pool, [cfg.cpu_work // k] * k), cfg, number=1)
        one = one or times
        yield figure(
            MODEL,
            "cpu-scaling",
            k,
            "x",
            speed_ups(one, times),
            variant="ThreadPoolExecutor",
            metric="speed-up",
        )


# ---------------------------------------------------------------------------- io-scaling


def _hold(n: int) -> tuple[float, int | None]:
    go = threading.Event()
    threads = [threading.Thread(target=go.wait, args=(TIMEOUT_S,)) for _ in range(n)]
    before = resident()
    old = threading.stack_size(STACK)
    try:
        start = perf_counter()
        for thread in threads:
            thread.start()
        held = perf_counter()
        threading.stack_size(old)
        after = resident()
        woken = perf_counter()
        go.set()
        for thread in threads:
            thread.join(TIMEOUT_S)
        end = perf_counter()
    finally:
        threading.stack_size(old)
        go.set()
        for thread in threads:
            if thread.ident is not None:
                thread.join(TIMEOUT_S)
    grew = None if before is None or after is None else after - before
    return (held - start) + (end - woken), grew


def io_scaling(cfg: Config) -> Iterator[Figure]:
    yield from io_figures(MODEL, cap(IO_CAP, cfg), _hold, cfg, "Thread per Event.wait")
