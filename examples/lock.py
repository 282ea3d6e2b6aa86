"""Workers and a shared counter, four ways: with the lock, then without it.

    python examples/lock.py

With the lock every model counts exactly workers x increments. Without it, the same
workers lose updates in every model, because each pauses (awaits) between reading and
writing; with no pause, asyncio and trio lose none. The implementations are in
src/threeways/scenarios/lock/.
"""

import threeways

if __name__ == "__main__":  # spawn re-imports this file in each child process: guard the run
    params = {"workers": 3, "increments": 4, "tick": 0.01}
    results = [threeways.run("lock", model, **params) for model in threeways.MODELS]
    threeways.print_results(results)
    print("Without the lock (a demonstration: the counts are short and vary from run to run):")
    for pause in (True, False):
        for model in threeways.MODELS:
            r = threeways.run("lock", model, **params, lock=False, pause=pause)
            lost = r.measurements["lost updates"]
            print(f"  {'pause' if pause else 'no pause':>8} {model:>16}: {lost} updates lost")
    agree = all(r.observable == results[0].observable for r in results)
    print("The four models agree." if agree else "The models disagree!")
    raise SystemExit(0 if agree and all(r.ok for r in results) else 1)
