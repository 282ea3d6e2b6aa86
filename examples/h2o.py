"""The rendezvous problem, four ways: atoms arrive in any order, leave only as water.

    python examples/h2o.py

The implementations are in src/threeways/scenarios/h2o/: open _threading.py and _trio.py
next to each other; the ``# step:`` comments line up. Watch the hydrogens wait for a slot
while a molecule forms, and how each model counts its molecules: a Barrier's action, the
third task to arrive, a barrier trio has to build from Events.
"""

import threeways

if __name__ == "__main__":  # spawn re-imports this file in each child process: guard the run
    results = [threeways.run("h2o", model, molecules=3, tick=0.05) for model in threeways.MODELS]
    threeways.print_results(results)
    agree = all(r.observable == results[0].observable for r in results)
    print("The four models agree." if agree else "The models disagree!")
    raise SystemExit(0 if agree and all(r.ok for r in results) else 1)
