"""Press Ctrl-C in the middle of every scenario in every model, and check what is left.

    python tools/ctrl_c_check.py                  # every scenario, every model
    python tools/ctrl_c_check.py gil pool         # only these scenarios

Each run is started as the CLI in its own process group with slow ticks and larger
parameters, interrupted after a second with SIGINT to the whole group (what a terminal
sends), and must exit 130 with the one line "threeways: interrupted", within a few seconds,
leaving no process behind (found by an environment marker every descendant inherits).
The test suite checks this for one scenario; this tool sweeps them all, which takes
about a minute.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import psutil

import threeways

MARK = "THREEWAYS_TEST_MARK"


def _longer(name: str) -> list[str]:
    """Options that make a run last several seconds: every integer parameter five times."""
    args = ["--tick=0.3"]
    for spec in threeways.get_scenario(name).parameters.specs():
        if spec.type is int and spec.default > 0:
            value = spec.default * 5
            args.append(f"--{spec.name.replace('_', '-')}={min(value, spec.max or value)}")
    return args


def _marked(mark: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get(MARK) == mark:
                found.append(proc)
        except (psutil.Error, OSError):
            pass
    return found


def check(name: str, model: str) -> str | None:
    """None if Ctrl-C behaved; otherwise what went wrong."""
    mark = uuid.uuid4().hex
    argv = [sys.executable, "-m", "threeways", name, f"--model={model}", *_longer(name)]
    # A background shell job ignores SIGINT and its children inherit that: catch it here
    # while starting the child, so that exec gives the child the default, as a terminal does.
    old_handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        proc = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            env={**os.environ, MARK: mark},
        )
    finally:
        signal.signal(signal.SIGINT, old_handler)
    time.sleep(1.0)  # a tool, not a test: let the run get going
    if proc.poll() is not None:  # too short to interrupt: nothing to check
        return None if proc.returncode == 0 else f"exit {proc.returncode} before the interrupt"
    sent = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, err = proc.communicate()
        return "still running 30 s after Ctrl-C"
    took = time.monotonic() - sent
    _, alive = psutil.wait_procs(_marked(mark), timeout=5)
    for leftover in alive:
        leftover.kill()
    problems = []
    if proc.returncode != 130:
        problems.append(f"exit {proc.returncode}")
    last = err.strip().splitlines()[-1] if err.strip() else ""
    if last != "threeways: interrupted" or "Traceback" in err:
        problems.append(f"stderr {err.strip()[-200:]!r}")
    if took > 3:
        problems.append(f"took {took:.1f}s")
    if alive:
        problems.append(f"left {len(alive)} process(es)")
    return "; ".join(problems) or None


def main(names: list[str]) -> int:
    failures = 0
    for name in names or list(threeways.scenarios()):
        for model in threeways.get_scenario(name).models:
            problem = check(name, model)
            failures += problem is not None
            print(f"{name:18} {model:16} {problem or 'ok'}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
