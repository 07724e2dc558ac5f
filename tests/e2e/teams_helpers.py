"""Running `ai-advisor serve-teams` processes against the Bot Connector emulator (tests/teams/harness.py), and
reading what they stored (SQLite file or PostgreSQL URL)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import psycopg

from tests import processes
from tests.e2e.conftest import CLI, free_port
from tests.leaks import LEAKS
from tests.teams.harness import Chat, Connector, Sent, http


class TeamsReplica:
    """A running `ai-advisor serve-teams` process."""

    def __init__(self, data_dir: Path, env: dict[str, str]) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = data_dir / "serve-teams.log"
        base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ADVISOR_", "OPENAI_", "DATABASE"))}
        self.env = {**base, "ADVISOR_DATA_DIR": str(data_dir), "ADVISOR_TEAMS_ANONYMOUS": "true", **env}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> TeamsReplica:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [str(CLI), "serve-teams", "--port", str(self.port), "--host", "127.0.0.1"],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir,
            )
        deadline = time.monotonic() + 60
        while True:
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            try:
                if http("GET", self.url + "/healthz")[0] == 200:
                    return self
            except OSError:
                pass
            assert time.monotonic() < deadline, self.log.read_text()[-3000:]
            time.sleep(0.1)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None:
            processes.stop(self.proc)
        if self.log.exists():
            LEAKS.check(self.log.read_text(encoding="utf-8", errors="replace"), f"serve-teams log {self.log}")

    def messages(self) -> list[str]:
        return [json.loads(line)["message"] for line in self.log.read_text().splitlines() if line.startswith("{")]


def query(url: str, sql: str, *params: object) -> list[tuple[Any, ...]]:
    """Rows of `sql` on a PostgreSQL URL, or on a SQLite file (`%s` placeholders either way)."""
    if url.startswith("postgresql"):
        with psycopg.connect(url) as conn:
            return list(conn.execute(sql, params))
    with sqlite3.connect(url) as db:
        return list(db.execute(sql.replace("%s", "?"), params))


def replies_in(connector: Connector, chat: Chat) -> list[Sent]:
    return [c for c in connector.since(0) if c.conversation == chat.id and c.method == "POST"]


def wait_replies(connector: Connector, chat: Chat, count: int, timeout: float = 30) -> list[Sent]:
    deadline = time.monotonic() + timeout
    while len(found := replies_in(connector, chat)) < count:
        assert time.monotonic() < deadline, [(c.type, c.text[:60]) for c in connector.since(0)]
        time.sleep(0.1)
    return found
