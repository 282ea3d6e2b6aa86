"""Known-broken implementations of blocking_the_loop: see :mod:`threeways._bugs`."""
