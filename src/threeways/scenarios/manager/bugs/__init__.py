"""Known-broken implementations of manager: see :mod:`threeways._bugs`."""
