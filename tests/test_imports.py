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
    "PIL",  # the cost chart, drawn only when one is asked for
    "numpy",  # no dependency needs it; sqlite-utils would import it where installed (~100 ms, several MB)
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


# What a one-shot `assess` does not need once its card's citations are kept (bot/knowledge/evidence_cache.py): the
# conversation core and its dialogue modules, the store, the search machinery and sqlite-utils under it.
NOT_FOR_ASSESS = (
    "bot.workflows.conversation",
    "bot.advisor.dialogue",
    "bot.advisor.message_form",
    "bot.advisor.message_kind",
    "bot.advisor.questions",
    "bot.storage",
    "bot.knowledge.query",
    "bot.knowledge.query_expansion",
    "bot.knowledge.index",
    "sqlite_utils",
    "dateutil",
)


def test_a_second_assess_loads_no_conversation_store_or_search(tmp_path: Path) -> None:
    code = (
        "from bot.cli import main\n"
        "try:\n"
        "    main(['assess', 'Tagging 40k labelled support emails by product, 900k a month, two ML engineers'])\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code\n"
    )
    first = _modules(code, tmp_path)  # a cold cache: the index answers, and its answer is kept
    assert "bot.knowledge.query" in first and "bot.workflows.conversation" not in first
    again = _modules(code, tmp_path)
    assert "bot.knowledge.evidence_cache" in again and "bot.advisor.engine" in again
    assert _loaded(again, NOT_FOR_ASSESS) == []


def test_the_llm_modules_load_langchain_only_when_a_prompt_is_built(tmp_path: Path) -> None:
    # Naming the client or a template costs nothing; the prompts, when built, are still LangChain's.
    assert _loaded(_modules("import bot.llm.client, bot.llm.templates", tmp_path), HEAVY) == []
    code = (
        "from langchain_core.prompts import ChatPromptTemplate\n"
        "from bot.llm.templates import load_all\n"
        "assert all(isinstance(t.prompt, ChatPromptTemplate) for t in load_all().values())"
    )
    assert "langchain_core.prompts" in _modules(code, tmp_path)


def test_the_langchain_retriever_is_still_there(tmp_path: Path) -> None:
    modules = _modules("from bot.knowledge.retriever import KnowledgeRetriever", tmp_path)
    assert "langchain_core" in modules


def test_the_store_and_the_index_open_without_numpy(tmp_path: Path) -> None:
    # What `serve` and `assess` open. sqlite-utils imports numpy and pandas when it can (only to map their scalar
    # types); nothing the bot depends on installs them since the cost chart dropped matplotlib, and a dependency
    # that brought numpy back would show here.
    code = (
        "from bot.storage.store import Store\n"
        "from bot.knowledge.query import KnowledgeIndex\n"
        "from bot.resources import knowledge_dir\n"
        "store = Store(str(__import__('pathlib').Path('data') / 'advisor.db'))\n"
        "KnowledgeIndex(__import__('pathlib').Path('data') / 'knowledge.db', [knowledge_dir()]).ensure_fresh()\n"
    )
    modules = _modules(code, tmp_path)
    assert "sqlite_utils" in modules
    stale = "(still installed from matplotlib? rebuild the virtualenv: make clean && make)"
    assert "numpy" not in modules and "pandas" not in modules, stale


def test_assess_leaves_the_models_it_does_not_use_unbuilt(tmp_path: Path) -> None:
    # defer_build: `tco --explain`/`--list-models` rows and the question bank are validated only when used.
    code = (
        "from bot.cli import main\n"
        "try:\n"
        "    main(['assess', 'We have 75k labeled reports, an ML team and 1.2M reports a month'])\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code\n"
        "from bot.advisor import prices, questions, tco\n"
        "built = [m.__name__ for m in (tco.AssumptionRow, prices.ModelRow, questions.Question) "
        "if m.__pydantic_complete__]\n"
        "assert not built, built\n"
        "q = questions.Question(field='f', step=1, text='t', quick_answers=[{'label': 'a', 'value': 1}])\n"
        "assert q.quick_answers[0].label == 'a'\n"
        "assert tco.explain()[0].name\n"
    )
    assert "bot.advisor.tco" in _modules(code, tmp_path)


@pytest.mark.parametrize(("given", "expected"), [(None, "__all__"), ("", ""), ("some_plugin", "some_plugin")])
def test_the_cli_turns_pydantic_plugins_off_unless_told(given: str | None, expected: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    if given is not None:
        env["PYDANTIC_DISABLE_PLUGINS"] = given
    out = subprocess.run(
        [sys.executable, "-c", "import os, bot.cli; print(repr(os.environ['PYDANTIC_DISABLE_PLUGINS']))"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=True,
    ).stdout
    assert out.strip() == repr(expected)


def test_a_server_freezes_what_its_warm_up_built(tmp_path: Path) -> None:
    # After the warm-up, every object then alive is out of the cyclic GC's walk; what serving allocates later is
    # still collected.
    code = (
        "import gc\n"
        "from bot.config import Settings\n"
        "from bot.services import Services, freeze_start_up_objects\n"
        "Services(Settings()).warm_up()\n"
        "freeze_start_up_objects()\n"
        "frozen, walked = gc.get_freeze_count(), len(gc.get_objects())\n"
        "assert frozen > 10_000 and walked < frozen // 20, (frozen, walked)\n"
        "a = []\n"
        "a.append(a)\n"
        "del a\n"
        "assert gc.collect() >= 1\n"
    )
    assert "bot.services" in _modules(code, tmp_path)
