"""Known-broken implementations of cancellation: see :mod:`threeways._bugs`."""
