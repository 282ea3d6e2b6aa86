"""Workers in phases at a barrier, four ways, and then one that fails in phase 2.

    python examples/barrier.py

The implementations are in src/threeways/scenarios/barrier/: open _threading.py and
_trio.py next to each other; the ``# step:`` comments line up. Watch every worker wait at
the barrier for the slowest of each phase, the action run once between two phases, and,
when Cat fails in phase 2, the others stop at the barrier: broken by abort() in threading,
multiprocessing and asyncio, cancelled by the nursery in trio.
"""

import threeways

if __name__ == "__main__":  # spawn re-imports this file in each child process: guard the run
    ok = True
    for fail in (0, 2):  # nobody fails; then Cat fails in phase 2
        results = [
            threeways.run("barrier", model, fail_in_phase=fail, tick=0.05)
            for model in threeways.MODELS
        ]
        threeways.print_results(results)
        agree = all(r.observable == results[0].observable for r in results)
        print("The four models agree." if agree else "The models disagree!")
        ok = ok and agree and all(r.ok for r in results)
    raise SystemExit(0 if ok else 1)
