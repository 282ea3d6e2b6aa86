"""rlock: a transfer locks the bank, then calls withdraw and deposit, which lock it too."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from threeways._protocol import Params as _BaseParams
from threeways._protocol import Scenario, Span, param
from threeways._support import names
from threeways._trace import Event

VAULT = "vault"
"""The account every transfer takes its money from."""
NESTING = 2
"""How deep locked work nests: a transfer (level 1) withdraws and deposits (level 2)."""

_CLERKS = ("Mia", "Leo", "Zoe", "Max", "Ivy", "Sam", "Ada", "Kai")


def clerk_names(n: int) -> list[str]:
    return names(_CLERKS, n, "clerk")


@dataclass(frozen=True, kw_only=True)
class Params(_BaseParams):
    clerks: int = param(2, "how many clerks make transfers", min=1, max=50)
    transfers: int = param(3, "how many transfers each clerk makes", min=0, max=10_000)
    amount: int = param(10, "how much each transfer moves from the vault", min=1, max=1_000_000)
    vault: int = param(
        1000, "what the vault holds when the bank opens (it may go below zero)", min=0, max=10**12
    )
    tick: float = param(0.01, "seconds per tick: scales every sleep in the scenario", min=0)


def opening_balances(p: Params) -> dict[str, int]:
    """The vault, then one account per clerk, as the bank opens."""
    return {VAULT: p.vault} | dict.fromkeys(clerk_names(p.clerks), 0)


class ReentrantLock(Scenario[Params]):
    name = "rlock"
    order = 40
    summary = "A transfer locks the bank and calls withdraw and deposit, which lock it again."
    lesson = """\
A bank keeps its balances behind one lock. withdraw and deposit each take it, so each is
safe on its own; a transfer takes it too, for its whole length, so that no audit ever
sees the money in flight between the two accounts, and calls withdraw and deposit while
holding it. With a plain Lock the second acquire would wait for ever for the lock its
own thread holds: the seed's "several doors locked with one key". An RLock (re-entrant
lock) remembers its owner and counts: its owner may take it again, and it is free once
released as many times as it was taken. Each clerk here transfers from the vault to
its own account, then audits the books; every audit must see the vault's opening total.
This toy bank lets the vault go below zero: refusing a transfer would make the final
balances depend on who came first.

threading.RLock and multiprocessing's RLock (owned by one thread of one process) do this
directly. asyncio, trio and anyio have no re-entrant lock, on purpose (trio #1247,
anyio #563): the idiomatic answer is to restructure, so that public methods take the
lock once and call private helpers that expect it to be held. That also works with
threads and a plain Lock, and many prefer it there too: who holds the lock is visible in
the code. Taking the lock twice is a bug either way: an asyncio.Lock waits for ever,
and a trio.Lock raises RuntimeError at once.

Each level of locked work tells when it enters and leaves, so the depth is read from
the events: a transfer is level 1 and its withdraw and deposit level 2, in every model.
With an RLock it is the lock's own recursion count (which threading.RLock keeps to
itself); in asyncio and trio the lock is taken once, and the levels are the calls made
under it. The depth must be back to zero after each transfer.
"""
    uses = {
        "threading": "threading.RLock, taken again by withdraw and deposit inside transfer",
        "multiprocessing": "ctx.RLock around balances in shared memory (ctx.Array)",
        "asyncio": "no RLock: asyncio.Lock taken once, private helpers assume it is held",
        "trio": "no RLock: trio.Lock taken once, private helpers assume it is held",
    }
    parameters = Params

    checks = (
        "no one enters a method while another worker is inside one",
        "every leave matches an enter, and nobody is still inside at the end",
    )

    def expected(self, p: Params) -> dict[str, object]:
        paid = p.transfers * p.amount
        balances = opening_balances(p) | dict.fromkeys(clerk_names(p.clerks), paid)
        balances[VAULT] -= p.clerks * paid
        done = p.transfers > 0
        return {
            "balances": dict(sorted(balances.items())),
            "deepest": NESTING if done else 0,
            "audited totals": [p.vault] if done else [],
        }

    def observe(self, events: Sequence[Event], p: Params) -> dict[str, object]:
        closing = [e.detail for e in events if e.action == "closes the books"]
        totals = {e.detail for e in events if e.action == "sees total"}
        return {
            "balances": dict(sorted(closing[-1].items())) if closing else None,
            "deepest": max((depth for _, depth in _depths(events)), default=0),
            "audited totals": sorted(totals),
        }

    def finished(self, events: Sequence[Event], p: Params) -> bool:
        return events[-1].action in ("leaves audit", "closes the books")

    def invariants(self, events: Sequence[Event], p: Params) -> Iterator[str]:
        inside: dict[str, int] = {}
        for e, depth in _depths(events):
            verb, _, what = e.action.partition(" ")
            others = [a for a, d in inside.items() if d > 0 and a != e.actor]
            if verb == "enters" and others:
                who = ", ".join(others)
                yield f"{e.actor} entered {what} at t={e.t:.4f}s while {who} was inside"
            elif verb == "leaves" and depth < 0:
                yield f"{e.actor} left {what} at t={e.t:.4f}s without having entered it"
            inside[e.actor] = depth
        for actor, depth in inside.items():
            if depth > 0:
                yield f"{actor} was still inside at the end, at depth {depth}"

    def timeline(self, events: Sequence[Event], p: Params) -> list[Span]:
        # A clerk holds the lock while its depth is above zero, through the nested levels
        # (leaving withdraw still holds it); between levels it only waits for the lock.
        depths = {id(e): depth for e, depth in _depths(events)}
        spans = []
        for name in clerk_names(p.clerks):
            own = [e for e in events if e.actor == name]
            depth = 0
            for e, nxt in itertools.pairwise(own):
                depth = depths.get(id(e), depth)
                spans.append(Span(name, e.t, nxt.t, "holding" if depth > 0 else "waiting"))
        return spans

    def narrate(self, event: Event) -> str:
        if event.action == "closes the books":
            books = ", ".join(f"{name} {money}" for name, money in event.detail.items())
            return f"{event.actor} closes the books: {books}"
        return super().narrate(event)


def _depths(events: Sequence[Event]) -> Iterator[tuple[Event, int]]:
    """Each "enters" and "leaves" event with its clerk's depth after it: how many levels
    of locked work that clerk has under way."""
    depths: dict[str, int] = {}
    for e in events:
        verb = e.action.partition(" ")[0]
        if verb in ("enters", "leaves"):
            depths[e.actor] = depths.get(e.actor, 0) + (1 if verb == "enters" else -1)
            yield e, depths[e.actor]


SCENARIO = ReentrantLock()
