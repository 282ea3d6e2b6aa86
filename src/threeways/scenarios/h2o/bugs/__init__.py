"""Known-broken implementations of h2o: see :mod:`threeways._bugs`."""
