"""errors: several workers, one raises; supervision brings the error to main and stops the rest."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from threeways._protocol import Params as _BaseParams
from threeways._protocol import Scenario, param
from threeways._support import names
from threeways._trace import Event, Recorder

JOB_TICKS = 2
"""How long the first worker's job takes, in ticks; each next worker's takes one more."""

_ENDINGS = ("finishes", "raises", "is stopped")
"""The three ways a worker or a helper can end its part."""

_WORKERS = ("Ann", "Bob", "Cat", "Dan", "Eve", "Fay", "Gus", "Hal")


def worker_names(n: int) -> list[str]:
    return names(_WORKERS, n, "worker")


def helper_names(n: int) -> list[str]:
    return names((), n, "helper")


def describe(error: BaseException) -> str:
    """An error as one line of plain data: ``"ValueError: Bob failed"``."""
    return f"{type(error).__name__}: {error}"


def failure(trace: Recorder, name: str) -> ValueError:
    """The error the failing worker raises, recorded as it is raised."""
    error = ValueError(f"{name} failed")
    trace.record(name, "raises", describe(error))
    return error


def main_sees(trace: Recorder, error: BaseException) -> None:
    """Record each error main caught: one, or each one inside a (nested) ExceptionGroup."""
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            main_sees(trace, inner)
    else:
        trace.record("main", "sees error", describe(error))


@dataclass(frozen=True, kw_only=True)
class Params(_BaseParams):
    workers: int = param(3, "how many workers do a job (one of them fails)", min=1, max=32)
    helpers: int = param(
        2, "how many helpers work alongside until the jobs are done", min=0, max=32
    )
    fail: int = param(
        1, "the index of the worker that raises, once the others have finished (-1: none)", min=-1
    )
    naive: bool = param(False, "supervise nothing: lose the error the model's usual way (--naive)")
    tick: float = param(0.1, "seconds per tick: scales every sleep in the scenario", min=0)


class Errors(Scenario[Params]):
    name = "errors"
    order = 130
    summary = "Several workers, one raises: the error reaches main and the others are stopped."
    lesson = """\
Three workers do a job each, and one of them, Bob, raises; two helpers work alongside
until the jobs are done. Supervising them means two things: the error reaches main, in
main's own thread, as an exception it can catch; and the others are stopped, not left
to finish as if all had gone well. Every cleanup (a finally block) runs once either way.
Bob raises only once the other workers have finished (a Semaphore counts them), and a
helper cannot finish before main says the jobs are done: so who finished, failed and was
stopped follows from the parameters, whatever the scheduler does.
- threading: ThreadPoolExecutor. A Future keeps what its job raised; `wait(...,
  return_when=FIRST_EXCEPTION)` returns at the first error, and `result()` raises it
  again, in main. A thread cannot be cancelled: the others look at a stop Event, between
  two beats of a helper, or while a job waits.
