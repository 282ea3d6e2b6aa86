"""Known-broken implementations of lock: see :mod:`threeways._bugs`."""
