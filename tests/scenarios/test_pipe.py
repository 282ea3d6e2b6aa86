"""pipe: invariants catch lost, duplicated, reordered and late messages and a missing close."""

from __future__ import annotations

import threeways
from threeways import Event

from ..conftest import FAST

SC = threeways.get_scenario("pipe")
P = SC.params(rounds=1)


def _talk(*steps: tuple[str, str, str]) -> list[Event]:
    return [Event(i / 10, actor, action, detail) for i, (actor, action, detail) in enumerate(steps)]


GOOD = [
    ("child", "sends", "hello parent"),
    ("parent", "receives", "hello parent"),
    ("parent", "sends", "hello son"),
    ("child", "receives", "hello son"),
    ("parent", "sends", "what is 1 squared?"),
    ("child", "receives", "what is 1 squared?"),
    ("child", "sends", "1 squared is 1"),
    ("parent", "receives", "1 squared is 1"),
    ("parent", "closes its end", ""),
    ("child", "sees the end", ""),
    ("child", "closes its end", ""),
]


def test_a_good_conversation_breaks_no_invariant() -> None:
    # the conversation the design promises passes every check and is the expected observable
    events = _talk(*GOOD)
    assert list(SC.invariants(events, P)) == []
    assert SC.observe(events, P) == SC.expected(P)


def test_invariants_catch_a_lost_message() -> None:
    # a message sent but never received is reported as lost
    events = _talk(*GOOD[:7], *GOOD[8:])
    assert list(SC.invariants(events, P)) == ["'1 squared is 1' was never received by the parent"]


def test_invariants_catch_a_duplicated_message() -> None:
    # a message received twice was, the second time, sent by nobody
    events = _talk(*GOOD[:4], GOOD[3], *GOOD[4:])
    assert list(SC.invariants(events, P)) == [
        "child received 'hello son', which nobody had sent it"
    ]


def test_invariants_catch_reordering() -> None:
    # a pipe keeps order: receiving the later message first is reported
    events = _talk(*GOOD[:3], GOOD[4], GOOD[5], GOOD[3], *GOOD[6:])
    assert list(SC.invariants(events, P)) == [
        "child received 'what is 1 squared?' before 'hello son', sent earlier"
    ]


def test_invariants_catch_talking_after_hanging_up() -> None:
    # nothing may be sent once the sender has closed its end
    events = _talk(
        *GOOD[:9], ("parent", "sends", "one more"), ("child", "receives", "one more"), *GOOD[9:]
    )
    assert list(SC.invariants(events, P)) == ["parent sent 'one more' after closing its end"]


def test_invariants_catch_an_end_not_closed_or_seen_too_early() -> None:
    # both ends must be closed exactly once, and the end is seen only after the other closed
    events = _talk(*GOOD[:8], GOOD[9], GOOD[8])
    assert list(SC.invariants(events, P)) == [
        "child saw the end while parent was still talking",
        "the child closed its end 0 times, not once",
    ]


def test_hellos_only(model: str) -> None:
    # with no rounds, the two hellos are still exchanged and both ends closed
    result = threeways.run("pipe", model, rounds=0, **FAST)
    assert result.ok, (result.violations, result.observable)
    assert result.observable["ending"] == [
        "parent closes its end",
        "child sees the end",
        "child closes its end",
    ]


def test_a_long_conversation_keeps_order(model: str) -> None:
    # many rounds with no pause: every message arrives once and in order
    result = threeways.run("pipe", model, rounds=50, tick=0.0, timeout=30.0)
    assert result.ok, (result.violations, result.observable)


def test_timeline_shows_who_waits_for_whom() -> None:
    # a side waits until it receives; the child runs while it thinks about an answer
    states = {(s.actor, s.start): s.state for s in SC.timeline(_talk(*GOOD), P)}
    assert states[("parent", 0.4)] == "waiting"  # asked, waits for the answer
    assert states[("child", 0.5)] == "running"  # got the question, thinks
    assert states[("child", 0.6)] == "waiting"  # answered, waits for the next question


def test_timeline_marks_the_hellos_each_round_and_the_hang_up() -> None:
    # the axis names the conversation's phases: a round begins when the parent asks
    marks = SC.marks(_talk(*GOOD), P)
    assert [(m.t, m.label) for m in marks] == [(0.0, "hellos"), (0.4, "round 1"), (0.8, "hang-up")]
