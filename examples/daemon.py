"""A joined worker and a daemon, four ways: the main flow waits for one, not the other.

    python examples/daemon.py

The implementations are in src/threeways/scenarios/daemon/: compare how _threading.py
and _trio.py stop the daemon; the ``# step:`` comments line up.
"""

import threeways

if __name__ == "__main__":  # spawn re-imports this file in each child process: guard the run
    results = [threeways.run("daemon", model, steps=3, tick=0.05) for model in threeways.MODELS]
    threeways.print_results(results)
    agree = all(r.observable == results[0].observable for r in results)
    print("The four models agree." if agree else "The models disagree!")
    raise SystemExit(0 if agree and all(r.ok for r in results) else 1)
