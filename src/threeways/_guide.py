"""Which model when: the questions learners ask most, a rule of thumb for each, the
scenario that shows it, and this machine's bench figures behind it.

``docs/choosing.md`` and the README's section between the ``guide`` markers are made here
from ``docs/bench.jsonl`` (a full ``threeways bench --json`` run), when the pages are
written: change the figures or the rules and the pages follow, and ``tests/test_docs.py``
fails while they are stale.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["BEGIN", "END", "bench_part", "guide_page", "load", "readme_part", "with_readme_part"]

BEGIN = "<!-- guide: begin (made by `python -m threeways docs --write docs/`) -->"
END = "<!-- guide: end -->"
BENCH_BEGIN = "<!-- bench: begin (made by `python -m threeways docs --write docs/`) -->"
BENCH_END = "<!-- bench: end -->"

Figures = Sequence[Mapping[str, Any]]


def load(path: Path) -> list[dict[str, Any]]:
    """The figures of a ``bench --json`` run: one JSON object per line."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _matching(
    figures: Figures, model: str, benchmark: str, unit: str | None, variant: str = ""
) -> list[Mapping[str, Any]]:
    """The measured figures of ``model``'s ``benchmark`` (in ``unit``, of ``variant``...)."""
    return [
        f
        for f in figures
        if f.get("model") == model
        and f.get("benchmark") == benchmark
        and (unit is None or f.get("unit") == unit)
        and str(f.get("variant") or "").startswith(variant)
        and f.get("median") is not None
    ]


def _find(
    figures: Figures,
    model: str,
    benchmark: str,
    *,
    n: int | None = None,
    unit: str | None = None,
    variant: str = "",
) -> Mapping[str, Any] | None:
    found = _matching(figures, model, benchmark, unit, variant)
    return next((f for f in found if n is None or f.get("n") == n), None)


def _time(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2g} s" if seconds < 10 else f"{seconds:.0f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2g} ms" if seconds < 1e-2 else f"{seconds * 1e3:.0f} ms"
    return f"{seconds * 1e6:.2g} µs" if seconds < 1e-5 else f"{seconds * 1e6:.0f} µs"


def _shown(f: Mapping[str, Any] | None) -> str:
    """One figure as a reader takes it in: ``35 µs``, ``1.9x``, ``240,000 msg/s``."""
    if f is None:
        return "(not measured)"
    value, unit = float(f["median"]), str(f["unit"])
    if unit == "µs":
        return _time(value / 1e6)
    if unit == "s":
        return _time(value)
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "msg/s":
        return f"{value:,.0f} msg/s" if value < 1e5 else f"{round(value, -3):,.0f} msg/s"
    if unit == "KiB/wait":
        return f"{value:.2g} KiB" if value < 10 else f"{value:.0f} KiB"
    return f"{value:g} {unit}"


def _most(figures: Figures, model: str, benchmark: str, unit: str) -> Mapping[str, Any] | None:
    """The figure of the largest size measured (io-scaling's most waits, cpu's most workers)."""
    found = _matching(figures, model, benchmark, unit)
    return max(found, key=lambda f: int(f.get("n") or 0), default=None)


def _sized(f: Mapping[str, Any] | None, what: str) -> str:
    if f is None:
        return "(not measured)"
    return f"{_shown(f)} with {int(f['n']):,} {what}"


