"""What trio costs: a task in a nursery, a memory channel, ``to_thread.run_sync``.

A trio task is, as asyncio's, a Python object the scheduler steps; trio starts one only in
a nursery, so "start one and wait for it" is a nursery around one task. A memory channel
hands objects over (here with an unbounded buffer, as the other models' queues). CPU work
runs on the one thread of ``trio.run``; ``trio.to_thread.run_sync`` moves it to threads,
which the GIL runs one at a time.

trio has no loop that outlives ``trio.run``: each sample is one ``trio.run`` of a batch,
so the figures include its start (about a hundred microseconds, spread over the batch).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from functools import partial
from time import perf_counter
from typing import Any

import trio
import trio.testing

from . import (
    STOP,
    TIMEOUT_S,
    Config,
    Figure,
    burn,
    cap,
    cores,
    figure,
    io_figures,
    per_second,
    speed_ups,
    timings,
    traced,
)

MODEL = "trio"
IO_CAP = 100_000
"""The most waits io-scaling holds as tasks: every size it tries."""


async def _nothing() -> None:
    pass


# ---------------------------------------------------------------------------- spawn


async def _tasks(n: int) -> None:
    for _ in range(n):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_nothing)


def spawn(cfg: Config) -> Iterator[Figure]:
    n = cfg.tasks
    micros = [s / n * 1e6 for s in timings(lambda: trio.run(_tasks, n), cfg)]
    yield figure(
        MODEL, "spawn", 1, "µs", micros, variant="nursery + start_soon", extra={"batch": n}
    )


# ---------------------------------------------------------------------------- message, ping-pong


async def _count(inbox: Any, outbox: Any) -> None:
    count = 0
    while await inbox.receive() != STOP:
        count += 1
    await outbox.send(count)


async def _echo(inbox: Any, outbox: Any, n: int) -> None:
    for _ in range(n):
        await outbox.send(await inbox.receive())


async def _burst(n: int) -> None:
    to_peer, inbox = trio.open_memory_channel[int](math.inf)
    outbox, from_peer = trio.open_memory_channel[int](math.inf)
    with trio.fail_after(TIMEOUT_S):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_count, inbox, outbox)
            for i in range(n):
                await to_peer.send(i)
            await to_peer.send(STOP)
            await from_peer.receive()


async def _rally(n: int) -> None:
    to_peer, inbox = trio.open_memory_channel[int](math.inf)
    outbox, from_peer = trio.open_memory_channel[int](math.inf)
    with trio.fail_after(TIMEOUT_S):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_echo, inbox, outbox, n)
            for i in range(n):
                await to_peer.send(i)
                await from_peer.receive()


def message(cfg: Config) -> Iterator[Figure]:
    n = cfg.messages
    rates = per_second(timings(lambda: trio.run(_burst, n), cfg), n)
    variant = "memory channel"
    yield figure(MODEL, "message", n, "msg/s", rates, variant=variant, metric="throughput")


def ping_pong(cfg: Config) -> Iterator[Figure]:
    n = cfg.round_trips
    micros = [s / n * 1e6 for s in timings(lambda: trio.run(_rally, n), cfg)]
    variant = "memory channel"
    yield figure(MODEL, "ping-pong", n, "µs", micros, variant=variant, metric="round trip")


# ---------------------------------------------------------------------------- cpu-scaling


async def _share(k: int, steps: int) -> None:
    with trio.fail_after(TIMEOUT_S):
        async with trio.open_nursery() as nursery:
            for _ in range(k):
                nursery.start_soon(trio.to_thread.run_sync, burn, steps // k)


def cpu_scaling(cfg: Config) -> Iterator[Figure]:
    one: list[float] = []
    for k in range(1, cores() + 1):
        times = timings(partial(trio.run, _share, k, cfg.cpu_work), cfg, number=1)
        one = one or times
        ups = speed_ups(one, times)
        yield figure(
            MODEL, "cpu-scaling", k, "x", ups, variant="to_thread.run_sync", metric="speed-up"
        )


# ---------------------------------------------------------------------------- io-scaling


async def _hold(n: int, memory: Callable[[], int | None]) -> tuple[float, int | None]:
    go = trio.Event()
    before = memory()
    with trio.fail_after(TIMEOUT_S):
        async with trio.open_nursery() as nursery:
            start = perf_counter()
            for _ in range(n):
                nursery.start_soon(go.wait)
            await trio.testing.wait_all_tasks_blocked()  # every task waits
            held = perf_counter()
            after = memory()
            woken = perf_counter()
            go.set()
    end = perf_counter()
    grew = None if before is None or after is None else after - before
    return (held - start) + (end - woken), grew


def _untraced() -> None:
    return None


def io_scaling(cfg: Config) -> Iterator[Figure]:
    def hold(n: int) -> tuple[float, int | None]:
        seconds, _ = trio.run(_hold, n, _untraced)  # timed without tracemalloc
        with traced() as memory:
            _, grew = trio.run(_hold, n, memory)
        return seconds, grew

    yield from io_figures(MODEL, cap(IO_CAP, cfg), hold, cfg, "task per Event.wait")
