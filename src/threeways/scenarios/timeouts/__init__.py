"""timeouts: jobs under one deadline; the late ones are stopped, every job cleans up once."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from threeways._protocol import Mark, Scenario, param
from threeways._protocol import Params as _BaseParams
from threeways._trace import Event

WORK_TICKS = 1
"""How long a quick job works before it answers, in ticks."""
DEADLINE_TICKS = 4
"""The batch's deadline, in ticks from the moment every job is under way."""
CLOCK_SLACK_S = max(1e-4, time.get_clock_info("monotonic").resolution)
"""How early a deadline may seem to pass on the trace's clock: a tick of the monotonic
clock, or a tenth of a millisecond (multiprocessing's timed waits count on the wall
clock, which the system may slew a little)."""


def job_name(i: int) -> str:
    return f"job {i}"


def answer(i: int) -> str:
    """What quick job ``i`` answers."""
    return f"answer {i}"


def quick_jobs(p: Params) -> range:
    """The jobs that answer: 1 to ``quick``."""
    return range(1, p.quick + 1)


def stuck_jobs(p: Params) -> range:
    """The jobs whose answer never comes: the ``stuck`` ones after the quick ones."""
    return range(p.quick + 1, p.quick + p.stuck + 1)


@dataclass(frozen=True, kw_only=True)
class Params(_BaseParams):
    quick: int = param(2, "how many jobs answer after a tick of work", min=0, max=50)
    stuck: int = param(
        2, "how many jobs wait for an answer that never comes, until stopped", min=0, max=50
    )
    tick: float = param(0.25, "seconds per tick: scales every sleep in the scenario", min=0)


class Timeouts(Scenario[Params]):
    name = "timeouts"
    order = 140
    summary = "Jobs under one deadline: the quick ones answer, the stuck ones are stopped."
    lesson = f"""\
A deadline says when to stop waiting; what it can stop is where the models differ. Main
starts the jobs: a quick one works a tick and answers, a stuck one waits for an answer
that never comes. Once every job is under way (answered, or waiting) main starts the
clock: the batch has {DEADLINE_TICKS} ticks. The quick jobs are in, the stuck ones are
stopped at the deadline, and every job cleans up exactly once. The clock starts at that
start line so that no outcome depends on the machine's speed: a job that must make the
deadline has made it before the clock starts, and one that must miss it cannot finish.
(Counted from the start, a deadline of a few ticks could pass before a quick job is done
on a loaded machine, or before any process has even started under spawn, whose
processes take a few hundred milliseconds to start: the start line is measured.)

- threading: a wait's timeout only ends the wait. Event.wait, Condition.wait and
  Lock.acquire return False, join(timeout) returns None either way (ask is_alive()),
  Future.result(timeout) raises TimeoutError (concurrent.futures.TimeoutError is the
  builtin from 3.11) and Future.cancel() is refused once the job runs. The job runs on:
  Python cannot stop a thread, so it looks at a flag, an Event main sets at the deadline
  and on every way out, Ctrl-C included.
- multiprocessing: terminate() stops a process from outside (SIGTERM, exit code -15;
  TerminateProcess on Windows), but its finally blocks and exit handlers never run, so
  the parent cleans up after it; and it can leave a shared lock or queue broken (the
  docs' programming guidelines: "Avoid terminating processes"). A process killed inside
  Event.wait leaves that Event counting a sleeper that never wakes: set() then blocks for
  ever; one killed on its way out of a Barrier keeps the Barrier's lock, and the others
  still leaving it never do (both seen on 3.11 to 3.13). So the jobs report under way
  with a Semaphore release, one atomic step, and a stuck job's Event is never used again.
- asyncio: asyncio.timeout (3.11+) cancels the task that entered it at its await, and
  turns the CancelledError into TimeoutError as its block ends; finally blocks run.
  timeout(None) has no deadline until reschedule() gives it one (here, at the start
  line); timeout_at takes the loop's time; expired() says whether it fired. It reaches
  only its own task: the jobs are stopped because main's TaskGroup cancels its tasks when
  main is cancelled. asyncio.wait_for(aw, t) cancels aw and raises TimeoutError; from 3.12
  it is asyncio.timeout inside (gh-96764), in 3.11 it can lose a cancellation that
  arrives just as aw ends (gh-86296).
- trio: a cancel scope is the one way to time out anything; trio's functions take no
  timeout argument. move_on_after just leaves its block (cancelled_caught says whether it did),
  fail_after raises TooSlowError; both count from entering (trio 0.27, #2512), and a
  CancelScope's deadline can be set later. Scopes nest through nurseries, and a Cancelled
  is caught only by the scope that caused it.

Nested deadlines: each stuck job bounds its own wait by timeout (30 s unless changed),
inside the batch's much shorter deadline, and the shorter wins. trio's inner scope
cannot extend the outer one; in asyncio, timeouts nested in one task behave the same
(the first to expire cancels), and here the outer one reaches the jobs through the
TaskGroup. Threads and processes have no scopes: pass the deadline down as a number and
give each wait the time that remains of the sooner one, min(inner, outer) - now.
"""
    uses = {
        "threading": "a Thread per job, a Semaphore to count them in, Event.wait(timeout), a flag",
        "multiprocessing": "a Process per job, Semaphore, Event.wait(timeout), terminate()",
        "asyncio": "asyncio.timeout(None).reschedule() around a TaskGroup, own timeout",
        "trio": "a CancelScope's deadline around a nursery, nursery.start, own fail_after",
    }
    parameters = Params

    checks = (
        "the clock starts only once every job is under way",
        "no job is stopped before the deadline",
        "each job cleans up last, after it finished or was stopped",
    )

    def expected(self, p: Params) -> dict[str, object]:
        return {
            "finished": list(quick_jobs(p)),
            "stopped at the deadline": list(stuck_jobs(p)),
            "cleanups": {job_name(i): 1 for i in [*quick_jobs(p), *stuck_jobs(p)]},
        }

    def observe(self, events: Sequence[Event], p: Params) -> dict[str, object]:
        cleanups = Counter(e.actor for e in events if e.action == "cleans up")
        return {
            "finished": sorted(_number(e.actor) for e in events if e.action == "finishes"),
            "stopped at the deadline": sorted(
                _number(e.actor) for e in events if e.action == "is stopped"
            ),
            "cleanups": {
                job_name(i): cleanups[job_name(i)] for i in [*quick_jobs(p), *stuck_jobs(p)]
            },
        }

    def invariants(self, events: Sequence[Event], p: Params) -> Iterator[str]:
        yield from _clock_waits_for_every_job(events, p)
        yield from _nobody_stopped_early(events, p)
        yield from _cleanup_comes_last(events)

    def finished(self, events: Sequence[Event], p: Params) -> bool:
        last = events[-1]
        # A job's part ends with its cleanup (which main does for a terminated process).
        if last.actor.startswith("job "):
            return last.action == "cleans up"
        return super().finished(events, p)

    def measure(self, events: Sequence[Event], p: Params) -> dict[str, Any]:
        found: dict[str, Any] = {"deadline (s)": DEADLINE_TICKS * p.tick}
        clock = _clock(events)
        if clock is not None:
            found["start line at (s)"] = round(clock, 4)  # how long the jobs took to start
            stops = [e.t for e in events if e.action == "is stopped"]
            if stops:
                late = max(stops) - clock - DEADLINE_TICKS * p.tick
                found["last stopped after the deadline (s)"] = round(late, 4)
        return found

    def marks(self, events: Sequence[Event], p: Params) -> list[Mark]:
        # the start line, and the deadline once the run has reached it
        found = [Mark(0.0, "jobs start")]
        clock = _clock(events)
        if clock is not None:
            found.append(Mark(clock, f"the clock runs: {DEADLINE_TICKS} ticks"))
            deadline = clock + DEADLINE_TICKS * p.tick
            if events and events[-1].t >= deadline - CLOCK_SLACK_S:
                found.append(Mark(deadline, "deadline: the late are stopped"))
        return found

    def narrate(self, event: Event) -> str:
        who, what, detail = event.actor, event.action, event.detail
        if what == "works":
            return f"{who} works ({detail} tick)"
        if what == "finishes":
            return f"{who} finishes: {detail}"
        if what == "starts the clock":
            return f"{who} starts the clock: the deadline is {detail} ticks away"
        if what == "terminates":
            return f"{who} terminates {detail}"
        if what in ("is stopped", "sets the stop flag") and detail:
            return f"{who} {what}: {detail}"
        if what == "cleans up" and detail:
            return f"{who} is cleaned up by {detail}: terminate() skipped its finally"
        return super().narrate(event)


