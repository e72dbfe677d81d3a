"""The package's layers hold: every module sits in a layer, imports only from its own layer or
those it builds on, and no import cycle exists, counting the imports inside functions.

The graph is read from the source with `ast`, so an import that only runs inside a function
(or only when a command runs) counts as much as one at the top of a module.
"""

from __future__ import annotations

import ast
import graphlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import tracker
import tracker.db

# Bottom up. A layer may import from itself and from the layers it lists; nothing else.
BELOW: dict[str, frozenset[str]] = {}
for _layer, _uses in [
    ("values", ()),
    ("data", ("values",)),
    ("db", ("values", "data")),
    ("facts", ("values", "data", "db")),
    ("assess", ("values", "data", "facts")),
    ("publish", ("values", "data", "facts", "assess")),
    ("registry", ("values", "data", "db", "facts", "assess")),
    ("service", ("values", "data", "db", "facts", "assess", "publish", "registry")),
    ("interop", ("values", "data", "db", "facts", "assess", "publish", "registry", "service")),
    ("cli", ("values", "data", "db", "facts", "assess", "publish", "registry", "service",
             "interop")),
    ("web", ("values", "data", "db", "facts", "assess", "publish", "registry", "service",
             "interop")),
]:
    BELOW[_layer] = frozenset(_uses)

# The one import across the two front ends: `tracker serve` starts the web application.
FRONT_END_STARTERS = {("tracker.cli.serve_cmd", "tracker.web.app")}

# Which subpackage is which layer. `tracker` itself holds only the version.
LAYER_OF_PACKAGE = {
    "tracker": "values",
    "tracker.__main__": "cli",
    **{f"tracker.{layer}": layer for layer in BELOW},
    "tracker.templates": "publish",
}

# Third-party packages a layer must not reach: the pure layers know no database, no command
# line and no templates; only the command line speaks click.
DATABASE = frozenset({"sqlalchemy", "sqlmodel", "alembic", "psycopg"})
FORBIDDEN_EXTERNAL = {
    "values": DATABASE | {"click", "jinja2"},
    "data": DATABASE | {"click", "jinja2"},
    "db": frozenset({"click", "jinja2"}),
    "facts": frozenset({"click", "jinja2"}),
    "assess": DATABASE | {"click", "jinja2"},
    "publish": DATABASE | {"click"},
    "registry": frozenset({"click", "jinja2"}),
    "service": frozenset({"click"}),
    "interop": frozenset({"click"}),
}


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int
    # Under `if TYPE_CHECKING:`: never executed, so it cannot close a cycle at run time,
    # but it still may not point upward.
    typing_only: bool


