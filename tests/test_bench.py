"""``threeways bench``: the figures' shape (never their values), the chart, bad input, Ctrl-C."""

from __future__ import annotations

import functools
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from threeways import _bench, scenarios
from threeways._bench import BENCHMARKS, TABLE, UNITS, Model, summary
from threeways.cli import main

from .test_cli import _interrupt

KEYS = {"model", "benchmark", "n", "median", "min", "max", "unit", "variant", "repeats", "metric"}
MACHINE = {"cores", "python", "implementation", "gil", "platform", "date"}


@functools.cache
def _quick_run() -> tuple[int, tuple[str, ...]]:
    """``bench --quick --json``, once for the session: it takes about a minute."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["bench", "--quick", "--json"])
    return code, tuple(out.getvalue().splitlines())


def _figures(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, Any]]:
    assert main(["bench", "--json", *argv]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_quick_json_has_every_benchmark_for_every_model() -> None:
    # one JSON object per figure; every benchmark for every model, each a median between
    # its min and max in the benchmark's unit, or skipped with the reason
    code, lines = _quick_run()
    assert code == 0
    figures = [json.loads(line) for line in lines]
    assert {(f["benchmark"], f["model"]) for f in figures} == {
        (b, m) for b in BENCHMARKS for m in TABLE
    }
    for f in figures:
        assert f.keys() >= KEYS | {"machine", "skipped"}, f
        assert f["machine"].keys() >= MACHINE
        if f["skipped"] is not None:
            assert f["median"] is None and f["skipped"]
            continue
        assert f["min"] <= f["median"] <= f["max"], f
        assert f["repeats"] >= 2, "a spread needs repeats"
        expected = "KiB/wait" if f["metric"] == "memory" else UNITS[f["benchmark"]]
        assert f["unit"] == expected, f


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_quick_json_measures_what_each_benchmark_promises() -> None:
    # each start method is a row of its own; io-scaling names every size, beyond a cap
    # too ("not attempted"); overhead covers every scenario in both of its clocks
    figures = [json.loads(line) for line in _quick_run()[1]]
    spawn = {f["variant"] for f in figures if f["benchmark"] == "spawn"}
    import multiprocessing

    for method in multiprocessing.get_all_start_methods():
        assert f"Process ({method})" in spawn
    for model in (m for m in TABLE if TABLE[m].needs() is None):
        sizes = {f["n"] for f in figures if f["benchmark"] == "io-scaling" and f["model"] == model}
        assert sizes == set(_bench.IO_SIZES)
        overhead = [f for f in figures if f["benchmark"] == "overhead" and f["model"] == model]
        assert {f["variant"] for f in overhead} == set(scenarios())
        assert {f["metric"] for f in overhead} == {"cpu ratio", "wall ratio"}
    runnable = {m for m in TABLE if TABLE[m].needs() is None}
    capped = [
        f
        for f in figures
        if f["benchmark"] == "io-scaling" and f["skipped"] and f["model"] in runnable
    ]
    assert capped and all(f["skipped"].startswith("not attempted: cap") for f in capped)


def test_only_and_models_filter(capsys: pytest.CaptureFixture[str]) -> None:
    # --only and --models keep just what they name: models in the order given, as
    # everywhere on the command line, benchmarks in theirs
    figures = _figures(capsys, "--quick", "--only", "spawn", "--models", "trio,threading")
    assert [(f["benchmark"], f["model"]) for f in figures] == [
        ("spawn", "trio"),
        ("spawn", "threading"),
    ]


def test_svg_is_a_well_formed_chart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # --svg writes a standalone SVG with a curve for each measured model
    path = tmp_path / "bench.svg"
    argv = ["bench", "--quick", "--only", "cpu-scaling,io-scaling", "--models", "asyncio"]
    assert main([*argv, "--svg", str(path)]) == 0
    assert "chart written to" in capsys.readouterr().err
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    curves = root.findall(".//{http://www.w3.org/2000/svg}polyline")
    assert len(curves) == 3, "one curve in each of the three charts"


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--models", "nosuch"], "threading, multiprocessing, asyncio, trio"),
        (["--only", "nosuch"], ", ".join(BENCHMARKS)),
        (["--only", ","], ", ".join(BENCHMARKS)),
        (["--svg", "/no/such/folder/bench.svg"], "cannot write /no/such/folder/bench.svg"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    argv: list[str], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # an unknown model or benchmark: one line naming the valid choices, exit code 2 (and
    # a chart that could not be written is found before anything runs)
    assert main(["bench", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and named in err, err


def test_a_model_this_python_lacks_is_skipped_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # a model added to the table that cannot run here is listed, not crashed on
    monkeypatch.setitem(TABLE, "interpreters", Model("_nosuch", needs=lambda: "needs 3.13"))
    figures = _figures(capsys, "--quick", "--only", "spawn,overhead", "--models", "interpreters")
    assert [(f["benchmark"], f["skipped"]) for f in figures] == [
        ("spawn", "needs 3.13"),
        ("overhead", "needs 3.13"),
    ]


def test_summary_is_median_min_max() -> None:
    # the summary of repeats: the median (of an even count, the middle two's mean), min, max
    assert summary([3.0, 1.0, 2.0]) == (2.0, 1.0, 3.0)
    assert summary([4.0, 1.0, 2.0, 3.0]) == (2.5, 1.0, 4.0)
    with pytest.raises(ValueError, match="no values"):
        summary([])


def test_ctrl_c_stops_the_bench_and_its_processes() -> None:
    # Ctrl-C while processes hold their waits: exit 130, one line, none of them left
    command = ["bench", "--json", "--quick", "--only", "io-scaling", "--models", "multiprocessing"]
    _interrupt("multiprocessing", command=command)
