"""Start-up cost: what the command line loads. Heavy dependencies are imported only where they are used, so
`--help`, `tco`, `assess` and `chat` start fast (BENCHMARKS.md has the timings; no test asserts on time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # see `make test-fast` in the README

# Loaded only by the commands that use them: Slack, Teams, the model, LangChain (and its LangSmith client).
HEAVY = (
    "langchain_core",
    "langchain_openai",
    "langsmith",
    "openai",
    "slack_bolt",
    "slack_sdk",
    "microsoft_agents",
    "aiohttp",
    "waitress",
    "msal",
    "httpx",
    "requests",
    "matplotlib",
)
# Not needed to parse arguments or print help either.
FOR_COMMANDS = (
    "pydantic",
    "pydantic_settings",
    "sqlite_utils",
    "yaml",
    "bot.storage.store",
    "bot.knowledge.index",
    "bot.knowledge.query",
    "bot.advisor",
    "bot.services",
    "bot.config",
)

REPORT = "import json, sys; print('MODULES ' + json.dumps(sorted(sys.modules)))"


def _modules(code: str, tmp_path: Path) -> set[str]:
    """The modules loaded by running `code` (then printing them) in a fresh interpreter, offline."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "OPENAI_", "ADVISOR_", "AZURE_OPENAI", "CONNECTIONS__"))
    }
    env["ADVISOR_DATA_DIR"] = str(tmp_path / "data")
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\n{REPORT}"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=True,
    ).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("MODULES "))
    return set(json.loads(line.removeprefix("MODULES ")))


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_plain_import_of_the_cli_loads_only_click(tmp_path: Path) -> None:
    modules = _modules("import bot.cli", tmp_path)
    assert "click" in modules
    assert _loaded(modules, HEAVY) == []
    assert _loaded(modules, FOR_COMMANDS) == []


@pytest.mark.parametrize(
    "args",
    [
        ["assess", "We have 75k labeled reports, an ML team and 1.2M reports a month"],
        ["tco", "--requests", "2000000"],
        ["search", "labeled data"],
    ],
)
def test_offline_commands_do_not_load_platforms_or_langchain(args: list[str], tmp_path: Path) -> None:
    code = f"from bot.cli import main\ntry:\n    main({args!r})\nexcept SystemExit as exc:\n    assert not exc.code"
    modules = _modules(code, tmp_path)
    assert "bot.advisor.engine" in modules or args[0] != "assess"
    assert _loaded(modules, HEAVY) == []


def test_the_langchain_retriever_is_still_there(tmp_path: Path) -> None:
    modules = _modules("from bot.knowledge.retriever import KnowledgeRetriever", tmp_path)
    assert "langchain_core" in modules
