"""Every user-facing string of the Teams agent lives in bot/teams/messages.py (as its docstring promises)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

TEAMS = Path(__file__).resolve().parents[2] / "bot" / "teams"
LETTER = re.compile(r"[^\W\d_]")  # a letter: not a separator like "; " or "• "
DEVELOPERS = ("log", "logging", "re", "warnings")  # calls whose strings are for developers
SYMBOLS = re.compile(r"[\u2190-\u2bff\U0001F000-\U0001FAFF]")  # arrows, ⛔, 👍…: shown to users as well


def for_developers(call: ast.Call) -> bool:
    """A call such as `log.info(...)` or `re.compile(...)`."""
    func = call.func
    return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in DEVELOPERS


def prose(path: Path) -> list[tuple[int, str]]:
    """String literals in `path` that read as text for people: letters with a space or a capital, or a symbol.

    Docstrings, log messages, regular expressions and upper-case names (environment variables) are left out.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skip.add(id(first.value))
        if isinstance(node, ast.Call) and for_developers(node):
            skip.update(id(n) for arg in node.args for n in ast.walk(arg))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            text = node.value
            if text.isidentifier() and text.isupper():
                continue  # a name such as an environment variable's, not prose
            if SYMBOLS.search(text) or (LETTER.search(text) and (" " in text or text[:1].isupper())):
                found.append((node.lineno, text))
    return sorted(found)


@pytest.mark.parametrize("module", sorted(p.name for p in TEAMS.glob("*.py") if p.name != "messages.py"))
def test_no_user_facing_text_outside_messages(module: str) -> None:
    assert prose(TEAMS / module) == []


def test_the_check_finds_text(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""Doc."""\nimport logging\nlog = logging.getLogger("x")\n'
        'A = "Risks"\nB = f"{n} more items"\nC = "👍"\nD = {"verb": "adjust", "c": "x"}\n'
        'log.info("started %s", "Quietly")\n',
        encoding="utf-8",
    )
    assert [text for _, text in prose(sample)] == ["Risks", " more items", "👍"]
