"""barrier: workers compute in phases and wait for each other at a barrier between phases."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from threeways._protocol import Mark, Scenario, Span, param
from threeways._protocol import Params as _BaseParams
from threeways._support import names
from threeways._trace import Event, Recorder

STOPS = ("sees the barrier broken", "is cancelled at the barrier")
"""How a worker that did not fail stops at the barrier: threading, multiprocessing and
asyncio see it broken (``abort()``); trio's nursery cancels the task waiting at it."""

_WORKERS = ("Ann", "Bob", "Cat", "Dan", "Eve", "Fay", "Gus", "Hal")


def worker_names(n: int) -> list[str]:
    return names(_WORKERS, n, "worker")


def work_ticks(i: int, phase: int) -> int:
    """How long worker ``i`` computes in ``phase``, in ticks (1 to 3): the slowest changes
    from phase to phase, and the barrier waits for whoever it is."""
    return 1 + (i + phase) % 3


def fails(i: int, phase: int, p: Params) -> bool:
    """Whether worker ``i`` raises in ``phase``: the last worker, in ``--fail-in-phase``."""
    return i == p.workers - 1 and phase == p.fail_in_phase


def failure(trace: Recorder, name: str, phase: int) -> ValueError:
    """The error the failing worker raises, recorded as it is raised."""
    trace.record(name, "raises", phase)
    return ValueError(f"{name} failed in phase {phase}")


def describe(error: BaseException) -> str:
    """An error as one line of plain data: ``"ValueError: Cat failed in phase 2"``."""
    return f"{type(error).__name__}: {error}"


@dataclass(frozen=True, kw_only=True)
class Params(_BaseParams):
    workers: int = param(
        3, "how many workers compute each phase (the barrier's parties)", min=1, max=32
    )
    phases: int = param(3, "how many phases each worker computes", min=1, max=100)
    fail_in_phase: int = param(
        0, "the phase in which the last worker raises (0: nobody fails)", min=0, max=100
    )
    tick: float = param(0.1, "seconds per tick: scales every sleep in the scenario", min=0)


