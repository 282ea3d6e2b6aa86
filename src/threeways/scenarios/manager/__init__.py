"""manager: several workers write into one shared dict and one shared list."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from threeways._protocol import Params as _BaseParams
from threeways._protocol import Scenario, param
from threeways._support import names
from threeways._trace import Event

TOTAL = "total"
"""The dict key every worker adds one to, per item: the shared counter."""


def worker_names(n: int) -> list[str]:
    return names((), n, "worker")


def entry(name: str, item: int) -> str:
    """What a worker appends to the shared list for one item."""
    return f"{name} #{item}"


@dataclass(frozen=True, kw_only=True)
class Params(_BaseParams):
    workers: int = param(3, "how many workers write into the dict and the list", min=1, max=100)
    items: int = param(2, "how many items each worker writes", min=0, max=1000)
    tick: float = param(0.05, "seconds per tick: scales every sleep in the scenario", min=0)


class Manager(Scenario[Params]):
    name = "manager"
    order = 120
    summary = "Workers write into one shared dict and one shared list; a counter needs a lock."
    lesson = """\
Each worker writes its items three ways: it appends an entry to a shared list, appends
the item to its own list stored under its name in a shared dict, and adds one to the
dict's shared "total". At the end the dict and the list hold everything, exactly once.

Threads, and asyncio or trio tasks, share plain objects. Processes do not: a Manager
(the seed's example) is a server process that owns the real dict and list and hands out
proxies. Every operation on a proxy, d[k] = v or l.append(x), is pickled, sent to the
server, applied there and answered: one dict and one list for every process, at the
price of a round trip per operation, for picklable values only. `with ctx.Manager() as
manager` starts the server and shuts it down; the workers are joined inside the block.

The proxy pitfall, which the multiprocessing run shows: d["nested"] returns a *copy* of
the list the server holds, so d["nested"].append(1) changes the copy and is lost (the
dict still has []). The fix is to reassign the key: take the list, change it, store it
back (d["nested"] = nested sends it to the server). A manager.list() stored in the dict
would work too: proxies can be nested since Python 3.6.

Which writes need a lock? d[k] = v and l.append(x) are each one operation on a built-in
object: atomic in CPython under the GIL, and free-threaded builds (3.13t) keep them
thread-safe with per-object locks, so threads need no lock for them. d["total"] += 1 is
read, add, write: if another thread runs between the read and the write, both write the
same total and one increment is lost. CPython 3.10+ with the GIL happens to switch
threads only at a few points, so the loss is rare there, which is how such bugs hide;
nothing promises it, and a free-threaded build runs the threads truly at once. So
threads take a Lock around it; so do processes, where the read and the write are two
messages to the manager. asyncio and trio tasks switch only at an await: with none
between the read and the write, += needs no lock. (The lock scenario loses updates on
purpose: python -m threeways lock --no-lock.)
"""
    uses = {
        "threading": "a plain dict and list; a Lock only around total += 1",
        "multiprocessing": "Manager().dict() and .list(); manager.Lock() for +=; reassign nested",
        "asyncio": "a plain dict and list in one thread; no lock: no await inside +=",
        "trio": "a plain dict and list in one thread; no lock: no await inside +=",
    }
    parameters = Params

    checks = (
        "every worker's items end up in its list in the dict, once each",
        "the shared total counts every item written (no lost update)",
        "main reads the dict and the list once each, at the end",
    )

    def expected(self, p: Params) -> dict[str, object]:
        workers = worker_names(p.workers)
        items = list(range(1, p.items + 1))
        shared: dict[str, Any] = {TOTAL: p.workers * p.items}
        shared.update((name, items) for name in workers)
        return {
            "dict": dict(sorted(shared.items())),
            "list": sorted(entry(name, item) for name in workers for item in items),
        }

    def observe(self, events: Sequence[Event], p: Params) -> dict[str, object]:
        shared = _read(events, "reads the dict", {})
        return {
            "dict": dict(sorted(shared.items())),
            "list": sorted(_read(events, "reads the list", [])),
        }

    def narrate(self, event: Event) -> str:
        if event.action == "runs":
            code, sees = event.detail["code"], event.detail["sees"]
            return f"{event.actor} runs {code}, then d['nested'] == {sees}"
        return super().narrate(event)

    def finished(self, events: Sequence[Event], p: Params) -> bool:
        if events[-1].actor == "main":
            return events[-1].action == "reads the list"
        return sum(e.action == "writes" for e in events) == p.items

    def invariants(self, events: Sequence[Event], p: Params) -> Iterator[str]:
        written: dict[str, list[int]] = {}
        for e in events:
            if e.action == "starts its list":
                written.setdefault(e.actor, [])
            elif e.action == "writes":
                written.setdefault(e.actor, []).append(e.detail)
        reads = Counter(e.action for e in events if e.action.startswith("reads the"))
        if reads != {"reads the dict": 1, "reads the list": 1}:
            yield f"the results were read {dict(reads)}, not once each"
            return
        yield from _check_list(_read(events, "reads the list", []), written)
        yield from _check_dict(_read(events, "reads the dict", {}), written)


def _read(events: Sequence[Event], action: str, default: Any) -> Any:
    """The detail of the main flow's last ``action`` event: what it read at the end."""
    return next((e.detail for e in reversed(events) if e.action == action), default)


def _check_list(final: list[str], written: dict[str, list[int]]) -> Iterator[str]:
    """Every item written is in the list exactly once, and nothing else is."""
    counts = Counter(final)
    for name, items in written.items():
        for item in items:
            n = counts.pop(entry(name, item), 0)
            if n != 1:
                yield f"{entry(name, item)!r} is in the list {n} times, not once"
    for extra in counts:
        yield f"{extra!r} is in the list but was never written"


def _check_dict(final: dict[str, Any], written: dict[str, list[int]]) -> Iterator[str]:
    """Each worker's list holds its items in order; the total counts every item once."""
    for name, items in written.items():
        if final.get(name) != items:
            yield f"{name} wrote {items} but its list in the dict is {final.get(name)}"
    done = sum(len(items) for items in written.values())
    if final.get(TOTAL) != done:
        yield f"the total is {final.get(TOTAL)} but {done} items were written (lost update)"
    for key in sorted(final.keys() - written.keys() - {TOTAL}):
        yield f"the dict has {key!r}, which no worker wrote"


SCENARIO = Manager()
