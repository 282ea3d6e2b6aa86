"""blocking_the_loop: CPU work on an event loop starves it; a heartbeat shows it."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from threeways._protocol import Mark, Scenario, Span, param
from threeways._protocol import Params as _BaseParams
from threeways._trace import Event
from threeways.scenarios.gil import calibrated, gil_enabled

JOB_TICKS = 4
"""How long one CPU job takes, in ticks, when ``work`` is 0 (calibrated)."""
ON_THE_LOOP = "on the loop"
"""The phase whose jobs run in the event loop's own thread (asyncio and trio)."""
FREE_TICKS = 3
FREE_S = 0.15
"""Jobs that run off the loop for longer than FREE_TICKS ticks and FREE_S seconds see the
heartbeat beat (every tick, a little late under the GIL): else the loop was blocked."""


@dataclass(frozen=True, kw_only=True)
class Params(_BaseParams):
    jobs: int = param(3, "how many CPU jobs run, one after another, in each phase", min=1, max=16)
    work: int = param(
        0, f"count-down steps per job; 0 calibrates a job to {JOB_TICKS} ticks", min=0
    )
    tick: float = param(0.05, "seconds per tick: the heartbeat beats every tick", min=0)


def work_size(p: Params) -> int:
    """The steps of one CPU job (gil's ``count_down``): ``p.work``, or calibrated when 0."""
    return p.work or calibrated(JOB_TICKS * p.tick)


class BlockingTheLoop(Scenario[Params]):
    name = "blocking_the_loop"
    order = 85
    summary = "A heartbeat beats every tick while CPU jobs run: on an event loop, it stops."
    lesson = """\
asyncio and trio run every task on one thread, and switch tasks only where a task awaits
something that suspends it (a checkpoint). CPU work called directly from a task holds
that thread until it returns: no other task runs, no timer fires, no I/O is served. A
heartbeat task that beats every tick shows it: it does not beat while a job runs on the
loop, and gets in only at the checkpoint after each job (main awaits each job, but
awaiting a coroutine that never suspends is no checkpoint: without the one after the
job, the heartbeat would wait for all of them). The cure is to run the work elsewhere:
in a thread (asyncio.to_thread, trio.to_thread.run_sync), and the heartbeat beats again,
a little late, since the loop's thread must win the GIL back from the job's thread each
time it wakes up; or in a process (a ProcessPoolExecutor; anyio.to_process.run_sync for
trio, which has no process pool), with its own GIL, and the heartbeat beats on time.

Threads and processes have no loop to block. threading: the heartbeat is a thread of
its own, and the operating system switches threads whatever they do: main's CPU jobs slow
the heartbeat (it must wait for the GIL, handed over every sys.getswitchinterval(), 5 ms)
but never stop it. Only work in the heartbeat's own thread would, which is what a task
that computes is: an event loop is one thread running every task in turn.
multiprocessing: the heartbeat is a process, with its own interpreter and GIL: main's
work neither stops nor slows it (a free core given).

The observable is what the design guarantees in every model: every job is done in every
phase. That the heartbeat never beats while a job runs on the loop is an invariant (the
loop's one thread is busy with the job); so is the converse: while asyncio's or trio's
jobs run in a thread or a process (for three ticks and 0.15 s at least), the heartbeat
beats, unless something blocked the loop all along (a join(), a result()). How long the
heartbeat went without beating in each phase, and how often it beat while the jobs ran,
are measured, in ticks (a tick is the gap when nothing is in the way), printed and never
compared: the timeline shows the gaps. Ctrl-C, too, must wait for a job on the asyncio
loop to end (it is delivered as a cancellation at the next await); trio raises
KeyboardInterrupt at once, even there.
"""
    uses = {
        "threading": "a heartbeat Thread beside CPU work in main: slowed by the GIL, never stopped",
        "multiprocessing": "a heartbeat Process: its own interpreter and GIL, on time",
        "asyncio": "a heartbeat task: stopped by work on the loop, not by to_thread or a "
        "ProcessPoolExecutor",
        "trio": "a heartbeat task: stopped by work on the loop, not by to_thread.run_sync or "
        "anyio.to_process.run_sync",
    }
    parameters = Params

    checks = (
        "the heartbeat never beats while a job runs on the loop itself",
        "while the jobs run off the loop (a thread, a process), the heartbeat beats",
        "the heartbeat stops at the end",
    )

    def expected(self, p: Params) -> dict[str, object]:
        return {"jobs done": list(range(1, p.jobs + 1))}

    def observe(self, events: Sequence[Event], p: Params) -> dict[str, object]:
        done = {
            phase: [_job(e) for e in own if e.action == "is done"]
            for phase, own in _phases(events).items()
        }
        distinct = {repr(v): v for v in done.values()}
        return {"jobs done": next(iter(distinct.values())) if len(distinct) == 1 else done}

    def invariants(self, events: Sequence[Event], p: Params) -> Iterator[str]:
        phases = _phases(events)
        if not phases:
            yield "no phase ran"
        jobs = _job_spans(phases.get(ON_THE_LOOP, []))
        for e in events:
            if e.action == "beats" and any(start < e.t < end for start, end in jobs):
                yield f"the heartbeat beat at t={e.t:.3f}s while a job ran on the loop"
        yield from _beats_off_the_loop(events, phases, p)
        if not any(e.actor == "heartbeat" and e.action == "stops" for e in events):
            yield "the heartbeat did not stop"

    def measure(self, events: Sequence[Event], p: Params) -> dict[str, Any]:
        beats = [e.t for e in events if e.action == "beats"]
        tick = p.tick or 1.0  # with tick=0, in seconds
        gaps, during = {}, {}
        for phase, own in _phases(events).items():
            start, end = own[0].t, own[-1].t
            # the gaps between two beats, within the phase (the heartbeat may start late)
            overlapping = [
                min(b, end) - max(a, start)
                for a, b in itertools.pairwise(beats)
                if b > start and a < end
            ]
            if overlapping:
                gaps[phase] = round(max(overlapping) / tick, 1)
            spans = _job_spans(own)
            during[phase] = sum(any(s < t < e for s, e in spans) for t in beats)
        sizes = [e.detail for e in events if e.action == "sizes the work"]
        return {
            "GIL": "enabled" if gil_enabled() else "disabled (free-threaded build)",
            "work per job (steps)": sizes[0] if sizes else None,
            "longest heartbeat gap (ticks)": gaps,
            "beats while the jobs ran": during,
        }

    def timeline(self, events: Sequence[Event], p: Params) -> list[Span]:
        # a job: running from its "starts" to "is done"; the heartbeat: a mark per beat
        spans = []
        since: dict[str, float] = {}
        for e in events:
            if e.action == "beats":
                spans.append(Span(e.actor, e.t, e.t + max(p.tick, 1e-3) / 2, "beats"))
            elif e.action == "starts" and e.actor != "main":
                since[e.actor] = e.t
            elif e.action == "is done" and e.actor in since:
                spans.append(Span(e.actor, since.pop(e.actor), e.t, "running"))
        return spans

    def marks(self, events: Sequence[Event], p: Params) -> list[Mark]:
        return [Mark(own[0].t, f"jobs {phase}") for phase, own in _phases(events).items()]

    def finished(self, events: Sequence[Event], p: Params) -> bool:
        last = events[-1]
        if last.actor == "main":  # between two phases
            return last.action in ("ends", "sizes the work")
        return last.action in ("is done", "stops")

    def narrate(self, event: Event) -> str:
        if event.action == "sizes the work":
            return f"main sizes the work: {event.detail} count-down steps a job"
        if event.actor == "main" and event.action in ("starts", "ends"):
            return f"main {event.action} the jobs {event.detail}"
        return super().narrate(event)


