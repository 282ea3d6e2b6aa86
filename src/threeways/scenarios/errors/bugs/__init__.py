"""Known-broken implementations of errors: see :mod:`threeways._bugs`."""
