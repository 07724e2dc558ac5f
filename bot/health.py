"""Readiness checks shared by `GET /readyz` and `ai-advisor doctor`: the database and the knowledge index."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.errors import StorageUnavailable
from bot.services import Services
from bot.storage.migrations import MIGRATIONS


@dataclass(frozen=True)
class Check:
    """One check's result: `ok`, a short `detail`, what to do when it failed, and `warn` for "ok, but look"."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    warn: bool = False


def database(services: Services) -> Check:
    """The database answers and every migration is applied."""
    try:
        store = services.store
        with store.transaction() as db:
            applied = {r[0] for r in db.execute("select name from _migrations")}
    except StorageUnavailable as exc:  # says what is wrong and what to do (e.g. a file that is not a database)
        return Check("database", False, str(exc), "")
    except Exception as exc:  # any failure here means "not ready"; say which
        return Check(
            "database",
            False,
            f"cannot open {services.settings.database_label}: {type(exc).__name__}: {exc}",
            "check ADVISOR_DB / ADVISOR_DATA_DIR point at a writable place",
        )
    missing = [name for name, _ in MIGRATIONS if name not in applied]
    if missing:
        return Check("database", False, f"migrations not applied: {', '.join(missing)}", "restart the app")
    return Check("database", True, f"{services.settings.database_label} ({len(applied)} migrations)")


def knowledge(services: Services) -> Check:
    """The knowledge index exists and has passages to cite."""
    try:
        files = services.knowledge.files()
    except Exception as exc:
        return Check(
            "knowledge",
            False,
            f"index not available: {type(exc).__name__}: {exc}",
            "run `ai-advisor index` and check ADVISOR_KNOWLEDGE_DIRS",
        )
    chunks = sum(int(f.get("chunks") or 0) for f in files)
    if not chunks:
        return Check(
            "knowledge",
            False,
            "the knowledge index is empty",
            "run `ai-advisor index` and check ADVISOR_KNOWLEDGE_DIRS",
        )
    broken = [f["source"] for f in files if f.get("error")]
    detail = f"{len(files)} files, {chunks} passages" + (f"; not searchable: {', '.join(broken)}" if broken else "")
    report = getattr(services.knowledge, "last_report", None)
    refused = sorted(s for s, e in (report.errors.items() if report else ()) if str(e).startswith("refused"))
    if refused:  # symlinks out of a knowledge directory: never indexed, but someone put them there
        return Check(
            "knowledge",
            True,
            f"{detail}; refused (links outside their directory): {', '.join(refused)}",
            "remove those links, or copy the files into the knowledge directory",
            warn=True,
        )
    return Check("knowledge", True, detail)


def readiness(services: Services) -> list[Check]:
    """Everything `GET /readyz` reports."""
    return [database(services), knowledge(services)]


def ready_report(checks: list[Check], *, draining: bool = False) -> tuple[int, dict[str, Any]]:
    """The `GET /readyz` answer (Slack and Teams alike): 200 and `{"ok": true, "checks": {...}}` when every check
    passes and the server is not shutting down, else 503."""
    body: dict[str, Any] = {"checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks}}
    if draining:
        body["checks"]["serving"] = {"ok": False, "detail": "shutting down"}
    body["ok"] = all(c["ok"] for c in body["checks"].values())
    return (200 if body["ok"] else 503), body


# Headers a reverse proxy adds: a request that passed through one is not "from this machine", whatever its address.
_PROXIED = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


def may_see_detail(environ: Mapping[str, Any], token: str | None) -> bool:
    """Whether a `/readyz` caller may see the checks' details (paths, counts, errors) rather than only `ok`: a
    request from this machine that no proxy forwarded, or one with `Authorization: Bearer <ADVISOR_READYZ_TOKEN>`.
    `environ` is WSGI-shaped (REMOTE_ADDR, HTTP_* headers)."""
    auth = str(environ.get("HTTP_AUTHORIZATION") or "")
    if token and auth.startswith("Bearer ") and hmac.compare_digest(auth[7:].strip().encode(), token.encode()):
        return True
    if any(environ.get(h) for h in _PROXIED):
        return False
    try:
        return ipaddress.ip_address(str(environ.get("REMOTE_ADDR") or "")).is_loopback
    except ValueError:
        return False
