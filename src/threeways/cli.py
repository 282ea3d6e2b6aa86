"""The command line: ``python -m threeways SCENARIO --model=MODEL``, ``list``, and more.

``main(argv) -> int`` returns the exit code, so tests call it without a subprocess:
0 when every run is ok and the models agree, 1 when a run fails or they disagree,
2 for bad usage (one line naming the valid choices, never a traceback), 130 on Ctrl-C.

Each sub-command is an entry in :data:`COMMANDS`: a function that adds its options to a
parser and a function that runs it. Anything else on the command line is a scenario name.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import multiprocessing
import os
import sys
import threading
import traceback
import warnings
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from rich.text import Text

from . import _render
from ._failure import RunFailed
from ._models import ALL_MODELS, ModelUnavailable, available, unavailable
from ._protocol import Param, Result, Scenario
from ._registry import UnknownName, check_model, get_scenario, scenarios
from ._run import GRACE_S, check_start_method, run

__all__ = ["COMMANDS", "UsageError", "main"]

PROG = "threeways"


class UsageError(Exception):
    """Bad usage: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but an error is raised (one line, exit 2) rather than printed with usage."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


Command = tuple[Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]
COMMANDS: dict[str, Command] = {}
"""Sub-commands by name: (add the options to a parser, run with the parsed options)."""


def command(
    name: str, add: Callable[[argparse.ArgumentParser], None]
) -> Callable[[Callable[[argparse.Namespace], int]], Callable[[argparse.Namespace], int]]:
    """Register a sub-command: ``@command("list", add_options)`` on its handler."""

    def register(
        handler: Callable[[argparse.Namespace], int],
    ) -> Callable[[argparse.Namespace], int]:
        COMMANDS[name] = (add, handler)
        return handler

    return register


def chosen_models(text: str, models: tuple[str, ...], *, to_run: bool = True) -> list[str]:
    """``all``, or a comma-separated list of ``models``, in the order given. To run, only
    models this Python can run: ``all`` leaves the others out, naming one is an error
    (reading a model's source needs no library)."""
    names = [m.strip() for m in text.split(",") if m.strip()]
    if not names:
        raise UsageError(f"name at least one model: {', '.join(models)}, or all")
    for name in names:
        if to_run:
            check_model(name, (*models, "all"))
        elif name not in (*models, "all"):
            check_model(name, models)  # raises: not one of this scenario's
    if "all" in names:
        return list(available(models) if to_run else models)
    return list(dict.fromkeys(names))


def _skipped(models: tuple[str, ...]) -> str:
    """One line naming the models ``--model=all`` leaves out here, and why; or ''."""
    left = [f"{m} ({unavailable(m)})" for m in models if unavailable(m) is not None]
    return f"not run here: {'; '.join(left)}" if left else ""


# ---------------------------------------------------------------------------- list


