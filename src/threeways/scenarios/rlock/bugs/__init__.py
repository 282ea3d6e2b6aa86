"""Known-broken implementations of rlock: see :mod:`threeways._bugs`."""
