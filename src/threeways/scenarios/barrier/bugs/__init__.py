"""Known-broken implementations of barrier: see :mod:`threeways._bugs`."""
