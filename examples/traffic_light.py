"""Cars at a traffic light, four ways: run every model and read them side by side.

    python examples/traffic_light.py

The implementations are in src/threeways/scenarios/traffic_light/: open _threading.py
and _trio.py next to each other; the ``# step:`` comments line up.
"""

import threeways

if __name__ == "__main__":  # spawn re-imports this file in each child process: guard the run
    results = [
        threeways.run("traffic_light", model, cars=4, cycles=2, tick=0.05)
        for model in threeways.MODELS
    ]
    threeways.print_results(results)
    agree = all(r.observable == results[0].observable for r in results)
    print("The four models agree." if agree else "The models disagree!")
    raise SystemExit(0 if agree and all(r.ok for r in results) else 1)
