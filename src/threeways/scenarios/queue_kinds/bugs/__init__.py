"""Known-broken implementations of queue_kinds: see :mod:`threeways._bugs`."""