def _questions(figures: Figures) -> list[tuple[str, str, str, list[str]]]:
    """(question, rule of thumb, scenarios that show it, the figures behind it)."""

    def fig(model: str, benchmark: str, **kw: Any) -> str:
        return _shown(_find(figures, model, benchmark, **kw))

    io_threads = _most(figures, "threading", "io-scaling", "s")
    io_tasks = _most(figures, "asyncio", "io-scaling", "s")
    io_trio = _most(figures, "trio", "io-scaling", "s")
    cpu_threads = _most(figures, "threading", "cpu-scaling", "x")
    cpu_procs = _most(figures, "multiprocessing", "cpu-scaling", "x")
    cpu_interp = _most(figures, "interpreters", "cpu-scaling", "x")
    interp = (
        f"; subinterpreters (3.13+) {_sized(cpu_interp, 'workers')}"
        if cpu_interp is not None
        else ""
    )
    return [
        (
            "Many waits at once (sockets, timers, thousands of clients)?",
            "**asyncio or trio.** A task is a small object on one thread: start tens of"
            " thousands. Threads are fine up to a few hundred waits; past that their stacks"
            " and start-up cost. One blocking call on an event loop stops every task: move"
            " it to a thread (`asyncio.to_thread`, `trio.to_thread.run_sync`).",
            "[producer_consumer](producer_consumer.md), [semaphore](semaphore.md),"
            " [blocking_the_loop](blocking_the_loop.md)",
            [
                f"holding waits at once: threads {_sized(io_threads, 'waits')};"
                f" asyncio tasks {_sized(io_tasks, 'waits')}; trio tasks"
                f" {_sized(io_trio, 'waits')}",
                "memory per wait: thread"
                f" {fig('threading', 'io-scaling', n=_n(io_threads), unit='KiB/wait')},"
                f" asyncio task {fig('asyncio', 'io-scaling', n=_n(io_tasks), unit='KiB/wait')},"
                f" trio task {fig('trio', 'io-scaling', n=_n(io_trio), unit='KiB/wait')}",
                f"start and finish one: thread {fig('threading', 'spawn')}, asyncio task"
                f" {fig('asyncio', 'spawn')}, trio task {fig('trio', 'spawn')}",
            ],
        ),
        (
            "CPU-bound work (pure-Python loops, parsing, numbers)?",
            "**processes** (`multiprocessing.Pool`, `ProcessPoolExecutor`): one GIL each, so"
            " they use every core. Threads take turns on one GIL (on a free-threaded 3.13t or"
            " 3.14t build they would not); from Python 3.13, subinterpreters have a GIL each"
            " too, in one process. A process costs milliseconds to start and every argument"
            " is pickled: start a pool once, send it big chunks of work.",
            "[gil](gil.md), [pool](pool.md), [process_info](process_info.md)",
            [
                f"speed-up over one worker: threads {_sized(cpu_threads, 'workers')};"
                f" processes {_sized(cpu_procs, 'workers')}{interp}",
                "start and finish one process:"
                f" fork {fig('multiprocessing', 'spawn', variant='Process (fork)')},"
                f" forkserver {fig('multiprocessing', 'spawn', variant='Process (forkserver)')},"
                f" spawn {fig('multiprocessing', 'spawn', variant='Process (spawn)')}"
                f" (a thread: {fig('threading', 'spawn')})",
            ],
        ),
        (
            "A mix of both (a server that also computes)?",
            "**an event loop for the waits, a process pool for the work**:"
            " `await loop.run_in_executor(pool, f, x)` in asyncio, `anyio.to_process.run_sync`"
            " or a thread that waits on a pool in trio. A thread (`to_thread`) keeps the loop"
            " free during a blocking call, but not during CPU work: the GIL still takes turns.",
            "[blocking_the_loop](blocking_the_loop.md), [gil](gil.md)",
            [
                "CPU work sent to threads from the loop, speed-up: asyncio"
                f" {_sized(_most(figures, 'asyncio', 'cpu-scaling', 'x'), 'workers')},"
                f" trio {_sized(_most(figures, 'trio', 'cpu-scaling', 'x'), 'workers')}",
            ],
        ),
        (
            "Work that must be cancellable (timeouts, a user who gives up)?",
            "**trio**, then **asyncio**. In trio every `await` is a place a cancel scope can"
            " stop a task, and `shield` protects cleanup; asyncio's `TaskGroup` and"
            " `asyncio.timeout` do the same, but a task can swallow `CancelledError`. A"
            " thread cannot be cancelled at all: it must poll an `Event` and bound every"
            " wait. A process can be terminated, and its `finally` blocks do not run.",
            "[cancellation](cancellation.md), [timeouts](timeouts.md), [errors](errors.md),"
            " [crash](crash.md)",
            [],
        ),
        (
            "Data shared, or sent?",
            "Threads share every object: guard what several change with a `Lock`. Tasks on"
            " one loop share too, and need a lock only across an `await`. Processes share"
            " nothing: send data (pickled through a `Queue` or a `Pipe`), or reach a"
            " `Manager`'s objects through proxies, each access a round trip.",
            "[lock](lock.md), [pipe](pipe.md), [manager](manager.md),"
            " [queue_kinds](queue_kinds.md)",
            [
                f"one-way messages: queue.Queue {fig('threading', 'message')},"
                f" asyncio.Queue {fig('asyncio', 'message')}, trio channel"
                f" {fig('trio', 'message')}, multiprocessing.Queue"
                f" {fig('multiprocessing', 'message', variant='multiprocessing.Queue')},"
                f" Pipe {fig('multiprocessing', 'message', variant='multiprocessing.Pipe')}",
                f"a round trip: threads {fig('threading', 'ping-pong')}, asyncio"
                f" {fig('asyncio', 'ping-pong')}, trio {fig('trio', 'ping-pong')}, processes"
                f" {fig('multiprocessing', 'ping-pong', variant='multiprocessing.Pipe')}"
                " (Pipe)",
            ],
        ),
        (
            "One machine, or more?",
            "Everything above runs on one machine. For more, **dask.distributed**: the same"
            " `concurrent.futures`-like API on a `LocalCluster` or on a scheduler and workers"
            " across machines; its `Lock` and `Semaphore` are leases kept by the scheduler,"
            " and a task on a lost worker runs again elsewhere (side effects may repeat).",
            "[pool](pool.md) with `--model=dask`",
            [],
        ),
    ]


