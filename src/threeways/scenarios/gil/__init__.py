"""gil: the same CPU-bound and I/O-bound jobs, one after another and at the same time."""

from __future__ import annotations

import itertools
import os
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from time import perf_counter
from typing import Any

from threeways._protocol import Params as _BaseParams
from threeways._protocol import Scenario, Span, param
from threeways._trace import Event

CPU_TICKS = 6
"""How long one CPU job takes, in ticks, when ``work`` is 0 (calibrated)."""
IO_TICKS = 2
"""How long one I/O job waits, in ticks."""
MIN_WORK = 1_000
"""The fewest loop iterations a calibrated CPU job does (with ``tick=0``)."""
CHECK_EVERY = 2**14
"""How many steps a CPU job takes between two looks at its stop flag (a millisecond or two)."""

CPU = "cpu"
IO = "io"
SEQUENTIAL = "one after another"
CLOCK = "starts the clock"
"""What main records when every worker of a phase is ready: the phase is timed from there."""


@dataclass(frozen=True, kw_only=True)
class Params(_BaseParams):
    jobs: int = param(4, "how many CPU jobs and how many I/O jobs", min=1, max=64)
    work: int = param(
        0, f"loop iterations per CPU job; 0 calibrates a job to about {CPU_TICKS} ticks", min=0
    )
    tick: float = param(0.05, "seconds per tick: scales every sleep in the scenario", min=0)


class Stopped(Exception):
    """Raised by a CPU job that was told to stop before it was done."""


def crunch(job: int, n: int, stopped: Callable[[], object] | None = None) -> int:
    """The CPU-bound job: ``n`` steps of a pure-Python pseudo-random generator.

    Pure Python on purpose: every step holds the GIL (a C function such as hashlib's
    could release it). The result is a checksum of the job's number and its size.

    Python has no way to cancel or kill a thread from outside, so a job that runs in one
    must stop itself: every CHECK_EVERY steps it calls ``stopped`` and raises
    :class:`Stopped` if the answer is true (``threading.Event().is_set`` is such a flag).
    ``trio.from_thread.check_cancelled`` fits too: it raises ``trio.Cancelled`` itself
    once the task waiting for the thread is cancelled.
    """
    x = job
    for done in range(0, n, CHECK_EVERY):
        if stopped is not None and stopped():
            raise Stopped(f"job {job} stopped after {done} of {n} steps")
        for _ in range(min(CHECK_EVERY, n - done)):
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
(a pure-Python loop, sized by calibration to take about 6 ticks each, or --work
iterations) and I/O-bound ones (a wait), each one after another and then at the same
time. The observable is what the jobs compute, identical in every model and in every
phase. How long each phase took and the speed-ups over one after another are measured,
printed and put in the JSON, never compared, because they depend on the machine and on
whatever else it is running: compare the ratios of one run. A phase whose workers must
start first is timed from the moment all of them are ready (waiting at a start line, or
a warmed-up pool) until the last result is in, and their start-up is reported apart: a
thread starts in well under a millisecond, a process in milliseconds (fork) to a few
hundred (spawn, forkserver: the child imports the modules it needs). That is the other
lesson: a process pays off only for work much longer than its start.

threading: the I/O jobs overlap (a sleeping thread holds no GIL) and speed up about
jobs times; the CPU jobs take turns on the GIL and do not speed up at all (about 1x,
often a little less, from the hand-overs). multiprocessing: every process has its own
interpreter and its own GIL, so CPU jobs speed up with the cores, up to min(jobs, cores)
times (less on a machine busy with other work). On a free-threaded build (3.13t and
later, with sys._is_gil_enabled() false) there is no GIL, and CPU-bound threads speed
up with the cores too: the measurements say which build ran.

