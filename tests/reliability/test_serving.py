"""Readiness (`GET /readyz`) in-process: which failures make the app not ready, and draining on shutdown."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, cast

import pytest
from slack_bolt import App

from bot import health
from bot.config import Settings
from bot.services import Services
from bot.slack.serve import SlackWsgiApp
from tests.tokens import SIGNING_SECRET

pytestmark = pytest.mark.usefixtures("knowledge_in_data_dir")  # the index built once, copied


def get(wsgi: SlackWsgiApp, path: str, **environ: str) -> tuple[int, dict[str, Any]]:
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"] = int(status.split()[0])

    environ = {"REMOTE_ADDR": "127.0.0.1", **environ}
    body: Iterable[bytes] = wsgi({"REQUEST_METHOD": "GET", "PATH_INFO": path, **environ}, start_response)
    return seen["status"], json.loads(b"".join(body))


class BrokenIndex:
    def files(self) -> list[dict[str, Any]]:
        raise OSError("disk I/O error")


class EmptyIndex:
    def files(self) -> list[dict[str, Any]]:
        return []


def test_ready_when_database_and_knowledge_are() -> None:
    services = Services(Settings(advisor_db=":memory:"))  # type: ignore[arg-type]
    wsgi = SlackWsgiApp(cast(App, None), SIGNING_SECRET, ready=lambda: health.readiness(services))
    status, report = get(wsgi, "/readyz")
    assert status == 200 and report["ok"] and set(report["checks"]) == {"database", "knowledge"}
    assert get(wsgi, "/healthz") == (200, {"ok": True})
    wsgi.draining = True  # shutting down: load balancers should stop sending traffic, liveness stays
    status, report = get(wsgi, "/readyz")
    assert status == 503 and not report["ok"] and report["checks"]["serving"]["detail"] == "shutting down"
    assert get(wsgi, "/healthz")[0] == 200


def test_not_ready_when_the_knowledge_index_is_broken_or_empty() -> None:
    services = Services(Settings(advisor_db=":memory:"))  # type: ignore[arg-type]
    wsgi = SlackWsgiApp(cast(App, None), SIGNING_SECRET, ready=lambda: health.readiness(services))
    services.__dict__["knowledge"] = BrokenIndex()
    status, report = get(wsgi, "/readyz")
    assert status == 503 and "disk I/O error" in report["checks"]["knowledge"]["detail"]
    assert report["checks"]["database"]["ok"]
    services.__dict__["knowledge"] = EmptyIndex()
    assert "empty" in get(wsgi, "/readyz")[1]["checks"]["knowledge"]["detail"]


def test_not_ready_when_migrations_are_missing() -> None:
    services = Services(Settings(advisor_db=":memory:"))  # type: ignore[arg-type]
    with services.store.transaction() as db:
        db.execute("delete from _migrations where name = 'm008_inbox'")
    check = health.database(services)
    assert not check.ok and "m008_inbox" in check.detail


def test_readyz_details_only_for_this_machine_or_the_token() -> None:
    services = Services(Settings(advisor_db=":memory:"))  # type: ignore[arg-type]
    wsgi = SlackWsgiApp(cast(App, None), SIGNING_SECRET, ready=lambda: health.readiness(services), ready_token="t0k")
    assert get(wsgi, "/readyz", REMOTE_ADDR="203.0.113.9") == (200, {"ok": True})  # no path, no counts
    assert get(wsgi, "/readyz", HTTP_X_FORWARDED_FOR="203.0.113.9") == (200, {"ok": True})  # through a local proxy
    assert get(wsgi, "/readyz", REMOTE_ADDR="") == (200, {"ok": True})
    assert get(wsgi, "/readyz", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer wrong") == (200, {"ok": True})
    detailed = get(wsgi, "/readyz", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer t0k")[1]
    assert "migrations" in detailed["checks"]["database"]["detail"]
    assert "checks" in get(wsgi, "/readyz", REMOTE_ADDR="::1")[1]
    services.__dict__["knowledge"] = EmptyIndex()
    assert get(wsgi, "/readyz", REMOTE_ADDR="203.0.113.9") == (503, {"ok": False})
