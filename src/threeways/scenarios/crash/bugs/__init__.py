"""Known-broken implementations of crash: see :mod:`threeways._bugs`."""
