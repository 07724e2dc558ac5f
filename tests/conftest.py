"""Shared fixtures: every test runs with a clean environment and its own data directory."""

from __future__ import annotations

import datetime as dt
import functools
import gc
import itertools
import logging
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from _pytest.mark.expression import Expression

from tests import pg, slack_emulator
from tests.leaks import LEAKS, LogScan, check_call

if TYPE_CHECKING:  # imported in the fixtures: xdist's controller loads this file before it starts the workers
    from xdist.remote import Producer

    from bot.knowledge.query import KnowledgeIndex
    from bot.storage.store import Store
    from bot.workflows.conversation import Advisor
    from tests.scheduling import GroupedLoadScheduling

TODAY = dt.date(2026, 11, 27)  # a Friday; anchors "by Friday", "this quarter" in tests


@pytest.fixture(scope="session", autouse=True)
def no_secret_leaks() -> Iterator[None]:
    """For the whole run: every log record (at DEBUG) and every Slack Web API call is scanned for the test
    secrets (tests/tokens.py); the e2e servers' logs are scanned when they stop. Any hit fails the session."""
    root = logging.getLogger()
    scan = LogScan(LEAKS)
    root.addHandler(scan)
    level = root.level
    root.setLevel(logging.DEBUG)
    record = slack_emulator.SlackEmulator._record

    def scanned(
        self: slack_emulator.SlackEmulator,
        method: str,
        params: slack_emulator.Params,
        headers: dict[str, str],
        faulted: str | None,
        reply: slack_emulator._Reply,
    ) -> slack_emulator._Reply:
        out = record(self, method, params, headers, faulted, reply)
        check_call(LEAKS, method, params, self._calls[-1].response)
        return out

    slack_emulator.SlackEmulator._record = scanned  # type: ignore[method-assign]
    yield
    slack_emulator.SlackEmulator._record = record  # type: ignore[method-assign]
    root.removeHandler(scan)
    root.setLevel(level)
    assert not LEAKS.found, "test secrets leaked:\n" + "\n".join(LEAKS.found[:20])


_TEST_DIRS = itertools.count()


