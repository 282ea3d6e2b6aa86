"""Take one implementation home: ``threeways show SCENARIO --model MODEL --standalone``.

A model module runs inside threeways: it imports its scenario's constants and helpers
(``from . import DRIVE_TICKS, car_names``), a helper or two from the harness
(``join_all``), and is handed a recorder and the parameters. :func:`standalone` turns it
into one self-contained script that runs with ``python script.py`` where only the model's
own library is installed, and prints the same story, one event per line.

It reads the sources, not the running objects: starting from the module's entry point
(``main``, or what the module's own ``if __name__ == "__main__":`` block calls), it follows
every name the code uses to where it is defined (the module itself, the scenario's
package, threeways' helpers), and copies those definitions, with the comments just above
them, in an order that defines each before it is used. Imports from elsewhere (the
standard library, trio) are kept. ``Params`` becomes a plain dataclass with the
defaults, and the recorder a small class that prints each event.
"""

from __future__ import annotations

import ast
import importlib.util
import itertools
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._protocol import Scenario

__all__ = ["LINE", "parse_line", "standalone"]

LINE = " | "
"""What separates the fields of a line the script prints: ``0.012s | Benz | passes | 1``."""

_PROVIDED = {"Recorder", "Params"}
"""Names the script defines itself, whatever module the code imported them from."""

RECORDER = '''
class Recorder:
    """Prints each event as it happens: seconds since the start | actor | action | detail."""

    def __init__(self, start_method: str = "spawn") -> None:
        self.t0 = time.perf_counter()
        self.start_method = start_method

    def record(self, actor: str, action: str, detail: Any = "") -> None:
        line = f"{time.perf_counter() - self.t0:8.3f}s | {actor} | {action}"
        if detail != "":
            line += f" | {json.dumps(detail, default=str)}"
        # one write a line, so lines from threads and processes never mix; anyio's worker
        # processes talk to their parent on stdout and point sys.stdout at os.devnull
        out = sys.stderr if getattr(sys.stdout, "name", "") == os.devnull else sys.stdout
        print(line + "\\n", end="", file=out, flush=True)
'''
RECORDER_IMPORTS = [("json", None), ("os", None), ("sys", None), ("time", None), ("typing", "Any")]
PROCESSES = """
    # A process started from mp_context gets a copy (child_sink) and prints too, on the
    # same clock: perf_counter is the whole machine's.

    @property
    def mp_context(self) -> multiprocessing.context.BaseContext:
        return multiprocessing.get_context(self.start_method)  # never the default

    @contextlib.contextmanager
    def child_sink(self) -> Iterator[Recorder]:
        yield self
"""
PROCESSES_IMPORTS = [
    ("contextlib", None),
    ("multiprocessing", None),
    ("multiprocessing.context", None),
    ("collections.abc", "Iterator"),
]

CLUSTER = '''
class Recorder:
    """Prints each event as it happens: seconds since the start | actor | action | detail.

    The tasks get a copy (cluster_sink): on a worker, another process, it sends each line
    to the scheduler (log_event), which passes it on to this client, which prints it; on
    one machine, perf_counter is the same clock in every process.
    """

    def __init__(self, start_method: str = "spawn", topic: str = "") -> None:
        self.t0 = time.perf_counter()
        self.start_method = start_method
        self.topic = topic

    def record(self, actor: str, action: str, detail: Any = "") -> None:
        line = f"{time.perf_counter() - self.t0:8.3f}s | {actor} | {action}"
        if detail != "":
            line += f" | {json.dumps(detail, default=str)}"
        if self.topic:  # in a task, on a worker
            distributed.get_worker().log_event(self.topic, line)
        else:  # one write a line, so that lines from two threads never mix
            print(line + "\\n", end="", flush=True)

    @contextlib.contextmanager
    def cluster_sink(self, client: distributed.Client) -> Iterator[Recorder]:
        sink = copy.copy(self)
        sink.topic = f"events-{uuid.uuid4().hex}"
        client.subscribe_topic(sink.topic, lambda event: print(event[1] + "\\n", end=""))
        try:
            yield sink
        finally:
            client.unsubscribe_topic(sink.topic)
'''
CLUSTER_IMPORTS = [
    ("contextlib", None),
    ("copy", None),
    ("uuid", None),
    ("distributed", None),
    ("collections.abc", "Iterator"),
]

