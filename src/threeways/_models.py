"""The models beyond the four, and whether this Python can run them.

Every scenario has the four models of :data:`~threeways.MODELS`. A scenario where another
model teaches something declares it too (``models = (*MODELS, "interpreters")``):

- ``interpreters``: several interpreters in one process, each with its own GIL (PEP 734).
  The standard library has them from Python 3.14 (``concurrent.interpreters``); on 3.13
  the ``interpreters-pep-734`` backport, which threeways installs there, provides them.
- ``dask``: the same jobs on a cluster with ``dask.distributed``: an embedded
  ``LocalCluster`` by default, or the scheduler at ``DASK_SCHEDULER_ADDRESS`` (the CLI's
  ``--scheduler``). Installed with the ``dask`` extra.

A model this Python cannot run is listed with the reason, and ``--model=all`` runs the
models that can.
"""

from __future__ import annotations

import importlib.util
import sys
from functools import cache

from ._protocol import MODELS

__all__ = ["ALL_MODELS", "EXTRA_MODELS", "ModelUnavailable", "available", "unavailable"]

EXTRA_MODELS: tuple[str, ...] = ("interpreters", "dask")
"""The models some scenarios have beyond the four, in the order they are shown."""
ALL_MODELS: tuple[str, ...] = (*MODELS, *EXTRA_MODELS)


class ModelUnavailable(LookupError):
    """A model this Python cannot run; the message says why and what to do."""

    def __init__(self, model: str, reason: str) -> None:
        super().__init__(f"the {model} model is unavailable: {reason}")
        self.model = model
        self.reason = reason


@cache
def unavailable(model: str) -> str | None:
    """Why this Python cannot run ``model``, or None when it can."""
    if model == "interpreters":
        return _interpreters()
    if model == "dask" and not all(map(_importable, ("dask", "distributed"))):
        return "install it with: pip install 'threeways[dask]'"
    return None


def _importable(name: str) -> bool:
    """Whether ``name`` can be imported, as far as looking (not importing) can tell: a
    package blocked with ``sys.modules[name] = None``, or half installed, cannot."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a module without __spec__, a broken parent
        return False


def _interpreters() -> str | None:
    version = ".".join(map(str, sys.version_info[:2]))
    if sys.version_info < (3, 13):
        return (
            f"it needs Python 3.13 or newer (one GIL per interpreter, PEP 734); this is {version}"
        )
    if sys.version_info >= (3, 14):
        found = importlib.util.find_spec("concurrent.interpreters") is not None
        return None if found else f"this Python {version} was built without concurrent.interpreters"
    if importlib.util.find_spec("interpreters_backport") is None:
        return "on Python 3.13 it needs the backport: pip install interpreters-pep-734"
    return None


def available(models: tuple[str, ...]) -> tuple[str, ...]:
    """Those of ``models`` this Python can run, in order."""
    return tuple(m for m in models if unavailable(m) is None)
