"""Workers fill a shared dict and list, four ways: run every model and read them side by side.

    python examples/manager.py

The implementations are in src/threeways/scenarios/manager/: _multiprocessing.py uses the
seed's Manager and shows the nested-list pitfall; _threading.py shows where a Lock is needed.
"""

import threeways

if __name__ == "__main__":  # spawn re-imports this file in each child process: guard the run
    results = [
        threeways.run("manager", model, workers=3, items=2, tick=0.05) for model in threeways.MODELS
    ]
    threeways.print_results(results)
    agree = all(r.observable == results[0].observable for r in results)
    print("The four models agree." if agree else "The models disagree!")
    raise SystemExit(0 if agree and all(r.ok for r in results) else 1)