FOOTER = '''

def _params(args: list[str]) -> Params:
    """``name=value`` arguments, each turned into its parameter's type."""
    kinds = {f.name: f.type for f in dataclasses.fields(Params)}
    values: dict[str, Any] = {}
    for arg in args:
        name, _, text = arg.partition("=")
        if name not in kinds:
            raise SystemExit(f"unknown parameter {name!r}; choose from {', '.join(kinds)}")
        if kinds[name] == "bool":
            values[name] = text.lower() in ("1", "true", "yes")
        else:
            values[name] = {"int": int, "float": float}.get(str(kinds[name]), str)(text)
    return Params(**values)


if __name__ == "__main__":  # python this_file.py [name=value ...] [start_method=fork]
    given = [a for a in sys.argv[1:] if not a.startswith("start_method=")]
    method = [a.partition("=")[2] for a in sys.argv[1:] if a.startswith("start_method=")]
    {entry}(Recorder(*method), _params(given))
'''
FOOTER_CALL = "    {entry}(Recorder(*method), _params(given))"
AS_MODULE = """\
    # another interpreter is sent functions by module name, and its __main__ is not this
    # file: run the copy of this file imported as a module, which every interpreter finds
    this = importlib.import_module(Path(__file__).stem)
    this.{entry}(this.Recorder(*method), this._params(given))"""
FOOTER_IMPORTS = [("dataclasses", None), ("sys", None), ("typing", "Any")]


def parse_line(line: str) -> tuple[float, str, str, Any] | None:
    """An event from one line a standalone script printed (None if it is not one)."""
    import json

    parts = line.split(LINE, 3)
    if len(parts) < 3 or not parts[0].strip().endswith("s"):
        return None
    try:
        t = float(parts[0].strip()[:-1])
    except ValueError:
        return None
    detail = json.loads(parts[3]) if len(parts) == 4 else ""
    return t, parts[1], parts[2], detail


# ---------------------------------------------------------------------------- sources


@dataclass
class _Module:
    """One source file: its top-level definitions and what its imports bind."""

    name: str
    package: str
    lines: list[str]
    tree: ast.Module
    defs: dict[str, ast.stmt] = field(default_factory=dict)
    imports: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    """name -> (module, attribute), or (module, None) for ``import module``."""
    checking: list[ast.If] = field(default_factory=list)
    """``if TYPE_CHECKING:`` blocks."""
    versioned: dict[str, ast.If] = field(default_factory=dict)
    """Names imported in an ``if sys.version_info ...:`` block (either branch): the block."""


def _load(name: str, cache: dict[str, _Module]) -> _Module:
    if name in cache:
        return cache[name]
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin is not None, name
    source = Path(spec.origin).read_text(encoding="utf-8")
    is_package = spec.submodule_search_locations is not None
    package = name if is_package else name.rpartition(".")[0]
    module = _Module(name, package, source.splitlines(), ast.parse(source))
    for node in module.tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            module.checking.append(node)
            for inner in node.body:
                _bind_imports(module, inner)
        elif isinstance(node, ast.If) and "version_info" in ast.unparse(node.test):
            for inner in [*node.body, *node.orelse]:
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    module.versioned.update(dict.fromkeys(_imported(inner), node))
        _bind_imports(module, node)
        for bound in _bound_names(node):
            module.defs.setdefault(bound, node)
    cache[name] = module
    return module


