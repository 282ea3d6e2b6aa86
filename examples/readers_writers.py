"""Readers share the book, a writer has it alone, and a waiting writer goes first: a
readers-writer lock built on each model's Condition, four ways.

    python examples/readers_writers.py

The implementations are in src/threeways/scenarios/readers_writers/: open _threading.py
and _trio.py next to each other; the ``# step:`` comments line up. Watch the readers
overlap at each edition, and come back for the next one while its writer waits: they
wait behind it, so every reader reads every edition exactly once.
"""

import threeways

if __name__ == "__main__":  # spawn re-imports this file in each child process: guard the run
    results = [
        threeways.run("readers_writers", model, readers=3, writers=2, tick=0.1)
        for model in threeways.MODELS
    ]
    threeways.print_results(results)
    agree = all(r.observable == results[0].observable for r in results)
    print("The four models agree." if agree else "The models disagree!")
    raise SystemExit(0 if agree and all(r.ok for r in results) else 1)