def _number(actor: str) -> int:
    return int(actor.removeprefix("job "))


def _clock(events: Sequence[Event]) -> float | None:
    """When main started the clock, if it did."""
    starts = [e.t for e in events if e.actor == "main" and e.action == "starts the clock"]
    return starts[0] if starts else None


def _clock_waits_for_every_job(events: Sequence[Event], p: Params) -> Iterator[str]:
    """The clock starts only once every job is under way: answered, or waiting."""
    clock = _clock(events)
    if clock is None:
        yield "main never started the clock"
        return
    ready = {
        e.actor for e in events if e.action in ("finishes", "waits for an answer") and e.t < clock
    }
    for i in [*quick_jobs(p), *stuck_jobs(p)]:
        if job_name(i) not in ready:
            yield f"the clock started at t={clock:.3f}s before {job_name(i)} was under way"


def _nobody_stopped_early(events: Sequence[Event], p: Params) -> Iterator[str]:
    """No job is stopped before the deadline: a deadline never passes early."""
    clock = _clock(events)
    deadline = (clock or 0.0) + DEADLINE_TICKS * p.tick
    for e in events:
        if e.action == "is stopped" and e.t < deadline - CLOCK_SLACK_S:
            yield f"{e.actor} was stopped at t={e.t:.3f}s, before the deadline at {deadline:.3f}s"


def _cleanup_comes_last(events: Sequence[Event]) -> Iterator[str]:
    """A job cleans up once, as its last act: after it finished or was stopped."""
    ended: set[str] = set()
    cleaned: set[str] = set()
    for e in events:
        if e.actor in cleaned:
            yield f"{e.actor} {e.action} after it cleaned up"
        if e.action in ("finishes", "is stopped"):
            ended.add(e.actor)
        elif e.action == "cleans up":
            if e.actor not in ended:
                yield f"{e.actor} cleaned up before it finished or was stopped"
            cleaned.add(e.actor)


SCENARIO = Timeouts()