def _bind_imports(module: _Module, node: ast.stmt) -> None:
    if isinstance(node, ast.Import):  # import a.b binds a, and needs a.b imported
        for alias in node.names:
            module.imports[alias.asname or alias.name.partition(".")[0]] = (alias.name, None)
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            parts = module.package.split(".")
            up = parts[: len(parts) - node.level + 1]
            base = ".".join([*up, *([node.module] if node.module else [])])
        for alias in node.names:
            module.imports[alias.asname or alias.name] = (base, alias.name)


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    return [a.asname or a.name.partition(".")[0] for a in node.names]


def _bound_names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


def _used_names(node: ast.AST) -> Iterator[str]:
    for inner in ast.walk(node):
        if isinstance(inner, ast.Name):
            yield inner.id
        elif isinstance(inner, ast.Global | ast.Nonlocal):
            yield from inner.names


def _segment(module: _Module, node: ast.stmt) -> str:
    """The node's source, with its decorators and the comments just above it."""
    decorators = getattr(node, "decorator_list", [])
    first = min([node.lineno, *(d.lineno for d in decorators)])
    while first > 1 and module.lines[first - 2].lstrip().startswith("#"):
        first -= 1
    assert node.end_lineno is not None
    last = node.end_lineno
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        while last < len(module.lines) and module.lines[last].startswith((" ", "\t")):
            if not module.lines[last].lstrip().startswith("#"):
                break
            last += 1  # a comment after the body's last statement belongs to the body
    if isinstance(node, ast.Assign | ast.AnnAssign):  # and the docstring under a constant
        body = module.tree.body
        after = body[body.index(node) + 1] if node in body[:-1] else None
        if (
            isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
            and after.end_lineno is not None
        ):
            last = after.end_lineno
    return "\n".join(module.lines[first - 1 : last])


# ---------------------------------------------------------------------------- the script


@dataclass
class _Script:
    """What the script needs, found by following names from its entry point."""

    modules: dict[str, _Module] = field(default_factory=dict)
    wanted: dict[tuple[str, int], tuple[_Module, ast.stmt]] = field(default_factory=dict)
    imports: set[tuple[str, str | None, str | None]] = field(default_factory=set)
    """(module, attribute or None, bound name) of every import from outside threeways."""
    checking: list[tuple[_Module, ast.If]] = field(default_factory=list)
    versioned: list[tuple[_Module, ast.If]] = field(default_factory=list)
    """Blocks that import one way or another by Python version, copied as they are."""

    def want(self, module: _Module, name: str) -> None:
        if name in _PROVIDED and module.name.startswith("threeways"):
            return  # the script's own Recorder and Params stand for threeways'.
        block = module.versioned.get(name)
        if block is not None:
            if (module, block) not in self.versioned:
                self.versioned.append((module, block))
                for used in _used_names(block.test):  # sys
                    self.want(module, used)
            return
        node = module.defs.get(name)
        if node is not None and not isinstance(node, ast.Import | ast.ImportFrom):
            key = (module.name, id(node))
            if key not in self.wanted:
                self.wanted[key] = (module, node)
                for used in _used_names(node):
                    self.want(module, used)
            return
        if name not in module.imports:
            return  # a builtin, or a local name
        source, attribute = module.imports[name]
        if source.startswith("threeways") and name not in _PROVIDED:
            other = _load(source, self.modules)
            if attribute is not None and (attribute in other.defs or attribute in other.imports):
                self.want(other, attribute)  # defined there, or imported there in turn
                return
            if attribute is not None:  # a sub-module of a package: from . import _helpers
                self.want(_load(f"{source}.{attribute}", self.modules), name)
                return
        if not source.startswith("threeways"):
            for block in module.checking:
                if any(name in _bound_names(i) or _binds(i, name) for i in block.body):
                    if (module, block) not in self.checking:
                        self.checking.append((module, block))
                        for used in _used_names(block.test):  # TYPE_CHECKING itself
                            self.want(module, used)
                    return
            self.imports.add((source, attribute, name))

    def want_calls(self) -> None:
        """Top-level calls that set up something wanted (``Manager.register(...)`` at
        import time): wanted too, and what they use."""
        while True:
            added = False
            for module in list(self.modules.values()):
                defined = {id(n) for m, n in self.wanted.values() if m is module}
                for node in module.tree.body:
                    if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
                        continue
                    if (module.name, id(node)) in self.wanted:
                        continue
                    uses = {id(module.defs[n]) for n in _used_names(node) if n in module.defs}
                    if uses & defined:
                        self.wanted[(module.name, id(node))] = (module, node)
                        for used in _used_names(node):
                            self.want(module, used)
                        added = True
            if not added:
                return


