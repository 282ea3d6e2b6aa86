"""gil: the same CPU-bound and I/O-bound jobs, one after another and at the same time."""

from __future__ import annotations

import itertools
import os
import sys
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from time import perf_counter
from typing import Any

from threeways._protocol import Params as _BaseParams
from threeways._protocol import Scenario, param
from threeways._trace import Event

CPU_TICKS = 4
"""How long one CPU job takes, in ticks, when ``work`` is 0 (calibrated)."""
IO_TICKS = 4
"""How long one I/O job waits, in ticks."""
MIN_WORK = 1_000
"""The fewest loop iterations a calibrated CPU job does (with ``tick=0``)."""

CPU = "cpu"
IO = "io"
SEQUENTIAL = "one after another"


@dataclass(frozen=True, kw_only=True)
class Params(_BaseParams):
    jobs: int = param(4, "how many CPU jobs and how many I/O jobs", min=1, max=64)
    work: int = param(
        0, f"loop iterations per CPU job; 0 calibrates a job to about {CPU_TICKS} ticks", min=0
    )
    tick: float = param(0.05, "seconds per tick: scales every sleep in the scenario", min=0)


def crunch(job: int, n: int) -> int:
    """The CPU-bound job: ``n`` steps of a pure-Python pseudo-random generator.

    Pure Python on purpose: every step holds the GIL (a C function such as hashlib's
    could release it). The result is a checksum of the job's number and its size.
    """
    x = job
    for _ in range(n):
        x = (x * 1_103_515_245 + 12_345) & 0x7FFF_FFFF
    return x


def page(job: int) -> str:
    """What the I/O-bound job "fetches" after its wait."""
    return f"page {job}"


def work_size(p: Params) -> int:
    """The iterations of one CPU job: ``p.work``, or calibrated when it is 0."""
    return p.work or _calibrated(p.tick)


@cache  # once per process and tick: the run and expected() use the same size
def _calibrated(tick: float) -> int:
    target = CPU_TICKS * tick
    n = MIN_WORK
    while True:
        start = perf_counter()
        crunch(0, n)
        took = perf_counter() - start
        if took >= min(target, 0.05) / 2:  # long enough to measure
            return max(MIN_WORK, round(n * target / took))
        n *= 4


def gil_enabled() -> bool:
    """False only on a free-threaded build running without the GIL (3.13t and later)."""
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    return True if is_enabled is None else bool(is_enabled())


@cache
def _checksums(jobs: int, n: int) -> list[int]:
    return [crunch(job, n) for job in range(1, jobs + 1)]


