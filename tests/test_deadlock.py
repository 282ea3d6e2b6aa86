"""The deadlock detector: a run whose actors wait on one another in a cycle fails with a
line that says so and names the cycle, in every model, before its timeout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import threeways
from threeways._deadlock import Link, cycle, describe
from threeways._trace import Event

CYCLE = (
    "deadlock: A holds fork 1 and waits for fork 2, held by B; "
    "B holds fork 2 and waits for fork 1, held by A"
)


RUN = """
import json, signal, sys
import threeways
from tests import deadlocked
# as from a terminal: a background job of a non-interactive shell (a CI runner's) starts
# with SIGINT ignored, and then no SIGINT can wake an asyncio or trio loop
signal.signal(signal.SIGINT, signal.default_int_handler)
model = sys.argv[1]
try:
    threeways.run("lock", model, implementation=deadlocked.MAINS[model], timeout=6.0)
except threeways.RunFailed as failed:
    f = failed.result.failure
    print(json.dumps({"kind": f.kind, "message": f.message, "elapsed": failed.result.elapsed_s}))
"""


def test_a_deadlock_is_found_and_named_in_every_model(model: str) -> None:
    # found when the run stopped making progress (for a second), not when its waits timed
    # out; in a process of its own, with Ctrl-C's signal as a terminal leaves it (where
    # SIGINT is ignored, asyncio and trio can be woken by nothing else: see the README)
    root = Path(__file__).parent.parent
    proc = subprocess.run(
        [sys.executable, "-c", RUN, model], capture_output=True, text=True, timeout=60, cwd=root
    )
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout)
    assert found["kind"] == "deadlock", found
    assert found["message"].startswith(CYCLE), found
    assert found["elapsed"] < 6.0, found


def _events(*rows: tuple[str, str, str]) -> list[Event]:
    return [Event(i / 10, actor, action, detail) for i, (actor, action, detail) in enumerate(rows)]


def test_a_cycle_is_read_from_holds_and_waits() -> None:
    events = _events(
        ("Kant", "takes", "fork 1"),
        ("Hume", "takes", "fork 2"),
        ("Marx", "takes", "fork 3"),
        ("Kant", "waits for", "fork 2"),
        ("Hume", "waits for", "fork 3"),
        ("Marx", "waits for", "fork 1"),
    )
    links = cycle(events)
    assert links is not None
    # from the first by name, then along the waits
    assert [link.actor for link in links] == ["Hume", "Marx", "Kant"]
    assert describe(links) == (
        "deadlock: Hume holds fork 2 and waits for fork 3, held by Marx; "
        "Marx holds fork 3 and waits for fork 1, held by Kant; "
        "Kant holds fork 1 and waits for fork 2, held by Hume"
    )
    assert links[0] == Link("Hume", ("fork 2",), "fork 3", "Marx", 0.4)


def test_waiting_for_what_it_holds_is_a_cycle_of_one() -> None:
    # a Lock taken twice by its holder: nobody can release it
    links = cycle(_events(("Leo", "takes", "the vault"), ("Leo", "waits for", "the vault")))
    assert links is not None
    assert (
        describe(links) == "deadlock: Leo holds the vault and waits for the vault, held by itself"
    )


def test_no_cycle_when_someone_can_go_on() -> None:
    # a chain is no cycle: Marx holds nothing anyone waits for
    assert cycle(_events(("Kant", "takes", "fork 1"), ("Hume", "waits for", "fork 1"))) is None
    # a wait ends when it takes what it waited for; a release frees it
    assert (
        cycle(
            _events(
                ("Kant", "takes", "fork 1"),
                ("Hume", "takes", "fork 2"),
                ("Kant", "waits for", "fork 2"),
                ("Hume", "releases", "fork 2"),
                ("Kant", "takes", "fork 2"),
                ("Hume", "waits for", "fork 1"),
            )
        )
        is None
    )
    # shared holders (readers): a writer waiting for readers who wait for nothing
    assert (
        cycle(
            _events(
                ("reader 1", "takes", "the book"),
                ("reader 2", "takes", "the book"),
                ("writer", "waits for", "the book"),
            )
        )
        is None
    )


def test_a_timed_out_run_names_its_cycle_too() -> None:
    from threeways._failure import WorkerError, failure

    sc = threeways.get_scenario("lock")
    events = _events(
        ("A", "takes", "fork 1"),
        ("B", "takes", "fork 2"),
        ("A", "waits for", "fork 2"),
        ("B", "waits for", "fork 1"),
    )
    timed_out = failure(sc, sc.params(timeout=1.0), events, [WorkerError("A", TimeoutError())], 1.0)
    assert timed_out.kind == "deadlock"
    assert timed_out.message.startswith(CYCLE)
