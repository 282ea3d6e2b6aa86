"""Known-broken implementations of daemon: see :mod:`threeways._bugs`."""
