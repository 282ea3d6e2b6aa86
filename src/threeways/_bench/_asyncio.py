"""What asyncio costs: a task, ``asyncio.Queue``, ``to_thread``, a task per wait.

A task is a Python object that the event loop steps: no OS thread, no stack of its own, so
starting one and waiting in one cost little, and a message is an object handed over. CPU
work runs on the loop's one thread; ``asyncio.to_thread`` (what one tries first) moves it
to threads, which the GIL still runs one at a time.

Each sample runs inside one ``asyncio.Runner`` kept for the benchmark, so that what is
measured is the work on a running loop, not the loop's start.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from time import perf_counter

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

MODEL = "asyncio"
IO_CAP = 100_000
"""The most waits io-scaling holds as tasks: every size it tries."""


async def _nothing() -> None:
    pass


# ---------------------------------------------------------------------------- spawn


async def _tasks(n: int) -> None:
    for _ in range(n):
        await asyncio.create_task(_nothing())


def spawn(cfg: Config) -> Iterator[Figure]:
    n = cfg.tasks
    with asyncio.Runner() as runner:
        micros = [s / n * 1e6 for s in timings(lambda: runner.run(_tasks(n)), cfg)]
    yield figure(MODEL, "spawn", 1, "µs", micros, variant="create_task + await", extra={"batch": n})


# ---------------------------------------------------------------------------- message, ping-pong


async def _count(inbox: asyncio.Queue[int], outbox: asyncio.Queue[int]) -> None:
    count = 0
    while await inbox.get() != STOP:
        count += 1
    await outbox.put(count)


async def _echo(inbox: asyncio.Queue[int], outbox: asyncio.Queue[int], n: int) -> None:
    for _ in range(n):
        await outbox.put(await inbox.get())


async def _burst(n: int) -> None:
    inbox: asyncio.Queue[int] = asyncio.Queue()
    outbox: asyncio.Queue[int] = asyncio.Queue()
    async with asyncio.timeout(TIMEOUT_S), asyncio.TaskGroup() as tg:
        tg.create_task(_count(inbox, outbox))
        for i in range(n):
            await inbox.put(i)
        await inbox.put(STOP)
        await outbox.get()


async def _rally(n: int) -> None:
    inbox: asyncio.Queue[int] = asyncio.Queue()
    outbox: asyncio.Queue[int] = asyncio.Queue()
    async with asyncio.timeout(TIMEOUT_S), asyncio.TaskGroup() as tg:
        tg.create_task(_echo(inbox, outbox, n))
        for i in range(n):
            await inbox.put(i)
            await outbox.get()


def message(cfg: Config) -> Iterator[Figure]:
    n = cfg.messages
    with asyncio.Runner() as runner:
        rates = per_second(timings(lambda: runner.run(_burst(n)), cfg), n)
    yield figure(MODEL, "message", n, "msg/s", rates, variant="asyncio.Queue", metric="throughput")


def ping_pong(cfg: Config) -> Iterator[Figure]:
    n = cfg.round_trips
    with asyncio.Runner() as runner:
        micros = [s / n * 1e6 for s in timings(lambda: runner.run(_rally(n)), cfg)]
    yield figure(MODEL, "ping-pong", n, "µs", micros, variant="asyncio.Queue", metric="round trip")


# ---------------------------------------------------------------------------- cpu-scaling


async def _share(k: int, steps: int) -> None:
    async with asyncio.timeout(TIMEOUT_S):
        await asyncio.gather(*(asyncio.to_thread(burn, steps // k) for _ in range(k)))


def cpu_scaling(cfg: Config) -> Iterator[Figure]:
    one: list[float] = []
    with asyncio.Runner() as runner:
        for k in range(1, cores() + 1):

            def share(k: int = k) -> None:
                runner.run(_share(k, cfg.cpu_work))  # a new coroutine for each sample

            times = timings(share, cfg, number=1)
            one = one or times
            ups = speed_ups(one, times)
            yield figure(MODEL, "cpu-scaling", k, "x", ups, variant="to_thread", metric="speed-up")


# ---------------------------------------------------------------------------- io-scaling


async def _hold(n: int, memory: Callable[[], int | None]) -> tuple[float, int | None]:
    go = asyncio.Event()
    before = memory()
    async with asyncio.timeout(TIMEOUT_S), asyncio.TaskGroup() as tg:
        start = perf_counter()
        for _ in range(n):
            tg.create_task(go.wait())
        await asyncio.sleep(0)  # every task runs to its wait
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
    with asyncio.Runner() as runner:

        def hold(n: int) -> tuple[float, int | None]:
            seconds, _ = runner.run(_hold(n, _untraced))  # timed without tracemalloc
            with traced() as memory:
                _, grew = runner.run(_hold(n, memory))
            return seconds, grew

        yield from io_figures(MODEL, cap(IO_CAP, cfg), hold, cfg, "task per Event.wait")
