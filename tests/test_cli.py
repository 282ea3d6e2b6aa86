"""The command line: runs, side by side, JSON, list, bad input and Ctrl-C."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from time import monotonic

import psutil
import pytest

import threeways
from threeways import MODELS, scenarios
from threeways.cli import main

from .conftest import NEEDS_INTERPRETERS

FAST = ["--tick", "0.002"]
EVENT_KEYS = {"t", "actor", "action", "detail"}
RUN_KEYS = {
    "scenario",
    "model",
    "params",
    "observable",
    "expected",
    "events",
    "elapsed_s",
    "ok",
    "error",
}


def test_one_model_tells_the_story(capsys: pytest.CaptureFixture[str], model: str) -> None:
    # one model prints a readable narrative, the time it took, and exits 0
    assert main(["traffic_light", f"--model={model}", *FAST]) == 0
    out = capsys.readouterr().out
    assert "Benz passes (trip 1)" in out and "light turns red (cycle 1)" in out
    assert "took " in out


def test_all_models_side_by_side(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # --model=all (the default) prints one column per model, then says they agree
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["producer_consumer", *FAST]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if "threading" in line)
    models = threeways.available(scenarios()["producer_consumer"].models)
    assert all(m in header for m in models), "the models head one row of columns"
    assert f"The {len(models)} observables agree." in out


def test_narrow_terminal_stacks_the_models(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # too narrow for four columns: one model after another, each line whole (piped
    # output is never wrapped: the observable is one line of JSON)
    monkeypatch.setenv("COLUMNS", "60")
    assert main(["traffic_light", *FAST]) == 0
    out = capsys.readouterr().out
    for model in MODELS:
        assert f"── {model} ──" in out
    observables = [line for line in out.splitlines() if line.startswith("observable ")]
    assert len(observables) == len(threeways.available(scenarios()["traffic_light"].models))
    for line in observables:
        assert json.loads(line.removeprefix("observable "))["caught at red"] == [1, 2]


def test_piped_output_is_never_wrapped_nor_padded(capsys: pytest.CaptureFixture[str]) -> None:
    # list | grep finds a scenario's whole summary; explain keeps the lesson's list items
    # and drops its markup; show prints every source line whole; no line ends in spaces
    assert main(["list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    for sc in scenarios().values():
        assert any(line.startswith(sc.name) and sc.summary in line for line in listed)
    assert main(["explain", "pool"]) == 0
    explained = capsys.readouterr().out
    assert "  - ThreadPoolExecutor: in the worker thread that finished the job" in explained
    assert "``" not in explained
    assert main(["show", "pool", "--model", "multiprocessing"]) == 0
    shown = capsys.readouterr().out
    source = Path(scenarios()["pool"].source_path("multiprocessing")).read_text()
    for line in source.splitlines():
        assert line.rstrip() in shown
    for text in (listed, explained.splitlines(), shown.splitlines()):
        assert [line for line in text if line != line.rstrip()] == []


def test_model_takes_a_comma_separated_list(capsys: pytest.CaptureFixture[str]) -> None:
    # --model threading,trio runs those two, in that order; times are to the millisecond
    assert main(["traffic_light", "--model", "threading,trio", "--json", *FAST]) == 0
    runs = [json.loads(line)["model"] for line in capsys.readouterr().out.splitlines()]
    assert runs == ["threading", "trio"]
    assert main(["traffic_light", "--model=trio", "--tick=0"]) == 0
    lines = capsys.readouterr().out.splitlines()
    times = [line.split()[0] for line in lines if re.match(r"\s*\d", line)]
    assert len(times) >= 9 and all(re.fullmatch(r"\d+\.\d{3}s", t) for t in times), times


def test_json_lines_match_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    # --json prints one object per model run with the documented keys, each ok
    assert main(["traffic_light", "--json", "--cars", "2", *FAST]) == 0
    lines = capsys.readouterr().out.splitlines()
    models = threeways.available(scenarios()["traffic_light"].models)
    assert len(lines) == len(models)
    for line, model in zip(lines, models, strict=True):
        run = json.loads(line)
        assert run.keys() >= RUN_KEYS
        assert run["model"] == model and run["scenario"] == "traffic_light"
        assert run["ok"] is True and run["observable"] == run["expected"]
        assert run["params"]["cars"] == 2
        assert run["events"] and all(set(e) == EVENT_KEYS for e in run["events"])


def test_list_shows_every_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    # list names every scenario with its summary and its models
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name, sc in scenarios().items():
        assert name in out and sc.summary[:30] in out


def test_list_json(capsys: pytest.CaptureFixture[str]) -> None:
    # list --json gives name, summary, models and typed parameters with defaults and help
    assert main(["list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [s["name"] for s in listed] == list(scenarios())
    for entry in listed:
        assert entry["models"] == list(scenarios()[entry["name"]].models) and entry["summary"]
        assert entry["models"][: len(MODELS)] == list(MODELS)
        for p in entry["params"]:
            assert {"name", "type", "default", "help"} <= p.keys()
            assert p["type"] in ("int", "float", "str", "bool")
    tl = next(s for s in listed if s["name"] == "traffic_light")
    assert {"name": "cars", "type": "int", "default": 3}.items() <= next(
        p for p in tl["params"] if p["name"] == "cars"
    ).items()


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["trafic_light"], "did you mean traffic_light?"),
        (["traffic_light", "--model=treading"], "did you mean threading?"),
        (
            ["rlock", "--model=java"],  # a scenario with the four models only
            "choose from threading, multiprocessing, asyncio, trio, all",
        ),
        (["traffic_light", "--tick=-1"], "tick must be at least 0"),
        (["traffic_light", "--tick=fast"], "invalid float value: 'fast'"),
        (["traffic_light", "--cars=three"], "invalid int value: 'three'"),
        (["traffic_light", "--cars=0"], "cars must be at least 1"),
        (["traffic_light", "--start-method=fork-exec"], "unknown start method"),
        (["traffic_light", "--colour=red"], "unrecognized arguments: --colour=red"),
        (["lsit"], "did you mean list?"),
        (["--model=trio"], "put the scenario first"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    # bad usage: exit 2, one line on stderr naming the choices, no traceback, nothing run
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and needle in captured.err
    assert "Traceback" not in captured.err


def test_help_lists_scenarios_and_parameters(capsys: pytest.CaptureFixture[str]) -> None:
    # --help names the scenarios; a scenario's --help names its parameters
    assert main(["--help"]) == 0
    assert "traffic_light" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_:
        main(["traffic_light", "--help"])
    assert exit_.value.code == 0
    assert "--cars" in capsys.readouterr().out


def test_a_failing_run_exits_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # a run whose observable is not the expected one makes the command exit 1
    sc = scenarios()["traffic_light"]
    monkeypatch.setattr(type(sc), "expected", lambda self, p: {"light": []})
    assert main(["traffic_light", "--model=asyncio", *FAST]) == 1
    assert "FAILED" in capsys.readouterr().out


def _run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "threeways", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "160"},
    )


def test_module_and_console_script_behave_alike() -> None:
    # python -m threeways and the threeways script share one entry point and exit codes
    proc = _run_cli("traffic_light", "--model=trio", *FAST)
    assert proc.returncode == 0 and "Benz passes" in proc.stdout
    script = os.path.join(os.path.dirname(sys.executable), "threeways")
    bad = subprocess.run([script, "nope"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stderr.startswith("threeways: error: unknown scenario")


def _descendants_marked(mark: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get("THREEWAYS_TEST_MARK") == mark:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            pass
    return found


def test_ctrl_c_stops_every_model(model: str) -> None:
    # Ctrl-C (SIGINT to the whole process group, as a terminal sends it) stops the run
    # promptly, prints one line, exits 130 and leaves no process behind
    _interrupt(model)


@NEEDS_INTERPRETERS
def test_ctrl_c_stops_the_interpreters_model() -> None:
    # an interpreter cannot be killed: the cook stops at its next record; a dog waiting on
    # the queue cannot be stopped, as a thread cannot, and the CLI exits without it
    _interrupt("interpreters", scenario=("producer_consumer", "--tick=0.5"))


def test_ctrl_c_while_asyncio_builds_its_loop_prints_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # the SIGINT lands inside the event loop's constructor: the half-built loop's __del__
    # would fail ("Exception ignored in BaseEventLoop.__del__") after the one line
    import asyncio.selector_events

    def interrupted(self: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(
        asyncio.selector_events.BaseSelectorEventLoop, "_make_self_pipe", interrupted
    )
    assert main(["traffic_light", "--model=asyncio"]) == 130
    assert capsys.readouterr().err.splitlines()[-1] == "threeways: interrupted"


def test_ctrl_c_stops_spawned_processes() -> None:
    # the same when the children are fresh interpreters, not forks
    _interrupt("multiprocessing", "spawn")


def _wait_until_running(pid: int, model: str, mark: str) -> None:
    """Until the light and three cars run: as threads, as processes, or in an event loop."""
    deadline = monotonic() + 30
    parent = psutil.Process(pid)
    while monotonic() < deadline:
        if model in ("threading", "interpreters") and parent.num_threads() >= 5:
            return
        if model == "multiprocessing" and len(_descendants_marked(mark)) >= 5:
            return
        if model in ("asyncio", "trio") and _has_event_loop(pid):
            return
        psutil.wait_procs([parent], timeout=0.02)  # returns early if the CLI died
    pytest.fail(f"{model} run did not start within 30s")


def _has_event_loop(pid: int) -> bool:
    """asyncio and trio each open an epoll (Linux) or kqueue (BSD, macOS) when their loop starts."""
    if not os.path.isdir(f"/proc/{pid}/fd"):
        return True  # no /proc here: interrupt at once, still a valid (if weaker) test
    with contextlib.suppress(OSError):
        return any(
            "eventpoll" in os.readlink(f"/proc/{pid}/fd/{fd}")
            for fd in os.listdir(f"/proc/{pid}/fd")
        )
    return False


@contextlib.contextmanager
def _sigint_not_ignored() -> Iterator[None]:
    """Let the child start as a terminal's foreground job does, with Ctrl-C live.

    A shell starts background jobs with SIGINT ignored, a child inherits that through
    exec, and Python then rightly leaves it ignored. So when the tests themselves run in
    the background, a child started from here would never see its Ctrl-C: catch SIGINT
    here for the moment of the start, which exec turns into the default for the child.
    """
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def test_ctrl_c_does_not_wait_for_a_thread_pools_queued_jobs() -> None:
    # 300 queued jobs: leaving a ThreadPoolExecutor would run every one of them; Ctrl-C
    # cancels the run at once, so each stops at its first event
    _interrupt("threading", scenario=("pool", "--jobs=300", "--size=8", "--tick=0.1"), limit=3)


def _interrupt(
    model: str,
    start_method: str | None = None,
    scenario: tuple[str, ...] = ("traffic_light", "--tick=0.5", "--cycles=20"),
    limit: float = 10,
    command: list[str] | None = None,
) -> None:
    """Ctrl-C once ``model`` runs ``scenario`` (or, given a ``command``, once it has three
    processes under way): it must stop within ``limit`` seconds, with one line, exit code
    130, and nothing left behind."""
    mark = uuid.uuid4().hex
    args = command or [scenario[0], f"--model={model}", *scenario[1:]]
    argv = [sys.executable, "-m", "threeways", *args]
    if start_method:
        argv.append(f"--start-method={start_method}")
    with _sigint_not_ignored():
        proc = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            env={**os.environ, "THREEWAYS_TEST_MARK": mark},
        )
    try:
        if command:
            deadline = monotonic() + 30
            while len(_descendants_marked(mark)) < 3 and monotonic() < deadline:
                psutil.wait_procs([psutil.Process(proc.pid)], timeout=0.05)
        else:
            assert proc.stderr is not None
            assert proc.stderr.readline().startswith(f"running {scenario[0]}")
            _wait_until_running(proc.pid, model, mark)
        sent = monotonic()
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        took = monotonic() - sent
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()  # reap it and close our ends of its pipes
    assert proc.returncode == 130, err
    assert err.strip() == "threeways: interrupted", err
    assert took < limit, f"took {took:.1f}s to stop"
    _, alive = psutil.wait_procs(_descendants_marked(mark), timeout=5)
    assert alive == [], f"left behind: {alive}"


def test_a_crashing_model_is_reported_and_the_others_run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # a model that raises is one failed JSON record (same keys, ok false); the rest still run
    sc = scenarios()["producer_consumer"]
    real = type(sc).implementation

    def broken(self: object, model: str) -> object:
        if model == "asyncio":
            raise RuntimeError("boom")
        return real(sc, model)

    monkeypatch.setattr(type(sc), "implementation", broken)
    assert main(["producer_consumer", "--json", *FAST]) == 1
    runs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["model"] for r in runs] == list(threeways.available(sc.models))
    for r in runs:
        assert r.keys() >= RUN_KEYS
        assert r["ok"] is (r["model"] != "asyncio")
    assert runs[2]["error"]["kind"] == "internal"
    assert "RuntimeError: boom" in runs[2]["error"]["message"]
    assert all(r["error"] is None for i, r in enumerate(runs) if i != 2)


def test_ctrl_c_stops_a_check() -> None:
    # Ctrl-C during 'check' kills every run's process group, exits 130, leaves nothing
    from threeways._bugs import get_bug

    sc = threeways.get_scenario("producer_consumer")
    bug = get_bug(sc, "threading", "one_sentinel")
    check = ["check", bug.path, "--scenario", sc.name, "--model", "threading", "--runs", "20"]
    _interrupt("threading", command=check, limit=3)
