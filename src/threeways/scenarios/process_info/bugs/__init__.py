"""Known-broken implementations of process_info: see :mod:`threeways._bugs`."""