def _n(f: Mapping[str, Any] | None) -> int | None:
    return None if f is None else int(f["n"])


def _machine(figures: Figures) -> str:
    for f in figures:
        machine = f.get("machine")
        if isinstance(machine, Mapping):
            return ", ".join(f"{k} {v}" for k, v in machine.items())
    return "this machine"


def _body(figures: Figures, link: str) -> Iterable[str]:
    for question, rule, shown_in, behind in _questions(figures):
        yield f"**{question}** {rule}"
        yield ""
        yield f"- shown in: {_relinked(shown_in, link)}"
        yield from (f"- measured: {line}" for line in behind)
        yield ""


def _relinked(text: str, prefix: str) -> str:
    return re.sub(r"\]\(([a-z_]+\.md)\)", lambda m: f"]({prefix}{m[1]})", text)


def guide_page(figures: Figures) -> str:
    """docs/choosing.md."""
    lines = [
        "<!-- Generated by `python -m threeways docs --write docs/`: do not edit. -->",
        "",
        "# Which model when",
        "",
        "The question learners ask most, answered with a rule of thumb, the scenario that"
        " shows it, and what it costs on "
        f"{_machine(figures)} (medians of `python -m threeways bench`; the full figures,"
        " with min and max, are in [bench.jsonl](bench.jsonl)).",
        "",
        *_body(figures, ""),
    ]
    return "\n".join(lines).rstrip("\n") + "\n"


def readme_part(figures: Figures) -> str:
    """The README's section between :data:`BEGIN` and :data:`END`."""
    lines = [BEGIN, *_body(figures, "docs/"), END]
    return "\n".join(lines)


def bench_part(lines: Sequence[str]) -> str:
    """The README's table of the full bench run, between :data:`BENCH_BEGIN` and
    :data:`BENCH_END`, from the lines of ``docs/bench.jsonl``."""
    from ._bench import read
    from ._bench._report import markdown

    machine, figures = read(lines)
    table = markdown(machine, figures) if figures else "(no figures yet)\n"
    return f"{BENCH_BEGIN}\n{table}{BENCH_END}"


def with_readme_part(readme: str, figures: Figures, bench_lines: Sequence[str] = ()) -> str:
    """``readme`` with its guide section and its bench table made anew (each unchanged
    where the README has no markers for it)."""
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    readme = pattern.sub(lambda _: readme_part(figures), readme)
    pattern = re.compile(re.escape(BENCH_BEGIN) + ".*?" + re.escape(BENCH_END), re.S)
    return pattern.sub(lambda _: bench_part(bench_lines), readme)
