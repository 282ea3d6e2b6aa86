"""gil: the same CPU-bound and I/O-bound jobs, one after another and at once."""

from __future__ import annotations

import itertools
import os
import statistics
import sys
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from time import perf_counter
from typing import Any

from threeways._protocol import MODELS, Mark, Scenario, Span, param
from threeways._protocol import Params as _BaseParams
from threeways._trace import Event

PART_TICKS = 1
"""How long one part of a CPU job takes alone, in ticks, when ``work`` is 0 (calibrated)."""
IO_TICKS = 2
"""How long one I/O job waits, in ticks."""
MIN_WORK = 1_000
"""The fewest steps a calibrated count-down takes (with ``tick=0``)."""
CHECK_EVERY = 2**14
"""How many steps a count-down takes between two looks at its stop flag (a millisecond or two)."""
ALONE = "one by one"
"""The words in the name of a phase whose jobs run one at a time."""

Flag = Callable[[], object]
"""A stop flag a job looks at now and then: true, or raising, tells it to stop."""
Job = Callable[..., Coroutine[Any, Any, None]]
"""How asyncio and trio run a job: a coroutine function (in a thread, in a process...)."""


@dataclass(frozen=True, kw_only=True)
class Params(_BaseParams):
    jobs: int = param(4, "how many CPU jobs and how many I/O jobs", min=1, max=16)
    parts: int = param(6, "parts of a CPU job: it records its progress after each", min=1, max=20)
    work: int = param(
        0, f"count-down steps per part; 0 calibrates a part to {PART_TICKS} tick", min=0
    )
    tick: float = param(0.05, "seconds per tick: scales every sleep in the scenario", min=0)


def count_down(n: int, stop: Flag | None = None) -> bool:
    """Count down from ``n`` in pure Python: CPU-bound, every step holds the GIL (a C
    function such as hashlib's may release it). True when done, False when told to stop.

    Python has no way to cancel or kill a thread from outside, so a job that runs in one
    must stop itself: every CHECK_EVERY steps it calls ``stop`` and gives up if the answer
    is true (``threading.Event().is_set`` is such a flag; ``trio.from_thread.
    check_cancelled`` raises ``trio.Cancelled`` itself once the waiting task is cancelled).
    """
    while n > 0:
        if n % CHECK_EVERY == 0 and stop is not None and stop():
            return False
        n -= 1
    return True


@cache  # once per process and duration: a run sizes its work once, in main
def calibrated(seconds: float) -> int:
    """How many steps ``count_down`` takes here to last about ``seconds`` (at least MIN_WORK)."""
    n = MIN_WORK
    while True:
        start = perf_counter()
        count_down(n)
        took = perf_counter() - start
        if took >= min(seconds, 0.05) / 2:  # long enough to measure
            return max(MIN_WORK, round(n * seconds / took))
        n *= 4


def work_size(p: Params) -> int:
    """The steps of one part of a CPU job: ``p.work``, or calibrated when it is 0."""
    return p.work or calibrated(PART_TICKS * p.tick)


def page(job: int) -> str:
    """What the I/O-bound job "fetches" after its wait."""
    return f"page {job}"


def gil_enabled() -> bool:
    """False only on a free-threaded build running without the GIL (3.13t and later)."""
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    return True if is_enabled is None else bool(is_enabled())


