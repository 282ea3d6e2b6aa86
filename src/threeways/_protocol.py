"""The scenario protocol: what every scenario defines, and what a run returns.

A scenario is one folder under ``threeways/scenarios/``. Its ``__init__.py`` defines a
``Params`` dataclass and a :class:`Scenario` subclass, and exports an instance as
``SCENARIO``; beside it sit four model modules, ``_threading.py``,
``_multiprocessing.py``, ``_asyncio.py`` and ``_trio.py``, each with the same entry point::

    def main(trace: Recorder, p: Params) -> None

``main`` is synchronous for every model (the async ones start their own event loop with
``asyncio.run`` or ``trio.run``), runs the scenario to its end, and reports what happens
through ``trace.record(actor, action, detail)``.

The scenario turns those events into its *observable*: plain JSON data that the design
guarantees whatever the scheduler does (which bones were eaten, not which dog ate which).
It also states the observable it *expects* from the parameters alone, with no
concurrency, and checks *invariants* on the events (no car passes on red). A run is ok
when the observable equals the expected one and no invariant is violated; the four models
agree when their observables are equal.

The four model modules are written to be read side by side: the same helper names in the
same order, and each corresponding step marked with the same comment label in every
model, ``# step: wait for green``. A step that only some models need is marked
``# own step: fresh Event`` instead. Numbers that vary between runs (timings, speed-ups)
go in :meth:`Scenario.measure`, never in the observable.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import itertools
import typing
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, NamedTuple, TypeVar

from ._trace import Event, Recorder

if typing.TYPE_CHECKING:
    from ._failure import Failure

__all__ = [
    "ENDS",
    "MODELS",
    "Mark",
    "Observable",
    "Param",
    "Params",
    "Result",
    "Scenario",
    "Span",
    "param",
]

MODELS: tuple[str, ...] = ("threading", "multiprocessing", "asyncio", "trio")
"""The four concurrency models, in the order they are shown."""

Observable = Any
"""Plain JSON data: dicts with string keys, lists, strings, numbers, booleans, None."""


class Span(NamedTuple):
    """What ``actor`` was doing from ``start`` to ``end`` (seconds): one bar of a timeline.

    ``state`` is ``"running"``, ``"waiting"`` or ``"holding"`` (a lock, a slot), or a word
    of the scenario's own (the light is ``"red"`` or ``"green"``); the timeline gives each
    state its own glyph and colour.
    """

    actor: str
    start: float
    end: float
    state: str


class Mark(NamedTuple):
    """A moment worth naming on a timeline's axis: from ``t`` on, the run is in ``label``
    (a phase: "cpu jobs, one after another"), until the next mark."""

    t: float
    label: str


WAITS = ("waits", "wait ", "blocks")
"""Actions after which :meth:`Scenario.timeline` counts an actor as waiting."""
HOLDS = ("acquires", "goes in", "enters", "holds", "locks", "takes the lock", "gets the lock")
"""Actions after which an actor holds something (a lock, a slot) until it frees it."""
FREES = ("releases", "comes out", "leaves", "exits", "unlocks", "gives back")
"""Actions that free what an actor held."""
ENDS = ("ends", "finishes", "is done", "returns", "raises", "goes home", "stops", "exits")
"""Actions that end an actor's part of a run, unless a scenario says otherwise
(:meth:`Scenario.finished`)."""


def param(default: Any, help: str, *, min: float | None = None, max: float | None = None) -> Any:
    """Declare a scenario parameter: its default, a line of help, and its bounds."""
    return field(default=default, metadata={"help": help, "min": min, "max": max})


@dataclass(frozen=True)
class Param:
    """A parameter as the CLI and ``list --json`` show it."""

    name: str
    type: type
    default: Any
    help: str
    min: float | None = None
    max: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type.__name__,
            "default": self.default,
            "help": self.help,
            "min": self.min,
            "max": self.max,
        }


@dataclass(frozen=True, kw_only=True)
class Params:
    """Parameters every scenario has; a scenario subclasses this and adds its own.

    A scenario may override a default (``tick: float = param(0.1, ...)``) so that its demo
    takes a few seconds. Values are checked on construction: a wrong type or a value out of
    bounds raises ``ValueError`` with a one-line message.
    """

    tick: float = param(0.05, "seconds per tick: scales every sleep in the scenario", min=0)
    timeout: float = param(30.0, "seconds before a stuck run fails: bounds every wait", min=0)

    def __post_init__(self) -> None:
        for spec in self.specs():
            value: Any = getattr(self, spec.name)
            if spec.type is float and type(value) is int:
                object.__setattr__(self, spec.name, float(value))
                value = float(value)
            if type(value) is not spec.type:
                raise ValueError(f"{spec.name} must be {spec.type.__name__}, not {value!r}")
            low: Any = spec.min
            high: Any = spec.max
            if low is not None and value < low:
                raise ValueError(f"{spec.name} must be at least {low:g}, not {value!r}")
            if high is not None and value > high:
                raise ValueError(f"{spec.name} must be at most {high:g}, not {value!r}")

    @classmethod
    def specs(cls) -> tuple[Param, ...]:
        """The parameters, scenario-specific ones first, then ``tick`` and ``timeout``."""
        return _specs(cls)

    def as_dict(self) -> dict[str, Any]:
        # not dataclasses.asdict, which deep-copies: every value is a plain scalar
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


_SPECS: dict[type[Params], tuple[Param, ...]] = {}
"""Each Params class's parameters, found once: resolving the type hints takes longer than
many a run at tick 0, and every Params checks itself against them."""


def _specs(cls: type[Params]) -> tuple[Param, ...]:
    if cls in _SPECS:
        return _SPECS[cls]
    hints = typing.get_type_hints(cls)
    fields = sorted(dataclasses.fields(cls), key=lambda f: f.name in ("tick", "timeout"))
    specs = _SPECS[cls] = tuple(
        Param(
            f.name,
            hints[f.name],
            f.default,
            f.metadata.get("help", ""),
            f.metadata.get("min"),
            f.metadata.get("max"),
        )
        for f in fields
    )
    return specs


P = TypeVar("P", bound=Params)


class Scenario(ABC, Generic[P]):
    """One classic concurrency scenario, implemented once per model.

    Subclasses set the class attributes and implement :meth:`expected` and :meth:`observe`;
    :meth:`invariants` is optional.
    """

    name: ClassVar[str]
    """The name used on the command line, e.g. ``"traffic_light"``."""
    summary: ClassVar[str]
    """One line: what happens."""
    lesson: ClassVar[str]
    """What it teaches, and what differs between the models (plain text, a few paragraphs)."""
    uses: ClassVar[Mapping[str, str]]
    """For each model, the primitive(s) it uses, e.g. ``{"trio": "a fresh trio.Event ..."}``."""
    parameters: ClassVar[type[Params]]
    """The parameters: a frozen dataclass deriving from :class:`threeways.Params`."""
    order: ClassVar[int] = 1000
    """Where the scenario appears in ``list`` (the seed article's order)."""
    models: ClassVar[tuple[str, ...]] = MODELS
    checks: ClassVar[tuple[str, ...]] = ()
    """What :meth:`invariants` checks, one plain sentence each: told to a learner in an
    exercise's starter ("no two workers are ever between read and write at once")."""
    variations: ClassVar[tuple[Mapping[str, Any], ...]] = ()
    """Other parameter values worth checking a learner's implementation with (``threeways
    check`` alternates them with the defaults), e.g. ``({"cars": 5, "cycles": 3},)``: values
    under which a subtly wrong implementation fails where the defaults would let it pass."""

    def params(self, **values: Any) -> P:
        """Build and check the parameters; unknown names raise ``TypeError``."""
        return typing.cast(P, self.parameters(**values))

    @abstractmethod
    def expected(self, p: P) -> Observable:
        """The observable every correct run produces, from the parameters alone."""

    @abstractmethod
    def observe(self, events: Sequence[Event], p: P) -> Observable:
        """The observable of one run, from its events."""

    def invariants(self, events: Sequence[Event], p: P) -> Iterable[str]:
        """Yield one line for each violated invariant (none when the run behaved)."""
        return ()

    def measure(self, events: Sequence[Event], p: P) -> dict[str, Any]:
        """Numbers that vary from run to run (timings, speed-ups): shown and put in the
        JSON, never compared, so they are not part of the observable."""
        return {}

    def timeline(self, events: Sequence[Event], p: P) -> list[Span]:
        """What each actor was doing when: the bars of ``--timeline``, from the events.

        The default reads each actor's events in order: after an action that begins with
        "waits" (see :data:`WAITS`) the actor is waiting until its next event; after one
        that takes a lock or a slot (:data:`HOLDS`, such as "acquires" or "goes in") it is
        holding until one that frees it (:data:`FREES`); otherwise it is running. An
        actor's lane starts at its first event and ends at its last. Override it when the
        events say more than that (how long a step lasts, a light's colour); a span may
        end at ``math.inf``, "until the run ends".
        """
        by_actor: dict[str, list[Event]] = {}
        for event in events:
            by_actor.setdefault(event.actor, []).append(event)
        spans = []
        for actor, own in by_actor.items():
            holding = False
            for event, after in itertools.pairwise(own):
                action = event.action
                if action.startswith(FREES):
                    holding = False
                elif action.startswith(HOLDS):
                    holding = True
                if action.startswith(WAITS):
                    state = "waiting"
                else:
                    state = "holding" if holding else "running"
                spans.append(Span(actor, event.t, after.t, state))
        return spans

    def finished(self, events: Sequence[Event], p: P) -> bool:
        """Whether an actor whose events so far are ``events`` (in order) has done its part.

        When a run fails or times out, the actors not finished are the ones reported as
        still running, each with what it last did ("Benz waits at red (trip 2) since
        0.31 s"). The default counts an actor as finished when its latest action begins
        with one of :data:`ENDS`; a scenario whose actors end otherwise (a car after its
        last trip) overrides this. An actor that only has moments (a callback) is
        finished after each of them.
        """
        return events[-1].action.startswith(ENDS)

    def marks(self, events: Sequence[Event], p: P) -> list[Mark]:
        """The phases of a run, drawn on the timeline's axis (none by default)."""
        return []

    def narrate(self, event: Event) -> str:
        """One line of the story for ``event``: ``"Benz passes (trip 1)"``."""
        detail = "" if event.detail in ("", None) else f" {event.detail}"
        return f"{event.actor} {event.action}{detail}"

    def implementation(self, model: str) -> Callable[[Recorder, P], None]:
        """The ``main`` function of this scenario's module for ``model``, imported now."""
        if model not in self.models:
            raise ValueError(f"unknown model {model!r}; choose from {', '.join(self.models)}")
        package = type(self).__module__
        return importlib.import_module(f"{package}._{model}").main  # type: ignore[no-any-return]

    def source_path(self, model: str) -> str:
        """The file of this scenario's implementation for ``model``."""
        spec = importlib.util.find_spec(f"{type(self).__module__}._{model}")
        assert spec is not None and spec.origin is not None
        return spec.origin


@dataclass(frozen=True)
class Result:
    """What one run of one scenario in one model produced."""

    scenario: str
    model: str
    params: Mapping[str, Any]
    observable: Observable
    expected: Observable
    events: Sequence[Event]
    elapsed_s: float
    violations: Sequence[str] = ()
    start_method: str | None = None
    measurements: Mapping[str, Any] = field(default_factory=dict)
    failure: Failure | None = None
    """Why the run failed (a worker's error, a timeout), or None if it ran to its end."""

    @property
    def ok(self) -> bool:
        """The run ended, its observable is the expected one, and every invariant holds."""
        return self.failure is None and self.observable == self.expected and not self.violations

    def as_dict(self) -> dict[str, Any]:
        """The JSON form printed by ``--json``: one object per run."""
        return {
            "scenario": self.scenario,
            "model": self.model,
            "params": dict(self.params),
            "start_method": self.start_method,
            "observable": self.observable,
            "expected": self.expected,
            "ok": self.ok,
            "violations": list(self.violations),
            "measurements": dict(self.measurements),
            "elapsed_s": round(self.elapsed_s, 6),
            "error": None if self.failure is None else self.failure.as_dict(),
            "events": [e.as_dict() for e in self.events],
        }
