"""Dogs eating bones from a queue, four ways: run every model and read them side by side.

    python examples/producer_consumer.py

Which dog eats which bone changes from run to run and from model to model; that every
bone is eaten exactly once does not. The implementations are in
src/threeways/scenarios/producer_consumer/.
"""

import threeways

if __name__ == "__main__":  # spawn re-imports this file in each child process: guard the run
    results = [
        threeways.run("producer_consumer", model, bones=8, dogs=2, tick=0.05)
        for model in threeways.MODELS
    ]
    threeways.print_results(results)
    for r in results:
        print(
            f"{r.model:>16}: "
            + ", ".join(f"{e.actor} ate {e.detail}" for e in r.events if e.action == "eats bone")
        )
    agree = all(r.observable == results[0].observable for r in results)
    print("The four models agree." if agree else "The models disagree!")
    raise SystemExit(0 if agree and all(r.ok for r in results) else 1)
