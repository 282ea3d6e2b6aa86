"""Known-broken implementations of semaphore: see :mod:`threeways._bugs`."""
