"""The package's layout: rooms by role, layered one way, with no import circle.

The imports are read from the source (every ``import``, at the top of a module or inside a
function), so a circle dodged by an import inside a function is still a circle here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from backrelief_analysis import paths

PACKAGE = paths.PACKAGE_DIR
NAME = PACKAGE.name
# lowest first: a module may import from its own room and the rooms before it, never after
LAYERS = ("paths", "plan", "text", "log", "errors", "analysis", "words", "report", "share",
          "caseload", "session", "jupyter_setup", "app", "cli")
# imports left inside functions on purpose: the command line answers --help without pandas,
# and the app's page shows its first part before the analysis is imported (each says so)
DEFERRED_ON_PURPOSE = {f"{NAME}.cli", f"{NAME}.app.page", f"{NAME}.app.server"}


def _modules() -> dict[str, Path]:
    found = {}
    for file in PACKAGE.rglob("*.py"):
        parts = [NAME, *file.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = file
    return found


MODULES = _modules()


def _owner(name: str) -> str | None:
    """The package module that ``name`` (a dotted import) lives in."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str) -> list[tuple[str, int, bool]]:
    """(imported module of the package, line, at the top) for each import in ``module``."""
    file = MODULES[module]
    package = module if file.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(file.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    top |= {id(node) for node in tree.body if isinstance(node, ast.If)
            for node in node.body}  # "if TYPE_CHECKING:" blocks
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            names = [f"{source}.{alias.name}" for alias in node.names] + [source]
        else:
            continue
        for name in names:
            owner = _owner(name)
            if owner and owner != module and not module.startswith(f"{owner}."):
                found.append((owner, node.lineno, id(node) in top))
    return found


def _room(module: str) -> str:
    return module.split(".")[1] if "." in module else "__init__"


def _graph() -> dict[str, set[str]]:
    return {module: {owner for owner, _, _ in _imports(module)
                     if MODULES[owner].name != "__init__.py"}
            for module in MODULES if MODULES[module].name != "__init__.py"}


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while (other := stack.pop()) != node:
                group.append(other)
            if group:
                circles.append(sorted([node, *group]))

    for node in graph:
        if node not in index:
            visit(node)
    return circles


def test_the_package_has_no_import_circle() -> None:
    assert _circles(_graph()) == []


def test_the_circle_finder_finds_a_circle() -> None:
    # the test above can fail: a hand-made graph with a circle of three and a loner
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circles(graph) == [["a", "b", "c"]]


def test_rooms_are_layered_one_way() -> None:
    upward = [f"{module} imports {owner} (line {line})"
              for module in MODULES for owner, line, _ in _imports(module)
              if _room(module) in LAYERS and _room(owner) in LAYERS
              and LAYERS.index(_room(owner)) > LAYERS.index(_room(module))]
    assert upward == []


def test_every_room_is_placed_in_a_layer() -> None:
    rooms = {_room(module) for module in MODULES} - {"__init__"}
    assert rooms <= set(LAYERS)


@pytest.mark.parametrize("room", sorted({_room(m) for m in MODULES
                                         if MODULES[m].name == "__init__.py" and "." in m}))
def test_a_room_s_init_only_hands_names_on(room: str) -> None:
    tree = ast.parse((PACKAGE / room / "__init__.py").read_text(encoding="utf-8"))
    kinds = {type(node).__name__ for node in tree.body[1:]}  # after the docstring
    assert kinds <= {"ImportFrom", "Assign"}, kinds


def _says_deferred(module: str, line: int) -> bool:
    """Whether the import at ``line`` (or the line above it) says why it is deferred."""
    lines = MODULES[module].read_text(encoding="utf-8").splitlines()
    return any("deferred" in text for text in lines[max(line - 2, 0):line])


def test_imports_sit_at_the_top_of_modules() -> None:
    inside = [f"{module}: line {line} imports {owner}"
              for module in MODULES if module not in DEFERRED_ON_PURPOSE
              for owner, line, at_top in _imports(module)
              if not at_top and not _says_deferred(module, line)]
    assert inside == []
