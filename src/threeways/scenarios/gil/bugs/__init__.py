"""Known-broken implementations of gil: see :mod:`threeways._bugs`."""