def package_files() -> dict[str, Path]:
    """Every module of `tracker`, by dotted name (tracker.db lives in the repository's db/)."""
    modules: dict[str, Path] = {}
    for package, root in (("tracker", Path(tracker.__file__).parent),
                          ("tracker.db", Path(tracker.db.__file__).parent)):
        for path in root.rglob("*.py"):
            parts = [package, *path.relative_to(root).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


MODULES = package_files()


def layer_of(module: str) -> str | None:
    """The layer of a module: that of the longest package prefix naming one."""
    name = module
    while name:
        if name in LAYER_OF_PACKAGE and (name != "tracker" or module == "tracker"):
            return LAYER_OF_PACKAGE[name]
        name = name.rpartition(".")[0]
    return None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _nearest_module(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _targets(module: str, path: Path, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    """Dotted names an import statement reaches (ours or third-party)."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    if node.level:
        base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        base = base[:len(base) - node.level + 1]
        source = ".".join(base + ([node.module] if node.module else []))
    else:
        source = node.module or ""
    for alias in node.names:
        submodule = f"{source}.{alias.name}"
        yield submodule if submodule in MODULES else source


def imports_of(module: str, path: Path) -> Iterator[Import]:
    """Every import statement of a module, wherever it stands (top, function, class)."""
    def walk(node: ast.AST, typing_only: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                for target in _targets(module, path, child):
                    yield Import(module, target, child.lineno, typing_only)
            inner = typing_only or (isinstance(child, ast.If) and _is_type_checking(child))
            yield from walk(child, inner)

    yield from walk(ast.parse(path.read_text("utf-8")), False)


ALL_IMPORTS = [imp for module, path in sorted(MODULES.items())
               for imp in imports_of(module, path)]
OURS = [imp for imp in ALL_IMPORTS
        if (target := _nearest_module(imp.imported)) and target.startswith("tracker")]


def test_every_module_belongs_to_a_layer() -> None:
    homeless = sorted(m for m in MODULES if layer_of(m) is None)
    assert not homeless, (
        "modules in no layer (move each into the subpackage of its layer: "
        f"{', '.join(sorted(BELOW))}): {', '.join(homeless)}")


def test_imports_keep_to_the_layers() -> None:
    broken = []
    for imp in OURS:
        imported = _nearest_module(imp.imported)
        assert imported is not None
        mine, theirs = layer_of(imp.importer), layer_of(imported)
        if mine is None or theirs is None or mine == theirs or theirs in BELOW[mine] \
                or (imp.importer, imported) in FRONT_END_STARTERS:
            continue
        broken.append(f"{imp.importer} (line {imp.line}, layer {mine}) imports {imported} "
                      f"(layer {theirs}): {mine} may import only "
                      f"{', '.join(sorted(BELOW[mine])) or 'itself'}")
    assert not broken, "imports break a layer rule:\n" + "\n".join(broken)


def test_pure_layers_keep_off_the_database_and_the_command_line() -> None:
    broken = []
    for imp in ALL_IMPORTS:
        top = imp.imported.partition(".")[0]
        mine = layer_of(imp.importer)
        if mine is not None and top in FORBIDDEN_EXTERNAL.get(mine, ()):
            banned = ", ".join(sorted(FORBIDDEN_EXTERNAL[mine]))
            broken.append(f"{imp.importer} (line {imp.line}, layer {mine}) imports {top}: "
                          f"layer {mine} must not use {banned}")
    assert not broken, "third-party imports break a layer rule:\n" + "\n".join(broken)


def import_graph() -> dict[str, set[str]]:
    """Module -> the modules it imports at run time (package parents included: importing
    tracker.a.b runs tracker.a's __init__ first)."""
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for imp in OURS:
        if imp.typing_only:
            continue
        target = _nearest_module(imp.imported)
        assert target is not None
        if target != imp.importer:
            graph[imp.importer].add(target)
    return graph


def test_no_import_cycle() -> None:
    try:
        tuple(graphlib.TopologicalSorter(import_graph()).static_order())
    except graphlib.CycleError as error:
        # graphlib lists a cycle from the imported to the importer: turn it round.
        cycle = list(reversed(error.args[1]))
        pytest.fail("import cycle (imports inside functions count): "
                    + " imports ".join(cycle))


@pytest.mark.parametrize("module, expected", [
    ("tracker.labels", None),
    ("tracker.values.money", "values"),
    ("tracker.db.models", "db"),
    ("tracker.web.app", "web"),
    ("tracker", "values"),
])
def test_a_module_outside_the_layers_is_caught(module: str, expected: str | None) -> None:
    """A module merged later at the old top level belongs to no layer, and the first test
    names it."""
    assert layer_of(module) == expected


def test_commands_judge_through_the_one_assessment() -> None:
    """The command line and the web front end judge the registry only through
    `tracker.service.assessing.assess`: none of them evaluates rules or builds a budget on
    its own, so no two commands can judge the same run differently."""
    rules = {("tracker.assess.flags", "evaluate"), ("tracker.assess.budget", "build")}
    found = []
    for module, path in sorted(MODULES.items()):
        if layer_of(module) not in ("cli", "web"):
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom):
                found += [f"{module} (line {node.lineno}) imports {node.module}.{a.name}"
                          for a in node.names if (node.module, a.name) in rules]
    assert not found, "judge through tracker.service.assessing.assess:\n" + "\n".join(found)