class Gil(Scenario[Params]):
    name = "gil"
    order = 80
    summary = "CPU-bound and I/O-bound jobs, run one after another and at the same time."
    lesson = """\
CPython's global interpreter lock (GIL) lets one thread at a time run Python bytecode;
it is handed over every few milliseconds (sys.getswitchinterval()) and whenever a thread
waits for I/O (a sleep, a socket, a file). So the same jobs run four ways: CPU-bound ones
(a pure-Python loop, sized by calibration to take about 4 ticks each, or --work
iterations) and I/O-bound ones (a wait), each one after another and then at the same
time. The observable is what the jobs compute, identical in every model and in every
phase; how long each phase took and the speed-ups are measured, printed and put in the
JSON, never compared, because they depend on the machine.

threading: the I/O jobs overlap (a sleeping thread holds no GIL) and speed up about
jobs times; the CPU jobs take turns on the GIL and do not speed up at all (often a
little slower, from the hand-overs). multiprocessing: every process has its own
interpreter and its own GIL, so CPU jobs speed up with the cores, up to min(jobs, cores)
times, less the cost of starting processes. On a free-threaded build (3.13t, with
sys._is_gil_enabled() false) there is no GIL, and CPU-bound threads speed up too: the
run says which build it is.

asyncio and trio run every task on one thread and switch only at an await (a
checkpoint): CPU work run directly in a task blocks the whole event loop. A heartbeat
task that beats every tick shows it: it starves (no beat at all) while the CPU jobs run
on the loop. Offloaded, the same work behaves like the other models: asyncio.to_thread
or trio.to_thread.run_sync run it in threads (the loop keeps beating, but the GIL still
allows no speed-up), and a process pool runs it in processes (a speed-up).
asyncio has loop.run_in_executor with a ProcessPoolExecutor; trio has no process pool
(trio issue #5), and the usual answer is anyio's to_process.run_sync, which runs on
trio. I/O-bound work needs no thread at all there: tasks that await overlap by design.
"""
    uses = {
        "threading": "a Thread per job: I/O overlaps, CPU takes turns on the GIL",
        "multiprocessing": "a Process per job: one interpreter and one GIL each",
        "asyncio": "tasks; CPU work offloaded with to_thread and a ProcessPoolExecutor",
        "trio": "tasks; CPU work offloaded with to_thread.run_sync and anyio.to_process",
    }
    parameters = Params

    def expected(self, p: Params) -> dict[str, object]:
        n = work_size(p)
        return {
            "work per cpu job": n,
            CPU: _checksums(p.jobs, n),
            IO: [page(job) for job in range(1, p.jobs + 1)],
        }

    def observe(self, events: Sequence[Event], p: Params) -> dict[str, object]:
        results = _results(events)
        sizes = {e.detail["work"] for e in events if e.action == "sizes the work"}
        return {
            "work per cpu job": sizes.pop() if len(sizes) == 1 else sorted(sizes),
            CPU: _agreed(results, CPU, p.jobs),
            IO: _agreed(results, IO, p.jobs),
        }

    def invariants(self, events: Sequence[Event], p: Params) -> Iterator[str]:
        results = _results(events)
        for kind in (CPU, IO):
            phases = [phase for phase in results if phase.startswith(kind)]
            if len(phases) < 2:
                yield f"{kind} jobs ran in {len(phases)} phase(s), not in turn and at once"
            for phase in phases:
                missing = set(range(1, p.jobs + 1)) - set(results[phase])
                if missing:
                    yield f"{phase}: jobs {sorted(missing)} gave no result"
        for e in _beats_while_blocked(events):
            yield f"the heartbeat beat at t={e.t:.3f}s while CPU work blocked the loop"

    def measure(self, events: Sequence[Event], p: Params) -> dict[str, Any]:
        seconds = _phase_seconds(events)
        speed_up = {}
        for name, took in seconds.items():
            base = seconds.get(phase(name.split()[0].rstrip(","), SEQUENTIAL))
            if SEQUENTIAL not in name and base and took > 0:
                speed_up[name] = round(base / took, 2)
        found = {
            "GIL": "enabled" if gil_enabled() else "disabled (free-threaded build)",
            "cores": os.cpu_count(),
            "seconds": {phase: round(took, 3) for phase, took in seconds.items()},
            "speed-up": speed_up,
        }
        gaps = _heartbeat_gaps(events)
        if gaps:
            tick = p.tick or 1.0  # with tick=0, in seconds
            found["longest heartbeat gap (ticks)"] = {
                phase: round(gap / tick, 1) for phase, gap in gaps.items()
            }
        return found

    def narrate(self, event: Event) -> str:
        if event.action in ("starts", "ends") and event.actor == "main":
            return f"main {event.action} {event.detail}"
        if isinstance(event.detail, dict) and "result" in event.detail:
            return (
                f"{event.actor} {event.action} {event.detail['result']} ({event.detail['phase']})"
            )
        return super().narrate(event)


def phase(kind: str, how: str) -> str:
    """A phase's name: ``"cpu, one after another"``, ``"io in threads"``..."""
    return f"{kind}, {how}" if how == SEQUENTIAL else f"{kind} {how}"


def _results(events: Sequence[Event]) -> dict[str, dict[int, Any]]:
    """Each phase's results by job, from the jobs' events."""
    results: dict[str, dict[int, Any]] = defaultdict(dict)
    for e in events:
        if isinstance(e.detail, dict) and "result" in e.detail:
            results[e.detail["phase"]][e.detail["job"]] = e.detail["result"]
    return results


def _agreed(results: dict[str, dict[int, Any]], kind: str, jobs: int) -> object:
    """The results every phase of ``kind`` agrees on, in job order; else each phase's."""
    lists = {
        phase: [by_job.get(job) for job in range(1, jobs + 1)]
        for phase, by_job in results.items()
        if phase.startswith(kind)
    }
    distinct = {repr(v): v for v in lists.values()}
    return next(iter(distinct.values())) if len(distinct) == 1 else lists


def _phase_spans(events: Sequence[Event]) -> dict[str, tuple[float, float]]:
    starts = {e.detail: e.t for e in events if e.actor == "main" and e.action == "starts"}
    return {
        e.detail: (starts[e.detail], e.t)
        for e in events
        if e.actor == "main" and e.action == "ends" and e.detail in starts
    }


def _phase_seconds(events: Sequence[Event]) -> dict[str, float]:
    return {phase: end - start for phase, (start, end) in _phase_spans(events).items()}


def _beats_while_blocked(events: Sequence[Event]) -> Iterator[Event]:
    """Heartbeats while CPU jobs run one after another (in asyncio and trio: on the loop)."""
    spans = [span for name, span in _phase_spans(events).items() if name == phase(CPU, SEQUENTIAL)]
    for e in events:
        if e.actor == "heartbeat" and any(start < e.t < end for start, end in spans):
            yield e


def _heartbeat_gaps(events: Sequence[Event]) -> dict[str, float]:
    """For each phase, the longest time the heartbeat went without beating."""
    beats = [e.t for e in events if e.actor == "heartbeat"]
    if not beats:
        return {}
    gaps = {}
    for phase, (start, end) in _phase_spans(events).items():
        marks = [start, *(t for t in beats if start < t < end), end]
        gaps[phase] = max(b - a for a, b in itertools.pairwise(marks))
    return gaps


SCENARIO = Gil()