def _phases(events: Sequence[Event]) -> dict[str, list[Event]]:
    """Each phase's events, from main's "starts" to its "ends"."""
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


def _beats_off_the_loop(
    events: Sequence[Event], phases: dict[str, list[Event]], p: Params
) -> Iterator[str]:
    """An event loop's jobs that run off it (in a thread, in a process) leave the loop
    free: the heartbeat beats while they run, a beat every tick, unless something blocked
    the loop all along (a join(), a result() in a task). Judged only where there is a loop
    (a phase on it), where the heartbeat beat before and after the jobs, and where they
    ran long enough (FREE_TICKS ticks, FREE_S seconds) that a free loop always beats."""
    beats = [e.t for e in events if e.action == "beats"]
    long = max(FREE_TICKS * p.tick, FREE_S)
    for phase, own in phases.items():
        spans = _job_spans(own)
        if ON_THE_LOOP not in phases or phase == ON_THE_LOOP or not spans or not beats:
            continue
        start, end = min(s for s, _ in spans), max(e for _, e in spans)
        judged = beats[0] < start and end < beats[-1] and end - start > long
        if judged and not any(start < t < end for t in beats):
            ran = f"{end - start:.3f}s from t={start:.3f}s"
            yield f"the heartbeat never beat while the jobs ran {phase} ({ran})"


def _job(e: Event) -> int:
    return int(e.actor.removeprefix("job "))


def _job_spans(own: Sequence[Event]) -> list[tuple[float, float]]:
    """Each job of one phase: from its "starts" to its "is done" (or on, if it never was)."""
    spans, since = [], {}
    for e in own:
        if e.action == "starts" and e.actor != "main":
            since[e.actor] = e.t
        elif e.action == "is done" and e.actor in since:
            spans.append((since.pop(e.actor), e.t))
    return spans + [(start, math.inf) for start in since.values()]


SCENARIO = BlockingTheLoop()
