"""Serving Teams: `GET /readyz` answers with the same checks as Slack's (no token needed), and `serve-teams` logs
JSON lines like `serve` and keeps house (old dedupe keys are deleted) while it runs."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from click.testing import CliRunner

from bot.cli import main
from bot.logs import QUIET, parse_lines
from bot.services import Services
from bot.storage.store import Store
from bot.teams.serve import build
from bot.workflows.housekeeping import DEDUPE_DAYS
from tests.polling import eventually
from tests.teams.conftest import teams_services
from tests.teams.harness import AgentServer, http
from tests.teams.test_auth import CREDENTIALS

pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning")


class BrokenIndex:
    def files(self) -> list[dict[str, Any]]:
        raise OSError("disk I/O error")


@pytest.fixture
def secured(tmp_path: Path, knowledge_into: Callable[[Path], Path]) -> Iterator[tuple[AgentServer, Services]]:
    knowledge_into(tmp_path / "data")
    services = teams_services(tmp_path / "data", **CREDENTIALS)
    server = AgentServer(build(services)).start()
    yield server, services
    server.stop()


@pytest.mark.slow
def test_readyz_checks_the_database_and_knowledge_without_a_token(secured: tuple[AgentServer, Services]) -> None:
    server, services = secured
    status, report = http("GET", server.url + "/readyz")
    assert status == 200 and report["ok"] and set(report["checks"]) == {"database", "knowledge"}
    assert "migrations" in report["checks"]["database"]["detail"]
    assert http("POST", server.url + "/api/messages", {"type": "message"})[0] == 401  # the agent itself still isn't
    services.__dict__["knowledge"] = BrokenIndex()
    status, report = http("GET", server.url + "/readyz")
    assert status == 503 and not report["ok"] and "disk I/O error" in report["checks"]["knowledge"]["detail"]
    assert report["checks"]["database"]["ok"]
    assert http("GET", server.url + "/healthz") == (200, {"ok": True})  # liveness doesn't depend on readiness


def test_readyz_details_only_locally(secured: tuple[AgentServer, Services]) -> None:
    server, _ = secured
    assert http("GET", server.url + "/readyz", headers={"X-Forwarded-For": "198.51.100.7"}) == (200, {"ok": True})


def test_readyz_says_not_ready_once_shutting_down(secured: tuple[AgentServer, Services]) -> None:
    server, _ = secured
    asyncio.run_coroutine_threadsafe(server.app.shutdown(), server.loop).result(timeout=10)
    status, report = http("GET", server.url + "/readyz")
    assert status == 503 and report["checks"]["serving"] == {"ok": False, "detail": "shutting down"}


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """`serve-teams` configures the process's logging; put the test session's back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    quiet = {name: logging.getLogger(name).level for name in QUIET}
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    root.setLevel(level)
    for name, was in quiet.items():
        logging.getLogger(name).setLevel(was)


@pytest.mark.slow
def test_serve_teams_logs_json_lines_and_deletes_old_dedupe_keys(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch, restore_logging: None
) -> None:
    store = Store(isolated_env / "advisor.db")
    assert store.mark_seen("teams:19:old:1") and store.mark_seen("teams:19:recent:1")
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(days=DEDUPE_DAYS + 1)).isoformat(timespec="milliseconds")
    store.db.execute("update processed_events set created_at = ? where key = 'teams:19:old:1'", [old])
    served: dict[str, Any] = {}

    secret = CREDENTIALS["connections__service_connection__settings__clientsecret"]

    def run_app(app: web.Application, **kwargs: Any) -> None:  # instead of blocking on a port
        served.update(kwargs, app=app)
        # Straight to the configured JSON handler: the session's leak scan on the root logger would (rightly) flag it.
        (handler,) = [h for h in logging.getLogger().handlers if h.get_name() == "ai-advisor-json"]
        handler.handle(
            logging.LogRecord("bot.teams.serve", logging.INFO, __file__, 0, "started with %s", (secret,), None)
        )

    monkeypatch.setattr(web, "run_app", run_app)
    env = {"ADVISOR_TEAMS_ANONYMOUS": "true", **{k.upper(): v for k, v in CREDENTIALS.items()}}
    result = CliRunner().invoke(main, ["serve-teams", "--port", "3999", "--host", "127.0.0.1"], env=env)
    assert result.exit_code == 0, result.output
    assert served["port"] == 3999 and served["host"] == "127.0.0.1"
    lines = parse_lines(result.stderr.splitlines())
    assert lines and len(lines) == len([x for x in result.stderr.splitlines() if x.strip()])  # only JSON lines
    by_message = {line["message"]: line for line in lines}
    started = by_message["started with [CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET]"]
    assert started["logger"] == "bot.teams.serve" and started["level"] == "INFO" and secret not in result.stderr
    assert any("serving Teams" in m and "/readyz" in m for m in by_message)
    assert any(line["level"] == "WARNING" and "ADVISOR_TEAMS_ANONYMOUS" in line["message"] for line in lines)
    try:
        eventually(lambda: store.mark_seen("teams:19:old:1"), "the housekeeping's first sweep forgot it")
        assert not store.mark_seen("teams:19:recent:1")
    finally:
        app: web.Application = served["app"]
        asyncio.run(cleanup(app))  # what aiohttp runs at exit: stops the housekeeping
        store.close()


async def cleanup(app: web.Application) -> None:
    """Run the app's cleanup callbacks, as aiohttp does when it stops."""
    for callback in app.on_cleanup:
        await callback(app)
