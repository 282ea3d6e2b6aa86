"""Several workers, one raises, four ways: the error reaches main, the helpers are stopped.

    python examples/errors.py
    python -m threeways errors --naive      # the same programs, unsupervised: they fail

The implementations are in src/threeways/scenarios/errors/: open _threading.py and
_asyncio.py next to each other; the ``# step:`` comments line up. Watch Bob raise only
once Ann and Cat have finished, his error reach main, and the helpers stop instead of
finishing. With --naive each model loses the error its own way: printed by
threading.excepthook, printed by the child process, logged by asyncio, swallowed by a
broad except in trio; main sees nothing, and the helpers finish as if all went well.
"""

import threeways

if __name__ == "__main__":  # spawn re-imports this file in each child process: guard the run
    results = [threeways.run("errors", model, tick=0.05) for model in threeways.MODELS]
    threeways.print_results(results)
    agree = all(r.observable == results[0].observable for r in results)
    print("The four models agree." if agree else "The models disagree!")
    raise SystemExit(0 if agree and all(r.ok for r in results) else 1)