def _versioned(module: _Module, block: ast.If, cache: dict[str, _Module]) -> str:
    """An ``if sys.version_info ...:`` block of imports, as it is, but for an import from
    threeways, replaced by that module's whole source (a shim such as
    :mod:`threeways._pep734`, written to stand on its own), indented into the branch."""
    lines = _segment(module, block).splitlines()
    first = block.lineno
    for node in reversed([*block.body, *block.orelse]):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("threeways"):
            shim = _load(node.module or "", cache)
            body = [n for n in shim.tree.body if not _preamble(n)]
            text = _segment(shim, body[0])
            for before, after in itertools.pairwise(body):  # a blank line around a def
                defs = ast.FunctionDef | ast.ClassDef
                gap = "\n\n" if isinstance(before, defs) or isinstance(after, defs) else "\n"
                text += gap + _segment(shim, after)
            indented = [" " * node.col_offset + line if line else "" for line in text.split("\n")]
            assert node.end_lineno is not None
            lines[node.lineno - first : node.end_lineno - first + 1] = indented
    return "\n".join(lines)


def _preamble(node: ast.stmt) -> bool:
    """A module's docstring, ``from __future__`` import or ``__all__``."""
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return True
    if isinstance(node, ast.ImportFrom) and node.module == "__future__":
        return True
    return isinstance(node, ast.Assign) and _bound_names(node) == ["__all__"]


def _binds(node: ast.stmt, name: str) -> bool:
    if isinstance(node, ast.Import | ast.ImportFrom):
        return any((a.asname or a.name.partition(".")[0]) == name for a in node.names)
    return False


def _entry(module: _Module) -> str:
    """What the module's own ``if __name__ == "__main__":`` block calls, else ``main``."""
    for node in module.tree.body:
        if isinstance(node, ast.If) and "__name__" in ast.unparse(node.test):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name):
                    return inner.func.id
    return "main"


def _params_class(sc: Scenario[Any]) -> str:
    lines = [
        "@dataclass(frozen=True)",
        "class Params:",
        f'    """The parameters of {sc.name}, at their defaults (change them on the',
        '    command line: tick=0.01)."""',
        "",
    ]
    for spec in sc.parameters.specs():
        lines.append(f"    {spec.name}: {spec.type.__name__} = {spec.default!r}  # {spec.help}")
    return "\n".join(lines)


def _import_lines(imports: set[tuple[str, str | None, str | None]]) -> list[str]:
    bound: dict[str, str] = {}
    for module, attribute, name in imports:
        if attribute is None:
            continue  # import a.b binds a: any number of them agree
        key = name or attribute
        if bound.setdefault(key, f"{module}.{attribute}") != f"{module}.{attribute}":
            raise ValueError(f"the standalone script would import two {key}s")
    plain = sorted({m for m, a, _ in imports if a is None})
    froms: dict[str, set[str]] = {}
    for module, attribute, as_name in imports:
        if attribute is not None:
            name = attribute if as_name in (None, attribute) else f"{attribute} as {as_name}"
            froms.setdefault(module, set()).add(name)

    def stdlib(module: str) -> bool:
        return module.partition(".")[0] in sys.stdlib_module_names

    lines = []
    for group in (True, False):
        chunk = [f"import {m}" for m in plain if stdlib(m) == group]
        chunk += [
            f"from {m} import {', '.join(sorted(froms[m]))}"
            for m in sorted(froms)
            if stdlib(m) == group
        ]
        if chunk:
            lines += [*chunk, ""]
    return lines


