"""One failure contract for the four models: the same injected failure reads the same way.

A worker that raises fails the run with ``RunFailed`` (an ``ExceptionGroup``) naming who
raised what; a run past its timeout fails with who was still running and what each last
did; the events up to the failure are kept; cleanup stops only what the run started.
"""

from __future__ import annotations

import asyncio
import gc
import json
import multiprocessing
import threading
from typing import Any

import pytest

import threeways
from threeways import Event, InjectedFault, RunFailed
from threeways._failure import failure
from threeways._supervise import Supervisor
from threeways.cli import main

from .conftest import NEEDS_INTERPRETERS

FAST = ["--tick", "0.002"]

QUICK = {"tick": 0.002, "timeout": 2.0}
"""A thread blocked when a worker fails ends only at its own timeout: keep it short."""

INJECTED = [
    # scenario, where the fault strikes, what the report says
    ("traffic_light", "Audi passes", "Audi raised InjectedFault: injected at 'Audi' 'passes'"),
    (
        "producer_consumer",
        "cook is done",
        "cook raised InjectedFault: injected at 'cook' 'is done'",
    ),
    ("lock", "Bob writes", "Bob raised InjectedFault: injected at 'Bob' 'writes'"),
    (
        "rlock",
        "Leo enters withdraw",
        "Leo raised InjectedFault: injected at 'Leo' 'enters withdraw'",
    ),
]


def _failed(name: str, model: str, **params: Any) -> RunFailed:
    with pytest.raises(RunFailed) as failed:
        threeways.run(name, model, **params)
    return failed.value


@pytest.mark.parametrize(("name", "fail_at", "line"), INJECTED, ids=[i[0] for i in INJECTED])
def test_a_worker_error_fails_the_run_the_same_way_in_every_model(
    name: str, fail_at: str, line: str, model: str
) -> None:
    # whatever the model, the run fails with one line naming who raised what, the error
    # itself inside the ExceptionGroup, and the story up to the failure
    failed = _failed(name, model, fail_at=fail_at, **QUICK)
    result = failed.result
    assert result.failure is not None and result.failure.kind == "error"
    assert result.failure.message.split("; could not stop")[0] == line
    assert [type(e) for e in failed.exceptions] == [InjectedFault]
    assert failed.message == result.failure.message
    assert not result.ok and result.events


def test_except_star_catches_a_workers_error(model: str) -> None:
    # RunFailed is an ExceptionGroup: except* picks the worker's own exception type
    caught = []
    try:
        threeways.run("traffic_light", model, fail_at="Benz passes", **QUICK)
    except* InjectedFault as group:
        caught = list(group.exceptions)
    assert [str(e) for e in caught] == ["injected at 'Benz' 'passes'"]


def test_a_child_processs_error_is_rebuilt_in_the_parent(
    capfd: pytest.CaptureFixture[str], start_method: str
) -> None:
    # the child's exception crosses to the parent with its type, message and traceback
    # (as text, its cause); the child prints nothing. (A long timeout: a spawned child may
    # take seconds to boot on a loaded machine, and the failure ends the run long before.)
    failed = _failed(
        "traffic_light",
        "multiprocessing",
        start_method=start_method,
        fail_at="Audi passes",
        tick=0.002,
        timeout=30.0,
    )
    [error] = failed.exceptions
    assert isinstance(error, InjectedFault)
    assert "Traceback" in str(error.__cause__) and "_car" in str(error.__cause__)
    assert "Traceback" not in capfd.readouterr().err


def test_a_threads_error_is_not_printed_and_stops_the_run_at_once(
    capfd: pytest.CaptureFixture[str],
) -> None:
    # threading.excepthook no longer prints it: the run fails with it, long before its timeout
    failed = _failed("lock", "threading", fail_at="Bob writes", tick=0.002, timeout=30.0)
    assert failed.result.elapsed_s < 5
    assert "Exception in thread" not in capfd.readouterr().err


def test_a_run_past_its_timeout_says_who_was_still_running(model: str) -> None:
    # the light is red for longer than the run may last: the light and every car are named,
    # each with what it last did, in the same order in every model
    failed = _failed("traffic_light", model, tick=0.5, timeout=0.6)
    result = failed.result
    assert result.failure is not None and result.failure.kind == "timeout"
    assert [(e.actor, e.action, e.detail) for e in result.failure.still_running] == [
        ("Audi", "waits at red", 1),
        ("Benz", "waits at red", 1),
        ("light", "turns red", 1),
        ("Volvo", "waits at red", 1),
    ]
    assert result.failure.message.startswith(
        "timed out after 0.6 s; still running: Audi waits at red (trip 1) since "
    )
    assert [e.action for e in result.events if e.actor == "light"] == ["turns red"]


