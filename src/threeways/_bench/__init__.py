"""``threeways bench``: what each model costs, measured the same way for every model.

Each model has one module here (``_threading.py``, ``_multiprocessing.py``, ``_asyncio.py``,
``_trio.py``) with the same functions, ``spawn``, ``message``, ``ping_pong``,
``cpu_scaling`` and ``io_scaling``; :data:`TABLE` lists them by model name, so another model
(subinterpreters, dask) adds its row by adding a module and one entry, and a model this
Python cannot run is listed as skipped with the reason. ``overhead`` is the same for every
model (it runs the scenarios, :mod:`._overhead`).

Every figure is a :class:`Figure`: median, min and max over repeats, after a warm-up. The
timing is the standard library's :mod:`timeit` (``Timer.repeat`` after ``Timer.autorange``,
the warm-up and the choice of how many calls make one sample); a sample that must leave
something out of its time (reading the memory of a hundred processes) is timed by itself.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import statistics
import sys
import timeit
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "BENCHMARKS",
    "IO_SIZES",
    "STOP",
    "TABLE",
    "TIMEOUT_S",
    "UNITS",
    "Config",
    "Figure",
    "Hold",
    "Model",
    "burn",
    "cap",
    "cores",
    "count_loop",
    "echo_loop",
    "figure",
    "io_figures",
    "machine",
    "per_second",
    "read",
    "resident",
    "run",
    "skipped",
    "speed_ups",
    "summary",
    "timings",
    "traced",
    "unique",
]

BENCHMARKS: tuple[str, ...] = (
    "spawn",
    "message",
    "ping-pong",
    "cpu-scaling",
    "io-scaling",
    "overhead",
)
"""Every benchmark, in the order they run and are shown."""

IO_SIZES = (10, 100, 1_000, 10_000, 100_000)
"""How many concurrent waits io-scaling holds, where the model can."""


@dataclass(frozen=True)
class Config:
    """How much to measure: the full run, or ``--quick`` (about a minute, for the tests)."""

    quick: bool = False
    repeats: int = 7
    sample_s: float = 0.2
    """About how long one sample lasts (``timeit.Timer.autorange``'s 0.2 s in a full run)."""
    tasks: int = 1_000
    """spawn: how many tasks one sample of asyncio or trio starts, one after another."""
    messages: int = 20_000
    """message: how many messages one sample sends."""
    round_trips: int = 2_000
    cpu_work: int = 3_000_000
    """cpu-scaling: loop steps in the whole job, shared out among the workers."""
    io_cap: int | None = None
    """io-scaling with ``--quick``: a tenth of each model's cap, and at most this."""
    io_repeats: int = 3
    overhead_pairs: int = 5
    """overhead: how many (harness, bare) pairs of runs per scenario and model."""

    @classmethod
    def make(cls, quick: bool) -> Config:
        if not quick:
            return cls()
        return cls(
            quick=True,
            repeats=3,
            sample_s=0.01,
            tasks=200,
            messages=2_000,
            round_trips=200,
            cpu_work=300_000,
            io_cap=1_000,
            io_repeats=2,
            overhead_pairs=2,
        )


@dataclass(frozen=True)
class Figure:
    """One measured figure: what, for which model, of what size, and its spread."""

    model: str
    benchmark: str
    n: int
    """The size: workers, messages, waits."""
    unit: str
    median: float | None
    min: float | None
    max: float | None
    repeats: int
    variant: str = ""
    """What exactly: a start method, a primitive, a scenario."""
    metric: str = "time"
    skipped: str | None = None
    """Why it was not measured ("not attempted: cap 100"), or None."""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("median", "min", "max"):
            if data[key] is not None:
                data[key] = float(f"{data[key]:.4g}")
        return data


def summary(values: Sequence[float]) -> tuple[float, float, float]:
    """The median, min and max of ``values`` (never one of them alone)."""
    if not values:
        raise ValueError("no values to summarise")
    return statistics.median(values), min(values), max(values)


def figure(
    model: str, benchmark: str, n: int, unit: str, values: Sequence[float], **more: Any
) -> Figure:
    """A :class:`Figure` of ``values``, one per repeat."""
    median, low, high = summary(values)
    return Figure(model, benchmark, n, unit, median, low, high, len(values), **more)


def skipped(model: str, benchmark: str, n: int, unit: str, why: str, **more: Any) -> Figure:
    """A figure not measured, and why."""
    return Figure(model, benchmark, n, unit, None, None, None, 0, skipped=why, **more)


def read(lines: Iterable[str]) -> tuple[dict[str, Any], list[Figure]]:
    """What ``bench --json`` printed (``docs/bench.jsonl``): the machine, and the figures."""
    found: list[Figure] = []
    machine: dict[str, Any] = {}
    for line in lines:
        if line.strip():
            data = json.loads(line)
            machine = data.pop("machine", machine)
            found.append(Figure(**data))
    return machine, found


def timings(call: Callable[[], object], cfg: Config, number: int | None = None) -> list[float]:
    """Seconds per ``call``, one value per repeat, after a warm-up.

    ``timeit.Timer.autorange`` warms up and finds how many calls make a sample of 0.2 s;
    ``--quick`` aims at shorter samples, so it calls once to warm up and scales from that.
    ``number`` fixes the calls per sample (a sample that is long already), after one call.
    """
    timer = timeit.Timer(call)
    if number is None and cfg.sample_s >= 0.2:
        number, _ = timer.autorange()
    else:
        took = timer.timeit(1)  # the warm-up
        if number is None:
            number = max(1, min(10_000, int(cfg.sample_s / max(took, 1e-9))))
    return [t / number for t in timer.repeat(cfg.repeats, number)]


def per_second(seconds: Iterable[float], n: int) -> list[float]:
    """``n`` things done in each of ``seconds``: how many per second."""
    return [n / s for s in seconds]


def speed_ups(one: Sequence[float], many: Sequence[float]) -> list[float]:
    """How many times faster each of ``many`` is than the median of ``one``."""
    base = statistics.median(one)
    return [base / t for t in many]


def cores() -> int:
    """The cores this process may run on (not the machine's, under a CPU quota or mask)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def machine() -> dict[str, Any]:
    """What the figures were measured on: cores, Python, GIL, platform, date."""
    gil = getattr(sys, "_is_gil_enabled", None)
    return {
        "cores": cores(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "gil": True if gil is None else bool(gil()),
        "platform": platform.platform(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
    }


# ---------------------------------------------------------------------------- the table

Bench = Callable[[Config], Iterator[Figure]]


@dataclass(frozen=True)
class Model:
    """One model's row: its benchmarks, and whether this Python can run them."""

    module: str
    """The module of this package that holds its benchmark functions."""
    needs: Callable[[], str | None] = lambda: None
    """Why this Python cannot run the model (None when it can)."""

    def bench(self, benchmark: str) -> Bench:
        """The function that measures ``benchmark`` (not ``overhead``: the same for all)."""
        module = importlib.import_module(f"{__name__}.{self.module}")
        return module.__dict__[benchmark.replace("-", "_")]  # type: ignore[no-any-return]


TABLE: dict[str, Model] = {
    "threading": Model("_threading"),
    "multiprocessing": Model("_multiprocessing"),
    "asyncio": Model("_asyncio"),
    "trio": Model("_trio"),
    "interpreters": Model("_interpreters", lambda: _unavailable("interpreters")),
}
"""Every model's benchmarks, by model name, in the order they are shown."""


def _unavailable(model: str) -> str | None:
    from .._models import unavailable

    return unavailable(model)


UNITS = {
    "spawn": "µs",
    "message": "msg/s",
    "ping-pong": "µs",
    "cpu-scaling": "x",
    "io-scaling": "s",
    "overhead": "x",
}
"""The unit of each benchmark's main figure (io-scaling also gives KiB per wait)."""


def run(models: Sequence[str], benchmarks: Sequence[str], cfg: Config) -> Iterator[Figure]:
    """Every figure of ``benchmarks`` for ``models``, benchmark by benchmark, as measured."""
    for benchmark in benchmarks:
        for name in models:
            model = TABLE[name]
            why = model.needs()
            if why is not None:
                yield skipped(name, benchmark, 0, UNITS[benchmark], why)
                continue
            if benchmark == "overhead":
                from ._overhead import overhead

                yield from overhead(name, cfg)
            else:
                yield from model.bench(benchmark)(cfg)


# ---------------------------------------------------------------------------- memory


def resident() -> int | None:
    """This process's resident memory in bytes, or None without psutil (the standard
    library's ``resource`` gives only the peak, which a second sample cannot trust)."""
    try:
        import psutil
    except ImportError:
        return None
    return int(psutil.Process().memory_info().rss)


def unique(pids: Iterable[int]) -> int | None:
    """The memory only these processes hold (their USS, summed), or None without psutil.
    Not their RSS: a forked child's RSS counts every page it still shares with its parent."""
    try:
        import psutil
    except ImportError:
        return None
    return sum(int(psutil.Process(pid).memory_full_info().uss) for pid in pids)


@contextmanager
def traced() -> Iterator[Callable[[], int]]:
    """Python's own allocations while the block runs: ``tracemalloc``, for tasks, which
    are Python objects only (an RSS delta would show nothing: they reuse freed memory)."""
    import tracemalloc  # here: it cannot be loaded in a subinterpreter, which imports this

    tracemalloc.start()
    try:
        yield lambda: tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()


# ---------------------------------------------------------------------------- shared parts

TIMEOUT_S = 60.0
"""Bounds every wait of a benchmark: nothing it starts can hang the command."""
STOP = -1
"""Ends a burst of messages: the counting peer answers with how many it got."""


def burn(steps: int) -> int:
    """Pure-Python CPU work: ``steps`` turns of a loop, holding the GIL throughout."""
    total = 0
    for i in range(steps):
        total += i * i % 7
    return total


def count_loop(get: Callable[[], Any], put: Callable[[Any], object]) -> None:
    """A peer that counts what it gets until :data:`STOP`, then puts the count; None ends it."""
    count = 0
    while (item := get()) is not None:
        if item == STOP:
            put(count)
            count = 0
        else:
            count += 1


def echo_loop(get: Callable[[], Any], put: Callable[[Any], object]) -> None:
    """A peer that puts back everything it gets; None ends it."""
    while (item := get()) is not None:
        put(item)


def cap(model_cap: int, cfg: Config) -> int:
    """How many waits a model may hold in this run: its own cap; with ``--quick``, a tenth
    of it, and at most :attr:`Config.io_cap`."""
    return model_cap if cfg.io_cap is None else min(model_cap // 10, cfg.io_cap)


Hold = Callable[[int], tuple[float, int | None]]
"""io-scaling's sample: hold ``n`` waits at once; the seconds it took (starting them,
waking them, seeing them end) and the bytes of memory they held (None when unknown)."""


def io_figures(model: str, most: int, hold: Hold, cfg: Config, variant: str) -> Iterator[Figure]:
    """io-scaling for one model: wall time and memory per wait for each size up to ``most``."""
    for n in IO_SIZES:
        more = {"variant": variant}
        if n > most:
            why = f"not attempted: cap {most:,}" + (" (--quick)" if cfg.quick else "")
            yield skipped(model, "io-scaling", n, "s", why, **more)
            yield skipped(model, "io-scaling", n, "KiB/wait", why, metric="memory", **more)
            continue
        hold(n)  # the warm-up
        samples = [hold(n) for _ in range(cfg.io_repeats)]
        yield figure(model, "io-scaling", n, "s", [s for s, _ in samples], **more)
        held = [b / n / 1024 for _, b in samples if b is not None]
        if held:
            yield figure(model, "io-scaling", n, "KiB/wait", held, metric="memory", **more)
        else:
            why = "psutil not installed"
            yield skipped(model, "io-scaling", n, "KiB/wait", why, metric="memory", **more)