def _add_list(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the scenarios as JSON")
    parser.add_argument(
        "--bugs",
        action="store_true",
        help="list each scenario's known-broken implementations, with the mistake each makes",
    )


@command("list", _add_list)
def _list(args: argparse.Namespace) -> int:
    from ._bugs import bugs

    if args.json:
        described = [_describe(s) for s in scenarios().values()]
        if args.bugs:
            for d in described:
                d["bugs"] = [_describe_bug(b) for b in bugs(get_scenario(d["name"]))]
        print(json.dumps(described, indent=2))
        return 0
    out = _render.console()
    for sc in scenarios().values():
        out.print(f"[bold]{sc.name:<18}[/bold] {sc.summary}")
        if not args.bugs:
            models = [m if unavailable(m) is None else f"{m} (unavailable)" for m in sc.models]
            out.print(f"{'':<18} [dim]models: {', '.join(models)}[/dim]")
            continue
        for bug in bugs(sc):
            out.print(f"  {bug.name} [dim]({bug.model})[/dim]: {bug.mistake}", soft_wrap=True)
    if args.bugs:
        out.print(
            f"[dim]run one: {PROG} SCENARIO --model MODEL --bug NAME "
            "(it is checked as 'threeways check' checks your own code)[/dim]"
        )
    return 0


def _describe_bug(bug: Any) -> dict[str, Any]:
    return {"name": bug.name, "model": bug.model, "mistake": bug.mistake, "story": bug.story}


def _describe(sc: Scenario[Any]) -> dict[str, Any]:
    return {
        "name": sc.name,
        "summary": sc.summary,
        "models": list(sc.models),
        "unavailable": {m: why for m in sc.models if (why := unavailable(m)) is not None},
        "params": [p.as_dict() for p in sc.parameters.specs()],
    }


# ---------------------------------------------------------------------------- run


def _scenario_parser(sc: Scenario[Any]) -> argparse.ArgumentParser:
    parser = _Parser(prog=f"{PROG} {sc.name}", description=sc.summary)
    parser.add_argument(
        "--model",
        "--models",
        dest="model",
        default="all",
        metavar="MODEL",
        help=f"{', '.join(sc.models)}, several of them comma-separated, or all (the default)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object per model run, one per line"
    )
    parser.add_argument(
        "--start-method",
        metavar="METHOD",
        help="multiprocessing start method: "
        f"{', '.join(multiprocessing.get_all_start_methods())} "
        "(default: the platform's)",
    )
    if "dask" in sc.models:
        parser.add_argument(
            "--scheduler",
            metavar="ADDRESS",
            help="dask model: run its tasks on the cluster of the dask scheduler at ADDRESS "
            "(default: DASK_SCHEDULER_ADDRESS, else an embedded LocalCluster)",
        )
    parser.add_argument(
        "--timeline",
        action="store_true",
        help="after the run, draw one lane per actor on a time axis (every model on one axis)",
    )
    parser.add_argument(
        "--timeline-svg",
        metavar="FILE",
        help="write the same timeline as a standalone SVG picture to FILE",
    )
    parser.add_argument(
        "--trace-events",
        metavar="FILE",
        help="write the run(s) to FILE in the Chrome trace-event JSON format, "
        "to open in Perfetto (ui.perfetto.dev) or chrome://tracing",
    )
    parser.add_argument(
        "--fail-at",
        metavar="TEXT",
        help="make a worker raise where it would record 'actor action' beginning with TEXT "
        "(e.g. 'Benz passes'), to watch each model fail",
    )
    parser.add_argument(
        "--bug",
        metavar="NAME",
        help="check one of its known-broken implementations instead, as 'check' would "
        f"(see '{PROG} list --bugs'); with one --model",
    )
    group = parser.add_argument_group("scenario parameters")
    for spec in sc.parameters.specs():
        _add_param(group, spec)
    return parser


def _add_param(group: argparse._ArgumentGroup, spec: Param) -> None:
    flag = "--" + spec.name.replace("_", "-")
    if spec.type is bool:
        group.add_argument(
            flag,
            dest=spec.name,
            action=argparse.BooleanOptionalAction,
            default=spec.default,
            help=spec.help,
        )
        return
    group.add_argument(
        flag,
        dest=spec.name,
        type=spec.type,
        default=spec.default,
        metavar=spec.type.__name__.upper(),
        help=f"{spec.help} (default: {spec.default})",
    )


def _run_scenario(sc: Scenario[Any], argv: Sequence[str]) -> int:
    args = _scenario_parser(sc).parse_args(argv)
    models = chosen_models(args.model, sc.models)
    if args.start_method is not None:
        check_start_method(args.start_method)
    if getattr(args, "scheduler", None) and "dask" not in models:
        raise UsageError("--scheduler is for the dask model: add --model dask")
    if args.json and args.timeline:
        raise UsageError("--timeline draws for people; with --json use --timeline-svg FILE")
    for flag, path in (
        ("--timeline-svg", args.timeline_svg),
        ("--trace-events", args.trace_events),
    ):
        _check_writable(flag, path)
    values = {spec.name: getattr(args, spec.name) for spec in sc.parameters.specs()}
    try:
        sc.params(**values)  # bad values are usage errors, found before anything runs
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.bug is not None:
        if len(models) != 1:
            raise UsageError(f"--bug takes one model: --model {sc.models[0]}, for instance")
        from ._bugs import get_bug

        bug = get_bug(sc, models[0], args.bug)
        defaults = sc.params().as_dict()
        given = {k: v for k, v in values.items() if defaults[k] != v}
        print(f"{bug.name}: {bug.mistake}", file=sys.stderr)
        return _check_and_report(bug.path, sc.name, bug.model, given, args.json)
    if args.model.strip() == "all" and not args.json and _skipped(sc.models):
        print(_skipped(sc.models), file=sys.stderr)
    runs: list[tuple[str, Result | str]] = []
    for model in models:
        if not args.json:
            print(f"running {sc.name} with {model}...", file=sys.stderr, flush=True)
        runs.append((model, _run_one(sc, model, args, values)))
        if args.json:
            print(json.dumps(_as_json(sc, model, values, runs[-1][1])), flush=True)
    results = [r for _, r in runs if isinstance(r, Result)]
    ended = [r for r in results if r.failure is None]
    agree = len(ended) == len(runs) and all(r.observable == ended[0].observable for r in ended)
    ok = agree and all(r.ok for r in results)
    if not args.json:
        _print_human(sc, runs, agree, ok)
    if (args.timeline or args.timeline_svg) and results:
        _timeline(sc, results, args.timeline, args.timeline_svg)
    if args.trace_events and results:
        _trace_events(results, args.trace_events)
    return 0 if ok else 1


def _check_writable(flag: str, path: str | None) -> None:
    """A file named on the command line can be written where it is, before anything runs."""
    if path is None:
        return
    folder = os.path.dirname(path) or "."
    if os.path.isdir(path) or not os.path.isdir(folder):
        what = "is a directory" if os.path.isdir(path) else f"no directory {folder}"
        raise UsageError(f"{flag} {path}: {what}; name a file in an existing directory")


def _run_one(
    sc: Scenario[Any], model: str, args: argparse.Namespace, values: dict[str, Any]
) -> Result | str:
    """One model's run: its result (a failed run's too, with its events so far), or one
    line if threeways itself broke."""
    try:
        return run(
            sc.name,
            model,
            start_method=args.start_method,
            fail_at=args.fail_at,
            scheduler=getattr(args, "scheduler", None),
            stop_timeout=GRACE_S,  # the CLI leaves at its end without a blocked thread
            **values,
        )
    except RunFailed as failed:
        return failed.result
    except Exception as exc:  # a bug in threeways: one line, and the other models still run
        return f"{type(exc).__name__}: {exc}"


def _timeline(sc: Scenario[Any], results: list[Result], draw: bool, svg: str | None) -> None:
    from . import _timeline

    runs = [_timeline.lanes(r) for r in results]
    if draw:
        out = _render.console()
        out.print()
        out.print(_timeline.timeline_text(runs, out.width))
    if svg:
        models = ", ".join(r.model for r in results)
        with open(svg, "w", encoding="utf-8") as f:
            f.write(_timeline.timeline_svg(runs, f"{sc.name}: {models}"))
        print(f"timeline written to {svg}", file=sys.stderr)


def _trace_events(results: list[Result], path: str) -> None:
    from ._traceevents import trace_events

    text = json.dumps(trace_events(results), default=str)  # all of it, before the file opens
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"trace events written to {path}: open it in ui.perfetto.dev", file=sys.stderr)


