"""A learner takes an implementation home: ``show --standalone`` prints one script that
runs with nothing of threeways installed and tells the same story."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import threeways
from threeways import Event, scenarios
from threeways._standalone import parse_line, standalone
from threeways.cli import main

SCENARIOS = list(scenarios())
BLOCK = "import sys\nsys.modules['threeways'] = None  # this script must not need threeways\n"


def _run(script: str, folder: Path, name: str, args: list[str]) -> subprocess.CompletedProcess[str]:
    path = folder / f"{name}.py"
    path.write_text(script, encoding="utf-8")
    blocker = folder / "block"
    blocker.mkdir(exist_ok=True)
    (blocker / "sitecustomize.py").write_text(BLOCK, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(blocker)}
    return subprocess.run(
        [sys.executable, str(path), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=folder,
        env=env,
    )


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_standalone_script_tells_the_same_story(name: str, tmp_path: Path) -> None:
    # each model's script runs on its own (threeways blocked, in the script and in every
    # process it starts) and its events give the observable a threeways run expects
    sc = threeways.get_scenario(name)
    p = sc.params(tick=0.002)
    args = ["tick=0.002", "start_method=fork"]

    def one(model: str) -> tuple[str, subprocess.CompletedProcess[str]]:
        return model, _run(standalone(sc, model), tmp_path, f"{name}_{model}", args)

    models = threeways.available(sc.models)  # a model's script needs its library
    with ThreadPoolExecutor(len(models)) as pool:
        done = list(pool.map(one, models))
    for model, proc in done:
        assert proc.returncode == 0, f"{model}:\n{proc.stdout}\n{proc.stderr}"
        lines = (proc.stdout + proc.stderr).splitlines()
        events = [Event(*e) for line in lines if (e := parse_line(line))]
        assert events, f"{model} printed no events"
        events.sort(key=lambda e: e.t)  # to the millisecond: ties keep the printed order
        assert sc.observe(events, p) == sc.expected(p), f"{model}:\n{proc.stdout}"


@pytest.mark.parametrize("name", SCENARIOS)
def test_a_standalone_script_imports_nothing_of_threeways(name: str) -> None:
    # read, not run: no import of threeways anywhere in any model's script
    sc = threeways.get_scenario(name)
    for model in sc.models:
        tree = ast.parse(standalone(sc, model))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not [a for a in node.names if a.name.startswith("threeways")], model
            elif isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("threeways") and not node.level, model


def test_show_standalone_prints_the_script(capsys: pytest.CaptureFixture[str]) -> None:
    # one model, printed whole: the model's lesson first, its steps kept
    assert main(["show", "traffic_light", "--model", "trio", "--standalone"]) == 0
    out = capsys.readouterr().out
    assert out.startswith('"""traffic_light with trio')
    assert "# step: wait for green" in out and "def main(trace: Recorder, p: Params)" in out
    ast.parse(out)


def test_show_standalone_needs_one_model(capsys: pytest.CaptureFixture[str]) -> None:
    # a script is one model's: name exactly one
    assert main(["show", "traffic_light", "--standalone"]) == 2
    assert "--standalone takes one model" in capsys.readouterr().err


def test_a_parameter_on_the_command_line(tmp_path: Path) -> None:
    # name=value changes a parameter; an unknown name is one line naming the choices
    script = standalone(threeways.get_scenario("traffic_light"), "asyncio")
    proc = _run(script, tmp_path, "tl", ["tick=0", "cars=1"])
    assert proc.returncode == 0, proc.stderr
    actors = {e[1] for line in proc.stdout.splitlines() if (e := parse_line(line))}
    assert actors == {"light", "Benz"}
    bad = _run(script, tmp_path, "tl", ["wheels=4"])
    assert bad.returncode == 1 and "unknown parameter 'wheels'; choose from cars" in bad.stderr


@pytest.mark.parametrize("name", ["traffic_light", "pool"])
def test_a_standalone_script_spawns_its_processes(name: str, tmp_path: Path) -> None:
    # by default a script's processes are spawned (fresh interpreters that import the
    # script again, as on macOS and Windows): the story is the same
    sc = threeways.get_scenario(name)
    proc = _run(standalone(sc, "multiprocessing"), tmp_path, name, ["tick=0.002"])
    assert proc.returncode == 0, proc.stderr
    events = [Event(*e) for line in proc.stdout.splitlines() if (e := parse_line(line))]
    p = sc.params(tick=0.002)
    assert sc.observe(sorted(events, key=lambda e: e.t), p) == sc.expected(p)