def standalone(sc: Scenario[Any], model: str) -> str:
    """The self-contained script of ``sc``'s implementation in ``model``."""
    script = _Script()
    name = f"{type(sc).__module__}._{model}"
    module = _load(name, script.modules)
    entry = _entry(module)
    script.want(module, entry)
    script.want_calls()
    for used in ("Params", "Recorder"):
        script.imports.discard((f"{type(sc).__module__}", used, used))
    processes = any(
        word in _segment(m, n)
        for m, n in script.wanted.values()
        for word in ("mp_context", "child_sink")
    )
    recorder = RECORDER.strip() + ("\n" + PROCESSES.rstrip() if processes else "")
    cluster = any("cluster_sink" in _segment(m, n) for m, n in script.wanted.values())
    if cluster:  # dask: the tasks' events come back through the scheduler
        recorder = CLUSTER.strip()
    for source, attribute in [
        *RECORDER_IMPORTS,
        *(PROCESSES_IMPORTS if processes else []),
        *(CLUSTER_IMPORTS if cluster else []),
        *FOOTER_IMPORTS,
    ]:
        script.imports.add((source, attribute, attribute))
    script.imports.add(("dataclasses", "dataclass", "dataclass"))
    footer = FOOTER
    if any("interpreters" in _segment(m, n) for m, n in script.versioned):
        footer = FOOTER.replace(FOOTER_CALL, AS_MODULE)
        script.imports |= {("importlib", None, None), ("pathlib", "Path", "Path")}
    script.imports = {i for i in script.imports if i[0] != "__future__"}

    libraries = sorted(
        {m.partition(".")[0] for m, _, _ in script.imports} - set(sys.stdlib_module_names)
    )
    doc = ast.get_docstring(module.tree) or ""
    command = f"python -m threeways show {sc.name} --model {model} --standalone"
    needs = ", ".join(libraries) if libraries else "nothing but Python itself"
    header = [
        '"""' + doc.replace('"""', "'''"),
        "",
        f"A standalone copy of threeways' {sc.name} scenario with {model}, made by",
        f"``{command}``. Run it with",
        f"``python {sc.name}_{model}.py [name=value ...]`` (``tick=0.01`` runs it faster);",
        f"it needs {needs}. Each line it prints is one event:",
        "seconds since the start | actor | action | detail.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        *_import_lines(script.imports),
    ]
    parts = ["\n".join(header).rstrip()]
    for module_, block in script.checking:
        parts.append(_segment(module_, block))
    for module_, block in script.versioned:
        parts.append(_versioned(module_, block, script.modules))

    def in_order(of: str) -> list[str]:
        """The definitions wanted from module ``of``, in its order; constants that stand
        together there stay together."""
        chosen = [(m, n) for m, n in script.wanted.values() if m.name == of]
        chosen.sort(key=lambda mn: mn[1].lineno)
        blocks: list[str] = []
        simple = ast.Assign | ast.AnnAssign
        for i, (m, n) in enumerate(chosen):
            if i and isinstance(n, simple) and isinstance(chosen[i - 1][1], simple):
                blocks[-1] += "\n" + _segment(m, n)
            else:
                blocks.append(_segment(m, n))
        return blocks

    helpers = [m for m in script.modules if m not in (name, type(sc).__module__)]
    for other in helpers:
        parts += in_order(other)
    parts += in_order(type(sc).__module__)
    parts.append(_params_class(sc))
    parts.append(recorder)
    parts += in_order(name)
    text = "\n\n\n".join(parts) + "\n" + footer.replace("{entry}", entry)
    _check_unique(text)
    return text


def _check_unique(text: str) -> None:
    """Two definitions of one name would silently replace each other: refuse."""
    seen: dict[str, int] = {}
    for node in ast.parse(text).body:
        for bound in _bound_names(node):
            seen[bound] = seen.get(bound, 0) + 1
    twice = sorted(n for n, count in seen.items() if count > 1)
    if twice:
        raise ValueError(f"the standalone script would define {', '.join(twice)} twice")
