"""Exercise mode: starters, the checker, and the known-broken implementations it must catch."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import threeways
from threeways import MODELS, get_scenario, scenarios
from threeways._bugs import bugs
from threeways._check import Unusable, _plan, check
from threeways._checkrun import _verdict
from threeways._exercise import starter
from threeways._source import read_steps
from threeways.cli import main

from .conftest import FAST

ALL = [(name, model) for name, sc in scenarios().items() for model in sc.models]
BUGS = [bug for sc in scenarios().values() for bug in bugs(sc)]
FAST_TICK = {"tick": FAST["tick"]}
TIMED = {"blocking_the_loop"}
"""Scenarios with an invariant about durations (the heartbeat beats while the loop is free
for 0.15 s): their bugs show at the scenario's own tick only."""


def _absolute(source: str, package: str) -> str:
    """A model file copied out of the package: its relative imports made absolute."""
    return re.sub(r"^from \. import ", f"from {package} import ", source, flags=re.M)


def _copied_out(name: str, model: str, folder: Path) -> Path:
    sc = get_scenario(name)
    source = Path(sc.source_path(model)).read_text()
    path = folder / f"mine_{name}_{model}.py"
    path.write_text(_absolute(source, type(sc).__module__))
    return path


def _write(folder: Path, text: str, name: str = "mine.py") -> Path:
    path = folder / name
    path.write_text(text)
    return path


# ---------------------------------------------------------------------------- starters


@pytest.mark.parametrize(("name", "model"), ALL)
def test_a_starter_for_every_scenario_and_model(name: str, model: str, tmp_path: Path) -> None:
    sc = get_scenario(name)
    text = starter(sc, model, "mine.py")
    compile(text, "mine.py", "exec")
    assert text.startswith(f"# threeways exercise: scenario={name} model={model}\n")
    assert "def main(trace" in text
    # every step label of the project's own implementation, in order
    labels = [line.strip() for line in text.splitlines() if re.match(r"\s*# (own )?step: ", line)]
    assert [label.split(": ", 1)[1] for label in labels] == [
        s.label for s in read_steps(sc, model).segments if s.label
    ]
    assert "from . import" not in text and "from .." not in text  # it lives outside the package


def test_the_starter_states_the_task(tmp_path: Path) -> None:
    text = starter(get_scenario("lock"), "trio", "mine.py")
    assert "p.workers = 3" in text  # the parameters
    assert '"count": 15' in text  # the observable expected with the defaults
    assert "'reads', detail like 0" in text  # the events to record
    assert "no two workers" in text.lower()  # the invariants, in words
    hinted = starter(get_scenario("lock"), "trio", "mine.py", hint=True)
    assert "trio.Lock" in hinted and len(hinted) > len(text)


def test_exercise_writes_once_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mine.py"
    assert main(["exercise", "semaphore", "--model", "asyncio", "-o", str(path)]) == 0
    assert path.read_text().startswith("# threeways exercise: scenario=semaphore model=asyncio")
    assert main(["exercise", "semaphore", "--model", "asyncio", "-o", str(path)]) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["exercise", "semaphore", "--model", "trio", "-o", str(path), "--force"]) == 0
    assert "model=trio" in path.read_text()
    assert main(["exercise", "semaphore", "--model", "fortran", "-o", str(path)]) == 2


def test_an_untouched_starter_fails_the_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mine.py"
    assert main(["exercise", "producer_consumer", "--model", "threading", "-o", str(path)]) == 0
    assert main(["check", str(path), "--runs", "1"]) == 1
    out = capsys.readouterr().out
    assert "nothing was recorded" in out
    assert "1 of 1 runs failed" in out


# ---------------------------------------------------------------------------- the checker


