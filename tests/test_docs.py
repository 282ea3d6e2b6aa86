"""The docs pages cannot lie: each is generated from the code, and stale pages fail here.

A page's run output changes from run to run, so the check compares what comes from the
code (lesson, aligned source, a hash of the scenario's source files) and not the run.
Regenerate with ``python -m threeways docs --write docs/``.
"""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from threeways import Scenario, available, scenarios
from threeways._docs import COMMAND, check, static_part, write_page
from threeways.cli import main

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
SCENARIOS = list(scenarios())


def test_docs_are_current() -> None:
    # every scenario's page was generated from its current code (else: run the COMMAND)
    stale = check(DOCS)
    assert stale == [], f"stale docs, regenerate with `{COMMAND}`: {stale}"


def test_changing_code_makes_its_page_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # one new comment in one model module is enough for the check to name that page
    sc = scenarios()["traffic_light"]
    changed = tmp_path / "_trio.py"
    shutil.copy(sc.source_path("trio"), changed)
    changed.write_text(changed.read_text(encoding="utf-8") + "# a learner's note\n", "utf-8")
    original = Scenario.source_path

    def source_path(self: Scenario[object], model: str) -> str:
        if self.name == "traffic_light" and model == "trio":
            return str(changed)
        return original(self, model)

    monkeypatch.setattr(Scenario, "source_path", source_path)
    stale = check(DOCS)
    assert stale == [
        f"{DOCS / 'traffic_light.md'} was made from other source files than traffic_light's"
    ]
    assert main(["docs", "--check", str(DOCS)]) == 1


@pytest.mark.parametrize("name", SCENARIOS)
def test_page_sets_the_models_side_by_side(name: str) -> None:
    # the page's source table is well-formed HTML with one column per model and every step
    sc = scenarios()[name]
    page = static_part(sc)
    table = page[page.index("<table>") : page.index("</table>") + len("</table>")]
    root = ET.fromstring(table.replace("&nbsp;", "&#160;"))
    assert [th.text for th in root[0]] == list(sc.models)
    assert not re.search(r"\n\s*\n", table), "a blank line would end GitHub's HTML block"
    for line in sc.lesson.strip().splitlines():
        assert line in page


@pytest.mark.parametrize("name", SCENARIOS)
def test_timeline_pictures_are_valid_svg(name: str) -> None:
    # each page's timeline picture parses as SVG
    root = ET.parse(DOCS / f"{name}.svg").getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_readme_links_every_page() -> None:
    # the README's scenario table links each scenario to its docs page
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in SCENARIOS:
        assert f"(docs/{name}.md)" in readme, name


def test_write_page_makes_a_current_page(tmp_path: Path) -> None:
    # a freshly written page passes the check and shows the run and its timeline
    sc = scenarios()["producer_consumer"]
    assert write_page(sc, tmp_path, ["--tick", "0.002"]) == 0
    page = (tmp_path / "producer_consumer.md").read_text(encoding="utf-8")
    assert page.startswith(static_part(sc))
    agree = f"The {len(available(sc.models))} observables agree."  # those run here
    assert agree in page and "running" in page
    assert "![timeline of a run of producer_consumer](producer_consumer.svg)" in page
    ET.parse(tmp_path / "producer_consumer.svg")
    stale = check(tmp_path)
    assert not [line for line in stale if "producer_consumer" in line]
