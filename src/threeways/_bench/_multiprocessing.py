"""What processes cost: a ``Process`` per start method, ``Queue`` and ``Pipe``, a ``Pool``.

A process is a whole interpreter: ``fork`` copies the parent (quick, unsafe with threads),
``forkserver`` forks a clean server started once, ``spawn`` starts a fresh interpreter that
imports everything again. A message is pickled and written to a pipe (a ``Queue`` adds a
feeder thread and a lock). CPU work speeds up with the cores; a wait costs a process.

The processes come from threeways' quiet contexts (:mod:`threeways._processes`): they
leave Ctrl-C to this process, which stops them, so an interrupted run prints one line.
Peers and pools use ``forkserver`` where the platform has it: forking this process, which
runs threads of its own by then, is what Python 3.12 warns about.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from multiprocessing.connection import Connection
from time import perf_counter
from typing import Any

from .._processes import quiet_context
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
    speed_ups,
    timings,
    unique,
)

MODEL = "multiprocessing"
IO_CAP = 100
"""The most waits io-scaling holds as processes: one interpreter each."""
METHOD = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
"""The start method of the peers, pools and waiting processes (not measured by spawn)."""

# A forkserver started from now on imports this module once, as the docs advise, so that
# its children do not each import threeways again (one already running keeps its own).
multiprocessing.set_forkserver_preload([__name__])


def _nothing() -> None:
    pass


def _stop(process: Any) -> None:
    """Join ``process``; terminate it if it has not ended in time (or Ctrl-C came)."""
    if process.pid is None:  # never started (Ctrl-C came first)
        return
    process.join(TIMEOUT_S)
    if process.is_alive():
        process.terminate()
        process.join(TIMEOUT_S)


# ---------------------------------------------------------------------------- spawn


def spawn(cfg: Config) -> Iterator[Figure]:
    for method in multiprocessing.get_all_start_methods():
        ctx = quiet_context(method)

        def once(ctx: Any = ctx) -> None:
            process = ctx.Process(target=_nothing)
            process.start()
            _stop(process)

        with warnings.catch_warnings():
            # Python 3.12+ warns that fork in a process with threads may deadlock: the
            # child here runs one function that returns, and this row measures fork itself
            warnings.filterwarnings("ignore", ".*multi-threaded.*fork", DeprecationWarning)
            micros = [s * 1e6 for s in timings(once, cfg)]
        yield figure(MODEL, "spawn", 1, "µs", micros, variant=f"Process ({method})")


# ---------------------------------------------------------------------------- message, ping-pong


def _count_queue(inbox: Any, outbox: Any) -> None:
    count_loop(partial(inbox.get, timeout=TIMEOUT_S), outbox.put)


def _echo_queue(inbox: Any, outbox: Any) -> None:
    echo_loop(partial(inbox.get, timeout=TIMEOUT_S), outbox.put)


def _count_pipe(end: Connection) -> None:
    count_loop(end.recv, end.send)  # recv ends with EOFError when the parent closes its end


def _echo_pipe(end: Connection) -> None:
    echo_loop(end.recv, end.send)


@contextmanager
def _queue_peer(loop: Any) -> Iterator[tuple[Any, Any]]:
    """A process running ``loop`` on two ``Queue``s: (to it, from it)."""
    ctx: Any = quiet_context(METHOD)
    inbox, outbox = ctx.Queue(), ctx.Queue()
    process = ctx.Process(target=loop, args=(inbox, outbox))
    try:
        process.start()
        yield inbox, outbox
    finally:
        inbox.put(None)
        _stop(process)
        for q in (inbox, outbox):
            q.close()
            q.join_thread()


@contextmanager
def _pipe_peer(loop: Any) -> Iterator[Connection]:
    """A process running ``loop`` on its end of a ``Pipe``; yields this end."""
    ctx: Any = quiet_context(METHOD)
    here, there = ctx.Pipe()
    process = ctx.Process(target=loop, args=(there,))
    try:
        process.start()
        there.close()  # else the peer's recv would never see the end of the pipe
        yield here
    finally:
        with contextlib.suppress(OSError):  # the peer is gone already
            here.send(None)
        here.close()
        there.close()
        _stop(process)


def _burst(put: Any, get: Any, n: int) -> None:
    for i in range(n):
        put(i)
    put(STOP)
    get()


def _rally(put: Any, get: Any, n: int) -> None:
    for i in range(n):
        put(i)
        get()


def message(cfg: Config) -> Iterator[Figure]:
    n = cfg.messages
    more = {"metric": "throughput"}
    with _queue_peer(_count_queue) as (inbox, outbox):
        burst = partial(_burst, inbox.put, partial(outbox.get, timeout=TIMEOUT_S), n)
        rates = per_second(timings(burst, cfg), n)
    yield figure(MODEL, "message", n, "msg/s", rates, variant="multiprocessing.Queue", **more)
    with _pipe_peer(_count_pipe) as end:
        rates = per_second(timings(partial(_burst, end.send, _recv(end), n), cfg), n)
    yield figure(MODEL, "message", n, "msg/s", rates, variant="multiprocessing.Pipe", **more)


def ping_pong(cfg: Config) -> Iterator[Figure]:
    n = cfg.round_trips
    more = {"metric": "round trip"}
    with _queue_peer(_echo_queue) as (inbox, outbox):
        rally = partial(_rally, inbox.put, partial(outbox.get, timeout=TIMEOUT_S), n)
        micros = [s / n * 1e6 for s in timings(rally, cfg)]
    yield figure(MODEL, "ping-pong", n, "µs", micros, variant="multiprocessing.Queue", **more)
    with _pipe_peer(_echo_pipe) as end:
        micros = [s / n * 1e6 for s in timings(partial(_rally, end.send, _recv(end), n), cfg)]
    yield figure(MODEL, "ping-pong", n, "µs", micros, variant="multiprocessing.Pipe", **more)


def _recv(end: Connection) -> Any:
    """``end.recv``, bounded: a ``Connection`` has no timeout of its own, ``poll`` has."""

    def recv() -> Any:
        if not end.poll(TIMEOUT_S):
            raise TimeoutError(f"no answer from the peer in {TIMEOUT_S:g} s")
        return end.recv()

    return recv


# ---------------------------------------------------------------------------- cpu-scaling


def _share(pool: Any, job: list[int]) -> None:
    pool.map_async(burn, job).get(TIMEOUT_S)


def cpu_scaling(cfg: Config) -> Iterator[Figure]:
    one: list[float] = []
    for k in range(1, cores() + 1):
        pool: Any = quiet_context(METHOD).Pool(k)
        try:
            job = [cfg.cpu_work // k] * k
            times = timings(partial(_share, pool, job), cfg, number=1)
        finally:
            pool.terminate()
            pool.join()
        one = one or times
        yield figure(
            MODEL,
            "cpu-scaling",
            k,
            "x",
            speed_ups(one, times),
            variant=f"Pool ({METHOD})",
            metric="speed-up",
        )


# ---------------------------------------------------------------------------- io-scaling


def _wait(ready: Any, go: Any) -> None:
    ready.release()
    go.wait(TIMEOUT_S)


def _hold(n: int) -> tuple[float, int | None]:
    ctx: Any = quiet_context(METHOD)
    ready, go = ctx.Semaphore(0), ctx.Event()
    processes = [ctx.Process(target=_wait, args=(ready, go)) for _ in range(n)]
    try:
        start = perf_counter()
        for process in processes:
            process.start()
        for _ in processes:
            if not ready.acquire(timeout=TIMEOUT_S):
                raise TimeoutError(f"{n} processes not started in {TIMEOUT_S:g} s")
        held = perf_counter()
        grew = unique(p.pid for p in processes if p.pid is not None)
        woken = perf_counter()
        go.set()
        for process in processes:
            process.join(TIMEOUT_S)
        end = perf_counter()
    finally:
        go.set()
        for process in processes:
            _stop(process)
    return (held - start) + (end - woken), grew


def io_scaling(cfg: Config) -> Iterator[Figure]:
    variant = f"Process ({METHOD}) per Event.wait"
    yield from io_figures(MODEL, cap(IO_CAP, cfg), _hold, cfg, variant)