- multiprocessing: ProcessPoolExecutor, the same API. The child's exception is pickled
  back and raised in the parent, with the child's traceback, as text, for its cause
  (`__cause__`: CPython Lib/concurrent/futures/process.py; Pool's `AsyncResult.get()`
  does the same). The stop is an Event too (`terminate()` would skip the finally
  blocks), a manager's: a job's arguments are pickled, and a plain multiprocessing Event
  or Semaphore refuses to be ("should only be shared between processes through
  inheritance"), while a manager's proxy travels like any value.
- asyncio: TaskGroup (3.11+, CPython bpo-46752, modelled on trio's nurseries). The first
  error cancels the other tasks (CancelledError at their next await, so their finally
  blocks run), and the group raises an ExceptionGroup; `except* ValueError` (PEP 654,
  3.11+) catches the error inside; nested groups nest their ExceptionGroups. A task that
  swallows CancelledError breaks its TaskGroup. `asyncio.gather` without
  `return_exceptions=True` raises the first error too, but "other awaitables in the aws
  sequence won't be cancelled and will continue to run" (asyncio docs): it reports, it
  does not supervise.
- trio: a nursery does what a TaskGroup does; nurseries always raise an ExceptionGroup
  (strict exception groups, the default since trio 0.25).

--naive shows what each model loses without supervision, and the run fails on purpose:
main sees no error, and the helpers finish as if the jobs had all gone well.
- A plain Thread's exception goes to `threading.excepthook` (3.8+), which prints
  "Exception in thread Bob:" and the traceback on stderr; `join()` returns as usual, and
  main never knows. A Future whose result nobody asks for is worse: its error is not even
  printed.
- A plain Process that raises prints "Process Bob:" and the traceback on its own stderr
  and exits with code 1: that exit code is all the parent gets (`Process.exitcode`), and
  only if it looks.
- An asyncio task whose result nobody asks for (`asyncio.wait` returns the finished
  tasks and raises nothing) keeps its error until it is garbage-collected; asyncio then
  logs "Task exception was never retrieved", and that is all. Worse, the event loop keeps
  only weak references to tasks: one that nothing else holds may vanish before it ends
  ("save a reference", `asyncio.create_task` docs, CPython gh-88831).
- A trio nursery cannot lose an error: no task outlives it, and what one raises comes out
  of it. The usual way to lose one in trio is a broad `except Exception` in the task, "so
  that one failure does not stop the others" (it does not catch `trio.Cancelled`).
All of it holds alike on CPython 3.11, 3.12 and 3.13. threeways itself is the safety net
the naive programs lack: it watches the run's threads, child processes and asyncio's
log, so the naive threading, multiprocessing and asyncio runs fail with "Bob raised
ValueError: Bob failed", reported by threeways, while main records that it saw nothing;
trio's naive run swallows the error itself, and ends with the wrong story.
"""
    uses = {
        "threading": "ThreadPoolExecutor, wait(FIRST_EXCEPTION), result(), a stop Event",
        "multiprocessing": "ProcessPoolExecutor, the same wait, a manager's stop Event",
        "asyncio": "nested TaskGroups, except* ValueError; --naive: bare tasks, asyncio.wait",
        "trio": "nested nurseries, except* ValueError; --naive: a broad except Exception",
    }
    parameters = Params

    checks = (
        "the failing worker raises after the others finished; every error reaches main",
        "each worker and helper ends once, then cleans up, and does nothing after",
        "a helper is stopped only because something failed",
    )

    def expected(self, p: Params) -> dict[str, object]:
        workers, helpers = worker_names(p.workers), helper_names(p.helpers)
        failing = [workers[p.fail]] if 0 <= p.fail < p.workers else []
        others = [w for w in workers if w not in failing]
        return {
            "finished": sorted(others if failing else others + helpers),
            "failed": failing,
            "stopped": sorted(helpers) if failing else [],
            "main saw": [f"ValueError: {name} failed" for name in failing],
            "cleaned up": sorted(workers + helpers),
        }

    def observe(self, events: Sequence[Event], p: Params) -> dict[str, object]:
        def who(action: str) -> list[str]:
            return sorted(e.actor for e in events if e.action == action)

        return {
            "finished": who("finishes"),
            "failed": who("raises"),
            "stopped": who("is stopped"),
            "main saw": [e.detail for e in events if e.action == "sees error"],
            "cleaned up": who("cleans up"),
        }

    def finished(self, events: Sequence[Event], p: Params) -> bool:
        last = events[-1]
        # A worker's or a helper's last action is its cleanup, main's "ends"; the log
        # of a careless trio job only ever notes something.
        return last.action in ("cleans up", "ends", "notes")

    def narrate(self, event: Event) -> str:
        if event.action == "sees error":
            return f"main sees {event.detail}"
        return super().narrate(event)

    def invariants(self, events: Sequence[Event], p: Params) -> Iterator[str]:
        workers, helpers = worker_names(p.workers), helper_names(p.helpers)
        yield from _each_ends_once_then_cleans_up(events, workers + helpers)
        yield from _fails_after_the_others(events, workers)
        yield from _stopped_for_an_error_only(events, helpers)
        yield from _every_error_reaches_main(events)

    def measure(self, events: Sequence[Event], p: Params) -> dict[str, object]:
        raised = [e.t for e in events if e.action == "raises"]
        stopped = [e.t for e in events if e.action == "is stopped"]
        beats = Counter(e.actor for e in events if e.action == "beats")
        late = round(max(stopped) - raised[0], 4) if raised and stopped else None
        return {"helper beats": dict(sorted(beats.items())), "last stop after the error (s)": late}


def _each_ends_once_then_cleans_up(events: Sequence[Event], actors: list[str]) -> Iterator[str]:
    """Each worker and helper ends one way (finishes, raises or is stopped), then cleans up
    exactly once, as its very last action."""
    for actor in actors:
        own = [e.action for e in events if e.actor == actor]
        endings = [a for a in own if a in _ENDINGS]
        if len(endings) != 1:
            yield f"{actor} ended {len(endings)} times: {endings}"
        cleanups = own.count("cleans up")
        if cleanups != 1:
            yield f"{actor} cleaned up {cleanups} times"
        elif own[-1] != "cleans up":
            yield f"{actor} did {own[-1]!r} after cleaning up"


def _fails_after_the_others(events: Sequence[Event], workers: list[str]) -> Iterator[str]:
    """A worker raises only once every other worker has finished (a Semaphore counts them)."""
    finished: set[str] = set()
    for e in events:
        if e.action == "finishes":
            finished.add(e.actor)
        elif e.action == "raises":
            for other in workers:
                if other != e.actor and other not in finished:
                    yield f"{e.actor} raised before {other} finished"


def _stopped_for_an_error_only(events: Sequence[Event], helpers: list[str]) -> Iterator[str]:
    """Once a worker has raised, no helper finishes as if all was well: it is stopped; and
    no helper is stopped while nothing has failed."""
    raised = ""
    for e in events:
        if e.action == "raises":
            raised = raised or e.actor
        elif e.actor in helpers and e.action == "finishes" and raised:
            yield f"{e.actor} finished after {raised} raised: nobody stopped it"
        elif e.actor in helpers and e.action == "is stopped" and not raised:
            yield f"{e.actor} was stopped, but nothing had failed"


def _every_error_reaches_main(events: Sequence[Event]) -> Iterator[str]:
    """Every error raised reaches main exactly once, and main sees no error nobody raised."""
    raised = Counter(e.detail for e in events if e.action == "raises")
    seen = Counter(e.detail for e in events if e.action == "sees error")
    for error in sorted(raised.keys() | seen.keys()):
        if seen[error] < raised[error]:
            yield f"{error!r} never reached main"
        elif seen[error] > raised[error]:
            yield f"main saw {error!r} {seen[error]} times, raised {raised[error]}"


SCENARIO = Errors()
