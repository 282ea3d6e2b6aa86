"""Workers sharing five slots, four ways: run every model and read them side by side.

    python examples/semaphore.py

Which workers go in together changes from run to run; that never more than five are
inside, that the room does fill up to five, and that one release too many is refused
do not. The implementations are in src/threeways/scenarios/semaphore/: compare the
``# step: wait for a free slot`` of _threading.py (BoundedSemaphore) with _trio.py
(CapacityLimiter).
"""

import threeways

if __name__ == "__main__":  # spawn re-imports this file in each child process: guard the run
    results = [
        threeways.run("semaphore", model, workers=12, limit=5, tick=0.05)
        for model in threeways.MODELS
    ]
    threeways.print_results(results)
    for r in results:
        [refused] = [e.detail for e in r.events if e.action == "extra release refused"]
        print(f"{r.model:>16}: peak {r.observable['peak']}; one release too many: {refused}")
    agree = all(r.observable == results[0].observable for r in results)
    print("The four models agree." if agree else "The models disagree!")
    raise SystemExit(0 if agree and all(r.ok for r in results) else 1)
