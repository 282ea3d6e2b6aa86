"""FIFO, LIFO and priority queues, four ways: run every model and read them side by side.

    python examples/queue_kinds.py

The same fruit, with priorities, go into three queues and come out in three orders. trio
has only FIFO channels and a multiprocessing manager only FIFO queues: see how
src/threeways/scenarios/queue_kinds/_trio.py and _multiprocessing.py make up for it.
"""

import threeways

if __name__ == "__main__":  # spawn re-imports this file in each child process: guard the run
    results = [
        threeways.run("queue_kinds", model, items=6, levels=3, tick=0.02)
        for model in threeways.MODELS
    ]
    threeways.print_results(results)
    for kind, order in results[0].observable.items():
        print(f"{kind:>9}: {', '.join(order)}")
    agree = all(r.observable == results[0].observable for r in results)
    print("The four models agree." if agree else "The models disagree!")
    raise SystemExit(0 if agree and all(r.ok for r in results) else 1)
