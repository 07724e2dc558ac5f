"""App installations (OAuth: one per workspace, or one per Enterprise Grid org) and the OAuth `state`s in flight.

Platform-neutral rows: the Slack adapter maps them to slack_sdk's `InstallationStore` / `OAuthStateStore`
(bot/slack/installations.py). An installation is kept as the JSON the adapter gives (its tokens included: the
database holds them as Slack's own stores do), keyed by enterprise, workspace and installing user; ids Slack
leaves out (no enterprise, or no workspace for an org-wide install) are stored as "" so they compare with `=`.
Every save is a new row (the history of installs and token refreshes); the newest row wins. A refresh takes the
installation's refresh lock (`refreshing`), so replicas refresh one token once (bot/slack/installations.py).
"""

from __future__ import annotations

import json
import time
from contextlib import AbstractContextManager
from typing import Any

from bot.storage.sqlite import insert_row, select_rows
from bot.storage.store import Store, now


class Installations:
    """The `app_installations` table."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def save(
        self,
        client_id: str,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        is_enterprise_install: bool,
        data: dict[str, Any],
    ) -> None:
        """Record an installation (or a refreshed one) as the newest for its workspace or org; the same data saved
        again (a refresh another process stored, handed back to slack_sdk, which saves it too) adds no row."""
        row = {
            "client_id": client_id,
            "enterprise_id": enterprise_id or "",
            "team_id": "" if is_enterprise_install else team_id or "",
            "user_id": user_id or "",
            "is_enterprise_install": int(is_enterprise_install),
            "data": json.dumps(data, ensure_ascii=False),
            "installed_at": now(),
        }
        with self.store.transaction() as db:
            newest = select_rows(
                db,
                "select data from app_installations where client_id = ? and enterprise_id = ? and team_id = ? "
                "and user_id = ? order by id desc limit 1",
                [row["client_id"], row["enterprise_id"], row["team_id"], row["user_id"]],
            )
            if newest and newest[0]["data"] == row["data"]:
                return
            insert_row(db, "app_installations", row)

    def refreshing(
        self, client_id: str, *, enterprise_id: str | None, team_id: str | None
    ) -> AbstractContextManager[bool]:
        """Hold the refresh lock of a workspace's (an org-wide install: `team_id` None) installation for the block.

        Single-flight token refresh: the holder re-reads the installation, refreshes it only if it still expires
        soon (else another holder just did), and saves the new one before letting go. On PostgreSQL it is an
        advisory lock on the installation's key that every replica sees (a killed holder's goes with its
        connection). SQLite has one process (bot/storage/single_node.py), so an in-process lock is enough there,
        and the save is a BEGIN IMMEDIATE transaction of its own.
        """
        return self.store.named_lock(f"installation:{client_id}:{enterprise_id or ''}:{team_id or ''}")

    def latest(
        self, client_id: str, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> dict[str, Any] | None:
        """The newest installation of the workspace (an org-wide install: `team_id` None), by `user_id` if
        given; its stored data, or None."""
        sql = "select data from app_installations where client_id = ? and enterprise_id = ? and team_id = ?"
        params: list[Any] = [client_id, enterprise_id or "", team_id or ""]
        if user_id:
            sql += " and user_id = ?"
            params.append(user_id)
        with self.store.reading() as db:
            rows = select_rows(db, sql + " order by id desc limit 1", params)
        return json.loads(rows[0]["data"]) if rows else None

    def delete(self, client_id: str, *, enterprise_id: str | None, team_id: str | None, user_id: str | None) -> int:
        """Forget a workspace's (or org's) installations (by one user only, if given); returns how many rows."""
        sql = "delete from app_installations where client_id = ? and enterprise_id = ? and team_id = ?"
        params: list[Any] = [client_id, enterprise_id or "", team_id or ""]
        if user_id:
            sql += " and user_id = ?"
            params.append(user_id)
        with self.store.transaction() as db:
            return int(db.execute(sql, params).rowcount)

    def delete_all(self, client_id: str, *, enterprise_id: str | None, team_id: str | None) -> int:
        """Forget everything installed in a workspace or org (the app was uninstalled)."""
        return self.delete(client_id, enterprise_id=enterprise_id, team_id=team_id, user_id=None)


class OAuthStates:
    """The `oauth_states` table: each `state` an install link carries, usable once before it expires."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def issue(self, state: str, expires_in: float) -> None:
        """Remember a state handed out now, valid for `expires_in` seconds (expired ones are dropped meanwhile)."""
        stamp = time.time()
        with self.store.transaction() as db:
            db.execute("delete from oauth_states where expires_at < ?", [stamp])
            insert_row(db, "oauth_states", {"state": state, "expires_at": stamp + expires_in})

    def consume(self, state: str) -> bool:
        """Whether `state` was issued and has not expired or been used; it can't be used again either way."""
        with self.store.transaction() as db:
            rows = select_rows(db, "select expires_at from oauth_states where state = ?", [state])
            if not rows:
                return False
            db.execute("delete from oauth_states where state = ?", [state])
        return float(rows[0]["expires_at"]) >= time.time()
