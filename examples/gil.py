"""The GIL, four ways: the same CPU-bound and I/O-bound jobs, one by one and at once.

    python examples/gil.py

What the jobs do is the same in every model; the timings are not: read the speed-ups,
how much longer a job took than alone, and the start-ups (compare the ratios of one run:
a busy machine slows every phase). A short tick (10 ms, so a CPU job of about 60 ms)
keeps the whole run to a few seconds. The implementations are in
src/threeways/scenarios/gil/; the ``# step:`` comments line up.
"""

import threeways

if __name__ == "__main__":  # spawn re-imports this file in each child process: guard the run
    results = [threeways.run("gil", model, jobs=4, tick=0.01) for model in threeways.MODELS]
    threeways.print_results(results)
    agree = all(r.observable == results[0].observable for r in results)
    print("The four models agree." if agree else "The models disagree!")
    raise SystemExit(0 if agree and all(r.ok for r in results) else 1)
