"""threeways' pytest plugin: write a test once, run it in every concurrency model.

Installed with threeways (entry point ``pytest11``), so in any project::

    import threeways

    # the traffic light behaves the same in every model
    def test_traffic_light(model):
        result = threeways.run("traffic_light", model, cars=4, tick=0.001)
        assert result.ok, result.violations

runs four times, with ids ``[threading]``, ``[multiprocessing]``, ``[asyncio]`` and
``[trio]``. Also here:

- ``start_method``: every multiprocessing start method this platform has;
- ``threeways_leak_check``: fails a test that leaves a thread, child process or file
  descriptor behind, or that makes asyncio log an error (such as "Task exception was never
  retrieved", which is a log record, not a warning). Use it with ``autouse`` in your
  ``conftest.py``, as threeways' own tests do;
- ``--switch-interval SECONDS``: run every test with ``sys.setswitchinterval`` set, e.g.
  ``1e-6`` to make threads switch as often as possible and shake out races.
"""

from __future__ import annotations

import logging
import multiprocessing
import sys
from collections.abc import Iterator

import pytest

from ._leaks import leftovers, snapshot
from ._protocol import MODELS

__all__ = ["model", "start_method", "threeways_leak_check"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--switch-interval",
        type=float,
        default=None,
        metavar="SECONDS",
        help="threeways: sys.setswitchinterval for every test (e.g. 1e-6)",
    )


@pytest.fixture(params=MODELS)
def model(request: pytest.FixtureRequest) -> str:
    """Each of the four models in turn: threading, multiprocessing, asyncio, trio."""
    return str(request.param)


@pytest.fixture(params=multiprocessing.get_all_start_methods())
def start_method(request: pytest.FixtureRequest) -> str:
    """Each multiprocessing start method this platform has (fork, forkserver, spawn)."""
    return str(request.param)


@pytest.fixture(autouse=True)
def _threeways_switch_interval(request: pytest.FixtureRequest) -> Iterator[None]:
    interval = request.config.getoption("--switch-interval")
    if interval is None:
        yield
        return
    before = sys.getswitchinterval()
    sys.setswitchinterval(interval)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


@pytest.fixture
def threeways_leak_check(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail if the test leaves threads, processes or fds behind, or asyncio logged errors."""
    before = snapshot()
    caplog.set_level(logging.ERROR, logger="asyncio")
    yield
    problems = leftovers(before)
    problems += [
        f"asyncio logged: {r.getMessage()}"
        for r in caplog.get_records("call")
        if r.name == "asyncio" and r.levelno >= logging.ERROR
    ]
    if problems:
        pytest.fail("left behind: " + "; ".join(problems), pytrace=False)
