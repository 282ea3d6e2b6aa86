"""Who am I, and who started me? Four ways: see where each model's workers live.

    python examples/process_info.py

The implementations are in src/threeways/scenarios/process_info/: open _multiprocessing.py
and _asyncio.py next to each other; the ``# step:`` comments line up. Processes get pids
of their own, threads share the main pid, tasks share even the main thread.
"""

import threeways

if __name__ == "__main__":  # spawn re-imports this file in each child process: guard the run
    results = [
        threeways.run("process_info", model, workers=3, helpers=1) for model in threeways.MODELS
    ]
    threeways.print_results(results)
    agree = all(r.observable == results[0].observable for r in results)
    print("The four models agree." if agree else "The models disagree!")
    raise SystemExit(0 if agree and all(r.ok for r in results) else 1)
