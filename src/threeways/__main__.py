"""``python -m threeways``: see :mod:`threeways.cli`."""

from threeways.cli import entry

if __name__ == "__main__":  # process workers (spawn, anyio) re-import the main module
    entry()