@pytest.mark.parametrize(("name", "model"), ALL)
def test_every_shipped_implementation_copied_out_passes(
    name: str, model: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # judged as a check run judges it (the GIL given up at random records, threads switched
    # every microsecond, the same verdict), in this process: the run's own process, with its
    # watchdog and leak check, is what the tests of 'check' below are for
    if (why := threeways.unavailable(model)) is not None:
        pytest.skip(why)
    path = _copied_out(name, model, tmp_path)
    if model in ("interpreters", "dask"):
        # a new interpreter sees the sys.path its process started with, and a cluster's
        # workers get the file from check (uploaded): both are checked as check checks
        report = check(str(path), name, model, runs=1, params=FAST_TICK, busy=False)
        assert report.ok, "\n".join(p for r in report.failed for p in r.problems)
        return
    monkeypatch.syspath_prepend(str(tmp_path))  # a spawned child finds it by name too
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    error = None
    try:
        module = importlib.import_module(path.stem)
        result = threeways.run(name, model, implementation=module.main, noise=1, **FAST_TICK)
    except threeways.RunFailed as failed:
        error, result = failed, failed.result
    finally:
        sys.setswitchinterval(before)
        sys.modules.pop(path.stem, None)  # forgotten after the test
    assert _verdict(result, str(path), error)["problems"] == []


def test_a_copied_out_file_runs_under_every_start_method(tmp_path: Path) -> None:
    # a learner's module is found again by name in a spawned or forkserver child (every
    # scenario runs under each start method in tests/test_cross_model.py)
    path = _copied_out("pool", "multiprocessing", tmp_path)
    runs = len(threeways.start_methods())
    report = check(str(path), "pool", "multiprocessing", runs=runs, params=FAST_TICK, busy=False)
    assert report.ok, "\n".join(p for r in report.failed for p in r.problems)
    methods = [m for m in threeways.start_methods() if m in " ".join(report.explored)]
    assert methods == threeways.start_methods(), report.explored


@pytest.mark.parametrize("bug", BUGS, ids=[f"{b.scenario}-{b.model}-{b.name}" for b in BUGS])
def test_every_known_bug_is_caught(bug: threeways._bugs.Bug) -> None:
    # at the fast tick, but for a scenario whose invariant is about time itself
    params = {} if bug.scenario in TIMED else FAST_TICK
    report = check(
        bug.path,
        bug.scenario,
        bug.model,
        timeout=3.0,
        params=params,
        first_failure=True,
        jobs=1,  # one run at a time: most bugs show in the first, and the suite runs in parallel
        busy=False,
    )
    assert not report.ok, f"{bug.path} passed {len(report.runs)} runs"


def test_every_scenario_has_known_bugs() -> None:
    missing = [name for name, sc in scenarios().items() if not bugs(sc)]
    assert not missing, f"no known-broken implementation: {', '.join(missing)}"
    assert {b.model for b in BUGS} == set(MODELS)
    for bug in BUGS:
        assert bug.mistake and bug.story, bug.path


def test_the_plan_alternates_the_defaults_and_the_variations() -> None:
    sc = get_scenario("traffic_light")
    plan = _plan(sc, "multiprocessing", 6, 5.0, {"tick": 0.01})
    assert all(p.params["timeout"] == 5.0 and p.params["tick"] == 0.01 for p in plan)
    assert {p.start_method for p in plan} == set(threeways.start_methods())
    if sc.variations:
        assert plan[1].params != plan[0].params
    with pytest.raises(ValueError, match="cars"):
        _plan(sc, "trio", 2, 5.0, {"cars": 0})


HANGS = """\
import threading

def main(trace, p):
    trace.record("main", "starts")
    threading.Event().wait()  # no timeout: it never ends
"""


def test_a_hanging_file_fails_within_its_timeout(tmp_path: Path) -> None:
    path = _write(tmp_path, HANGS)
    started = time.monotonic()
    report = check(str(path), "lock", "threading", runs=1, timeout=1.0)
    took = time.monotonic() - started
    [run] = report.runs
    assert run.outcome == "hung"
    assert "main starts" in run.problems[0]  # who was stuck, and what it last did
    assert "main" in run.timeline  # and the timeline so far
    assert took < 1.0 + 3.0 + 5.0


LEAKS = """\
import threading, time

def main(trace, p):
    threading.Thread(target=time.sleep, args=(30,), daemon=True, name="forgotten").start()
    trace.record("main", "counts", 0)
"""

RAISES = """\
import threading

def _worker(trace, name):
    trace.record(name, "starts")
    raise ValueError("my mistake")

def main(trace, p):
    t = threading.Thread(target=_worker, args=(trace, "Ann"))
    t.start()
    t.join(p.timeout)
"""


def test_a_thread_left_behind_fails(tmp_path: Path) -> None:
    report = check(
        str(_write(tmp_path, LEAKS)),
        "lock",
        "threading",
        runs=1,
        params={"workers": 1, "increments": 0},
    )
    [run] = report.runs
    assert any("left behind" in p and "forgotten" in p for p in run.problems), run.problems


def test_the_learners_traceback_is_cut_to_their_file(tmp_path: Path) -> None:
    path = _write(tmp_path, RAISES)
    [run] = check(str(path), "lock", "threading", runs=1).runs
    assert "Ann raised ValueError: my mistake" in run.problems[0]
    [tb] = run.tracebacks
    assert str(path) in tb and "my mistake" in tb
    assert "threeways" not in tb.replace(str(path), "")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("def main(trace, p)\n    pass\n", "mine.py:1: syntax error"),
        ("x = 1\n", "no main(trace, p)"),
        ("async def main(trace, p):\n    pass\n", "not async def"),
        ("def main(trace):\n    pass\n", "two arguments"),
        ("import no_such_module_here\ndef main(trace, p):\n    pass\n", "ModuleNotFoundError"),
    ],
)
def test_a_file_that_cannot_be_used_exits_2(
    text: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, text)
    assert main(["check", str(path), "--scenario", "lock", "--model", "trio", "--runs", "1"]) == 2
    err = capsys.readouterr().err
    assert message in err.splitlines()[0], err
    assert "threeways/" not in err  # no traceback from threeways itself


