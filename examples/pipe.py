"""A parent and a child talk over a pipe, four ways: run every model and read them side by side.

    python examples/pipe.py

The implementations are in src/threeways/scenarios/pipe/: open _multiprocessing.py (the
seed's Pipe) and _trio.py next to each other; the ``# step:`` comments line up.
"""

import threeways

if __name__ == "__main__":  # spawn re-imports this file in each child process: guard the run
    results = [threeways.run("pipe", model, rounds=3, tick=0.05) for model in threeways.MODELS]
    threeways.print_results(results)
    agree = all(r.observable == results[0].observable for r in results)
    print("The four models agree." if agree else "The models disagree!")
    raise SystemExit(0 if agree and all(r.ok for r in results) else 1)
