"""threeways' own tests: the plugin's ``model`` fixture, and a leak check after every test."""

from __future__ import annotations

import functools
import multiprocessing
from collections.abc import Iterator
from multiprocessing import forkserver, resource_tracker
from typing import Any

import pytest

import threeways

FAST = {"tick": 0.002, "timeout": 30.0}
"""Parameters that make a scenario quick: its observable does not depend on time."""


NEEDS_INTERPRETERS = pytest.mark.skipif(
    threeways.unavailable("interpreters") is not None,
    reason=str(threeways.unavailable("interpreters")),
)
"""Marks a test of the interpreters model: skipped, with the reason, where it cannot run."""


@functools.cache
def fast_run(name: str, model: str) -> threeways.Result:
    """One quick run of ``name`` in ``model`` per session, for the tests that only read it
    (its observable, the models' agreement, its timeline): the same run, not a rerun."""
    return threeways.run(name, model, **FAST)


def times_out(name: str, model: str, **params: Any) -> threeways.Failure:
    """Run ``name`` in ``model``, which must fail with a timeout; return the failure."""
    with pytest.raises(threeways.RunFailed) as failed:
        threeways.run(name, model, **params)
    failure = failed.value.result.failure
    assert failure is not None and failure.kind == "timeout", failure
    return failure


@pytest.fixture(scope="session", autouse=True)
def _multiprocessing_helpers() -> Iterator[None]:
    # Start multiprocessing's long-lived helpers once, so that the leak check does not
    # see the first test that needs them "leak" them.
    resource_tracker.ensure_running()
    if "forkserver" in multiprocessing.get_all_start_methods():
        forkserver.ensure_running()
    yield


@pytest.fixture(autouse=True)
def _no_leaks(threeways_leak_check: None) -> None:
    """Every test leaves no thread, process or file descriptor, and no asyncio error."""


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The longest model files, so that drift towards the line budget is seen."""
    from .test_reading import BUDGET, model_files

    longest = model_files()[:5]
    terminalreporter.write_line(
        f"longest model files (budget {BUDGET} lines): "
        + ", ".join(f"{n}/_{m}.py {lines}" for n, m, lines in longest)
    )
