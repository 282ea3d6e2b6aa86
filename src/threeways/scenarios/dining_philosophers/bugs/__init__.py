"""Known-broken implementations of dining_philosophers: see :mod:`threeways._bugs`."""
