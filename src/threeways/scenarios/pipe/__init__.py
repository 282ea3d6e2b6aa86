"""pipe: a parent and a child talk both ways over a pipe, then the parent hangs up."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from threeways._protocol import Mark, Scenario, Span, param
from threeways._protocol import Params as _BaseParams
from threeways._trace import Event

HELLO_PARENT = "hello parent"
"""What the child says first."""
HELLO_SON = "hello son"
"""What the parent answers."""
ENDING = ["parent closes its end", "child sees the end", "child closes its end"]
"""How every conversation ends: the parent hangs up, the child notices and hangs up too."""
SIDES = ("parent", "child")


def question(n: int) -> str:
    """The parent's question in round ``n``."""
    return f"what is {n} squared?"


def answer(asked: str) -> str:
    """The child's answer to a question: the child does the work, here a square."""
    n = int(asked.removeprefix("what is ").removesuffix(" squared?"))
    return f"{n} squared is {n * n}"


@dataclass(frozen=True, kw_only=True)
class Params(_BaseParams):
    rounds: int = param(3, "how many questions the parent asks after the hellos", min=0, max=1000)
    tick: float = param(0.1, "seconds per tick: scales every sleep in the scenario", min=0)


class Pipe(Scenario[Params]):
    name = "pipe"
    order = 110
    summary = "Parent and child say hello both ways, talk for a few rounds, then hang up."
    lesson = """\
A pipe joins two parties that each hold one end: what one sends, the other receives, in
order, nothing lost and nothing duplicated. Here the child says "hello parent", the parent
answers "hello son", then asks a few questions that the child answers. A conversation
must also end, and the receiver must learn that it has: the parent hangs up by closing
its end, and the child's next receive reports the end instead of a message. The child then
closes its own end. Closing is part of the protocol, so it is recorded and checked.

How the end is reported is where the models differ. multiprocessing's Pipe() gives two
Connection objects; recv() raises EOFError once the other end is closed. A pipe is a
file descriptor, and the end arrives only when *every* copy of the other end is closed:
a forked child inherits the parent's end, so each process closes the end it does not
use (the oldest rule of Unix pipes), or the child waits for ever. Threads share memory,
so an expert does not give them a pipe: two queue.Queue, one each way, carry Python
objects, and since a queue cannot be closed before 3.13 (Queue.shutdown()), a None
sentinel means "hung up". Tasks share memory too, and two asyncio.Queue with a sentinel
would do as well; the asyncio model shows instead asyncio's own pipe, the stream it gives
you for subprocesses and sockets, here over socket.socketpair(): bytes, so each message
is a line (encode, newline, decode), and readline() returns b"" at a real end. trio's
memory channels are its pipes for objects: a send end and a receive end, closed
separately; the child's `async for` stops at EndOfChannel when the parent closes.
"""
    uses = {
        "threading": "two queue.Queue, one each way; None is the hang-up sentinel",
        "multiprocessing": "ctx.Pipe(): a Connection per side; recv() raises EOFError",
        "asyncio": "streams over socket.socketpair(); readline() returns b'' at the end",
        "trio": "two memory channels, one each way; closing ends the child's async for",
    }
    parameters = Params

    checks = (
        "each side receives what the other sent, in order, and nothing else",
        "nothing is sent after closing an end; each side closes its end once",
        "nobody sees the end while the other side is still talking",
    )

    def expected(self, p: Params) -> dict[str, object]:
        rounds = range(1, p.rounds + 1)
        return {
            "parent heard": [HELLO_PARENT, *(answer(question(n)) for n in rounds)],
            "child heard": [HELLO_SON, *(question(n) for n in rounds)],
            "ending": ENDING,
        }

    def observe(self, events: Sequence[Event], p: Params) -> dict[str, object]:
        heard = {
            f"{side} heard": [e.detail for e in events if (e.actor, e.action) == (side, "receives")]
            for side in SIDES
        }
        ending = [f"{e.actor} {e.action}" for e in events if e.action in _ENDS]
        return {**heard, "ending": ending}

    def narrate(self, event: Event) -> str:
        if event.action in ("sends", "receives"):
            return f"{event.actor} {event.action} {event.detail!r}"
        return super().narrate(event)

    def timeline(self, events: Sequence[Event], p: Params) -> list[Span]:
        # A side waits from its last step until it receives the next message (or the end);
        # between receiving and sending it runs (the child thinks for a tick).
        spans = []
        for side in SIDES:
            own = [e for e in events if e.actor == side]
            for e, after in itertools.pairwise(own):
                waiting = after.action in ("receives", "sees the end")
                spans.append(Span(side, e.t, after.t, "waiting" if waiting else "running"))
        return spans

    def marks(self, events: Sequence[Event], p: Params) -> list[Mark]:
        # the conversation's phases: the hellos, a round per question, the hang-up
        rounds = {question(n): f"round {n}" for n in range(1, p.rounds + 1)}
        marks = [Mark(events[0].t, "hellos")] if events else []
        for e in events:
            if e.actor == "parent" and e.action == "sends" and e.detail in rounds:
                marks.append(Mark(e.t, rounds[e.detail]))
            elif e.actor == "parent" and e.action == "closes its end":
                marks.append(Mark(e.t, "hang-up"))
        return marks

    def finished(self, events: Sequence[Event], p: Params) -> bool:
        return events[-1].action == "closes its end"

    def invariants(self, events: Sequence[Event], p: Params) -> Iterator[str]:
        in_flight: dict[str, list[str]] = {side: [] for side in SIDES}  # sent to side, unread
        closed: dict[str, int] = dict.fromkeys(SIDES, 0)
        for e in events:
            other = _other(e.actor)
            if e.action == "sends":
                if closed[e.actor]:
                    yield f"{e.actor} sent {e.detail!r} after closing its end"
                in_flight[other].append(e.detail)
            elif e.action == "receives":
                yield from _check_receive(e, in_flight[e.actor])
            elif e.action == "closes its end":
                closed[e.actor] += 1
            elif e.action == "sees the end" and (not closed[other] or in_flight[e.actor]):
                yield f"{e.actor} saw the end while {other} was still talking"
        for side in SIDES:
            for lost in in_flight[side]:
                yield f"{lost!r} was never received by the {side}"
            if closed[side] != 1:
                yield f"the {side} closed its end {closed[side]} times, not once"


_ENDS = ("closes its end", "sees the end")


def _other(side: str) -> str:
    return "child" if side == "parent" else "parent"


def _check_receive(e: Event, in_flight: list[str]) -> Iterator[str]:
    """A message received must have been sent to this side, not yet received, and be the
    oldest such message (a pipe keeps order)."""
    if e.detail not in in_flight:
        yield f"{e.actor} received {e.detail!r}, which nobody had sent it"
        return
    if in_flight[0] != e.detail:
        yield f"{e.actor} received {e.detail!r} before {in_flight[0]!r}, sent earlier"
    in_flight.remove(e.detail)


SCENARIO = Pipe()
