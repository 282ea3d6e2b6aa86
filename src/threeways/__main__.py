"""``python -m threeways``: see :mod:`threeways.cli`."""

if __name__ == "__main__":  # process workers (spawn, anyio) re-import the main module:
    from threeways.cli import entry  # they need none of the command line (rich, argparse)

    entry()
