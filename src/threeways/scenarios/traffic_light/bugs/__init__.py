"""Known-broken implementations of traffic_light: see :mod:`threeways._bugs`."""
