"""process_info: its invariants catch workers in the wrong place; each model's workers live
where the model puts them; under forkserver the OS parent is the fork server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import threeways
from threeways import Event

from ..conftest import FAST, NEEDS_INTERPRETERS, fast_run

SC = threeways.get_scenario("process_info")

KINDS = {  # model -> (what its workers are, what their helpers are)
    "threading": ("thread", "thread"),
    "multiprocessing": ("process", "thread"),
    "asyncio": ("task", "task"),
    "trio": ("task", "task"),
}


def _who(kind: str, started_by: str, pid: int, tid: int, **more: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "started_by": started_by,
        "pid": pid,
        "parent": more.get("parent"),
        "ppid": more.get("ppid", 1),
        "thread": "MainThread",
        "tid": tid,
        "task": more.get("task"),
        **more,
    }


def _violations(*reports: tuple[str, dict[str, Any]]) -> list[str]:
    events = [Event(i / 10, name, "reports", who) for i, (name, who) in enumerate(reports)]
    return list(SC.invariants(events, SC.params()))


MAIN = ("main", _who("main", "", 100, 100))


def test_invariants_accept_a_good_process_run() -> None:
    # processes with their own pids, parent main, and a thread inside each: no violation
    assert (
        _violations(
            MAIN,
            ("Ada", _who("process", "main", 201, 201, parent=100)),
            ("Grace", _who("process", "main", 202, 202, parent=100)),
            ("Ada.1", _who("thread", "Ada", 201, 301, parent=100)),
        )
        == []
    )


def test_invariant_catches_processes_sharing_a_pid() -> None:
    # two worker processes alive together cannot have one pid
    assert _violations(
        MAIN,
        ("Ada", _who("process", "main", 201, 201, parent=100)),
        ("Grace", _who("process", "main", 201, 202, parent=100)),
    ) == ["2 process workers share the pid 201"]


def test_invariant_catches_a_process_with_the_wrong_parent() -> None:
    # a worker process whose parent is not the main program, or that is the main program
    assert _violations(
        MAIN,
        ("Ada", _who("process", "main", 201, 201, parent=99)),
        ("Grace", _who("process", "main", 100, 100, parent=100)),
    ) == [
        "process Ada's parent is 99, not its starter 100",
        "process Grace has its starter's pid 100",
    ]


def test_invariant_catches_a_thread_outside_its_process() -> None:
    # a thread lives in the process of the one who started it, in a thread of its own
    assert _violations(
        MAIN,
        ("Ada", _who("thread", "main", 101, 102)),
        ("Ada.1", _who("thread", "Ada", 100, 102)),
    ) == [
        "thread Ada is in process 101, not its starter's 100",
        "thread Ada.1 is in process 100, not its starter's 101",
        "thread Ada.1 runs in its starter's thread 102",
    ]


def test_invariant_catches_a_task_outside_the_main_thread() -> None:
    # tasks share the main program's one thread, and each is a task of its own
    assert _violations(
        ("main", _who("main", "", 100, 100, task="Task-1")),
        ("Ada", _who("task", "main", 100, 105, task="Ada")),
        ("Ada.1", _who("task", "Ada", 100, 100, task="Ada")),
    ) == [
        "task Ada runs outside the main thread, in 100/105",
        "task Ada.1 is its starter's task 'Ada'",
    ]


def test_invariant_catches_unknown_starters_and_a_silent_main() -> None:
    # every worker was started by someone who reported; the main program must report
    assert _violations(MAIN, ("Ada.1", _who("thread", "Ada", 100, 101))) == [
        "Ada.1 was started by 'Ada', who never reported"
    ]
    assert _violations(("Ada", _who("thread", "main", 100, 101))) == ["main never reported"]


def test_workers_live_where_their_model_puts_them(model: str) -> None:
    # threads and tasks share the main pid, processes have their own; helpers live inside
    result = threeways.run("process_info", model, workers=4, helpers=2, **FAST)
    assert result.ok, result.violations
    reports = {e.actor: e.detail for e in result.events if e.action == "reports"}
    main = reports.pop("main")
    worker_kind, helper_kind = KINDS[model]
    for name, who in reports.items():
        kind = worker_kind if who["started_by"] == "main" else helper_kind
        assert who["kind"] == kind, name
        if model != "multiprocessing":
            assert who["pid"] == main["pid"], name
        if kind == "task":
            assert who["tid"] == main["tid"] and who["task"] == name, name


def test_the_os_parent_under_each_start_method(start_method: str) -> None:
    # multiprocessing's parent is always main; the OS parent is the fork server under forkserver
    result = threeways.run("process_info", "multiprocessing", start_method=start_method, **FAST)
    assert result.ok, result.violations
    reports = {e.actor: e.detail for e in result.events if e.action == "reports"}
    main = reports.pop("main")
    workers = [who for who in reports.values() if who["kind"] == "process"]
    assert {who["parent"] for who in workers} == {main["pid"]}
    os_parents = {who["ppid"] for who in workers}
    if start_method == "forkserver":
        assert main["pid"] not in os_parents and len(os_parents) == 1
    else:
        assert os_parents == {main["pid"]}


@pytest.mark.parametrize("helpers", [0, 3])
def test_helpers_parameter(helpers: int) -> None:
    # no helpers, or several per worker: the observable follows the parameter
    result = threeways.run("process_info", "threading", workers=2, helpers=helpers, **FAST)
    assert result.ok, result.violations
    assert len(result.observable["helpers"]) == 2 * helpers


def test_narrative_shows_where_each_worker_lives() -> None:
    # one line per report, naming the pid for processes and the task for tasks
    process = Event(0, "Ada", "reports", _who("process", "main", 201, 201, parent=100, ppid=7))
    task = Event(0, "Ada", "reports", _who("task", "main", 100, 100, task="Ada"))
    assert SC.narrate(process) == "Ada: pid 201, parent 100 (OS parent 7: the fork server)"
    assert SC.narrate(task) == "Ada: task Ada in thread 100"


def test_each_lane_is_drawn_as_what_it_is(model: str) -> None:
    # the timeline says where each lives: workers and helpers in the look of their kind
    # (a process, a thread, a task), a helper's lane until its starter has joined it
    result = fast_run("process_info", model)
    spans = SC.timeline(result.events, SC.params(**result.params))
    worker_kind, helper_kind = KINDS[model]
    states = {s.actor: s.state for s in spans if s.state != "waiting"}
    assert states["Ada"] == f"a {worker_kind}" and states["Ada.1"] == f"a {helper_kind}"
    assert all(s.end >= s.start for s in spans)
    assert [s.state for s in spans if s.actor == "main"][-1] == "waiting"


@pytest.mark.parametrize(
    ("model", "calls"),
    [
        ("threading", ["os.getpid()", "threading.get_native_id()"]),
        ("multiprocessing", ["os.getpid()", "multiprocessing.parent_process()", "os.getppid()"]),
        ("asyncio", ["os.getpid()", "asyncio.current_task()", ".get_name()"]),
        ("trio", ["os.getpid()", "trio.lowlevel.current_task().name", ".parent_nursery"]),
    ],
)
def test_each_model_asks_who_it_is_itself(model: str, calls: list[str]) -> None:
    # the lesson is in the model's file: the calls that say where a worker lives
    source = Path(SC.source_path(model)).read_text(encoding="utf-8")
    assert [c for c in calls if c not in source] == []


@NEEDS_INTERPRETERS
def test_an_interpreter_is_no_process_but_has_its_own_modules() -> None:
    # each interpreter worker reports the main pid, an interpreter id and a sys.modules of
    # its own (the main one is interpreter 0), and runs in a thread it did not start: not
    # the main thread, though main_thread() there is the process's
    reports = {
        e.actor: e.detail
        for e in fast_run("process_info", "interpreters").events
        if e.action == "reports"
    }
    main = reports.pop("main")
    workers = [w for w in reports.values() if w["kind"] == "interpreter"]
    assert len(workers) == SC.params().workers
    assert main["interpreter"] == 0 and {w["pid"] for w in workers} == {main["pid"]}
    assert len({w["interpreter"] for w in workers} - {0}) == len(workers)
    assert main["modules"] not in {w["modules"] for w in workers}
    assert not any(w["main thread"] for w in workers) and main["main thread"]
    helpers = [h for h in reports.values() if h["kind"] == "thread"]
    assert helpers and {h["pid"] for h in helpers} == {main["pid"]}


def test_an_interpreter_in_another_process_is_caught() -> None:
    # the invariant: an interpreter lives in its starter's process, with its own id
    main = ("main", _who("main", "", 1, 1, interpreter=0, modules=10))
    wrong = ("Ada", _who("interpreter", "main", 2, 2, interpreter=0, modules=10))
    problems = _violations(main, wrong)
    assert any("is in process 2" in p for p in problems)
    assert any("starter's interpreter 0" in p for p in problems)
    assert any("starter's modules 10" in p for p in problems)
