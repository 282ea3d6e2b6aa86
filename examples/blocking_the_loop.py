"""Blocking the loop, four ways: a heartbeat beats every tick while CPU jobs run.

    python examples/blocking_the_loop.py

On asyncio's and trio's loop the heartbeat stops while a job runs there; in a thread it
beats a little late, in a process on time; threads and processes have no loop to block.
Read "longest heartbeat gap (ticks)" and the timeline. The implementations are in
src/threeways/scenarios/blocking_the_loop/; the ``# step:`` comments line up.
"""

import threeways

if __name__ == "__main__":  # spawn re-imports this file in each child process: guard the run
    results = [
        threeways.run("blocking_the_loop", model, jobs=3, tick=0.02) for model in threeways.MODELS
    ]
    threeways.print_results(results)
    agree = all(r.observable == results[0].observable for r in results)
    print("The four models agree." if agree else "The models disagree!")
    raise SystemExit(0 if agree and all(r.ok for r in results) else 1)
