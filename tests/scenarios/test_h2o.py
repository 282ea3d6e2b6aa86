"""h2o: its invariants catch wrong molecules, early leavers and lost or doubled atoms; the
molecules come out whole in every model and every arrival order; each model counts its
molecules its own way; an atom that fails stops the others instead of leaving them waiting."""

from __future__ import annotations

import asyncio
import inspect
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import threeways
from threeways import Event

from ..conftest import FAST

SC = threeways.get_scenario("h2o")


def _atom(t: float, name: str, molecule: int, *, leave: float | None = None) -> list[Event]:
    """One atom's whole story: arrive, take a slot, bond into ``molecule``, leave at ``leave``."""
    slot = f"{name[0]} slot"
    out = t + 1 if leave is None else leave
    return [
        Event(t, name, "arrives"),
        Event(t, name, "waits for", slot),
        Event(t, name, "takes", slot),
        Event(t, name, "bonds", molecule),
        Event(out, name, "leaves", molecule),
        Event(out, name, "releases", slot),
    ]


def _violations(events: list[Event], **params: Any) -> list[str]:
    return list(SC.invariants(sorted(events), SC.params(**params)))


def test_invariant_catches_a_molecule_of_the_wrong_makeup() -> None:
    # a fourth atom slipping in, or three hydrogens together, is not water
    events = [*_atom(0.1, "H1", 1), *_atom(0.2, "H2", 1), *_atom(0.3, "H3", 1)]
    events += [*_atom(0.4, "O1", 1)]
    assert _violations(events, molecules=1) == ["molecule 1 bonded H3O: H1, H2, H3, O1"]


def test_invariant_catches_an_atom_that_leaves_before_its_molecule_is_whole() -> None:
    # an H that leaves as soon as its O is there, before the other H has bonded
    events = [*_atom(0.1, "O1", 1), *_atom(0.2, "H1", 1, leave=0.25), *_atom(0.3, "H2", 1)]
    assert _violations(events, molecules=1) == [
        "H1 left molecule 1 at t=0.250s with only 2 of its 3 atoms bonded"
    ]


def test_invariant_catches_lost_doubled_and_wandering_atoms() -> None:
    # every atom arrives, bonds and leaves once, and leaves the molecule it bonded into
    events = [*_atom(0.1, "H1", 1), *_atom(0.2, "H2", 1), *_atom(0.3, "O1", 1)]
    events += [Event(2.0, "O1", "leaves", 1)]  # twice
    events += [*_atom(3.0, "H3", 2)[:4], *_atom(3.1, "H4", 2), *_atom(3.2, "O2", 2)]  # H3 stays
    events = [e for e in events if not (e.actor == "H4" and e.action == "leaves")]
    events += [Event(4.5, "H4", "leaves", 1)]
    assert _violations(events, molecules=2) == [
        "H3 left 0 times",
        "H4 bonded into molecule 2 but left with 1",
        "O1 left 2 times",
    ]


def test_the_observable_names_each_molecule_by_its_formula() -> None:
    # molecules are read from the "bonds" events, in molecule order, as chemists write them
    events = [*_atom(0.1, "H1", 1), *_atom(0.2, "H2", 1), *_atom(0.3, "O1", 1)]
    events += [*_atom(1.1, "H3", 2), *_atom(1.2, "O2", 2), *_atom(1.3, "O3", 2)]
    observed = SC.observe(sorted(events), SC.params(molecules=3))
    assert observed["molecules"] == ["H2O", "HO2"]
    assert observed["left"] == ["H1", "H2", "H3", "O1", "O2", "O3"]


@pytest.mark.parametrize("oxygen_last", [False, True])
def test_whole_molecules_in_every_arrival_order(model: str, oxygen_last: bool) -> None:
    # shuffled, or every hydrogen first: the molecules are the same, each 2 H + 1 O
    result = threeways.run("h2o", model, molecules=4, oxygen_last=oxygen_last, **FAST)
    assert result.ok, (result.violations, result.observable)
    assert result.observable["molecules"] == ["H2O"] * 4


def test_each_model_counts_molecules_its_own_way() -> None:
    # threading and multiprocessing: the Barrier's action; asyncio.Barrier has no action,
    # so the third to arrive counts; trio has no Barrier, so the file builds one
    import trio

    sources = {m: Path(SC.source_path(m)).read_text() for m in threeways.MODELS}
    assert "Barrier(3, action=" in sources["threading"]
    assert "Barrier(3, action=" in sources["multiprocessing"]
    assert list(inspect.signature(asyncio.Barrier).parameters) == ["parties"]
    assert "asyncio.Barrier(3)" in sources["asyncio"] and "n_waiting == 2" in sources["asyncio"]
    assert not hasattr(trio, "Barrier") and "class _Barrier" in sources["trio"]


def test_a_threading_barrier_runs_its_action_in_the_last_thread_to_arrive() -> None:
    # the fact the threads' count rests on: the action runs once all are there, before
    # any is let go, in the thread whose arrival trips the barrier
    ran_in: list[str] = []
    barrier = threading.Barrier(2, action=lambda: ran_in.append(threading.current_thread().name))
    first = threading.Thread(target=barrier.wait, args=(5,), name="first")
    first.start()
    while barrier.n_waiting < 1:
        time.sleep(0.001)
    barrier.wait(5)
    first.join()
    assert ran_in == [threading.current_thread().name]


def test_every_atom_waits_for_its_slot_first(model: str) -> None:
    # deadlock detector vocabulary: each atom waits for, takes and releases its slot once
    result = threeways.run("h2o", model, molecules=2, **FAST)
    for atom in ("H1", "H4", "O2"):
        actions = [(e.action, e.detail) for e in result.events if e.actor == atom]
        slot = f"{atom[0]} slot"
        assert [a for a in actions if a[1] == slot] == [
            ("waits for", slot),
            ("takes", slot),
            ("releases", slot),
        ]


def test_a_molecule_that_cannot_form_fails_the_run(model: str) -> None:
    # the oxygen fails as it arrives: the run fails naming it, and the hydrogens waiting
    # for it are stopped, not left hanging (the leak check sees no thread or process)
    with pytest.raises(threeways.RunFailed) as failed:
        threeways.run("h2o", model, molecules=1, fail_at="O1 arrives", tick=0.002, timeout=5)
    failure = failed.value.result.failure
    assert failure is not None and failure.kind == "error", failure
    assert "O1" in failure.message