class Gil(Scenario[Params]):
    name = "gil"
    order = 80
    summary = "CPU-bound and I/O-bound jobs in threads and processes: the GIL, and what escapes it."
    lesson = """\
CPython's global interpreter lock (GIL) lets one thread at a time run Python bytecode. A
running thread hands it over every sys.getswitchinterval() seconds (5 ms), and whenever
it waits for I/O (a sleep, a socket, a file). So the same jobs run one after another and
then at once: CPU-bound ones (a pure-Python count-down in --parts parts, each part sized
by calibration to take about a tick alone, or --work steps) and I/O-bound ones (a wait of
2 ticks). The observable is what the jobs did, which does not depend on the work size:
every CPU job did all its parts and every I/O job fetched its page, in every phase.

How long each phase took, the speed-up over one after another, how much longer a job
took than alone, and the start-up (until the last worker began its job) are measured,
printed and put in the JSON, never compared: they depend on the machine and on whatever
else it runs; compare the ratios of one run.

threading: the I/O jobs overlap (a waiting thread holds no GIL) and end about jobs times
sooner; the CPU jobs take turns on the GIL and do not speed up at all (about 1x, often a
little less, from the hand-overs): each one runs at 1/jobs of its speed. multiprocessing:
every process has its own interpreter and its own GIL, so the CPU jobs speed up with the
cores, up to min(jobs, cores) times; but a process takes milliseconds (fork) to a few
hundred (spawn, forkserver: the child imports the modules it needs) to start, so it pays
off only for work much longer than that. asyncio and trio offload CPU work: to threads
(asyncio.to_thread, trio.to_thread.run_sync), where the GIL holds as it does for
threading, and to processes (a ProcessPoolExecutor; trio has no process pool, trio issue
#5, and the usual answer is anyio.to_process.run_sync, which runs on trio), which escape
it. Their I/O jobs need no thread: tasks that await overlap by design. What else escapes
the GIL: C code that releases it (hashlib, zlib, numpy), and a free-threaded build (3.13t
and later, with sys._is_gil_enabled() false), where CPU-bound threads speed up with the
cores too: the measurements say which build ran.

The timeline draws what the events show: a CPU job records each part it has done, and a
part is drawn "running" when it took about as long as alone, "1/4 speed" when it took
four times as long. Four CPU-bound threads under the GIL each run at about 1/4 speed: they
take turns, every 5 ms, far finer than the picture can show; they never run side by side.

A thread cannot be cancelled: a CPU job in a thread looks at a stop flag every 2**14
steps and ends itself when it is set (see count_down). A process can be terminated.

interpreters (Python 3.13+, PEP 734): several interpreters in one process, each with its
own GIL, so the CPU jobs speed up with the cores as processes do, without leaving the
process. An interpreter shares no object with another: the job and its arguments are
pickled into it, and the stop flag is a cross-interpreter queue (full means stop), since an
Event cannot cross. An interpreter is made in milliseconds, but then imports the modules
its job needs afresh, as a spawned process does: its start-up is close to a spawned
process's, far above a thread's. Like a thread, it cannot be killed: its CPU job looks at
the stop flag.

dask runs the jobs as tasks on a cluster's workers: processes, each with its own GIL, on
a real cluster other machines, and each with threads that share that process's GIL. The
CPU jobs speed up with the worker processes (here one per core), not with their threads;
the I/O jobs overlap on the threads. Each task is pickled to the scheduler and a worker
and its result back: the cluster pays off for work far longer than a message, and its
start (a process per worker, importing dask) costs more still, once.
"""
    models = (*MODELS, "interpreters", "dask")
    uses = {
        "threading": "a Thread per job: I/O overlaps, CPU takes turns on the GIL",
        "multiprocessing": "a Process per job: an interpreter and a GIL each",
        "asyncio": "CPU jobs via to_thread (the GIL holds) and a ProcessPoolExecutor; I/O tasks",
        "trio": "CPU jobs via to_thread.run_sync and anyio.to_process.run_sync; I/O tasks",
        "interpreters": "an interpreter per job (PEP 734), call_in_thread: a GIL each",
        "dask": "client.submit to worker processes (a GIL each) and their threads (one GIL)",
    }
    parameters = Params

    checks = (
        "each kind of job (CPU, I/O) runs both one by one and all at once",
        "one by one means one by one: a job starts once the one before is done",
    )

    def expected(self, p: Params) -> dict[str, object]:
        return {
            "cpu jobs: parts done": [p.parts] * p.jobs,
            "io jobs: pages fetched": [page(job) for job in range(1, p.jobs + 1)],
        }

    def observe(self, events: Sequence[Event], p: Params) -> dict[str, object]:
        done = {name: _outcomes(own, p) for name, own in _phases(events).items()}
        return {
            "cpu jobs: parts done": _agreed(done, "cpu"),
            "io jobs: pages fetched": _agreed(done, "io"),
        }

    def invariants(self, events: Sequence[Event], p: Params) -> Iterator[str]:
        phases = _phases(events)
        for kind in ("cpu", "io"):
            ran = [name for name in phases if name.startswith(kind)]
            if not any(ALONE in name for name in ran) or all(ALONE in name for name in ran):
                yield f"{kind} jobs did not run both {ALONE} and at once: {ran}"
        for name, own in phases.items():
            if ALONE not in name:
                continue
            spans = sorted(_job_spans(own).items(), key=lambda js: js[1])
            for (job, (_, end)), (later, (start, _)) in itertools.pairwise(spans):
                if start < end:  # one by one: a job starts once the one before is done
                    yield f"{name}: job {later} started before job {job} was done"

    def measure(self, events: Sequence[Event], p: Params) -> dict[str, Any]:
        phases = _phases(events)
        seconds = {name: own[-1].t - own[0].t for name, own in phases.items()}
        took = {name: _mean_job_time(own) for name, own in phases.items()}
        speed_up, slower = {}, {}
        for name in phases:
            alone = f"{name.split()[0]}, {ALONE}"
            if ALONE in name or alone not in phases:
                continue
            if seconds[name] > 0:
                speed_up[name] = round(seconds[alone] / seconds[name], 2)
            if took[alone] > 0:
                slower[name] = round(took[name] / took[alone], 1)
        sizes = [e.detail for e in events if e.action == "sizes the work"]
        return {
            "GIL": "enabled" if gil_enabled() else "disabled (free-threaded build)",
            "cores": os.cpu_count(),
            "work per part (steps)": sizes[0] if sizes else None,
            "seconds": {name: round(s, 3) for name, s in seconds.items()},
            "speed-up": speed_up,
            "a job took (x alone)": slower,
            "start-up (s)": {
                name: round(max(s for s, _ in _job_spans(own).values()) - own[0].t, 3)
                for name, own in phases.items()
                if ALONE not in name and _job_spans(own)
            },
        }

    def timeline(self, events: Sequence[Event], p: Params) -> list[Span]:
        # main: starting the workers of a phase at once; an I/O job: waiting; a CPU job:
        # each part, at the speed it ran compared with a part alone
        phases = _phases(events)
        alone = [d for name, own in phases.items() if ALONE in name for d in _part_times(own)]
        solo = statistics.median(alone) if alone else 0.0
        spans = []
        for name, own in phases.items():
            started = [s for s, _ in _job_spans(own).values()]
            if ALONE not in name and started:
                spans.append(Span("main", own[0].t, max(started), "starting workers"))
            since: dict[str, float] = {}
            for e in own:
                if e.action == "starts" and e.actor != "main":
                    since[e.actor] = e.t
                elif e.action == "fetches":
                    spans.append(Span(e.actor, since.pop(e.actor, e.t), e.t, "waiting"))
                elif e.action == "has done part":
                    start = since.get(e.actor, e.t)
                    spans.append(Span(e.actor, start, e.t, _speed(e.t - start, solo)))
                    since[e.actor] = e.t
        return spans

    def marks(self, events: Sequence[Event], p: Params) -> list[Mark]:
        return [Mark(own[0].t, name) for name, own in _phases(events).items()]

    def finished(self, events: Sequence[Event], p: Params) -> bool:
        last = events[-1]
        if last.actor == "main":  # between two phases
            return last.action in ("ends", "sizes the work")
        return last.action == "fetches" or (
            last.action == "has done part" and last.detail == p.parts
        )

    def narrate(self, event: Event) -> str:
        if event.action == "sizes the work":
            return f"main sizes the work: {event.detail} count-down steps a part"
        return super().narrate(event)


