"""A bank whose transfer re-enters its own lock, four ways.

    python examples/rlock.py

threading and multiprocessing use an RLock: transfer holds it and calls withdraw and
deposit, which take it again. asyncio and trio have no RLock: transfer takes the lock
once and calls private helpers. The depth reached and the balances are the same in all
four. The implementations are in src/threeways/scenarios/rlock/.
"""

import threeways

if __name__ == "__main__":  # spawn re-imports this file in each child process: guard the run
    results = [
        threeways.run("rlock", model, clerks=2, transfers=2, amount=25, tick=0.02)
        for model in threeways.MODELS
    ]
    threeways.print_results(results)
    agree = all(r.observable == results[0].observable for r in results)
    print("The four models agree." if agree else "The models disagree!")
    raise SystemExit(0 if agree and all(r.ok for r in results) else 1)
