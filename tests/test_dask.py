"""The dask model: the same jobs on a cluster, held to the same contract as the four.

Its observables are checked with every other model's (``tests/test_cross_model.py``,
``EXTRA``); here: what a cluster adds. A run against a scheduler of its own, on this
machine's loopback, with two workers that are separate processes (or the scheduler that
``DASK_SCHEDULER_ADDRESS`` names, as CI runs it); a task's error named as its actor's; a
timeout naming who was still running; Ctrl-C; and, with or without the extra installed, a
missing ``distributed`` is one line and exit 2. Each run starts and closes its own embedded
cluster (about a second) unless an address is configured, so the runs here are few.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from time import monotonic
from typing import Any

import psutil
import pytest

import threeways
from threeways import InjectedFault, Recorder, RunFailed

from .test_cli import _descendants_marked, _sigint_not_ignored

MISSING = threeways.unavailable("dask")
needs_dask = pytest.mark.skipif(MISSING is not None, reason=str(MISSING))

QUICK = {"tick": 0.002, "timeout": 10.0}


def test_without_the_extra_the_dask_model_is_one_line_and_exit_2() -> None:
    # distributed missing (blocked here, in a process of its own, whether installed or
    # not): naming the model is a usage error that says how to install it, no traceback
    code = (
        "import sys; sys.modules['distributed'] = None\n"
        "from threeways.cli import main\n"
        "raise SystemExit(main(['pool', '--model=dask']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [
        "threeways: error: the dask model is unavailable: "
        "install it with: pip install 'threeways[dask]'"
    ]


# ---------------------------------------------------------------------------- a cluster


@contextlib.contextmanager
def _cluster(folder: Path) -> Iterator[str]:
    """A dask scheduler and two workers, each a process of its own, on 127.0.0.1; the
    scheduler's address once both workers are connected; every process stopped after."""
    from distributed import Client

    file = folder / "scheduler.json"
    dask = [sys.executable, "-m", "dask"]
    shared = ["--host", "127.0.0.1", "--no-dashboard", "--scheduler-file", str(file)]
    commands = [
        [*dask, "scheduler", "--port", "0", *shared],
        *[[*dask, "worker", "--nthreads", "2", *shared]] * 2,  # each waits for the file
    ]
    log = (folder / "cluster.log").open("w")
    procs = [subprocess.Popen(c, stdout=log, stderr=log) for c in commands]
    try:
        with Client(scheduler_file=str(file), timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
            yield str(client.scheduler.address)
    finally:
        for proc in reversed(procs):  # the workers first: they leave the scheduler cleanly
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(30)
        log.close()


@pytest.fixture
def scheduler(tmp_path: Path) -> Iterator[str]:
    """The address of a running dask scheduler: dask's configured one, else one of ours."""
    import dask

    configured = dask.config.get("scheduler-address", None)
    if configured:
        yield str(configured)
        return
    with _cluster(tmp_path) as address:
        yield address


@needs_dask
def test_the_models_run_on_a_cluster_of_other_processes(scheduler: str) -> None:
    # against a scheduler and two workers that are processes of their own: each scenario's
    # observable is the expected one, and the pool's jobs ran on the cluster's workers
    from distributed import Client

    with Client(scheduler) as client:
        workers = set(client.scheduler_info()["workers"])
    assert len(workers) >= 2
    for sc in threeways.scenarios().values():
        if "dask" in sc.models:
            result = threeways.run(sc.name, "dask", scheduler=scheduler, **QUICK)
            assert result.ok, (sc.name, result.violations, result.observable)
            if sc.name == "pool":
                ran_on = {e.detail["on"] for e in result.events if e.action == "starts"}
                assert ran_on <= workers


@needs_dask
def test_the_command_line_takes_a_scheduler(scheduler: str) -> None:
    # --scheduler ADDRESS runs the dask model there
    from threeways.cli import main

    assert main(["lock", "--model=dask", f"--scheduler={scheduler}", "--tick=0.002"]) == 0


def test_a_scheduler_is_for_the_dask_model(capsys: pytest.CaptureFixture[str]) -> None:
    # --scheduler with no dask model chosen is a usage error, one line
    from threeways.cli import main

    assert main(["lock", "--model=trio", "--scheduler=tcp://127.0.0.1:1"]) == 2
    assert capsys.readouterr().err.startswith("threeways: error: --scheduler is for the dask")


# ---------------------------------------------------------------------------- failures


@needs_dask
def test_a_tasks_injected_error_is_named_as_its_actors() -> None:
    # the task raised where it recorded: the report names Bob, not main, and the error
    # came back from the worker with the task's traceback
    with pytest.raises(RunFailed) as failed:
        threeways.run("lock", "dask", fail_at="Bob writes", **QUICK)
    assert failed.value.message == "Bob raised InjectedFault: injected at 'Bob' 'writes'"
    [error] = failed.value.exceptions
    assert isinstance(error, InjectedFault)
    [worker_error] = failed.value.result.failure.errors  # type: ignore[union-attr]
    assert "_add_one" in worker_error.traceback


def _courier(trace: Recorder) -> None:
    trace.record("courier", "sets off")
    raise ValueError("lost parcel")


def _sends_a_courier(trace: Recorder, p: Any) -> None:
    from distributed import Client

    from threeways._cluster import local_cluster, wait_all

    with (
        Client(**local_cluster(n_workers=1, threads_per_worker=1)) as client,
        trace.cluster_sink(client) as sink,
    ):
        wait_all([client.submit(_courier, sink, pure=False)], p.timeout)


@needs_dask
def test_any_tasks_error_is_named_as_its_actors() -> None:
    # not only an injected fault: whatever a task raises is its actor's error
    with pytest.raises(RunFailed) as failed:
        threeways.run("lock", "dask", implementation=_sends_a_courier, **QUICK)
    assert failed.value.message == "courier raised ValueError: lost parcel"


@needs_dask
def test_a_timeout_names_the_tasks_still_running() -> None:
    # the light is red for longer than the run may last: the light and every car are
    # named with what each last did, as in every model
    with pytest.raises(RunFailed) as failed:
        threeways.run("traffic_light", "dask", tick=0.5, timeout=0.6)
    failure = failed.value.result.failure
    assert failure is not None and failure.kind == "timeout"
    assert [(e.actor, e.action) for e in failure.still_running] == [
        ("Audi", "waits at red"),
        ("Benz", "waits at red"),
        ("light", "turns red"),
        ("Volvo", "waits at red"),
    ]


def _ignores_ctrl_c(proc: psutil.Process) -> bool:
    """A worker process of the embedded cluster, once its preload ignores SIGINT."""
    with contextlib.suppress(psutil.Error, OSError, ValueError):
        status = Path(f"/proc/{proc.pid}/status").read_text()
        ignored = int(status.split("SigIgn:")[1].split()[0], 16)
        return bool(ignored & (1 << (signal.SIGINT - 1))) and "spawn_main" in " ".join(
            proc.cmdline()
        )
    return False


@needs_dask
@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads /proc")
def test_ctrl_c_closes_the_embedded_cluster() -> None:
    # Ctrl-C to the whole process group, once the cluster's worker runs: one line, exit
    # 130 within about a second, and no worker process left behind
    import dask

    if dask.config.get("scheduler-address", None):
        pytest.skip("a scheduler is configured: no embedded cluster to close")
    mark = uuid.uuid4().hex
    argv = [sys.executable, "-m", "threeways", "traffic_light", "--model=dask", "--tick=0.5"]
    with _sigint_not_ignored():
        proc = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            env={**os.environ, "THREEWAYS_TEST_MARK": mark},
        )
    try:
        deadline = monotonic() + 60
        while not any(map(_ignores_ctrl_c, _descendants_marked(mark))):
            assert monotonic() < deadline, "the cluster's worker did not start"
            psutil.wait_procs([psutil.Process(proc.pid)], timeout=0.05)
        sent = monotonic()
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        took = monotonic() - sent
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "threeways: interrupted", err
    assert "Traceback" not in err
    assert took < 3, f"took {took:.1f}s to stop"
    _, alive = psutil.wait_procs(_descendants_marked(mark), timeout=5)
    assert alive == [], f"left behind: {alive}"