def _phases(events: Sequence[Event]) -> dict[str, list[Event]]:
    """Each phase's events, from main's "starts" to its "ends" (the jobs' in between: main
    starts a phase's workers after its "starts" and records "ends" once they are done)."""
    phases: dict[str, list[Event]] = {}
    current: list[Event] | None = None
    for e in events:
        if e.actor == "main" and e.action == "starts":
            current = phases.setdefault(e.detail, [])
        if current is not None:
            current.append(e)
        if e.actor == "main" and e.action == "ends":
            current = None
    return phases


def _outcomes(own: Sequence[Event], p: Params) -> list[object]:
    """What each job of one phase did: the parts a CPU job did, the page an I/O job fetched."""
    done: dict[int, Any] = {}
    for e in own:
        if e.action == "has done part":
            done[_job(e)] = done.get(_job(e), 0) + 1
        elif e.action == "fetches":
            done[_job(e)] = e.detail
    return [
        done.get(job, 0 if own[0].detail.startswith("cpu") else None)
        for job in range(1, p.jobs + 1)
    ]


def _agreed(done: dict[str, list[object]], kind: str) -> object:
    """What every phase of ``kind`` agrees on, in job order; else each phase's."""
    lists = {name: d for name, d in done.items() if name.startswith(kind)}
    distinct = {repr(v): v for v in lists.values()}
    return next(iter(distinct.values())) if len(distinct) == 1 else lists


def _job(e: Event) -> int:
    return int(e.actor.rpartition(" ")[2])


def _job_spans(own: Sequence[Event]) -> dict[int, tuple[float, float]]:
    """Each job of one phase: from its "starts" to its last event."""
    spans: dict[int, tuple[float, float]] = {}
    for e in own:
        if e.actor != "main":
            start = spans[_job(e)][0] if _job(e) in spans else e.t
            spans[_job(e)] = (start, e.t)
    return spans


def _mean_job_time(own: Sequence[Event]) -> float:
    spans = _job_spans(own).values()
    return statistics.mean(end - start for start, end in spans) if spans else 0.0


def _part_times(own: Sequence[Event]) -> list[float]:
    """How long each part of each CPU job of one phase took."""
    times, since = [], {}
    for e in own:
        if e.action == "starts" and e.actor != "main":
            since[e.actor] = e.t
        elif e.action == "has done part" and e.actor in since:
            times.append(e.t - since[e.actor])
            since[e.actor] = e.t
    return times


def _speed(took: float, solo: float) -> str:
    """A part's state on the timeline: "running" at about its speed alone, else how much
    slower, in a few steps (so that a little noise does not make a new state)."""
    times = took / solo if solo > 0 else 1.0
    if times < 1.6:
        return "running"
    if times < 3:
        return "1/2 speed"
    return "1/4 speed" if times < 6 else "≤1/8 speed"


SCENARIO = Gil()
