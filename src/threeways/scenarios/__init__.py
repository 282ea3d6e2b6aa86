"""One sub-package per scenario; see :mod:`threeways._protocol`."""
