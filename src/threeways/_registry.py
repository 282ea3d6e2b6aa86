"""Scenario lookup by name.

Every sub-package of :mod:`threeways.scenarios` that exports ``SCENARIO`` is a scenario:
adding one is adding its folder. Only the definitions are imported here; a model's
implementation (and its library: trio, multiprocessing...) is imported when it runs.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import pkgutil
from functools import cache
from typing import Any

from . import scenarios as _scenarios
from ._models import ALL_MODELS, ModelUnavailable, unavailable
from ._protocol import MODELS, Scenario

__all__ = ["ModelUnavailable", "UnknownName", "check_model", "get_scenario", "scenarios"]


class UnknownName(LookupError):
    """An unknown scenario or model; the message names the choices and the closest one."""

    def __init__(self, kind: str, name: str, choices: list[str]) -> None:
        close = difflib.get_close_matches(name, choices, n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]}?)" if close else ""
        listed = f"choose from {', '.join(choices)}" if choices else "there are none"
        super().__init__(f"unknown {kind} {name!r}{hint}; {listed}")

    @classmethod
    def because(cls, message: str) -> UnknownName:
        """An unknown name whose message says more than "unknown"."""
        error = cls.__new__(cls)
        LookupError.__init__(error, message)
        return error


@cache
def scenarios() -> dict[str, Scenario[Any]]:
    """Every scenario, by name, in teaching order."""
    found: list[Scenario[Any]] = []
    for info in pkgutil.iter_modules(_scenarios.__path__):
        if info.ispkg:
            module = importlib.import_module(f"{_scenarios.__name__}.{info.name}")
            found.append(module.SCENARIO)
    found.sort(key=lambda s: (s.order, s.name))
    return {s.name: s for s in found}


def get_scenario(name: str) -> Scenario[Any]:
    """The scenario called ``name``; raises :class:`UnknownName` otherwise.

    Only its own package is imported (a run's process needs no other scenario), unless
    the name is unknown and the choices must be listed."""
    if name.isidentifier() and importlib.util.find_spec(f"{_scenarios.__name__}.{name}"):
        module = importlib.import_module(f"{_scenarios.__name__}.{name}")
        found: Scenario[Any] | None = getattr(module, "SCENARIO", None)
        if found is not None and found.name == name:
            return found
    try:
        return scenarios()[name]
    except KeyError:
        raise UnknownName("scenario", name, list(scenarios())) from None


def check_model(name: str, choices: tuple[str, ...] = MODELS) -> str:
    """``name`` if it is one of ``choices`` and this Python can run it; raises
    :class:`UnknownName` or :class:`ModelUnavailable` otherwise."""
    if name not in choices:
        if name in ALL_MODELS:
            listed = ", ".join(c for c in choices if c != "all")
            raise UnknownName.because(f"this scenario has no {name} model; choose from {listed}")
        raise UnknownName("model", name, list(choices))
    reason = unavailable(name)
    if reason is not None:
        raise ModelUnavailable(name, reason)
    return name
