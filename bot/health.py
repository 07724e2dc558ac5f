"""Readiness checks shared by `GET /readyz` and `ai-advisor doctor`: the database and the knowledge index."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.migrations import MIGRATIONS
from bot.services import Services


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
    except Exception as exc:  # any failure here means "not ready"; say which
        return Check("database", False, f"cannot open {services.settings.db_path}: {type(exc).__name__}: {exc}",
                     "check ADVISOR_DB / ADVISOR_DATA_DIR point at a writable place")  # fmt: skip
    missing = [name for name, _ in MIGRATIONS if name not in applied]
    if missing:
        return Check("database", False, f"migrations not applied: {', '.join(missing)}", "restart the app")
    return Check("database", True, f"{services.settings.db_path} ({len(applied)} migrations)")


def knowledge(services: Services) -> Check:
    """The knowledge index exists and has passages to cite."""
    try:
        files = services.knowledge.files()
    except Exception as exc:
        return Check("knowledge", False, f"index not available: {type(exc).__name__}: {exc}",
                     "run `ai-advisor index` and check ADVISOR_KNOWLEDGE_DIRS")  # fmt: skip
    chunks = sum(int(f.get("chunks") or 0) for f in files)
    if not chunks:
        return Check("knowledge", False, "the knowledge index is empty",
                     "run `ai-advisor index` and check ADVISOR_KNOWLEDGE_DIRS")  # fmt: skip
    broken = [f["source"] for f in files if f.get("error")]
    detail = f"{len(files)} files, {chunks} passages" + (f"; not searchable: {', '.join(broken)}" if broken else "")
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
