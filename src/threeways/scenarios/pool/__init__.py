"""pool: ten jobs on a pool of three workers; a callback collects each result or error."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from threeways._protocol import MODELS, Scenario, Span, param
from threeways._protocol import Params as _BaseParams
from threeways._trace import Event

JOB_TICKS = 2
"""How long one job takes, in ticks (the seed article's job sleeps two seconds)."""


def job_name(i: int) -> str:
    return f"job {i}"


def describe(error: BaseException) -> str:
    """An error as one line of plain data: ``"ValueError: job 4 failed"``."""
    return f"{type(error).__name__}: {error}"


@dataclass(frozen=True, kw_only=True)
class Params(_BaseParams):
    jobs: int = param(10, "how many jobs are submitted; job i returns i + 100", min=0, max=1000)
    size: int = param(3, "how many jobs the pool runs at once", min=1, max=32)
    fail: int = param(4, "the index of a job that raises ValueError (-1: none)", min=-1)
    tick: float = param(0.1, "seconds per tick: scales every sleep in the scenario", min=0)


class WorkerPool(Scenario[Params]):
    name = "pool"
    order = 100
    summary = "A pool of three runs ten jobs; callbacks collect each result and each error."
    lesson = """\
A pool runs many jobs on a few workers: never more than its size at once, each job on
whichever worker is free. You submit a job and get back a handle (AsyncResult, Future,
Task); a callback attached to it receives the result when the job is done, and an error
callback the exception when it fails. Where the callback runs is the surprise:
- multiprocessing.Pool: in the parent, on the pool's result-handler thread (not the main
  thread), before AsyncResult.get() returns. Keep it short: while it runs no other result
  is handled; and if it raises, that thread dies: get() and join() wait for ever, and
  terminate() fails with an AssertionError (gh-83371).
- ThreadPoolExecutor: in the worker thread that finished the job, after the waiters were
  woken; or at once, in the caller's thread, if the job was already done when
  add_done_callback was called. An exception in it is logged and dropped. There is no
  separate error callback: the callback asks future.exception().
- asyncio: Task.add_done_callback runs in the event loop's thread (the main one), soon
  after the task ends: it is scheduled with call_soon, even when the task is already done.
  asyncio has no pool: tasks are cheap, so each job is a task from the start, and a
  Semaphore(3) lets three run at once while the others wait for a slot.
- trio has no futures and no callbacks: the "callback" is simply the code that follows
  the job in the same task. Again a task per job waits for one of a CapacityLimiter(3)'s
  slots, and the task keeps a job's error as a value (catching Exception, not
  BaseException, which would take trio's Cancelled and Ctrl-C for the job's error).

An error must not be lost nor hang the pool. Job 4 fails here (--fail picks another, -1
none): its error reaches the error callback, and the main program sees it too when it
checks the job's result (get(), result(), the gather list, the errors the tasks kept).
The pool goes on with the other jobs: an asyncio TaskGroup or a trio nursery would
instead cancel every other job at the first error, so the jobs' errors are kept as values
(gather(return_exceptions=True), except Exception in the task).
multiprocessing.Pool.join() has no timeout, and a pool whose worker dies can hang for
ever (gh-96062): so wait on every result with a timeout, join only once all are in, and
let `with Pool(...)` terminate the pool if anything goes wrong.

interpreters (Python 3.13+, PEP 734): InterpreterPoolExecutor is a ThreadPoolExecutor
whose threads each run their jobs in an interpreter of their own, in one process, each
with its own GIL. submit pickles the job and its arguments into the interpreter, and its
result or its exception back (the job's own ValueError, its cause an ExecutionFailed); the
callback runs as in the thread pool, in the pool thread that finished the job.

dask runs the same jobs on a cluster: client.submit sends each, pickled, to the
scheduler, which hands it to a worker (another process, on a real cluster another
machine), and returns a Future that follows concurrent.futures. Its done-callback runs in
the client, in a thread dask keeps for every future's callbacks, after the scheduler said
the task is done (so after wait() may have returned). The cluster, not the program,
decides how many tasks run at once (its workers' threads): a distributed.Semaphore keeps
the pool to three on any cluster, its leases held by the scheduler, the coordinator of
everything here. A job's error comes back pickled with its traceback; a lost worker's
jobs are run again elsewhere, so a job's side effects may happen twice.
"""
    models = (*MODELS, "interpreters", "dask")
    uses = {
        "threading": "ThreadPoolExecutor(3), add_done_callback, wait(timeout)",
        "multiprocessing": "Pool(3).apply_async(callback=, error_callback=), close(), join()",
        "asyncio": "a task per job, Semaphore(3), add_done_callback, gather(return_exceptions=)",
        "trio": "a nursery, CapacityLimiter(3), except Exception; the callback is the next line",
        "interpreters": "InterpreterPoolExecutor(3), add_done_callback, wait(timeout)",
        "dask": "client.submit, add_done_callback, wait(timeout); a distributed.Semaphore(3)",
    }
    parameters = Params

    checks = (
        "never more than p.size jobs run at once, and each job runs once",
        "each job's callback runs once, after the job ended",
        "every job's error reaches its error callback, and only a job that raised reports one",
    )

    def expected(self, p: Params) -> dict[str, object]:
        return {
            "pool": p.size,
            "results": [i + 100 for i in range(p.jobs) if i != p.fail],
            "failed": [p.fail] if 0 <= p.fail < p.jobs else [],
        }

    def observe(self, events: Sequence[Event], p: Params) -> dict[str, object]:
        opened = [e.detail for e in events if e.actor == "main" and e.action == "opens pool"]
        results = [e.detail["result"] for e in events if e.action == "gets result"]
        failed = [e.detail["job"] for e in events if e.action == "gets error"]
        return {
            "pool": opened[0] if len(opened) == 1 else opened,
            "results": sorted(results),
            "failed": sorted(failed),
        }

    def narrate(self, event: Event) -> str:
        d = event.detail
        if event.action == "starts":
            return f"{event.actor} starts on {d['on']}"
        if event.action == "returns":
            return f"{event.actor} returns {d['result']}"
        if event.action == "raises":
            return f"{event.actor} raises {d['error']}"
        if event.action == "gets result":
            return f"callback gets {d['result']} from job {d['job']}, on {d['thread']}"
        if event.action == "gets error":
            return f"error callback gets {d['error']}, on {d['thread']}"
        if event.action == "sees error":
            return f"main sees job {d['job']}'s {d['error']}"
        return super().narrate(event)

    def timeline(self, events: Sequence[Event], p: Params) -> list[Span]:
        # A callback is a moment, not a stretch from one call to the next: a mark per call.
        spans = [s for s in super().timeline(events, p) if not s.actor.endswith("callback")]
        calls = (e for e in events if e.action in ("gets result", "gets error"))
        return [*spans, *(Span(e.actor, e.t, e.t + 1e-6, "running") for e in calls)]

    def finished(self, events: Sequence[Event], p: Params) -> bool:
        last = events[-1]  # a callback is a moment: over as soon as it has run
        ends = ("returns", "raises", "closes pool")
        return last.actor.endswith("callback") or last.action in ends

    def invariants(self, events: Sequence[Event], p: Params) -> Iterator[str]:
        yield from _never_more_than(p.size, events)
        yield from _one_callback_each(p.jobs, events)
        yield from _errors_reported(events)


def _never_more_than(size: int, events: Sequence[Event]) -> Iterator[str]:
    """At no time do more than ``size`` jobs run; each job runs once."""
    running: set[int] = set()
    started: Counter[int] = Counter()
    for e in events:
        if e.action == "starts":
            running.add(e.detail["job"])
            started[e.detail["job"]] += 1
            if len(running) > size:
                yield f"{len(running)} jobs ran at once at t={e.t:.3f}s: {sorted(running)}"
        elif e.action in ("returns", "raises"):
            running.discard(e.detail["job"])
    for job, n in sorted(started.items()):
        if n > 1:
            yield f"job {job} ran {n} times"


def _one_callback_each(jobs: int, events: Sequence[Event]) -> Iterator[str]:
    """Each job's callback (or error callback) ran exactly once, after the job ended."""
    ended: set[int] = set()
    calls: Counter[int] = Counter()
    for e in events:
        if e.action in ("returns", "raises"):
            ended.add(e.detail["job"])
        elif e.action in ("gets result", "gets error"):
            calls[e.detail["job"]] += 1
            if e.detail["job"] not in ended:
                yield f"job {e.detail['job']}'s callback ran before the job ended"
    for job in range(jobs):
        if calls[job] != 1:
            yield f"job {job}'s callbacks ran {calls[job]} times"


def _errors_reported(events: Sequence[Event]) -> Iterator[str]:
    """Every error reached the error callback and the main program: none was lost."""
    raised = {e.detail["job"] for e in events if e.action == "raises"}
    for action, who in (("gets error", "the error callback"), ("sees error", "the main program")):
        got = {e.detail["job"] for e in events if e.action == action}
        for job in sorted(raised - got):
            yield f"job {job}'s error never reached {who}"
        for job in sorted(got - raised):
            yield f"{who} got an error from job {job}, which did not raise"


SCENARIO = WorkerPool()
