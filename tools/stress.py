"""Run the cross-model tests many times in a row, with races amplified and the machine busy.

    python tools/stress.py                 # 20 runs of tests/test_cross_model.py
    python tools/stress.py -n 5 -k lock    # 5 runs, only tests matching "lock"

Each run uses ``--switch-interval 1e-6`` (threads switch as often as CPython allows), and
one busy-looping process per core but one keeps the rest of the machine loaded. A flaky
test is a bug: the script exits 1 if any run failed, and names the failures.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

BUSY = "while True: pass"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=20, help="how many runs (default 20)")
    parser.add_argument("-k", default=None, help="only tests matching this pytest expression")
    parser.add_argument("paths", nargs="*", default=["tests/test_cross_model.py"])
    args = parser.parse_args()
    busy = [
        subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range((os.cpu_count() or 2) - 1)
    ]
    failures = 0
    try:
        for i in range(1, args.runs + 1):
            cmd = [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "--switch-interval",
                "1e-6",
                *args.paths,
            ]
            if args.k:
                cmd += ["-k", args.k]
            start = time.monotonic()
            proc = subprocess.run(cmd, capture_output=True, text=True)
            summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "?"
            print(f"run {i:2}/{args.runs}: {summary} ({time.monotonic() - start:.0f}s)", flush=True)
            if proc.returncode != 0:
                failures += 1
                log = os.path.join(tempfile.gettempdir(), f"threeways-stress-{i}.log")
                with open(log, "w") as f:
                    f.write(proc.stdout + proc.stderr)
                failed = [
                    line
                    for line in proc.stdout.splitlines()
                    if line.startswith(("FAILED", "ERROR"))
                ]
                print("\n".join([*failed, f"full output: {log}"]), flush=True)
    finally:
        for p in busy:
            p.kill()
            p.wait()
    print(f"{args.runs - failures}/{args.runs} runs passed")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
