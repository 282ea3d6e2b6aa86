"""Jobs under one deadline, four ways: the quick ones answer, the stuck ones are stopped.

    python examples/timeouts.py

The implementations are in src/threeways/scenarios/timeouts/: open _threading.py and
_trio.py next to each other; the ``# step:`` comments line up. Watch how each model stops
a stuck job at the deadline (a flag, terminate(), a cancelled task, a cancel scope), and
who runs its cleanup: under multiprocessing, main does, since terminate() skips it.
"""

import threeways

if __name__ == "__main__":  # spawn re-imports this file in each child process: guard the run
    results = [
        threeways.run("timeouts", model, quick=2, stuck=2, tick=0.1) for model in threeways.MODELS
    ]
    threeways.print_results(results)
    agree = all(r.observable == results[0].observable for r in results)
    print("The four models agree." if agree else "The models disagree!")
    raise SystemExit(0 if agree and all(r.ok for r in results) else 1)
