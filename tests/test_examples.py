"""Every file in examples/ runs to the end and exits 0: a learner's first step must work."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(path: Path) -> None:
    # the example runs all four models under spawn-safe guards and reports agreement
    proc = subprocess.run(
        [sys.executable, str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "160"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "agree" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_there_are_examples() -> None:
    # the folder is not empty (a glob that finds nothing would make the test above vacuous)
    assert len(EXAMPLES) >= 2
