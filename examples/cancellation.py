"""A group of workers stopped from outside midway, four ways: each cleans up once, gives all back.

    python examples/cancellation.py

The implementations are in src/threeways/scenarios/cancellation/: compare how _threading.py
(a stop Event), _asyncio.py (task.cancel()) and _trio.py (a cancelled scope) stop a worker,
and how each cleanup survives the stop; the ``# step:`` comments line up. The end shows the
cleanup without its shield: trio's cancellation is still in force and cuts the goodbye short,
asyncio's was delivered once and leaves it alone.
"""

import threeways

if __name__ == "__main__":  # spawn re-imports this file in each child process: guard the run
    results = [threeways.run("cancellation", model, tick=0.05) for model in threeways.MODELS]
    threeways.print_results(results)
    agree = all(r.observable == results[0].observable for r in results)
    print("The four models agree." if agree else "The models disagree!")
    for model in ("asyncio", "trio"):
        pool = threeways.run("cancellation", model, shield=False, tick=0.05).observable["pool"]
        print(f"without the shield, {model} gets {pool['free at the end']} of {pool['size']} back")
    raise SystemExit(0 if agree and all(r.ok for r in results) else 1)
