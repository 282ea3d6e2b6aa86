"""``python -m threeways``: see :mod:`threeways.cli`."""

from threeways.cli import entry

entry()