asyncio and trio run every task on one thread and switch only at an await (a
checkpoint): CPU work run directly in a task blocks the whole event loop. A heartbeat
task that beats every tick shows it: it never beats while a CPU job runs on the loop,
and can get in only at the checkpoint between two jobs (awaiting a coroutine is not a
checkpoint: only a real suspension is). Offloaded, the same work behaves like the other
models: asyncio.to_thread or trio.to_thread.run_sync run it in threads (no speed-up, and
the heartbeat beats but late: each time the loop's thread wakes up, it must win the GIL
back from the CPU threads, a switch interval or more, many on a busy machine, so its
longest gap grows to a few ticks), and a process pool runs it in processes (a speed-up,
and the loop beats on time). asyncio has loop.run_in_executor with a
ProcessPoolExecutor; trio has no process pool (trio issue #5), and the usual answer is
anyio's to_process.run_sync, which runs on trio. I/O-bound work needs no thread at all
there: tasks that await overlap by design.

Stopping (Ctrl-C) shows one more difference. A process can be killed from outside; a
thread cannot: Python has no way to cancel or kill one, so a CPU job in a thread must
stop itself. Each job looks at a stop flag every 2**14 steps (a millisecond or two), and
ends early when it is set. threading: Ctrl-C raises KeyboardInterrupt in the main thread
only; main, interrupted while it joins the threads, sets a threading.Event that the jobs
look at. asyncio: cancelling a task that awaits asyncio.to_thread ends the await at once
but not the thread, and asyncio.run waits for that thread at exit; so the task, when
cancelled, sets the job's threading.Event itself. trio has it built in: in a thread
started by trio.to_thread.run_sync, trio.from_thread.check_cancelled() raises
trio.Cancelled once the waiting task is cancelled. Processes: multiprocessing's are
terminated, and anyio's to_process.run_sync(cancellable=True) kills its worker; but a
ProcessPoolExecutor cannot stop its workers (before 3.14), so its jobs look at a
multiprocessing.Event, handed to each worker by the pool's initializer. CPU work on the
loop cannot be interrupted by asyncio: asyncio.run turns Ctrl-C (the first one) into a
cancellation of the main task, delivered at its next await, so Ctrl-C, like the
heartbeat, waits for the job on the loop to end. trio raises KeyboardInterrupt at once,
even in the middle of that job: its signal handler raises it wherever the code running
is not trio's own (protected) machinery.
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

    def finished(self, events: Sequence[Event], p: Params) -> bool:
        # between phases every job and main have ended what they started; the heartbeat
        # only watches the loop
        if events[-1].actor == "heartbeat":
            return True
        ended = sum(e.action in ("ends", "computes", "fetches") for e in events)
        return ended == sum(e.action == "starts" for e in events)

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
        clocks = _clocks(events)
        for e in events:  # the start line lets no worker go before the clock starts
            if e.action == "starts" and e.actor != "main" and e.t < clocks.get(e.detail, 0.0):
                yield f"{e.actor} started {e.detail} before the clock"

    def measure(self, events: Sequence[Event], p: Params) -> dict[str, Any]:
        spans = _phase_spans(events)
        clocks = _clocks(events)
        last = _last_results(events)
        seconds = {  # from the clock (else the start) until the last result is in
            name: last.get(name, end) - clocks.get(name, start)
            for name, (start, end) in spans.items()
        }
        speed_up = {}
        for name, took in seconds.items():
            base = seconds.get(phase(name.split()[0].rstrip(","), SEQUENTIAL))
            if SEQUENTIAL not in name and base and took > 0:
                speed_up[name] = round(base / took, 2)
        found = {
            "GIL": "enabled" if gil_enabled() else "disabled (free-threaded build)",
            "cores": os.cpu_count(),
            "seconds": {name: round(took, 3) for name, took in seconds.items()},
            "speed-up": speed_up,
            "start-up (s)": {
                name: round(clocks[name] - start, 3)
                for name, (start, _) in spans.items()
                if name in clocks
            },
        }
        gaps = _heartbeat_gaps(events)
        if gaps:
            tick = p.tick or 1.0  # with tick=0, in seconds
            found["longest heartbeat gap (ticks)"] = {
                name: round(gap / tick, 1) for name, gap in gaps.items()
            }
        return found

    def timeline(self, events: Sequence[Event], p: Params) -> list[Span]:
        # main: starting a phase's workers until the clock starts; a job: computing (CPU)
        # or waiting (I/O) from its "starts" to its result; the heartbeat: a mark per beat
        spans = []
        since: dict[str, float] = {}
        for e in events:
            if e.action == "starts":
                since[e.actor] = e.t
            elif e.action == CLOCK and e.actor in since:
                spans.append(Span(e.actor, since[e.actor], e.t, "starting workers"))
            elif e.actor == "heartbeat":
                spans.append(Span(e.actor, e.t, e.t + p.tick / 2, "beating"))
            elif isinstance(e.detail, dict) and e.actor in since:
                state = "running" if e.detail["phase"].startswith(CPU) else "waiting"
                spans.append(Span(e.actor, since.pop(e.actor), e.t, state))
        return spans

    def narrate(self, event: Event) -> str:
        if event.action == CLOCK:
            return f"main {CLOCK}: every worker is ready ({event.detail})"
        if event.action in ("starts", "ends"):
            return f"{event.actor} {event.action} {event.detail}"
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


def _clocks(events: Sequence[Event]) -> dict[str, float]:
    """When each phase's clock started: once its workers were all started and ready."""
    return {e.detail: e.t for e in events if e.action == CLOCK}


def _last_results(events: Sequence[Event]) -> dict[str, float]:
    """When each phase's last result was recorded (the events are in time order)."""
    return {
        e.detail["phase"]: e.t
        for e in events
        if isinstance(e.detail, dict) and "result" in e.detail
    }


def _beats_while_blocked(events: Sequence[Event]) -> Iterator[Event]:
    """Heartbeats while a CPU job runs one after another (in asyncio and trio: on the loop).

    From a job's "starts" to its result: the loop gets control back only between jobs.
    """
    name = phase(CPU, SEQUENTIAL)
    since: dict[str, float] = {}
    spans = []
    for e in events:
        if e.action == "starts" and e.detail == name:
            since[e.actor] = e.t
        elif isinstance(e.detail, dict) and e.detail.get("phase") == name and e.actor in since:
            spans.append((since.pop(e.actor), e.t))
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
