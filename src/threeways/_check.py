"""``threeways check``: judge a learner's implementation as hard as the project's own.

A learner's file defines ``main(trace, p)`` for one scenario in one model (``threeways
exercise`` writes a starter). :func:`check` runs it many times, each run in a process of
its own (:mod:`threeways._checkrun`) so that a hang is killed and a leak is seen: with the
defaults and the scenario's :attr:`~threeways.Scenario.variations`, every multiprocessing
start method in turn, ``sys.setswitchinterval(1e-6)``, the GIL given up at random
``record`` calls, two runs at once and the other core kept busy. Each run is judged as the
project's tests judge its own: the observable against the one expected from the
parameters, every invariant, a failure (a worker's error, a timeout, a hang, with who was
stuck), and anything left behind.

It is stress, not proof: a race between two steps with nothing in between (an inline
``counter += 1``) can pass every run. The report says what was explored and what was not.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from ._models import ALL_MODELS, ModelUnavailable
from ._protocol import Scenario
from ._registry import UnknownName, check_model, get_scenario
from ._run import start_methods

__all__ = ["DEFAULT_RUNS", "DEFAULT_TIMEOUT", "HEADER", "Report", "RunReport", "Unusable", "check"]

HEADER = "# threeways exercise:"
"""The first line of a starter file: ``# threeways exercise: scenario=lock model=trio``."""
DEFAULT_RUNS = 10
DEFAULT_TIMEOUT = 10.0
"""Each run's ``timeout`` parameter, in seconds: every wait of a correct run is bounded by it."""
WORKER = "import sys; from threeways._checkrun import main; sys.exit(main(sys.argv[1:]))"
"""What each run's process runs: ``-c``, not ``-m``, so that its ``__main__`` is no module
that child processes (spawn, forkserver, anyio's workers) would import again."""
HANG_MARGIN_S = 3.0
"""How long after its timeout a run that has not ended counts as hung."""
KILL_MARGIN_S = 15.0
"""How long after that the checker kills a run's process that did not report."""


class Unusable(Exception):
    """The file cannot be checked (missing, a syntax error, no ``main(trace, p)``...): one
    line, for exit code 2."""


@dataclass
class RunReport:
    """The verdict on one run."""

    number: int
    params: dict[str, Any]
    """The parameters that differ from the scenario's defaults (and the timeout)."""
    start_method: str | None
    seed: int
    outcome: str
    """``passed``, ``failed`` (a broken invariant, a wrong observable, an error, a leak) or
    ``hung`` (still going after its timeout: killed)."""
    problems: list[str] = field(default_factory=list)
    diff: list[str] = field(default_factory=list)
    """The observable against the expected one, as a unified diff."""
    tracebacks: list[str] = field(default_factory=list)
    """The learner's tracebacks, cut to the frames in their file."""
    timeline: str = ""
    output: str = ""
    """What the run printed."""
    elapsed_s: float | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "passed"

    def title(self) -> str:
        shown = " ".join(f"{k}={v}" for k, v in self.params.items())
        method = f" start_method={self.start_method}" if self.start_method else ""
        return f"run {self.number} ({shown}{method} seed={self.seed})"


@dataclass
class Report:
    """What ``check`` found: one :class:`RunReport` per run, and what was explored."""

    path: str
    scenario: str
    model: str
    runs: list[RunReport]
    explored: list[str]
    not_explored: list[str]
    planned: int

    @property
    def failed(self) -> list[RunReport]:
        return [r for r in self.runs if not r.ok]

    @property
    def ok(self) -> bool:
        return bool(self.runs) and not self.failed

    def summary(self) -> str:
        """``3 of 10 runs failed: ...`` or ``all 10 runs passed``."""
        if not self.failed:
            return f"all {len(self.runs)} runs passed"
        gists = Counter(_gist(r.problems[0]) for r in self.failed if r.problems)
        why = "; ".join(f"{g} ({n})" if n > 1 else g for g, n in gists.most_common(3))
        stopped = ""
        if len(self.runs) < self.planned:
            stopped = f" (stopped after {len(self.runs)} of {self.planned})"
        return f"{len(self.failed)} of {len(self.runs)} runs failed{stopped}: {why}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.path,
            "scenario": self.scenario,
            "model": self.model,
            "ok": self.ok,
            "summary": self.summary(),
            "explored": self.explored,
            "not_explored": self.not_explored,
            "runs": [{**asdict(r), "ok": r.ok} for r in self.runs],
        }


def _gist(problem: str) -> str:
    """What a problem is, without the details that differ from run to run."""
    gist = re.split(r"[:;(]", problem, maxsplit=1)[0].strip()
    return re.sub(r"\d+(\.\d+)?", "N", gist)


