"""Timelines: the Scenario.timeline hook, the terminal lanes and the SVG picture.

Timings vary from run to run, so the tests check what the design guarantees (a car is
never running while the light is red, every lane lies within its run), never positions.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import threeways
from threeways import Event, Mark, Scenario, Span, scenarios
from threeways._timeline import LABEL_MAX, STATES, Lanes, _looks, lanes, timeline_svg, timeline_text
from threeways.cli import main

from .conftest import FAST, fast_run

SVG = "{http://www.w3.org/2000/svg}"


class _Plain(Scenario[threeways.Params]):
    """A scenario that only uses the default hook."""

    name = "plain"
    summary = lesson = ""
    uses: dict[str, str] = {}
    parameters = threeways.Params

    def expected(self, p: threeways.Params) -> None:
        return None

    def observe(self, events: object, p: threeways.Params) -> None:
        return None


def test_default_hook_reads_waits_and_holds() -> None:
    # by default: "waits..." is waiting, "acquires"/"goes in" holding until freed, else running
    events = [
        Event(0.0, "a", "starts"),
        Event(1.0, "a", "waits for a slot"),
        Event(2.0, "a", "goes in"),
        Event(3.0, "a", "works"),
        Event(4.0, "a", "comes out"),
        Event(5.0, "a", "goes home"),
        Event(0.5, "b", "only event"),
    ]
    events.sort(key=lambda e: e.t)
    spans = _Plain().timeline(events, threeways.Params())
    assert spans == [
        Span("a", 0.0, 1.0, "running"),
        Span("a", 1.0, 2.0, "waiting"),
        Span("a", 2.0, 3.0, "holding"),
        Span("a", 3.0, 4.0, "holding"),
        Span("a", 4.0, 5.0, "running"),
    ]


@pytest.mark.parametrize("name", list(scenarios()))
def test_every_scenario_draws_a_timeline(name: str, model: str) -> None:
    # every scenario in every model: spans lie within the run, and each actor gets one lane
    result = fast_run(name, model)
    run = lanes(result)
    assert run.spans, "a timeline with no bars"
    for span in run.spans:
        assert -FAST["tick"] <= span.start <= span.end <= run.end + 1e-9, span
        assert span.actor in run.actors and span.state
    text = timeline_text([run], 100).plain
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 100
    for actor in run.actors:
        shown = actor if len(actor) <= LABEL_MAX else actor[: LABEL_MAX - 1] + "…"
        label = re.compile(rf"\s*{re.escape(shown)}(\s|$)")  # "Ada", not "Ada.1"
        assert sum(1 for line in lines if label.match(line)) == 1


def test_traffic_light_no_car_runs_on_red(model: str) -> None:
    # in the picture a car starts driving only while the light's lane is green
    result = threeways.run("traffic_light", model, cars=4, **FAST)
    run = lanes(result)
    light = [s for s in run.spans if s.actor == "light"]
    assert {s.state for s in light} == {"red", "green"}
    for span in run.spans:
        if span.actor != "light" and span.state == "running":
            colour = [s.state for s in light if s.start <= span.start][-1]
            assert colour == "green", span


def test_producer_consumer_dogs_eat_then_wait() -> None:
    # a dog's lane alternates eating (running) and waiting, one bar per bone it ate
    result = threeways.run("producer_consumer", "asyncio", bones=6, dogs=2, **FAST)
    sc = scenarios()["producer_consumer"]
    spans = sc.timeline(result.events, sc.params(**FAST, bones=6, dogs=2))
    for dog in ("Wangwang", "Wangcai"):
        eaten = sum(1 for e in result.events if e.actor == dog and e.action == "eats bone")
        running = [s for s in spans if s.actor == dog and s.state == "running"]
        assert len(running) == eaten
        assert {s.state for s in spans if s.actor == dog} <= {"running", "waiting"}


def test_all_models_share_one_axis(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # --timeline after --model=all: one time axis, then each model's lanes
    monkeypatch.setenv("COLUMNS", "120")
    assert main(["traffic_light", "--timeline", "--cars", "2", "--tick", "0.002"]) == 0
    out = capsys.readouterr().out
    timeline = out[out.rindex("ok\n") :]
    assert timeline.count("┬") >= 2 and sum("┬" in line for line in timeline.splitlines()) == 1
    for m in threeways.MODELS:
        assert f"\n{m}  ended at" in timeline
    models = threeways.available(threeways.get_scenario("traffic_light").models)
    assert timeline.count("  light ") == len(models) and "running" in timeline
    assert "green" in timeline


def test_timeline_svg_is_standalone_and_valid(tmp_path: Path) -> None:
    # --timeline-svg writes well-formed SVG: a lane per actor and model, no script, no link
    path = tmp_path / "t.svg"
    argv = ["producer_consumer", "--timeline-svg", str(path), "--json", "--tick", "0.002"]
    assert main(argv) == 0
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg" and float(root.get("width", 0)) > 0
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert all(m in texts for m in threeways.MODELS)
    runs = len(threeways.available(threeways.get_scenario("producer_consumer").models))
    assert texts.count("cook") == runs and "running" in texts and "waiting" in texts
    assert len(list(root.iter(f"{SVG}rect"))) > 20
    raw = path.read_text(encoding="utf-8")
    assert "<script" not in raw and "href" not in raw and "@import" not in raw


def test_svg_escapes_names() -> None:
    # actor names and states are text, not markup: the SVG stays well-formed
    run = Lanes("trio", ("<a&b>",), (Span("<a&b>", 0, 1, "x&y"),), 1.0)
    root = ET.fromstring(timeline_svg([run], "t <&>"))
    assert "<a&b>" in [t.text for t in root.iter(f"{SVG}text")]


def test_timeline_with_json_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    # --timeline is for people; with --json the command says to use --timeline-svg instead
    assert main(["traffic_light", "--json", "--timeline"]) == 2
    assert "--timeline-svg" in capsys.readouterr().err


def test_no_two_states_look_alike() -> None:
    # every state in a picture has a glyph of its own (and waiting does not look like red)
    spans = tuple(Span("a", i, i + 1, f"state {i}") for i in range(12))
    spans += tuple(Span("a", 20 + i, 21 + i, s) for i, s in enumerate(STATES))
    looks = _looks([Lanes("trio", ("a",), spans, 40.0)])
    glyphs = [glyph for glyph, _, _ in looks.values()]
    assert len(set(glyphs)) == len(glyphs) == 17
    assert looks["waiting"][0] != looks["red"][0]


def test_marks_name_the_phases_on_the_axis() -> None:
    # each phase's name starts under its mark, in a row of its own, in the terminal and the SVG
    run = Lanes(
        "trio",
        ("job 1",),
        (Span("job 1", 0.0, 2.0, "running"),),
        2.0,
        (Mark(0.0, "one after another"), Mark(1.0, "at once")),
    )
    text = timeline_text([run], 60).plain
    [row] = [line for line in text.splitlines() if line.lstrip().startswith("phase")]
    assert "│one after another" in row and "│at once" in row
    assert row.index("│at once") > row.index("│one after another")
    svg = timeline_svg([run], "t")
    assert ">one after another<" in svg and "stroke-dasharray" in svg


def test_traffic_light_draws_a_car_that_recorded_nothing() -> None:
    # a car whose worker failed before its first event has no lane, and breaks no other
    sc = scenarios()["traffic_light"]
    p = sc.params(cars=2)
    spans = sc.timeline(
        [Event(0.0, "light", "turns red", 1), Event(0.1, "Benz", "waits at red")], p
    )
    assert {s.actor for s in spans} == {"light", "Benz"}