def _as_json(
    sc: Scenario[Any], model: str, values: dict[str, Any], r: Result | str
) -> dict[str, Any]:
    if isinstance(r, Result):
        return r.as_dict()
    return {
        "scenario": sc.name,
        "model": model,
        "params": values,
        "start_method": None,
        "observable": None,
        "expected": sc.expected(sc.params(**values)),
        "ok": False,
        "violations": [],
        "measurements": {},
        "elapsed_s": None,
        "error": {"kind": "internal", "message": r, "errors": [], "still_running": []},
        "events": [],
    }


def _print_human(
    sc: Scenario[Any], runs: list[tuple[str, Result | str]], agree: bool, ok: bool
) -> None:
    out = _render.console()
    out.print(f"[bold]{sc.name}[/bold]: {sc.summary}")
    _render.print_runs(out, sc, runs)
    failed = [(m, r) for m, r in runs if not isinstance(r, Result) or r.failure is not None]
    if len(runs) > 1 and not failed:
        if agree:
            out.print(f"[green]The {len(runs)} observables agree.[/green]")
        else:
            out.print(f"[bold red]The {len(runs)} observables do not agree.[/bold red]")
    for model, r in failed:  # one line each, the last thing on the screen
        why = r if isinstance(r, str) else r.failure.message if r.failure else ""
        out.print(Text(f"{model} failed: {why}", style="bold red"), soft_wrap=True)
    out.print("[green]ok[/green]" if ok else "[bold red]FAILED[/bold red]")


