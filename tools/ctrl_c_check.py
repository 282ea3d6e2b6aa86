"""Press Ctrl-C in the middle of every scenario in every model, and check what is left.

    python tools/ctrl_c_check.py                  # every scenario, every model
    python tools/ctrl_c_check.py gil pool         # only these scenarios
    python tools/ctrl_c_check.py --scale 1 --delays 0.2,0.5,1,2
    python tools/ctrl_c_check.py --start-method spawn   # multiprocessing's children spawned

Each run is started as the CLI in its own process group with every integer parameter at
``--scale`` times its default (10 unless told; within its bounds), interrupted after each
of ``--delays`` seconds with SIGINT to the whole group (what a terminal sends), and must
exit 130 with the one line "threeways: interrupted" within ``--limit`` seconds (1.5),
leaving no process behind (found by an environment marker every descendant inherits).
Each line says how long the stop took; the last lines give the slowest stop per model.
The test suite checks this for one scenario; this tool sweeps them all.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import uuid

import psutil

import threeways

MARK = "THREEWAYS_TEST_MARK"


def _scaled(name: str, scale: int) -> list[str]:
    """Every integer parameter at ``scale`` times its default, within its bounds."""
    args = []
    for spec in threeways.get_scenario(name).parameters.specs():
        if spec.type is int and spec.default > 0:
            value = spec.default * scale
            high = int(spec.max) if spec.max is not None else value
            args.append(f"--{spec.name.replace('_', '-')}={min(value, high)}")
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


def check(
    name: str, model: str, scale: int, delay: float, limit: float, method: str | None
) -> tuple[str, float]:
    """("ok" or what went wrong, how long the stop took) for one interrupted run."""
    mark = uuid.uuid4().hex
    argv = [sys.executable, "-m", "threeways", name, f"--model={model}", *_scaled(name, scale)]
    if method and model == "multiprocessing":
        argv.append(f"--start-method={method}")
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
    time.sleep(delay)  # a tool, not a test: let the run get going
    if proc.poll() is not None:  # too short to interrupt: nothing to check
        proc.communicate()
        code = proc.returncode
        return ("ended before the interrupt" if code == 0 else f"exit {code} before it"), 0.0
    sent = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, err = proc.communicate()
        return "still running 30 s after Ctrl-C", 30.0
    took = time.monotonic() - sent
    _, alive = psutil.wait_procs(_marked(mark), timeout=5)
    for leftover in alive:
        leftover.kill()
    problems = []
    ended = out.rstrip().endswith(("ok", "FAILED"))
    if ended and (proc.returncode == -signal.SIGINT or (proc.returncode == 0 and took < 0.2)):
        return "ended before the interrupt", took  # Ctrl-C met the program on its way out
    if proc.returncode != 130:
        problems.append(f"exit {proc.returncode}")
    last = err.strip().splitlines()[-1] if err.strip() else ""
    if last != "threeways: interrupted" or "Traceback" in err:
        problems.append(f"stderr {err.strip()[-200:]!r}")
    if took > limit:
        problems.append(f"took {took:.2f}s")
    if alive:
        problems.append(f"left {len(alive)} process(es)")
    return "; ".join(problems) or "ok", took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="scenarios (default: all)")
    parser.add_argument("--scale", type=int, default=10, help="integer parameters times this")
    parser.add_argument("--delays", default="1", help="seconds before Ctrl-C, comma-separated")
    parser.add_argument("--limit", type=float, default=1.5, help="longest stop that passes (s)")
    parser.add_argument("--start-method", help="for multiprocessing (default: the platform's)")
    args = parser.parse_args()
    delays = [float(d) for d in args.delays.split(",")]
    failures = 0
    slowest: dict[str, tuple[float, str]] = {}
    for name in args.names or list(threeways.scenarios()):
        for model in threeways.available(threeways.get_scenario(name).models):
            for delay in delays:
                verdict, took = check(name, model, args.scale, delay, args.limit, args.start_method)
                failures += verdict not in ("ok", "ended before the interrupt")
                slowest[model] = max(slowest.get(model, (0.0, "")), (took, name))
                line = f"{name:18} {model:16} at {delay:g}s: {verdict} ({took:.2f}s)"
                print(line, flush=True)
    for model, (took, name) in slowest.items():
        print(f"slowest stop with {model}: {took:.2f}s ({name})")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