@pytest.fixture
def tmp_path(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pytest's `tmp_path`, cheaper: a new directory for each test under the run's base directory (kept and cleaned
    up with it, as pytest's are). Every test gets one (`isolated_env`); pytest numbers each by listing all the earlier
    ones and repoints a symlink to it, over a millisecond a test where a `mkdir` is a tenth of one."""
    name = re.sub(r"\W", "_", request.node.name)[:30]
    path = tmp_path_factory.getbasetemp() / "tests" / f"{next(_TEST_DIRS)}-{name}"
    path.mkdir(mode=0o700, parents=True)
    return path


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No real token is ever seen and nothing touches the user's data or .env file."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "OPENAI_", "ADVISOR_", "AZURE_OPENAI", "CONNECTIONS__", "DATABASE_URL")):
            monkeypatch.delenv(name, raising=False)
    data = tmp_path / "advisor-data"
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(data))
    # The user's own ~/.config/ai-advisor/.env and data directory stay out of every test.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.chdir(tmp_path)
    yield data


# A module marked slow as a whole: `pytestmark = pytest.mark.slow` or a list of marks that includes it.
_SLOW_MODULE = re.compile(r"^pytestmark = .*\bpytest\.mark\.slow\b", re.M)


@functools.cache
def _leaves_out_slow(markexpr: str) -> bool:
    """Whether the `-m` expression deselects every test marked `slow`, whatever its other marks (as
    `make test-fast`'s "not slow and not e2e" does; "slow or e2e" or "e2e" do not)."""
    if not markexpr:
        return False
    expression = Expression.compile(markexpr)
    others = sorted(set(re.findall(r"\b(?!(?:and|or|not)\b)[A-Za-z_]\w*", markexpr)) - {"slow"})

    def selects(marks: set[str]) -> bool:
        def matcher(name: str, /, **kwargs: str | int | bool | None) -> bool:
            return name in marks

        return expression.evaluate(matcher)

    combos = itertools.product([False, True], repeat=len(others))
    return not any(selects({"slow", *(n for n, on in zip(others, combo, strict=True) if on)}) for combo in combos)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """When slow tests are deselected, a module marked slow as a whole is not even imported: none of its tests
    would run, and importing it costs every worker the libraries it loads (the Agents SDK, LangChain, hypothesis)."""
    if not (collection_path.name.startswith("test_") and collection_path.suffix == ".py"):
        return None
    if _leaves_out_slow(config.option.markexpr) and _SLOW_MODULE.search(collection_path.read_text(encoding="utf-8")):
        return True
    return None


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Producer) -> GroupedLoadScheduling | None:
    """`-n`'s `load` scheduling, but the tests that import LangChain go to one process, so the other does not
    import it too (tests/scheduling.py)."""
    if config.getvalue("dist") != "load":
        return None
    from tests.scheduling import GroupedLoadScheduling

    return GroupedLoadScheduling(config, log)


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session) -> Iterator[None]:
    """What collection makes (every module and library the tests import, every parametrized case) lives until the
    run ends. The cyclic GC is off while it is made (its full collections would walk it again and again for no
    garbage), then it is frozen (`gc.freeze`, as `ai-advisor serve` freezes its warm-up): each full collection during
    the tests walks only what the tests made, not the few hundred thousand objects of the libraries."""
    gc.disable()
    try:
        return (yield)
    finally:
        gc.freeze()
        gc.enable()


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """The run is over and reported (pytest's own last collection, which reports objects that could not be
    finalized cleanly, has run): everything left is frozen, so the interpreter's exit does not walk it all with the
    cyclic GC, about a second for each test process. Open files were closed by their tests; memory goes with the
    process."""
    gc.freeze()


@pytest.fixture(autouse=True)
def no_workspace_left_bound() -> Iterator[None]:
    """A Slack request dispatched in the test's own thread binds its workspace and client for the rest of that
    context (bot.slack.workspace.bind_workspace); unbound after each test, so a later test in the same worker never
    talks to an earlier test's (stopped) Web API emulator."""
    yield
    workspace = sys.modules.get("bot.slack.workspace")
    if workspace is not None:
        workspace._bound.set(None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test on the PostgreSQL cluster (which runs as its own processes) and a property sweep (hypothesis: a
    hundred generated cases or more) are slow: `make test-fast` leaves them out."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("database") == "postgres"
        sweep = getattr(getattr(item, "obj", None), "is_hypothesis_test", False)
        if on_postgres or sweep or "pg_cluster" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def no_process_unless_slow(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """`make test-fast` spawns no process: a test that does must be marked `slow` (or be an e2e test)."""
    if request.node.get_closest_marker("slow") or request.node.get_closest_marker("e2e"):
        return

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"{request.node.nodeid} starts a process: mark it @pytest.mark.slow")

    monkeypatch.setattr(subprocess.Popen, "_execute_child", refuse)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[pg.Cluster]:
    """One throwaway PostgreSQL cluster for the session (skipped, saying why, where no server binaries exist)."""
    reason = pg.missing_reason()
    if reason:
        pytest.skip(reason)
    cluster = pg.Cluster()
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: pg.Cluster) -> str:
    """An empty, migrated PostgreSQL database of the session's cluster."""
    return pg_cluster.database()


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a store lives, once per engine: a SQLite file, or an empty PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "advisor.db")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database every migration has been applied to, made once per test process: migrating a new database
    runs a few hundred schema statements (tens of milliseconds), copying a migrated one takes a fraction of one."""
    from bot.storage.store import Store

    path = tmp_path_factory.mktemp("migrated") / "advisor.db"
    Store(path).close()  # the last connection closed: the WAL is checkpointed into the file and removed
    return path


@pytest.fixture
def migrated_database(database: str, migrated_sqlite: Path) -> str:
    """`database`, migrated already (as the PostgreSQL one is): the SQLite file a copy of `migrated_sqlite`.
    Tests of migrating itself use `database`."""
    if database.startswith("postgresql"):
        return database
    return str(shutil.copyfile(migrated_sqlite, database))


@pytest.fixture
def fresh_store(tmp_path: Path, migrated_sqlite: Path) -> Iterator[Store]:
    """A store of the test's own: a SQLite file copied from `migrated_sqlite`."""
    from bot.storage.store import Store

    store = Store(shutil.copyfile(migrated_sqlite, tmp_path / "store.db"))
    yield store
    store.close()


@pytest.fixture
def advisor(fresh_store: Store) -> Advisor:
    """An advisor over an in-memory store, with dates anchored to TODAY."""
    from bot.workflows.conversation import Advisor

    return Advisor(fresh_store, today=TODAY)


@pytest.fixture(scope="session")
def built_knowledge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped knowledge base indexed once per test process: a build reads and chunks every file, which takes a
    good part of a second, and an index over the same files (same names, sizes and mtimes) is fresh anywhere."""
    from bot.knowledge.query import KnowledgeIndex
    from bot.resources import knowledge_dir

    path = tmp_path_factory.mktemp("knowledge") / "knowledge.db"
    index = KnowledgeIndex(path, [knowledge_dir()])
    index.ensure_fresh()
    index.close()
    return path


@pytest.fixture(scope="module")
def shipped_index(tmp_path_factory: pytest.TempPathFactory, built_knowledge: Path) -> Iterator[KnowledgeIndex]:
    """The whole shipped knowledge base, open for one test module (a copy of the once-built index; read-only use)."""
    from bot.knowledge.query import KnowledgeIndex
    from bot.resources import knowledge_dir

    copy = shutil.copyfile(built_knowledge, tmp_path_factory.mktemp("kb") / "knowledge.db")
    index = KnowledgeIndex(Path(copy), [knowledge_dir()], refresh_interval=None)
    index.ensure_fresh()
    yield index
    index.close()


@pytest.fixture
def knowledge_into(built_knowledge: Path) -> Callable[[Path], Path]:
    """Put a copy of the built index into a data directory, where `Services` finds it fresh and indexes nothing.
    A copy: a test that changes its index changes only its own."""

    def into(data_dir: Path) -> Path:
        data_dir.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copyfile(built_knowledge, data_dir / "knowledge.db"))

    return into


@pytest.fixture
def knowledge_in_data_dir(knowledge_into: Callable[[Path], Path], isolated_env: Path) -> Path:
    """The test's own data directory (ADVISOR_DATA_DIR) with the knowledge base already indexed."""
    return knowledge_into(isolated_env)
