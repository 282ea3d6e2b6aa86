"""Known-broken implementations of readers_writers: see :mod:`threeways._bugs`."""
