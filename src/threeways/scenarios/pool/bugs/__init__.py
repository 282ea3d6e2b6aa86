"""Known-broken implementations of pool: see :mod:`threeways._bugs`."""
