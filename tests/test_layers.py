"""The layers the folders show: every import under bot/ points down the table below (docs/architecture.md).

Imports are read with `ast` from the source, so an import inside a function or under `TYPE_CHECKING` counts as much
as one at the top of a module: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"

# Lowest first: a module may import its own layer and the layers before it, never one after it.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "base",
        ("bot", "bot.errors", "bot.resources", "bot.text", "bot.redact", "bot.config", "bot.logs", "bot.allocator"),
    ),
    ("domain", ("bot.advisor",)),
    ("storage", ("bot.storage", "bot.metrics")),  # metrics: counters, and gauges read from the inbox and outbox
    ("services", ("bot.llm", "bot.knowledge")),
    ("workflows", ("bot.workflows",)),
    ("composition", ("bot.services", "bot.health")),
    ("adapters", ("bot.slack", "bot.teams")),
    ("entry points", ("bot.cli", "bot.doctor", "bot.__main__")),
)
ADAPTERS = ("bot.slack", "bot.teams")  # one layer, but they never import each other
# Libraries that only some layers may use. The domain does no I/O: no database, network, model or platform.
PLATFORM_LIBS = ("slack_bolt", "slack_sdk", "microsoft_agents", "aiohttp", "waitress")
IO_LIBS: tuple[str, ...] = (
    *PLATFORM_LIBS,
    *("sqlite3", "sqlite_utils", "openai", "langchain_core", "langchain_openai"),
    *("httpx", "requests", "urllib.request", "http.client", "http.server", "socket", "subprocess", "threading"),
)
FORBIDDEN_LIBS: dict[str, tuple[str, ...]] = {
    "base": IO_LIBS,
    "domain": IO_LIBS,
    "storage": PLATFORM_LIBS,
    "services": PLATFORM_LIBS,
    "workflows": PLATFORM_LIBS,
}


@dataclass(frozen=True)
class Import:
    """One import statement's target, where it was written."""

    module: str  # the importing module, e.g. bot.workflows.housekeeping
    path: str  # its file, relative to the repository
    line: int
    target: str  # the imported module, e.g. bot.services


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def layer_of(module: str) -> str | None:
    """The layer a `bot` module belongs to (the longest matching prefix wins: `bot.advisor` is not `bot`)."""
    best: tuple[int, str] | None = None
    for layer, prefixes in LAYERS:
        for prefix in prefixes:
            matches = module == prefix if prefix == "bot" else _within(module, prefix)  # the root: only itself
            if matches and (best is None or len(prefix) > best[0]):
                best = (len(prefix), layer)
    return best[1] if best else None


def rank(layer: str) -> int:
    """The layer's position in LAYERS, lowest first."""
    return [name for name, _ in LAYERS].index(layer)


def module_name(path: Path, root: Path) -> str:
    """`bot/knowledge/query.py` -> `bot.knowledge.query`; a package's `__init__.py` is the package."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_in(
    source: str | ast.Module, module: str, path: str, *, package: bool = False, known: frozenset[str] = frozenset()
) -> Iterator[Import]:
    """Every import in `source` (text or its syntax tree; anywhere in it), resolved to absolute module names.

    `from bot.knowledge import query` imports `bot.knowledge.query` when that module is in `known`, else the package;
    relative imports are resolved against `module` (`package`: the source is a package's `__init__.py`).
    """
    tree = ast.parse(source, filename=path) if isinstance(source, str) else source
    for node in _statements(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, path, node.lineno, alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if package else 0)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                yield Import(module, path, node.lineno, sub if sub in known else base)


_BLOCKS = (ast.stmt, ast.excepthandler, ast.match_case)


def _statements(tree: ast.Module) -> Iterator[ast.AST]:
    """Every statement in the tree, however nested. An import is a statement, and no expression holds one, so
    expressions (most of a module's nodes) are not walked into."""
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        yield node
        for _, value in ast.iter_fields(node):
            if isinstance(value, list):
                todo.extend(child for child in value if isinstance(child, _BLOCKS))
            elif isinstance(value, _BLOCKS):
                todo.append(value)


@functools.cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))  # parsed once for all the tests here


def bot_imports(root: Path = BOT) -> Iterator[Import]:
    """The imports of every module under `root` (the `bot` package)."""
    files = sorted(root.rglob("*.py"))
    known = frozenset(module_name(f, root) for f in files)
    for f in files:
        rel = f.relative_to(root.parent).as_posix()
        yield from imports_in(_tree(f), module_name(f, root), rel, package=f.name == "__init__.py", known=known)