# ---------------------------------------------------------------------------- show, explain


def _add_show(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", help="the scenario to show")
    parser.add_argument(
        "--models",
        "--model",
        dest="models",
        default="all",
        metavar="M1,M2",
        help=f"comma-separated models to compare, from {', '.join(ALL_MODELS)} (default: all)",
    )
    parser.add_argument("--step", metavar="TEXT", help="show only the steps whose label has TEXT")
    parser.add_argument(
        "--standalone",
        action="store_true",
        help="print one model's code as a script that runs without threeways "
        "(python script.py [name=value ...])",
    )


@command("show", _add_show)
def _show(args: argparse.Namespace) -> int:
    from . import _source

    sc = get_scenario(args.scenario)
    models = chosen_models(args.models, sc.models, to_run=False)
    if args.standalone:
        if len(models) != 1:
            raise UsageError("--standalone takes one model: --model trio, for instance")
        from ._standalone import standalone

        sys.stdout.write(standalone(sc, models[0]))
        return 0
    titles = [r.title for r in _source.shown_rows(sc, models)]
    if args.step and not any(args.step.lower() in t.lower() for t in titles):
        raise UsageError(f"no step of {sc.name} matches {args.step!r}; steps: {', '.join(titles)}")
    _source.print_show(_render.console(), sc, models, args.step)
    return 0


def _add_explain(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", help="the scenario to explain")
    parser.add_argument("--json", action="store_true", help="print the lesson as JSON")


@command("explain", _add_explain)
def _explain(args: argparse.Namespace) -> int:
    from . import _explain

    sc = get_scenario(args.scenario)
    if args.json:
        print(json.dumps(_explain.lesson_data(sc), indent=2, ensure_ascii=False))
    else:
        _explain.print_explain(_render.console(), sc)
    return 0


def _add_docs(parser: argparse.ArgumentParser) -> None:
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--write", metavar="DIR", help="run each scenario and write its page to DIR")
    what.add_argument("--check", metavar="DIR", help="exit 1 if a page in DIR is stale")
    parser.add_argument("scenarios", nargs="*", help="with --write: only these (default: all)")


@command("docs", _add_docs)
def _docs(args: argparse.Namespace) -> int:
    from pathlib import Path

    from . import _docs

    if args.check:
        stale = _docs.check(Path(args.check))
        for line in stale:
            print(line, file=sys.stderr)
        if stale:
            print(f"regenerate them with: {_docs.COMMAND}", file=sys.stderr)
        return 1 if stale else 0
    folder = Path(args.write)
    chosen = [get_scenario(n) for n in args.scenarios] or list(scenarios().values())
    codes = [_docs.write_page(sc, folder) for sc in chosen]
    _docs.write_index(folder)
    print(f"wrote {len(chosen)} page(s) and their timelines to {folder}", file=sys.stderr)
    return max(codes, default=0)


# ---------------------------------------------------------------------------- exercises


def _add_exercise(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", help="the scenario to write yourself")
    parser.add_argument("--model", required=True, help=f"the model: {', '.join(ALL_MODELS)}")
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="where to write it (default: SCENARIO_MODEL.py)"
    )
    parser.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    parser.add_argument("--hint", action="store_true", help="add the model's lesson to the task")


@command("exercise", _add_exercise)
def _exercise(args: argparse.Namespace) -> int:
    from ._exercise import starter

    sc = get_scenario(args.scenario)
    model = check_model(args.model, sc.models)
    path = args.output or f"{sc.name}_{model}.py"
    if os.path.exists(path) and not args.force:
        raise UsageError(
            f"{path} exists: choose another with -o FILE, or overwrite it with --force"
        )
    text = starter(sc, model, path, hint=args.hint)
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
    print(f"wrote {path}: fill in its steps, then run: {PROG} check {path}", file=sys.stderr)
    return 0


def _add_check(parser: argparse.ArgumentParser) -> None:
    from ._check import DEFAULT_RUNS, DEFAULT_TIMEOUT

    parser.add_argument("file", help="your implementation: a .py file with main(trace, p)")
    parser.add_argument("--scenario", help="what it implements (default: read from its header)")
    parser.add_argument("--model", help="its model (default: read from its header)")
    parser.add_argument(
        "--runs", type=int, default=DEFAULT_RUNS, help=f"how many runs (default: {DEFAULT_RUNS})"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"seconds each run may take, its timeout parameter (default: {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "-x", "--exitfirst", action="store_true", help="start no more runs after one fails"
    )
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")


@command("check", _add_check)
def _check(args: argparse.Namespace) -> int:
    return _check_and_report(
        args.file,
        args.scenario,
        args.model,
        args.params,
        args.json,
        runs=args.runs,
        timeout=args.timeout,
        first_failure=args.exitfirst,
    )


def _check_params(argv: list[str]) -> tuple[argparse.Namespace, dict[str, Any]]:
    """The check command's options, then the scenario's parameters that were given."""
    from ._check import Unusable, resolve

    add, _ = COMMANDS["check"]
    parser = _Parser(prog=f"{PROG} check")
    add(parser)
    args, rest = parser.parse_known_args(argv)
    if not rest:
        return args, {}
    try:
        sc, _, _ = resolve(args.file, args.scenario, args.model)
    except Unusable:
        raise UsageError(f"unrecognized arguments: {' '.join(rest)}") from None
    params = _Parser(prog=f"{PROG} check {args.file}")
    group = params.add_argument_group("scenario parameters")
    for spec in sc.parameters.specs():
        if spec.name != "timeout":  # --timeout is check's own
            _add_param(group, spec)
    for action in group._group_actions:
        action.default = argparse.SUPPRESS  # only what was given
    return args, vars(params.parse_args(rest))


def _check_and_report(
    path: str,
    scenario: str | None,
    model: str | None,
    params: dict[str, Any],
    as_json: bool,
    **options: Any,
) -> int:
    from ._check import Unusable, check, print_report, resolve, run_line

    out = _render.console()
    try:
        sc, model, _ = resolve(path, scenario, model)
        show = None if as_json else (lambda run: out.print(Text(run_line(run)), soft_wrap=True))
        report = check(path, sc.name, model, params=params, progress=show, **options)
    except Unusable as exc:
        first, _, rest = str(exc).partition("\n")
        print(f"{PROG}: error: {first}", file=sys.stderr)
        if rest.strip():
            print(rest.rstrip(), file=sys.stderr)
        return 2
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if as_json:
        print(json.dumps(report.as_dict(), indent=2, default=str))
    else:
        print_report(out, report)
    return 0 if report.ok else 1


# ---------------------------------------------------------------------------- bench


def _add_bench(parser: argparse.ArgumentParser) -> None:
    from ._bench import BENCHMARKS, TABLE

    parser.add_argument(
        "--quick",
        action="store_true",
        help="about a minute: fewer repeats, smaller sizes (what the tests run)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object per figure")
    parser.add_argument(
        "--svg", metavar="FILE", help="also draw the scaling curves as a standalone SVG in FILE"
    )
    parser.add_argument(
        "--models",
        "--model",
        dest="models",
        default="all",
        metavar="M1,M2",
        help=f"comma-separated, from {', '.join(TABLE)} (default: all)",
    )
    parser.add_argument(
        "--only",
        metavar="BENCH,...",
        help=f"comma-separated, from {', '.join(BENCHMARKS)} (default: all)",
    )


def _chosen_benchmarks(text: str | None) -> list[str]:
    from ._bench import BENCHMARKS

    if text is None:
        return list(BENCHMARKS)
    chosen = [check_name("benchmark", b.strip(), BENCHMARKS) for b in text.split(",") if b.strip()]
    if not chosen:
        raise UsageError(f"name at least one benchmark: {', '.join(BENCHMARKS)}")
    return [b for b in BENCHMARKS if b in chosen]


def check_name(kind: str, name: str, choices: Sequence[str]) -> str:
    """``name`` if it is one of ``choices``; raises :class:`UnknownName` otherwise."""
    if name not in choices:
        raise UnknownName(kind, name, list(choices))
    return name


@command("bench", _add_bench)
def _bench(args: argparse.Namespace) -> int:
    from . import _bench
    from ._bench import _report

    models = chosen_models(args.models, tuple(_bench.TABLE), to_run=False)  # listed: why not
    benchmarks = _chosen_benchmarks(args.only)
    with contextlib.ExitStack() as stack:
        svg = None
        if args.svg:  # opened now: a path that cannot be written is found before the run
            try:
                svg = stack.enter_context(open(args.svg, "w", encoding="utf-8"))
            except OSError as exc:
                raise UsageError(f"cannot write {args.svg}: {exc.strerror}") from None
        machine = _bench.machine()
        figures: list[_bench.Figure] = []
        for fig in _bench.run(models, benchmarks, _bench.Config.make(args.quick)):
            if not args.json and (not figures or figures[-1].benchmark != fig.benchmark):
                print(f"measuring {fig.benchmark}...", file=sys.stderr, flush=True)
            figures.append(fig)
            if args.json:
                print(json.dumps({**fig.as_dict(), "machine": machine}), flush=True)
        if not args.json:
            _report.print_tables(_render.console(), machine, figures)
        if svg is not None:
            svg.write(_report.chart_svg(machine, figures))
            print(f"chart written to {args.svg}", file=sys.stderr)
    return 0


# ---------------------------------------------------------------------------- main


def _top_usage() -> str:
    names = ", ".join(scenarios())
    return (
        f"usage: {PROG} SCENARIO [--model MODEL] [--json] [--PARAM VALUE ...]\n"
        f"       {PROG} {{{','.join(COMMANDS)}}} ...\n\n"
        f"scenarios: {names}\nmodels: {', '.join(ALL_MODELS)}, all\n"
        f"'{PROG} SCENARIO --help' lists a scenario's parameters."
    )


def _dispatch(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(_top_usage())
        return 0 if argv else 2
    first, rest = argv[0], argv[1:]
    if first == "check":
        args, params = _check_params(rest)
        args.params = params
        return _check(args)
    if first in COMMANDS:
        add, handler = COMMANDS[first]
        parser = _Parser(prog=f"{PROG} {first}")
        add(parser)
        return handler(parser.parse_args(rest))
    if first.startswith("-"):
        raise UsageError(f"put the scenario first, e.g. '{PROG} traffic_light {first} ...'")
    try:
        sc = get_scenario(first)
    except UnknownName:
        raise UnknownName("scenario or command", first, [*scenarios(), *COMMANDS]) from None
    return _run_scenario(sc, rest)


def _forget_half_built(interrupt: KeyboardInterrupt) -> None:
    """Collect, quietly, what Ctrl-C left half made in the frames it unwound.

    Ctrl-C while asyncio.run() builds its event loop leaves a loop without the attributes
    its ``__del__`` needs ("Exception ignored in BaseEventLoop.__del__"), and between making
    its task and running it a coroutine never awaited: Python would report each when it is
    collected, after the one line that says the run was interrupted.
    """
    warnings.filterwarnings("ignore", "coroutine .* was never awaited", RuntimeWarning)
    hook, sys.unraisablehook = sys.unraisablehook, lambda unraisable: None
    try:
        traceback.clear_frames(interrupt.__traceback__)
        interrupt.__traceback__ = None
        gc.collect()
    finally:
        sys.unraisablehook = hook


def _quiet(unraisable: Any) -> None:
    pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    try:
        return _dispatch(list(sys.argv[1:] if argv is None else argv))
    except (UsageError, UnknownName, ModelUnavailable) as exc:
        message = exc.args[0] if exc.args else str(exc)
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        _forget_half_built(exc)
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`threeways list --json | head`): stop quietly, as the
        # Python docs advise, with stdout pointed at devnull so the exit flush cannot fail.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def entry() -> NoReturn:
    """The ``threeways`` console script and ``python -m threeways``."""
    code = main()
    if code == 130:
        # the one line: what a library's objects say as they are collected on the way out
        # (dask's Client.__del__ after its loop closed) is no news after an interrupt
        sys.unraisablehook = _quiet
    if code in (1, 130) and any(not t.daemon for t in threading.enumerate()[1:]):
        # A thread of a failed or interrupted run that did not stop within the grace
        # period cannot be killed, and the interpreter would wait for it at exit: leave
        # without it.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