class PhasedWork(Scenario[Params]):
    name = "barrier"
    order = 220
    summary = "Workers compute in phases and wait at a barrier; an action runs between phases."
    lesson = """\
Three workers compute in phases, and a phase may begin only once every worker has
finished the one before (each needs all the others' results, say). So after each phase a
worker waits at a barrier: a Barrier(parties) lets nobody through until `parties` of them
wait at it, then lets them all go, and is ready for the next phase. Who arrives last
changes from phase to phase; the barrier waits for whoever it is. Between two phases one
"action" runs (merge the phase's results): once, after every worker finished the phase,
before anyone starts the next.
- threading.Barrier(parties, action=): the action runs in one of the threads (CPython:
  the last to arrive) after all have arrived and before any is released; if it raises,
  that thread gets the error and the barrier breaks for the others. wait() returns each
  a different index, 0 to parties-1 (CPython: the order of arrival).
- multiprocessing.Barrier: the same class on shared memory. The action runs in the
  process that arrives last, so it must pickle (a top-level function, or a partial of
  one); like every lock and Event of multiprocessing it reaches a process only as the
  process starts (a ProcessPoolExecutor's initializer), never with a job.
- asyncio.Barrier (3.11+, CPython gh-87518, bpo-43352) copies threading's, but has no
  action and no timeout (asyncio.timeout bounds the wait). The docs' replacement: the task
  whose wait() returns 0 does the housekeeping. That task runs only after the barrier let
  everyone go, so the others could start the next phase first: all wait a second time,
  and nobody starts before the action ran.
- trio has no Barrier, nor has anyio (trio issue #1434: Nathaniel Smith had never needed
  one, so could not tell what its API should be; the asker found memory channels and a
  nursery enough). The replacement is a small class: a count, and a trio.Event per
  generation that the last to arrive sets after running the action. A set trio.Event
  stays set (there is no clear()), so the next generation needs a fresh one.

When a worker fails (--fail-in-phase 2: the last worker raises in phase 2), the others
must not wait for it for ever. Its error reaches main, and:
- threading, multiprocessing, asyncio: it calls barrier.abort() first. A broken barrier
  makes every wait(), now and later, raise BrokenBarrierError (asyncio's own class), so the
  others stop there. A threading wait(timeout) that times out breaks the barrier too, for
  everyone; an asyncio task cancelled while it waits leaves the barrier as it was.
- trio: nothing to break. The error leaves the task, and the nursery cancels the others,
  waiting at the barrier.
The failing worker raises only once the others wait at the barrier (it looks at the
barrier's n_waiting until they all do): so who finished which phase, who failed and who
stopped at the barrier follow from the parameters, whatever the scheduler does. All of it
holds alike on CPython 3.11, 3.12 and 3.13.
"""
    uses = {
        "threading": "threading.Barrier(parties, action=), abort(); ThreadPoolExecutor",
        "multiprocessing": "a context's Barrier(action=), via a ProcessPoolExecutor's initializer",
        "asyncio": "asyncio.Barrier; wait() == 0 runs the action, then a second wait(); abort()",
        "trio": "a count and a fresh trio.Event per generation (no Barrier); nursery cancels",
    }
    parameters = Params

    checks = (
        "no worker starts phase k+1, nor passes barrier k, before every worker finished phase k",
        "the action runs once a phase, after every worker finished it, before anyone goes on",
        "a worker stops at the barrier only after another failed, and then does nothing more",
        "the failing worker's error reaches main",
    )
    variations = ({"workers": 4, "phases": 4, "fail_in_phase": 3},)

    def expected(self, p: Params) -> dict[str, object]:
        workers = worker_names(p.workers)
        failed = p.fail_in_phase if p.fail_in_phase <= p.phases else 0
        if not failed:
            return {
                "phases done": {name: p.phases for name in workers},
                "action ran after phase": list(range(1, p.phases + 1)),
                "stopped at the barrier": {},
                "failed": {},
                "main saw": [],
            }
        *others, last = workers
        return {
            "phases done": {name: failed - (name == last) for name in workers},
            "action ran after phase": list(range(1, failed)),
            "stopped at the barrier": {name: failed for name in others},
            "failed": {last: failed},
            "main saw": [f"ValueError: {last} failed in phase {failed}"],
        }

    def observe(self, events: Sequence[Event], p: Params) -> dict[str, object]:
        done = Counter(e.actor for e in events if e.action == "finishes phase")
        return {
            "phases done": {name: done[name] for name in worker_names(p.workers)},
            "action ran after phase": _action_runs(events, p),
            "stopped at the barrier": _by_worker(events, STOPS),
            "failed": _by_worker(events, ("raises",)),
            "main saw": [e.detail for e in events if e.action == "sees error"],
        }

    def narrate(self, event: Event) -> str:
        if event.actor == "action":
            return f"the action runs, in {event.detail}"
        if event.action == "sees error":
            return f"main sees {event.detail}"
        if isinstance(event.detail, int) and event.action.endswith("phase"):
            return f"{event.actor} {event.action} {event.detail}"
        if isinstance(event.detail, int):
            return f"{event.actor} {event.action} (phase {event.detail})"
        return super().narrate(event)

    def timeline(self, events: Sequence[Event], p: Params) -> list[Span]:
        # The action is a moment, not a lane from one run to the next: a mark per run.
        spans = [s for s in super().timeline(events, p) if s.actor != "action"]
        runs = (e for e in events if e.actor == "action")
        return [*spans, *(Span(e.actor, e.t, e.t + 1e-6, "running") for e in runs)]

    def marks(self, events: Sequence[Event], p: Params) -> list[Mark]:
        firsts: dict[int, float] = {}
        for e in events:
            if e.action == "starts phase":
                firsts.setdefault(e.detail, e.t)
        return [Mark(t, f"phase {phase}") for phase, t in sorted(firsts.items())]

    def finished(self, events: Sequence[Event], p: Params) -> bool:
        last = events[-1]  # the action is a moment: over as soon as it has run
        if last.actor == "action" or last.action in (*STOPS, "raises", "ends"):
            return True
        return last.action == "passes the barrier" and last.detail == p.phases

    def measure(self, events: Sequence[Event], p: Params) -> dict[str, object]:
        arrivals: dict[int, list[str]] = {}
        for e in events:
            if e.action == "waits at the barrier":
                arrivals.setdefault(e.detail, []).append(e.actor)
        return {"last to arrive, each phase": [order[-1] for _, order in sorted(arrivals.items())]}

    def invariants(self, events: Sequence[Event], p: Params) -> Iterator[str]:
        workers = worker_names(p.workers)
        yield from _phases_in_step(events, workers)
        yield from _action_between_phases(events, workers)
        yield from _stopped_after_a_failure_only(events)
        yield from _every_error_reaches_main(events)


