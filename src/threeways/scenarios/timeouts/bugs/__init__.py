"""Known-broken implementations of timeouts: see :mod:`threeways._bugs`."""
