"""Known-broken implementations of pipe: see :mod:`threeways._bugs`."""
