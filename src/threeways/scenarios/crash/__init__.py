"""crash: a worker dies in the middle of a job; main learns which job was lost; nothing hangs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from threeways._protocol import Params as _BaseParams
from threeways._protocol import Scenario, Span, param
from threeways._trace import Event

JOB_TICKS = 2
"""How long one job takes, in ticks; the crashing job dies after the first."""
CRASH_CODE = 1
"""The exit status a crashing worker process ends with (``os._exit(CRASH_CODE)``)."""


def job_name(i: int) -> str:
    return f"job {i}"


def result_of(i: int) -> int:
    """What job ``i`` returns when its worker lives."""
    return i + 100


def describe(error: BaseException) -> str:
    """An exception as one line of plain data: ``"BrokenWorkerProcess"``, ``"SystemExit: 1"``."""
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


@dataclass(frozen=True, kw_only=True)
class Params(_BaseParams):
    jobs: int = param(6, "how many jobs are submitted; job i returns i + 100", min=0, max=1000)
    workers: int = param(3, "how many jobs run at once", min=1, max=32)
    crash: int = param(
        1, "the index of the job whose worker dies in the middle (-1: none)", min=-1, max=1000
    )
    tick: float = param(0.2, "seconds per tick: scales every sleep in the scenario", min=0)


class Crash(Scenario[Params]):
    name = "crash"
    order = 160
    summary = "A worker dies in the middle of a job; main learns which job was lost, gets the rest."
    lesson = """\
A worker can die in the middle of a job without raising anything: the kernel kills a
process that runs out of memory, a C extension crashes, code calls os._exit(). No
exception reaches anyone; the job's result simply never comes. Here six jobs run on
three workers, and job 1's worker dies halfway through it. The safe program learns which
job was lost, gets every other result, and waits for nothing for ever. What each tool
does when a worker dies (checked on CPython 3.11.7, 3.12.1 and 3.13.0, anyio 4.16, trio
0.35):
- multiprocessing.Pool starts a new worker in place of the dead one and runs the other
  jobs, but the lost job's AsyncResult never becomes ready: get() without a timeout
  waits for ever (gh-66587, formerly bpo-22393, and gh-96062: the fixes proposed were
  never merged). Never wait on a Pool without a timeout.
- concurrent.futures.ProcessPoolExecutor notices (it watches every worker) and breaks:
  it terminates its other workers, fails every future not yet done, running or queued,
  with BrokenProcessPool, and refuses new jobs. Nothing hangs, but a shared executor
  cannot say which job killed it, and loses the jobs beside it.
- anyio.to_process.run_sync lends each call a worker process of its own: the call whose
  worker died raises BrokenWorkerProcess, the dead worker is dropped, and the other
  calls never notice.
- A thread cannot die on its own: os._exit() in a thread ends the whole process. The
  nearest thing is SystemExit (sys.exit() in the thread), which ends only that thread,
  and silently: threading's default excepthook ignores SystemExit, and join() returns
  as for any thread that finished. A pool of plain threads would wait for ever.

sys.exit() in a job is no crash for ThreadPoolExecutor, ProcessPoolExecutor or anyio:
each catches BaseException in its worker, which goes on (anyio starts a new one), and
hands the SystemExit back to the caller, where result(), await or run_sync raises it
again and, unless caught, ends the program (trio.to_thread.run_sync does the same).
multiprocessing.Pool's workers catch only Exception: a SystemExit ends the worker, and
the Pool loses the job as above.