# ------------------------------------------------------------------------ the file


def read_header(path: str) -> dict[str, str]:
    """``scenario`` and ``model`` from a starter's first line, if it has one."""
    with open(path, encoding="utf-8") as f:
        for line in itertools.islice(f, 5):
            if line.startswith(HEADER):
                return dict(re.findall(r"(\w+)=(\S+)", line[len(HEADER) :]))
    return {}


def _known_bug(path: str) -> dict[str, str]:
    """``scenario`` and ``model`` of one of the known-broken implementations the package
    ships (``scenarios/NAME/bugs/MODEL_BUG.py``), else nothing."""
    from ._registry import scenarios

    folder, file = os.path.split(os.path.abspath(path))
    parent, bugs = os.path.split(folder)
    name = os.path.basename(parent)
    if bugs != "bugs" or name not in scenarios():
        return {}
    model = next((m for m in scenarios()[name].models if file.startswith(m + "_")), None)
    return {"scenario": name, "model": model} if model else {}


def _usable(path: str) -> str:
    """The module name to import ``path`` as; raises :class:`Unusable` if it cannot be."""
    if not os.path.isfile(path):
        raise Unusable(f"{path}: no such file")
    stem, ext = os.path.splitext(os.path.basename(path))
    if ext != ".py" or not stem.isidentifier():
        raise Unusable(f"{path}: not a Python module name (name it like my_lock.py)")
    try:  # imported from its folder, put first on sys.path, it would hide that module
        found = getattr(importlib.util.find_spec(stem), "origin", None)
    except (ImportError, ValueError):
        found = None
    if found and os.path.realpath(found) != os.path.realpath(path):
        raise Unusable(f"{path}: its name hides the module {stem!r} ({found}): rename the file")
    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read(), path)
    except SyntaxError as exc:
        raise Unusable(f"{path}:{exc.lineno}: syntax error: {exc.msg}") from None
    except (OSError, ValueError) as exc:
        raise Unusable(f"{path}: cannot be read: {exc}") from None
    mains = [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    main = next((n for n in reversed(mains) if n.name == "main"), None)
    if main is None:
        raise Unusable(f"{path}: no main(trace, p) function at the top level")
    if isinstance(main, ast.AsyncFunctionDef):
        raise Unusable(
            f"{path}:{main.lineno}: main must be a plain def that runs its event loop "
            "(asyncio.run(...) or trio.run(...)), not async def"
        )
    args = main.args
    positional = [*args.posonlyargs, *args.args]
    if len(positional) != 2 or args.vararg or args.kwonlyargs or args.kwarg:
        raise Unusable(f"{path}:{main.lineno}: main must take two arguments: main(trace, p)")
    return stem


# ------------------------------------------------------------------------ the plan


@dataclass(frozen=True)
class _Planned:
    number: int
    params: dict[str, Any]
    start_method: str | None
    seed: int


def _plan(
    sc: Scenario[Any], model: str, runs: int, timeout: float, given: Mapping[str, Any]
) -> list[_Planned]:
    """Even runs: the defaults; odd runs: the variations in turn; the given parameters in
    all; start methods in turn."""
    methods = start_methods() if model == "multiprocessing" else [None]
    variations = [dict(v) for v in sc.variations] or [{}]
    plan = []
    for i in range(runs):
        params = variations[(i // 2) % len(variations)] if i % 2 else {}
        params = {**params, "timeout": timeout, **given}
        sc.params(**params)  # bad values fail here, once, before any run
        plan.append(_Planned(i + 1, params, methods[i % len(methods)], i + 1))
    return plan


def _explored(plan: list[_Planned], jobs: int, busy: bool) -> list[str]:
    sets = {json.dumps(p.params, sort_keys=True) for p in plan}
    said = [
        f"{len(plan)} runs, {len(sets)} parameter set{'s' if len(sets) > 1 else ''}",
        "sys.setswitchinterval(1e-6)",
        "the GIL given up at random trace.record calls",
        f"{jobs} run{'s' if jobs > 1 else ''} at a time"
        + (" and the other core kept busy" if busy else ""),
        "a leak check after every run",
    ]
    methods = sorted({p.start_method for p in plan if p.start_method})
    if methods:
        said.insert(1, "start methods " + ", ".join(methods))
    return said


NOT_EXPLORED = [
    "interleavings between two steps that record nothing and call nothing"
    " (an inline counter += 1 races rarely here)",
    "every possible interleaving (this is stress, not a proof)",
]


# ------------------------------------------------------------------------ running


@contextlib.contextmanager
def _busy_core(on: bool) -> Iterator[None]:
    """Keep one core spinning, so that the run's threads and processes are preempted."""
    if not on:
        yield
        return
    spinner = subprocess.Popen(
        [sys.executable, "-c", "while True: pass"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        spinner.kill()
        spinner.wait()


class _Runner:
    """Starts each planned run in a process of its own, and reads its verdict."""

    def __init__(self, path: str, module: str, sc: Scenario[Any], model: str) -> None:
        self.path = os.path.abspath(path)
        self.module = module
        self.sc = sc
        self.model = model
        self.defaults = sc.params().as_dict()
        self.live: set[subprocess.Popen[bytes]] = set()
        self.lock = threading.Lock()
        self.stopping = False

    def run(self, planned: _Planned) -> RunReport:
        with tempfile.TemporaryDirectory(prefix="threeways-check-") as tmp:
            verdict_path = os.path.join(tmp, "verdict.json")
            timeout = float(planned.params["timeout"])
            spec = {
                "path": self.path,
                "dir": os.path.dirname(self.path),
                "module": self.module,
                "scenario": self.sc.name,
                "model": self.model,
                "params": planned.params,
                "start_method": planned.start_method,
                "seed": planned.seed,
                "switch_interval": 1e-6,
                "hang_after": timeout + HANG_MARGIN_S,
                "verdict": verdict_path,
            }
            output, killed = self._start(spec, timeout + HANG_MARGIN_S + KILL_MARGIN_S)
            verdict: dict[str, Any] = {}
            with contextlib.suppress(OSError, ValueError), open(verdict_path) as f:
                verdict = json.load(f)
        if not verdict:
            why = "killed: it did not end" if killed else "its process ended without a verdict"
            verdict = {"outcome": "hung" if killed else "failed", "problems": [why]}
        if verdict["outcome"] == "unusable":
            raise Unusable(f"{self.path}: {verdict['problems'][0]}\n{verdict.get('tb', '')}")
        shown = {k: v for k, v in planned.params.items() if self.defaults.get(k) != v}
        return RunReport(
            number=planned.number,
            params=shown,
            start_method=planned.start_method,
            seed=planned.seed,
            outcome=verdict["outcome"],
            problems=verdict.get("problems", []),
            diff=verdict.get("diff", []),
            tracebacks=verdict.get("tracebacks", []),
            timeline=verdict.get("timeline", ""),
            output=_tail(output),
            elapsed_s=verdict.get("elapsed_s"),
        )

    def _start(self, spec: dict[str, Any], limit: float) -> tuple[str, bool]:
        with self.lock:
            if self.stopping:
                raise KeyboardInterrupt
            # the learner's folder on PYTHONPATH, not only on the worker's sys.path: a new
            # interpreter (the interpreters model) starts from the process's initial path
            path = os.pathsep.join(filter(None, [spec["dir"], os.environ.get("PYTHONPATH")]))
            proc = subprocess.Popen(
                [sys.executable, "-c", WORKER, json.dumps(spec)],
                env={**os.environ, "PYTHONPATH": path},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killed as one, Ctrl-C spared
            )
            self.live.add(proc)
        killed = False
        try:
            out, _ = proc.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            killed = True
            _kill_group(proc)
            out, _ = proc.communicate()
        finally:
            _kill_group(proc)  # whatever the run left running, it is over now
            with self.lock:
                self.live.discard(proc)
        return out.decode(errors="replace"), killed

    def stop(self) -> None:
        with self.lock:
            self.stopping = True
            for proc in self.live:
                _kill_group(proc)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _tail(text: str, lines: int = 20) -> str:
    kept = text.rstrip("\n").splitlines()
    if len(kept) > lines:
        kept = [f"... ({len(kept) - lines} lines before)", *kept[-lines:]]
    return "\n".join(kept)


def resolve(path: str, scenario: str | None, model: str | None) -> tuple[Scenario[Any], str, str]:
    """The scenario, model and module name for ``path``; raises :class:`Unusable`."""
    module = _usable(path)
    header = read_header(path) or _known_bug(path)
    scenario = scenario or header.get("scenario")
    model = model or header.get("model")
    if scenario is None or model is None:
        models = ",".join(ALL_MODELS)
        raise Unusable(
            f"{path}: say what it implements: --scenario NAME --model {{{models}}}"
            " (a starter from 'threeways exercise' says it in its first line)"
        )
    try:
        sc = get_scenario(scenario)
        check_model(model, sc.models)
    except (UnknownName, ModelUnavailable) as exc:
        raise Unusable(str(exc)) from None
    return sc, model, module


def check(
    path: str,
    scenario: str | None = None,
    model: str | None = None,
    *,
    runs: int = DEFAULT_RUNS,
    timeout: float = DEFAULT_TIMEOUT,
    params: Mapping[str, Any] | None = None,
    first_failure: bool = False,
    jobs: int = 2,
    busy: bool = True,
    progress: Any = None,
) -> Report:
    """Check the ``main(trace, p)`` in the file at ``path`` as an implementation of
    ``scenario`` in ``model`` (both read from a starter's header when not given).

    ``threeways.check("my_lock.py", "lock", "threading").ok``. Each of ``runs`` runs has
    ``timeout`` seconds (passed as the scenario's ``timeout`` parameter); ``params`` are
    used in every run; ``first_failure`` stops starting runs after the first that fails.
    ``progress``, if given, is called with each :class:`RunReport` as it comes.

    Raises :class:`Unusable` when the file cannot be used (missing, a syntax error, no
    ``main``, wrong signature, an error when imported), and ``TypeError``/``ValueError``
    for bad parameters.
    """
    sc, model, module = resolve(path, scenario, model)
    if runs < 1:
        raise ValueError("runs must be at least 1")
    plan = _plan(sc, model, runs, timeout, params or {})
    jobs = max(1, min(jobs, runs))
    busy = busy and (os.cpu_count() or 1) > 1
    runner = _Runner(path, module, sc, model)
    reports: list[RunReport] = []
    pending = list(reversed(plan))
    lock = threading.Lock()
    problem: list[BaseException] = []

    def work() -> None:
        while True:
            with lock:
                if not pending or problem or (first_failure and any(not r.ok for r in reports)):
                    return
                planned = pending.pop()
            try:
                report = runner.run(planned)
            except BaseException as exc:
                with lock:
                    problem.append(exc)
                return
            with lock:
                reports.append(report)
            if progress is not None:
                progress(report)

    with _busy_core(busy):
        workers = [threading.Thread(target=work, name=f"check {i}") for i in range(jobs)]
        for w in workers:
            w.start()
        try:
            for w in workers:
                while w.is_alive():
                    w.join(0.1)  # a short join: Ctrl-C reaches the main thread
        except KeyboardInterrupt:
            runner.stop()
            for w in workers:
                w.join()
            raise
    if problem:
        raise problem[0]
    reports.sort(key=lambda r: r.number)
    return Report(
        path=path,
        scenario=sc.name,
        model=model,
        runs=reports,
        explored=_explored(plan, jobs, busy),
        not_explored=list(NOT_EXPLORED),
        planned=len(plan),
    )


# ------------------------------------------------------------------------ the report


def print_report(out: Any, report: Report) -> None:
    """The details of the first failing run, what was explored, and the summary line
    (each run's line is printed as it comes, by :func:`run_line`)."""
    from rich.text import Text

    first = report.failed[0] if report.failed else None
    if first is not None:
        out.print()
        out.print(Text(f"the first failing run, {first.title()}:", style="bold"))
        for problem in first.problems:
            out.print(Text(f"  {problem}"), soft_wrap=True)
        if first.diff:
            out.print("  the observable, expected against what your events gave:")
            for line in first.diff:
                style = "green" if line.startswith("-") else "red" if line.startswith("+") else ""
                out.print(Text(f"    {line}", style=style), soft_wrap=True)
        for tb in first.tracebacks:
            out.print("  your traceback:")
            out.print(Text(_indented(tb, 4)), soft_wrap=True)
        if first.output:
            out.print("  what it printed:")
            out.print(Text(_indented(first.output, 4)), soft_wrap=True)
        if first.timeline:
            out.print("  its timeline:")
            out.print(Text(first.timeline), soft_wrap=True)
    out.print()
    out.print(Text("explored: " + "; ".join(report.explored), style="dim"), soft_wrap=True)
    out.print(Text("not explored: " + "; ".join(report.not_explored), style="dim"), soft_wrap=True)
    style = "bold red" if report.failed else "green"
    out.print(Text(report.summary(), style=style), soft_wrap=True)


def run_line(run: RunReport) -> str:
    if run.ok:
        took = f" in {run.elapsed_s:.2f} s" if run.elapsed_s is not None else ""
        return f"{run.title()}: passed{took}"
    more = f" (and {len(run.problems) - 1} more)" if len(run.problems) > 1 else ""
    return f"{run.title()}: {run.outcome.upper()}: {run.problems[0] if run.problems else ''}{more}"


def _indented(text: str, by: int) -> str:
    return "\n".join(" " * by + line for line in text.splitlines())
