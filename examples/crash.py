"""A worker dies in the middle of job 1, four ways: main names the lost job, gets the rest.

    python examples/crash.py

The implementations are in src/threeways/scenarios/crash/: open _multiprocessing.py (a
pipe's end tells of the death) and _asyncio.py (a BrokenProcessPool) next to each other;
the ``# step:`` comments line up. Watch how each model learns which job was lost, how
soon ("death noticed after"), and that every other result still arrives.
"""

import threeways

if __name__ == "__main__":  # spawn re-imports this file in each child process: guard the run
    results = [
        threeways.run("crash", model, jobs=6, workers=3, crash=1, tick=0.1)
        for model in threeways.MODELS
    ]
    threeways.print_results(results)
    agree = all(r.observable == results[0].observable for r in results)
    print("The four models agree." if agree else "The models disagree!")
    raise SystemExit(0 if agree and all(r.ok for r in results) else 1)