def violation(imp: Import) -> str | None:
    """Why `imp` points the wrong way, or None when it is allowed."""
    where = f"{imp.path}:{imp.line}: {imp.module} imports {imp.target}"
    mine = layer_of(imp.module)
    if mine is None:
        return f"{where}, but {imp.module} is in no layer (add its package to LAYERS in tests/test_layers.py)"
    if not _within(imp.target, "bot"):
        used = next((lib for lib in FORBIDDEN_LIBS.get(mine, ()) if _within(imp.target, lib)), None)
        return f"{where}: the {mine} layer must not use {used}" if used else None
    theirs = layer_of(imp.target)
    if theirs is None:
        return f"{where}, which is in no layer"
    if rank(theirs) > rank(mine):
        allowed = ", ".join(name for name, _ in LAYERS[: rank(mine) + 1])
        return f"{where}: {mine} may not import {theirs} (it may import {allowed})"
    for adapter in ADAPTERS:
        if _within(imp.target, adapter) and mine == "adapters" and not _within(imp.module, adapter):
            return f"{where}: the adapters never import each other"
    return None


@pytest.mark.slow
def test_every_import_under_bot_points_down_the_layers() -> None:
    problems = [v for imp in bot_imports() if (v := violation(imp))]
    assert not problems, "imports pointing the wrong way:\n" + "\n".join(problems)


def test_every_module_is_in_a_layer() -> None:
    unplaced = [module_name(f, BOT) for f in BOT.rglob("*.py") if layer_of(module_name(f, BOT)) is None]
    assert not unplaced


def test_the_layer_table_names_only_packages_and_modules_that_exist() -> None:
    known = {module_name(f, BOT) for f in BOT.rglob("*.py")}
    missing = [p for _, prefixes in LAYERS for p in prefixes if p not in known]
    assert not missing


# The checker itself: each rule catches a planted import, wherever in the module it is written.
PLANTED = [
    ("bot.advisor.engine", "from bot.storage.store import Store", "domain may not import storage"),
    ("bot.advisor.engine", "def f():\n    from bot.slack import blocks", "domain may not import adapters"),
    (
        "bot.workflows.housekeeping",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot.services import Services",
        "workflows may not import composition",
    ),
    ("bot.teams.cards", "import bot.slack.blocks", "the adapters never import each other"),
    ("bot.slack.replies", "from bot.teams import cards", "the adapters never import each other"),
    ("bot.services", "from bot.slack.app import build_app", "composition may not import adapters"),
    ("bot.storage.store", "from ..workflows import leads", "storage may not import workflows"),
    ("bot.advisor.tco", "import sqlite3", "the domain layer must not use sqlite3"),
    ("bot.advisor.tco", "from urllib.request import urlopen", "the domain layer must not use urllib.request"),
    ("bot.workflows.leads", "from slack_sdk import WebClient", "the workflows layer must not use slack_sdk"),
    ("bot.gadgets", "import json", "bot.gadgets is in no layer"),
]


@pytest.mark.parametrize(("module", "source", "reason"), PLANTED)
def test_a_wrong_way_import_is_reported_with_its_place(module: str, source: str, reason: str) -> None:
    path = module.replace(".", "/") + ".py"
    known = frozenset(module_name(f, BOT) for f in BOT.rglob("*.py"))
    found = [v for imp in imports_in(source, module, path, known=known) if (v := violation(imp))]
    assert len(found) == 1 and reason in found[0], found
    line = source.count("\n") + 1  # every planted import is on the source's last line
    assert found[0].startswith(f"{path}:{line}: {module} imports ")


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("bot.slack.app", "from bot.workflows.housekeeping import Housekeeper"),
        ("bot.cli", "def serve():\n    from bot.slack.serve import run"),
        ("bot.knowledge.query", "from .index import FtsIndex"),
        ("bot.knowledge.ask", "from bot.llm.client import LlmClient"),
        ("bot.advisor.engine", "from bot.errors import InputError\nimport re"),
        ("bot.config", "from urllib.parse import urlsplit"),
        ("bot.storage.store", "import sqlite_utils\nfrom bot.advisor.intake import Intake"),
    ],
)
def test_imports_that_point_down_pass(module: str, source: str) -> None:
    path = module.replace(".", "/") + ".py"
    assert [violation(imp) for imp in imports_in(source, module, path)] == [None] * len(
        list(imports_in(source, module, path))
    )


def test_relative_imports_resolve_against_the_module() -> None:
    [imp] = imports_in(
        "from ..storage import store", "bot.workflows.leads", "x.py", known=frozenset({"bot.storage.store"})
    )
    assert imp.target == "bot.storage.store"
    [imp] = imports_in(
        "from . import query", "bot.knowledge", "x.py", package=True, known=frozenset({"bot.knowledge.query"})
    )
    assert imp.target == "bot.knowledge.query"


def test_module_loggers_are_named_after_their_module() -> None:
    # getLogger("bot.slack") in bot/slack/serve.py would hide where a record came from (and what to silence).
    named = []
    for f in sorted(BOT.rglob("*.py")):
        if "getLogger" not in f.read_text(encoding="utf-8"):
            continue  # a call of it names it: the file's tree need not be walked
        for node in ast.walk(_tree(f)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "getLogger"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                named.append(f"{f.relative_to(BOT.parent)}:{node.lineno}: getLogger({node.args[0].value!r})")
    assert not named, "use logging.getLogger(__name__):\n" + "\n".join(named)