def test_the_report_is_read_from_the_events_up_to_the_failure() -> None:
    # an actor that finished after the deadline (a thread cannot be stopped) was still
    # running when the run timed out; finished actors are not named; long lists are cut
    sc = threeways.get_scenario("pool")
    p = sc.params(jobs=9, size=9, timeout=1.0)
    events = [Event(0.0, "main", "waits for every result")]
    events += [Event(0.1, f"job {i}", "starts", {"job": i, "on": "w"}) for i in range(9)]
    events += [Event(0.5, "job 0", "returns", {"job": 0, "result": 100})]
    events += [Event(1.4, "job 1", "returns", {"job": 1, "result": 101})]
    timed_out = failure(sc, p, events, [threeways.WorkerError("main", TimeoutError())], 1.5)
    assert [e.actor for e in timed_out.still_running] == [
        *(f"job {i}" for i in range(1, 9)),
        "main",
    ]
    assert timed_out.message.endswith("; and 5 more")
    assert "job 0" not in timed_out.message


def test_cleanup_touches_only_what_the_run_started() -> None:
    # a process and a thread of the caller's own survive a failed run
    ctx = multiprocessing.get_context("spawn")
    stop = ctx.Event()
    own = ctx.Process(target=stop.wait, args=(30,), name="mine")
    own.start()
    waiting = threading.Event()
    thread = threading.Thread(target=waiting.wait, args=(30,), name="my thread")
    thread.start()
    try:
        _failed("traffic_light", "multiprocessing", fail_at="Audi passes", **QUICK)
        assert own.is_alive() and thread.is_alive()
    finally:
        stop.set()
        waiting.set()
        own.join(30)
        thread.join(30)


def test_a_failed_run_is_one_line_per_model_on_the_command_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # each model's story up to the timeout, then one line per failed model, exit 1
    assert main(["traffic_light", "--tick=0.5", "--timeout=0.6", "--timeline"]) == 1
    out = capsys.readouterr()
    lines = out.out.splitlines()
    for model in threeways.MODELS:
        [line] = [x for x in lines if x.startswith(f"{model} failed: ")]
        assert line.startswith(f"{model} failed: timed out after 0.6 s; still running: Audi")
    assert "Traceback" not in out.err
    assert "light turns red (cycle 1)" in out.out


def test_a_failed_run_keeps_its_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    # ok false, the error as data, and every event recorded up to the failure
    assert main(["traffic_light", "--model=trio", "--json", "--fail-at=Audi passes", *FAST]) == 1
    [run] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert run["ok"] is False and run["events"]
    error = run["error"]
    assert error["kind"] == "error"
    assert error["message"] == "Audi raised InjectedFault: injected at 'Audi' 'passes'"
    assert error["errors"][0]["who"] == "Audi" and error["errors"][0]["type"] == "InjectedFault"
    assert "Traceback" in error["errors"][0]["traceback"]


def test_a_good_run_has_no_error(capsys: pytest.CaptureFixture[str]) -> None:
    # the same key, null, when the run ran to its end
    assert main(["traffic_light", "--model=asyncio", "--json", *FAST]) == 0
    [run] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert run["ok"] is True and run["error"] is None


def test_an_asyncio_task_nobody_awaited_is_an_error_of_the_run() -> None:
    # asyncio logs "Task exception was never retrieved" when such a task is collected:
    # the harness takes it as that task's error (named by what it recorded), not a log line
    supervisor = Supervisor("asyncio", start_method=None, fail_at=None)
    trace = supervisor.trace

    async def worker() -> None:
        trace.record("courier", "sets off")
        raise ValueError("lost parcel")

    async def program() -> None:
        asyncio.create_task(worker())  # fire and forget: nobody keeps or awaits it  # noqa: RUF006
        await asyncio.sleep(0.01)

    with supervisor, supervisor.logs():
        asyncio.run(program())
        gc.collect()
    assert [e.line() for e in supervisor.errors] == ["courier raised ValueError: lost parcel"]


@NEEDS_INTERPRETERS
@pytest.mark.parametrize(
    ("name", "fail_at", "line"),
    [
        INJECTED[1],  # producer_consumer: the cook, in its interpreter
        (
            "process_info",
            "Grace reports",
            "Grace raised InjectedFault: injected at 'Grace' 'reports'",
        ),
        (
            "process_info",
            "Ada.1 reports",
            "Ada.1 raised InjectedFault: injected at 'Ada.1' 'reports'",
        ),
    ],
    ids=["cook", "an interpreter's call", "a thread inside an interpreter"],
)
def test_an_interpreters_error_fails_the_run_as_a_threads_does(
    name: str, fail_at: str, line: str
) -> None:
    # the exception stays in its interpreter (ExecutionFailed is what crosses), yet the
    # run names the worker and rebuilds its error as its own type, as for the four models
    # each interpreter imports its modules afresh: under a busy suite, more than 2 s
    failed = _failed(name, "interpreters", fail_at=fail_at, tick=0.002, timeout=8.0)
    failure = failed.result.failure
    assert failure is not None and failure.kind == "error"
    assert failure.message.split("; ")[0] == line
    assert [type(e) for e in failed.exceptions] == [InjectedFault]


@NEEDS_INTERPRETERS
def test_an_interpreters_run_past_its_timeout_says_who_was_still_running() -> None:
    # a slow cook: when the run's time is up, main names the cook, in its interpreter, with
    # what it last did
    failed = _failed("producer_consumer", "interpreters", tick=0.5, timeout=2.5)
    failure = failed.result.failure
    assert failure is not None and failure.kind == "timeout", failure
    assert "cook" in [e.actor for e in failure.still_running], failure