def test_check_says_what_is_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path / "nope.py")]) == 2
    assert "no such file" in capsys.readouterr().err
    path = _write(tmp_path, "def main(trace, p):\n    pass\n")
    assert main(["check", str(path)]) == 2
    assert "--scenario NAME --model" in capsys.readouterr().err
    assert main(["check", str(path), "--scenario", "lock", "--model", "cobol"]) == 2
    assert "unknown model 'cobol'" in capsys.readouterr().err
    assert (
        main(
            [
                "check",
                str(_write(tmp_path, "", "queue.py")),
                "--scenario",
                "lock",
                "--model",
                "trio",
            ]
        )
        == 2
    )
    assert "hides the module 'queue'" in capsys.readouterr().err


def test_check_json_and_scenario_parameters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _copied_out("lock", "asyncio", tmp_path)
    argv = ["check", str(path), "--scenario", "lock", "--model", "asyncio", "--runs", "2"]
    assert main([*argv, "--json", "--workers", "2", "--tick", "0.002"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["summary"] == "all 2 runs passed"
    assert [r["params"]["workers"] for r in report["runs"]] == [2, 2]
    assert {"outcome", "problems", "diff", "timeline", "start_method", "seed"} <= set(
        report["runs"][0]
    )
    assert main([*argv, "--no-such-param", "1"]) == 2


def test_list_bugs_and_run_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--bugs"]) == 0
    out = capsys.readouterr().out
    assert "write_outside_lock (threading): Holds the lock for the read only" in out
    assert (
        main(["lock", "--model", "threading", "--bug", "write_outside_lock", "--tick", "0.002"])
        == 1
    )
    captured = capsys.readouterr()
    assert "runs failed" in captured.out and "lost update" in captured.out
    assert main(["lock", "--model", "trio", "--bug", "nope"]) == 2
    assert main(["lock", "--bug", "write_outside_lock"]) == 2  # one model


def test_check_from_the_command_line() -> None:
    # the real entry point, as a learner runs it on a known bug (its folder says what it
    # implements): exit 1, and one summary line last
    bug = next(b for b in BUGS if b.name == "write_outside_lock")
    argv = [sys.executable, "-m", "threeways", "check", bug.path, "--runs", "2"]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.strip().splitlines()[-1].startswith("2 of 2 runs failed")
    assert "Traceback" not in proc.stderr


def test_unusable_is_an_exception_for_teachers(tmp_path: Path) -> None:
    with pytest.raises(Unusable, match="no main"):
        threeways.check(str(_write(tmp_path, "x = 1\n")), "lock", "trio")
