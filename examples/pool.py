"""The seed article's Pool(3) with callbacks, four ways, with one job that fails.

    python examples/pool.py

The implementations are in src/threeways/scenarios/pool/: open _multiprocessing.py and
_threading.py next to each other; the ``# step:`` comments line up. Watch on which thread
each callback runs, and how job 4's error reaches both the error callback and main.
"""

import threeways

if __name__ == "__main__":  # spawn re-imports this file in each child process: guard the run
    results = [
        threeways.run("pool", model, jobs=10, size=3, fail=4, tick=0.05)
        for model in threeways.MODELS
    ]
    threeways.print_results(results)
    agree = all(r.observable == results[0].observable for r in results)
    print("The four models agree." if agree else "The models disagree!")
    raise SystemExit(0 if agree and all(r.ok for r in results) else 1)
