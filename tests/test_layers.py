"""The package's floors, checked on its source: imports go down or sideways, never up, and never round in a circle.

Floors, lowest first: 0 ``core``, 1 ``state``, 2 ``mechanisms``, 3 ``strategies``, 4 ``engine``, 5 everything else
(``outputs``, ``clv``, ``report``, ``calibrate``, ``sensitivity``, ...). A module may import from its own floor and
the floors below. Besides: ``core/config.py`` imports nothing of churnsim; nothing reachable from ``churnsim.report``
is in the engine, the mechanisms or the strategies (the report reads written tables only); and no module imports
``churnsim.engine.model`` under ``if TYPE_CHECKING:``.

Every ``.py`` file under ``src/churnsim`` is parsed with :mod:`ast`, nothing is imported. An import counts wherever it
stands: at the top, inside a function, under ``if TYPE_CHECKING:``, relative, or as ``importlib.import_module`` /
``__import__`` with a literal name. ``from churnsim.a import b`` counts as an import of ``churnsim.a.b`` when that
module exists, else of ``churnsim.a``. ``importlib.import_module(f"{__name__}.{...}")`` in a package's
``__init__.py`` (the ``pkgutil.iter_modules`` registration loop) counts as importing every direct submodule.
"""

from __future__ import annotations

import ast
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = "churnsim"

# Prefix -> floor; any other churnsim module is on the top floor.
FLOORS = {
    "churnsim.core": 0,
    "churnsim.state": 1,
    "churnsim.mechanisms": 2,
    "churnsim.strategies": 3,
    "churnsim.engine": 4,
}
TOP_FLOOR = 5
FLOOR_NAMES = {0: "core", 1: "state", 2: "mechanisms", 3: "strategies", 4: "engine", 5: "top"}

CONFIG = "churnsim.core.config"
MODEL = "churnsim.engine.model"
REPORT = "churnsim.report"
NOT_FOR_REPORT = ("churnsim.engine", "churnsim.mechanisms", "churnsim.strategies")


@dataclass(frozen=True, order=True)
class Edge:
    """One import statement (or one name of it) in ``path`` at ``line``: ``source`` imports ``target``."""

    path: str
    line: int
    source: str
    target: str
    in_function: bool = False
    type_checking: bool = False
    dynamic: bool = False

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    def describe(self) -> str:
        how = [word for word, on in (("in a function", self.in_function), ("under TYPE_CHECKING", self.type_checking),
                                     ("dynamic", self.dynamic)) if on]
        extra = f" ({', '.join(how)})" if how else ""
        return f"{self.where} {self.source} -> {self.target}{extra}"


@dataclass
class Graph:
    modules: dict[str, Path]  # module name -> file
    edges: list[Edge]
    unresolved: list[str]  # dynamic imports whose module name could not be read off the source

    def is_package(self, module: str) -> bool:
        path = self.modules.get(module)
        return path is not None and path.name == "__init__.py"


def in_package(name: str, package: str = PACKAGE) -> bool:
    return name == package or name.startswith(package + ".")


def floor(module: str) -> int:
    for prefix, number in FLOORS.items():
        if in_package(module, prefix):
            return number
    return TOP_FLOOR