def _by_worker(events: Sequence[Event], actions: tuple[str, ...]) -> dict[str, int]:
    """The phase in which each worker did one of ``actions``, by name."""
    return dict(sorted((e.actor, e.detail) for e in events if e.action in actions))


def _action_runs(events: Sequence[Event], p: Params) -> list[int]:
    """After which phase each run of the action came: the last phase every worker had
    finished by then."""
    done = dict.fromkeys(worker_names(p.workers), 0)
    runs = []
    for e in events:
        if e.action == "finishes phase" and e.actor in done:
            done[e.actor] = max(done[e.actor], e.detail)
        elif e.actor == "action":
            runs.append(min(done.values()))
    return runs


def _phases_in_step(events: Sequence[Event], workers: list[str]) -> Iterator[str]:
    """No worker starts phase k+1, nor passes barrier k, before every worker has finished
    phase k (and arrived at barrier k)."""
    done = dict.fromkeys(workers, 0)
    arrived = dict.fromkeys(workers, 0)
    for e in events:
        if e.actor not in done:
            continue
        if e.action == "finishes phase":
            done[e.actor] = max(done[e.actor], e.detail)
        elif e.action == "waits at the barrier":
            arrived[e.actor] = max(arrived[e.actor], e.detail)
        elif e.action == "starts phase":
            when = f"{e.actor} started phase {e.detail} at t={e.t:.3f}s"
            for other in [w for w in workers if done[w] < e.detail - 1]:
                yield f"{when} before {other} finished phase {e.detail - 1}"
        elif e.action == "passes the barrier":
            when = f"{e.actor} passed barrier {e.detail} at t={e.t:.3f}s"
            for other in [w for w in workers if arrived[w] < e.detail]:
                yield f"{when} before {other} arrived at it"


def _action_between_phases(events: Sequence[Event], workers: list[str]) -> Iterator[str]:
    """The n-th run of the action comes after every worker finished phase n, and before
    any worker starts phase n + 1."""
    done = dict.fromkeys(workers, 0)
    runs = 0
    for e in events:
        if e.action == "finishes phase" and e.actor in done:
            done[e.actor] = max(done[e.actor], e.detail)
        elif e.action == "starts phase":
            if e.detail > runs + 1:
                when = f"{e.actor} started phase {e.detail} at t={e.t:.3f}s"
                yield f"{when} before the action ran after phase {e.detail - 1}"
        elif e.actor == "action":
            runs += 1
            late = [w for w in workers if done[w] < runs]
            if late:
                when = f"the action ran at t={e.t:.3f}s"
                yield f"{when}, for phase {runs}, before {', '.join(late)} finished it"


def _stopped_after_a_failure_only(events: Sequence[Event]) -> Iterator[str]:
    """A worker stops at the barrier only once some worker has raised, and then does
    nothing more."""
    raised = ""
    stopped: set[str] = set()
    for e in events:
        if e.actor in stopped:
            yield f"{e.actor} {e.action} after it stopped at the barrier"
        elif e.action == "raises":
            raised = raised or e.actor
        elif e.action in STOPS:
            stopped.add(e.actor)
            if not raised:
                yield f"{e.actor} {e.action} at t={e.t:.3f}s, but nobody had failed"


def _every_error_reaches_main(events: Sequence[Event]) -> Iterator[str]:
    """Every worker that raised has its error seen by main, once."""
    seen = Counter(e.detail for e in events if e.action == "sees error")
    for e in events:
        if e.action == "raises":
            error = f"ValueError: {e.actor} failed in phase {e.detail}"
            if seen[error] != 1:
                yield f"main saw {error!r} {seen[error]} times"


SCENARIO = PhasedWork()