So each model uses the safe tool. threading: a ThreadPoolExecutor, its SystemExit being
the nearest a thread has to dying; main asks each future for its exception rather than
calling result(). multiprocessing: a process per job with a one-way Pipe for its result:
recv() raises EOFError when the process died before sending, and exitcode says how.
asyncio: run_in_executor on a ProcessPoolExecutor of one worker per job, so a
BrokenProcessPool names its job and breaks nothing else. trio: anyio.to_process.run_sync
(trio has no process pool, trio issue #5), whose BrokenWorkerProcess names its call.
Isolation costs a process start per job in multiprocessing and asyncio; anyio reuses
live workers. A lost job is reported, not run again: it may have done half of its work,
and a job that kills its worker may kill the next one too.
"""
    uses = {
        "threading": "ThreadPoolExecutor; the job's SystemExit kept on its Future",
        "multiprocessing": "a Process and a one-way Pipe per job; EOFError and exitcode",
        "asyncio": "run_in_executor on a ProcessPoolExecutor(1) per job; BrokenProcessPool",
        "trio": "anyio.to_process.run_sync + CapacityLimiter; BrokenWorkerProcess",
    }
    parameters = Params

    checks = (
        "never more than p.workers jobs at once, and each job starts once",
        "main hears once how each job ended: done, raised, or crashed",
    )

    def expected(self, p: Params) -> dict[str, object]:
        return {
            "workers": p.workers,
            "results": [result_of(i) for i in range(p.jobs) if i != p.crash],
            "lost": [p.crash] if 0 <= p.crash < p.jobs else [],
        }

    def observe(self, events: Sequence[Event], p: Params) -> dict[str, object]:
        opened = [e.detail for e in events if e.actor == "main" and e.action == "opens pool"]
        return {
            "workers": opened[0] if len(opened) == 1 else opened,
            "results": sorted(e.detail["result"] for e in events if e.action == "gets result"),
            "lost": sorted(e.detail["job"] for e in events if e.action == "loses job"),
        }

    def invariants(self, events: Sequence[Event], p: Params) -> Iterator[str]:
        yield from _never_more_than(p.workers, events)
        yield from _each_job_once(p.jobs, events)
        yield from _outcomes_reported(events)

    def measure(self, events: Sequence[Event], p: Params) -> dict[str, Any]:
        # how long main took to learn of a death: a pipe's end, an executor's manager
        # thread, anyio's read of the worker's output, a Future set by the pool thread
        died = {e.detail["job"]: e.t for e in events if e.action == "dies"}
        noticed = {e.detail["job"]: e.t for e in events if e.action == "loses job"}
        after = {job_name(j): round(noticed[j] - t, 4) for j, t in died.items() if j in noticed}
        return {"death noticed after (s)": after}

    def finished(self, events: Sequence[Event], p: Params) -> bool:
        last = events[-1]
        # A dead job has done all it ever will; main is done once it has closed the pool.
        return last.action in ("returns", "dies", "closes pool")

    def timeline(self, events: Sequence[Event], p: Params) -> list[Span]:
        # main waits from "waits for every job" to "closes pool" (its outcomes are moments
        # on that wait); a job runs from "starts" to its end, and a death is a short mark
        spans = [s for s in super().timeline(events, p) if s.actor != "main"]
        own = [e for e in events if e.actor == "main"]
        waits = [e.t for e in own if e.action.startswith("waits")]
        if waits:
            spans.append(Span("main", waits[0], own[-1].t, "waiting"))
        mark = max(p.tick / 4, 1e-3)
        spans += [Span(e.actor, e.t, e.t + mark, "dies") for e in events if e.action == "dies"]
        return spans

    def narrate(self, event: Event) -> str:
        d = event.detail
        if event.action == "opens pool":
            return f"main opens a pool of {d} workers"
        if event.action == "starts":
            return f"{event.actor} starts on {d['on']}"
        if event.action == "dies":
            return f"{event.actor}'s worker dies in the middle of it: {d['how']}"
        if event.action == "returns":
            return f"{event.actor} returns {d['result']}"
        if event.action == "gets result":
            return f"main gets job {d['job']}'s result, {d['result']}"
        if event.action == "loses job":
            return f"main learns job {d['job']} was lost: {d['why']}"
        return super().narrate(event)


def _never_more_than(workers: int, events: Sequence[Event]) -> Iterator[str]:
    """At no time do more than ``workers`` jobs run."""
    running: set[int] = set()
    for e in events:
        if e.action == "starts":
            running.add(e.detail["job"])
            if len(running) > workers:
                yield f"{len(running)} jobs ran at once at t={e.t:.3f}s: {sorted(running)}"
        elif e.action in ("returns", "dies"):
            running.discard(e.detail["job"])


def _each_job_once(jobs: int, events: Sequence[Event]) -> Iterator[str]:
    """Every job started exactly once: none skipped, none run again after a death."""
    started = Counter(e.detail["job"] for e in events if e.action == "starts")
    for job in range(jobs):
        if started[job] != 1:
            yield f"job {job} started {started[job]} times"


_TOLD = {"returns": "gets result", "dies": "loses job"}
"""How a job ended, and what main must then record about it."""
_WRONG = {
    "gets result": "main got a result from job {job} at t={t:.3f}s, which had not returned",
    "loses job": "main reported job {job} lost at t={t:.3f}s, which had not died",
}
_PAST = {"returns": "returned", "dies": "died"}


def _outcomes_reported(events: Sequence[Event]) -> Iterator[str]:
    """Main got each returned job's result and learned of each death, once and after it
    happened; never a result from a dead job nor the loss of one that returned."""
    ended: dict[int, str] = {}
    told: Counter[tuple[int, str]] = Counter()
    for e in events:
        if e.action in _TOLD:
            ended[e.detail["job"]] = e.action
        elif e.action in _WRONG:
            job = e.detail["job"]
            told[job, e.action] += 1
            if _TOLD.get(ended.get(job, "")) != e.action:
                yield _WRONG[e.action].format(job=job, t=e.t)
    for job, how in sorted(ended.items()):
        if told[job, _TOLD[how]] != 1:
            yield f"main heard {told[job, _TOLD[how]]} times that job {job} {_PAST[how]}"


SCENARIO = Crash()
