"""Dining philosophers, four ways: five at a round table, a fork between each two.

    python examples/dining_philosophers.py

The implementations are in src/threeways/scenarios/dining_philosophers/: open
_threading.py and _trio.py next to each other; the ``# step:`` comments line up. Everyone
takes the lower-numbered of its two forks first, so the waits never close a circle and
every philosopher eats every meal; ``python -m threeways dining_philosophers --naive``
shows the circle closing.
"""

import threeways

if __name__ == "__main__":  # spawn re-imports this file in each child process: guard the run
    results = [
        threeways.run("dining_philosophers", model, philosophers=5, meals=3, tick=0.05)
        for model in threeways.MODELS
    ]
    threeways.print_results(results)
    agree = all(r.observable == results[0].observable for r in results)
    print("The four models agree." if agree else "The models disagree!")
    raise SystemExit(0 if agree and all(r.ok for r in results) else 1)
