"""``show`` and ``explain``: the four implementations aligned by step, and the lesson.

The step marks are what keeps the four modules readable side by side, so the first test
checks them for every scenario, present and future: a new scenario cannot drift.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from threeways import MODELS, get_scenario, scenarios
from threeways._source import align, parse_steps, problems, read_steps
from threeways.cli import main

SCENARIOS = list(scenarios())
ANSI_STYLE = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.parametrize("name", SCENARIOS)
def test_step_labels_agree_across_models(name: str) -> None:
    # every '# step:' label is in every model, in the same order; the others are 'own steps'
    sc = scenarios()[name]
    assert problems([read_steps(sc, m) for m in sc.models]) == []


@pytest.mark.parametrize("name", SCENARIOS)
def test_segments_cover_every_line(name: str, model: str) -> None:
    # cutting a module into steps loses no line of code and keeps them in file order
    sc = scenarios()[name]
    steps = read_steps(sc, model)
    source = Path(sc.source_path(model)).read_text(encoding="utf-8").splitlines()
    shown = [line for seg in steps.segments for line in seg.lines]
    assert [x for x in shown if x.strip()] == [x for x in source if x.strip()]
    for seg in steps.segments:
        assert source[seg.first_line - 1 : seg.first_line - 1 + len(seg.lines)] == list(seg.lines)


def _module(*steps: str, trailing: str = "") -> str:
    body = "\n".join(f"    # {s}\n    x = {i}" for i, s in enumerate(steps))
    return f'"""doc."""\n\n\ndef main() -> None:\n{body}\n{trailing}'


def test_problems_name_each_kind_of_drift() -> None:
    # a missing step, an own step everywhere, a mixed mark, another order, a trailing mark
    a = parse_steps("a", "a.py", _module("step: one", "step: two", "own step: both", "step: x"))
    b = parse_steps("b", "b.py", _module("step: two", "step: one", "own step: both", "own step: x"))
    c = parse_steps("c", "c.py", _module("step: one", "step: two", trailing="y = 1  # step: z\n"))
    found = "\n".join(problems([a, b, c]))
    assert "step 'x' is missing from c" not in found  # x is 'own' in b: reported as mixed
    assert "'x' is marked 'own step' in b only" in found
    assert "own step 'both' is in" not in found  # c lacks it, so it is a real own step
    assert "another order" in found
    assert "c line 9: a step mark after code does not count" in found
    twin = parse_steps("a2", "a2.py", _module("step: one", "step: two", "own step: both"))
    assert problems([a, twin])[:1] == ["own step 'both' is in every model: mark it '# step:'"]
    lonely = parse_steps("d", "d.py", _module("step: one", "step: two"))
    short = parse_steps("e", "e.py", _module("step: one"))
    assert problems([lonely, short]) == [
        "step 'two' is missing from e: add it there, or mark it '# own step:' where it is"
    ]


def test_def_line_opens_its_first_step() -> None:
    # a function's def line starts its first step's segment, not the end of the previous one
    source = '"""doc."""\n\n\ndef f() -> None:\n    # step: one\n    x = 1\n\n\ndef g() -> None:\n'
    source += "    y = 0\n    # step: two\n    y = 2\n"
    steps = parse_steps("m", "m.py", source)
    assert [s.label for s in steps.segments] == [None, "one", "two"]
    assert steps.segments[2].lines[0] == "def g() -> None:"
    assert steps.segments[1].lines == ("def f() -> None:", "    # step: one", "    x = 1")


def test_align_puts_each_label_on_one_row() -> None:
    # the same label lines up across models; a model's own step is a row with gaps
    sc = scenarios()["traffic_light"]
    rows = align([read_steps(sc, m) for m in MODELS])
    for row in rows:
        labels = {seg.label for seg in row.cells.values() if seg is not None}
        assert labels == {row.label}
    own = [r for r in rows if r.own]
    assert own and all(r.cells["threading"] is None for r in own)
    assert "own step: trio only" in own[0].title


def test_show_two_models_side_by_side(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # on a wide terminal each step starts on one line in both columns (no colour asked)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["show", "traffic_light", "--models", "threading,trio"]) == 0
    out = ANSI_STYLE.sub("", capsys.readouterr().out)  # NO_COLOR keeps bold and dim
    lines = out.splitlines()
    rule = next(i for i, line in enumerate(lines) if "─ wait for green ─" in line)
    assert lines[rule + 1].count("def _car(") == 2
    assert "asyncio" not in out.splitlines()[1]
    assert max(len(line) for line in out.splitlines()) <= 200


def test_show_stacks_when_narrow(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # a terminal too narrow for columns: each step shows one model after another, within
    # its width
    monkeypatch.setenv("COLUMNS", "70")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["show", "producer_consumer", "--step", "eat it"]) == 0
    out = ANSI_STYLE.sub("", capsys.readouterr().out)
    models = get_scenario("producer_consumer").models  # read: none needs its library
    assert [line for line in out.splitlines() if line.endswith(":")] == [f"{m}:" for m in models]
    assert out.count("# step: eat it") == len(models)
    assert max(len(line) for line in out.splitlines()) <= 70


def test_show_colours_only_when_asked(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # a terminal (FORCE_COLOR here) gets colour; NO_COLOR takes the colours away again
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert main(["show", "traffic_light", "--models", "asyncio"]) == 0
    assert re.search(r"\x1b\[[0-9;]*3[0-9]m|\x1b\[9[0-7]m", capsys.readouterr().out)
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["show", "traffic_light", "--models", "asyncio"]) == 0
    assert not re.search(r"\x1b\[[0-9;]*(3[0-9]|9[0-7])m", capsys.readouterr().out)


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["show", "traffic_light", "--models", "threading,treo"], "did you mean trio?"),
        (["show", "traffic_light", "--step", "fly"], "no step of traffic_light matches 'fly'"),
        (["show", "trafic_light"], "did you mean traffic_light?"),
        (["explain"], "the following arguments are required: scenario"),
    ],
)
def test_show_bad_input(capsys: pytest.CaptureFixture[str], argv: list[str], needle: str) -> None:
    # bad usage of show or explain: exit 2 and one line naming the choices
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and needle in err


@pytest.mark.parametrize("name", SCENARIOS)
def test_explain_prints_the_lesson(
    name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # explain shows the scenario's own lesson, what each model uses, and every step
    monkeypatch.setenv("COLUMNS", "120")
    sc = scenarios()[name]
    assert main(["explain", name]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert " ".join(sc.lesson.replace("`", "").split()[:12]) in out
    for model in sc.models:
        assert " ".join(sc.uses[model].split()) in out
    for seg in read_steps(sc, sc.models[0]).segments:
        assert seg.label is None or seg.label in out


def test_explain_json_marks_own_steps(capsys: pytest.CaptureFixture[str]) -> None:
    # explain --json: lesson, each model's uses and docstring, steps with the models having them
    assert main(["explain", "traffic_light", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    models = scenarios()["traffic_light"].models
    assert set(data["models"]) == set(models) >= set(MODELS)
    assert data["models"]["trio"]["docstring"].startswith("traffic_light with trio")
    own = [s for s in data["steps"] if s["own"]]
    assert ["trio"] in [s["models"] for s in own]
    shared = [s for s in data["steps"] if not s["own"]]
    assert all(s["models"] == list(models) for s in shared)


def test_an_own_steps_title_names_every_model_that_has_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # shown with two models, a step that a third has too still says so
    assert main(["show", "pool", "--model", "threading,trio"]) == 0
    out = capsys.readouterr().out
    assert "take one of the pool's slots  (own step: asyncio, trio, dask only)" in out
    assert "no more jobs" not in out  # multiprocessing's own step: neither shown model has it