def module_files(src: Path, package: str = PACKAGE) -> dict[str, Path]:
    """Every module of ``package`` under ``src``, by dotted name (a package by its ``__init__.py``)."""
    modules = {}
    for path in sorted((src / package).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    if isinstance(test, ast.Attribute):
        return test.attr == "TYPE_CHECKING"
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(_is_type_checking(value) for value in test.values)
    return False


def _is_dynamic_import(func: ast.expr) -> bool:
    if isinstance(func, ast.Attribute):
        return func.attr == "import_module" and isinstance(func.value, ast.Name) and func.value.id == "importlib"
    return isinstance(func, ast.Name) and func.id in ("import_module", "__import__")


class _Imports(ast.NodeVisitor):
    """Collects the churnsim imports of one module."""

    def __init__(self, module: str, path: str, is_package: bool, modules: dict[str, Path], package: str) -> None:
        self.module = module
        self.path = path
        self.is_package = is_package
        self.modules = modules
        self.package = package
        self.functions = 0
        self.type_checking = 0
        self.edges: list[Edge] = []
        self.unresolved: list[str] = []

    # --- context -------------------------------------------------------------------------------------------------
    def _function(self, node: ast.AST) -> None:
        self.functions += 1
        self.generic_visit(node)
        self.functions -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_If(self, node: ast.If) -> None:
        self.visit(node.test)
        guarded = _is_type_checking(node.test)
        self.type_checking += guarded
        for child in node.body:
            self.visit(child)
        self.type_checking -= guarded
        for child in node.orelse:
            self.visit(child)

    def _add(self, node: ast.AST, target: str, dynamic: bool = False) -> None:
        if in_package(target, self.package):
            self.edges.append(Edge(self.path, node.lineno, self.module, target, self.functions > 0,
                                   self.type_checking > 0, dynamic))

    # --- imports -------------------------------------------------------------------------------------------------
    def _own_package(self) -> list[str]:
        parts = self.module.split(".")
        return parts if self.is_package else parts[:-1]

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            parts = self._own_package()
            parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
            base = ".".join(parts + ([node.module] if node.module else []))
        else:
            base = node.module or ""
        for alias in node.names:
            submodule = f"{base}.{alias.name}"
            self._add(node, submodule if alias.name != "*" and submodule in self.modules else base)

    def visit_Call(self, node: ast.Call) -> None:
        self.generic_visit(node)
        if not _is_dynamic_import(node.func) or not node.args:
            return
        name = node.args[0]
        anchor = node.args[1] if len(node.args) > 1 else next(
            (kw.value for kw in node.keywords if kw.arg == "package"), None)
        if isinstance(name, ast.Constant) and isinstance(name.value, str):
            text = name.value
            if not text.startswith("."):
                self._add(node, text, dynamic=True)
                return
            if isinstance(anchor, ast.Name) and anchor.id in ("__name__", "__package__"):
                level = len(text) - len(text.lstrip("."))
                parts = self._own_package()
                parts = parts[: len(parts) - (level - 1)] if level > 1 else parts
                self._add(node, ".".join(parts + [text.lstrip(".")]) if text.lstrip(".") else ".".join(parts),
                          dynamic=True)
                return
        if (self.is_package and isinstance(name, ast.JoinedStr) and len(name.values) >= 2
                and isinstance(name.values[0], ast.FormattedValue) and isinstance(name.values[0].value, ast.Name)
                and name.values[0].value.id == "__name__" and isinstance(name.values[1], ast.Constant)
                and str(name.values[1].value).startswith(".")):
            # f"{__name__}.{...}" in an __init__: any direct submodule, so all of them.
            for other in self.modules:
                if other.rpartition(".")[0] == self.module:
                    self._add(node, other, dynamic=True)
            return
        self.unresolved.append(f"{self.path}:{node.lineno} {self.module}: {ast.unparse(node)}")


def collect(src: Path = SRC, package: str = PACKAGE) -> Graph:
    """Parse every module of ``package`` under ``src`` and collect its imports of the package."""
    modules = module_files(src, package)
    edges: list[Edge] = []
    unresolved: list[str] = []
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        shown = path.relative_to(src.parent).as_posix()
        visitor = _Imports(module, shown, path.name == "__init__.py", modules, package)
        visitor.visit(tree)
        edges += visitor.edges
        unresolved += visitor.unresolved
    return Graph(modules, sorted(set(edges)), unresolved)


# --- the checks, as functions of a graph (so the self-test can feed them a broken one) ------------------------------
def cycles(graph: Graph) -> list[str]:
    """Each import cycle (a strongly connected component, or a module importing itself), with its imports."""
    digraph = nx.DiGraph()
    digraph.add_nodes_from(graph.modules)
    digraph.add_edges_from((edge.source, edge.target) for edge in graph.edges)
    found = []
    for component in nx.strongly_connected_components(digraph):
        if len(component) == 1 and not digraph.has_edge(next(iter(component)), next(iter(component))):
            continue
        members = sorted(component)
        example = nx.find_cycle(digraph.subgraph(component), source=members[0])
        loop = " -> ".join([source for source, _ in example] + [example[0][0]])
        inside = [edge.describe() for edge in graph.edges if edge.source in component and edge.target in component]
        found.append(f"cycle among {', '.join(members)} (e.g. {loop}):\n    " + "\n    ".join(inside))
    return sorted(found)


def upward_imports(graph: Graph) -> list[str]:
    """Every import of a module on a higher floor than the importer's."""
    return [f"{edge.describe()}: floor {floor(edge.source)} ({FLOOR_NAMES[floor(edge.source)]}) imports floor "
            f"{floor(edge.target)} ({FLOOR_NAMES[floor(edge.target)]})"
            for edge in graph.edges if floor(edge.target) > floor(edge.source)]


def config_imports(graph: Graph) -> list[str]:
    """Every churnsim import in ``core/config.py``."""
    return [edge.describe() for edge in graph.edges if edge.source == CONFIG]


def type_checking_model_imports(graph: Graph) -> list[str]:
    """Every ``if TYPE_CHECKING:`` import of the model module (or of a package whose ``__init__`` imports it)."""
    carriers = {MODEL} | {edge.source for edge in graph.edges if edge.target == MODEL and graph.is_package(edge.source)}
    return [edge.describe() for edge in graph.edges if edge.type_checking and edge.target in carriers]


def report_reach(graph: Graph) -> list[str]:
    """How engine, mechanism or strategy modules are reached from ``churnsim.report``: each import that first steps
    from an allowed module into a forbidden one, with the chain of imports leading there from the report package.

    Reaching follows every import, and importing ``a.b.c`` also runs the ``__init__`` of ``a.b`` and ``a``.
    """
    out: dict[str, list[Edge]] = {}
    for edge in graph.edges:
        out.setdefault(edge.source, []).append(edge)
    starts = [module for module in graph.modules if in_package(module, REPORT)]
    via: dict[str, Edge | None] = dict.fromkeys(starts)
    queue = deque(starts)
    while queue:
        module = queue.popleft()
        steps = [(edge.target, edge) for edge in out.get(module, [])]
        parts = module.split(".")
        steps += [(".".join(parts[:n]), None) for n in range(len(parts) - 1, 0, -1)]  # parent packages run first
        for target, edge in steps:
            if target not in via and (target in graph.modules or edge is not None):
                via[target] = edge if edge is not None else Edge("(implicit)", 0, module, target)
                queue.append(target)

    def forbidden(module: str) -> bool:
        return any(in_package(module, prefix) for prefix in NOT_FOR_REPORT)

    def chain(module: str) -> list[str]:
        steps = []
        while (edge := via.get(module)) is not None:
            steps.append(edge.describe())
            module = edge.source
        return steps[::-1]

    found = []
    for module, edge in sorted(via.items(), key=lambda item: item[0]):
        if edge is not None and forbidden(module) and not forbidden(edge.source):
            reached = sorted(other for other in via if forbidden(other))
            found.append(f"{module} is reached from the report package through\n    " + "\n    ".join(chain(module))
                         + f"\n  (all forbidden modules reached: {', '.join(reached)})")
    return found


# --- the real package -----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def graph() -> Graph:
    return collect()


def _failure(rule: str, problems: list[str]) -> str:
    return f"{rule}: {len(problems)} problem(s)\n  " + "\n  ".join(problems)


def test_the_checker_sees_the_whole_package(graph):
    assert len(graph.modules) > 50 and len(graph.edges) > 100, "the source tree was not found or not parsed"
    for prefix in FLOORS:
        assert any(in_package(module, prefix) for module in graph.modules), f"no modules in floor {prefix}"
    assert not graph.unresolved, _failure("dynamic imports whose module the checker cannot read", graph.unresolved)
    missing = [edge.describe() for edge in graph.edges if edge.target not in graph.modules and edge.target != PACKAGE]
    assert not missing, _failure("imports of churnsim modules that do not exist under src/churnsim", missing)


def test_no_import_cycles(graph):
    problems = cycles(graph)
    assert not problems, _failure("import cycles (counting imports in functions and under TYPE_CHECKING)", problems)


def test_imports_go_down_or_sideways(graph):
    problems = upward_imports(graph)
    assert not problems, _failure("imports of a higher floor", problems)


def test_config_imports_nothing_of_churnsim(graph):
    problems = config_imports(graph)
    assert not problems, _failure("core/config.py must import nothing of churnsim", problems)


def test_report_reaches_no_engine_mechanisms_or_strategies(graph):
    problems = report_reach(graph)
    assert not problems, _failure("churnsim.report reads written tables only, yet reaches the model's code", problems)


def test_model_is_not_imported_under_type_checking(graph):
    problems = type_checking_model_imports(graph)
    assert not problems, _failure(f"{MODEL} imported under `if TYPE_CHECKING:`", problems)


# --- the checker can fail -------------------------------------------------------------------------------------------
FAKE = {
    "core/__init__.py": "",
    "core/config.py": "def late():\n    import churnsim.engine.model\n",
    "state/__init__.py": "",
    "state/accounts.py": "X = 1\n",
    "mechanisms/__init__.py": "",
    "mechanisms/choice.py": "from ..state import accounts\nfrom . import missing_name\n",
    "strategies/__init__.py": (
        "import importlib\nimport pkgutil\nfrom churnsim.strategies.base import Component\n"
        "for _m in pkgutil.iter_modules(__path__):\n    importlib.import_module(f'{__name__}.{_m.name}')\n"),
    "strategies/base.py": "Component = object\n",
    "strategies/foo.py": "from churnsim.strategies import Component\n",
    "engine/__init__.py": "",
    "engine/model.py": "from churnsim.core import config\nfrom churnsim.mechanisms import choice\n",
    "outputs.py": (
        "from typing import TYPE_CHECKING\nimport importlib\nif TYPE_CHECKING:\n    from churnsim.engine import model\n"
        "else:\n    pass\nM = importlib.import_module('churnsim.mechanisms.choice')\n"),
    "report/__init__.py": "",
    "report/load.py": "def read():\n    from churnsim import outputs\n",
}


def test_the_checks_catch_a_broken_tree(tmp_path):
    for name, text in FAKE.items():
        path = tmp_path / "src" / PACKAGE / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    graph = collect(tmp_path / "src")
    pairs = {(edge.source, edge.target): edge for edge in graph.edges}

    # Every kind of import is seen and resolved.
    assert pairs[("churnsim.core.config", MODEL)].in_function
    assert ("churnsim.engine.model", CONFIG) in pairs  # from churnsim.core import config -> the submodule
    assert ("churnsim.mechanisms.choice", "churnsim.state.accounts") in pairs  # relative, resolved to the submodule
    assert ("churnsim.mechanisms.choice", "churnsim.mechanisms") in pairs  # `from . import name`: the package
    assert pairs[("churnsim.outputs", MODEL)].type_checking
    assert pairs[("churnsim.outputs", "churnsim.mechanisms.choice")].dynamic
    assert pairs[("churnsim.strategies", "churnsim.strategies.foo")].dynamic  # the pkgutil loop
    assert not graph.unresolved

    found = cycles(graph)
    assert len(found) == 2, found
    assert any("churnsim.core.config, churnsim.engine.model" in cycle for cycle in found), found
    assert any("churnsim.strategies, churnsim.strategies.foo" in cycle for cycle in found), found

    upward = upward_imports(graph)
    assert any(problem.startswith("src/churnsim/core/config.py:2 churnsim.core.config -> churnsim.engine.model")
               for problem in upward), upward
    assert len(upward) == 1, upward  # mechanisms -> state is down; the top floor (outputs) may import anything

    assert config_imports(graph) == [f"src/churnsim/core/config.py:2 {CONFIG} -> {MODEL} (in a function)"]
    assert type_checking_model_imports(graph) == [
        f"src/churnsim/outputs.py:4 churnsim.outputs -> {MODEL} (under TYPE_CHECKING)"]

    reach = report_reach(graph)
    assert any(problem.startswith(f"{MODEL} is reached") and "src/churnsim/report/load.py:2" in problem
               for problem in reach), reach
    assert any(problem.startswith("churnsim.mechanisms.choice is reached") for problem in reach), reach
