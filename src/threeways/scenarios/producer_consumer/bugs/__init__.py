"""Known-broken implementations of producer_consumer: see :mod:`threeways._bugs`."""
