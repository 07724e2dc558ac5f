"""End-to-end fixtures: the Slack Web API emulator and the real `ai-advisor serve` process talking to it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import processes
from tests.leaks import LEAKS
from tests.slack_emulator import SlackEmulator
from tests.slack_requests import SlackClient
from tests.tokens import BOT_TOKEN, SIGNING_SECRET

SECRET = SIGNING_SECRET
CLI = Path(sys.executable).parent / "ai-advisor"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(
    client: SlackClient, proc: subprocess.Popen[bytes], log: Path | None = None, timeout: float = 30
) -> None:
    """Wait until `GET /healthz` answers 200; fail with the tail of `log` when the process exits or time runs out."""

    def tail() -> str:
        return log.read_text()[-4000:] if log is not None else ""

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"ai-advisor serve exited with {proc.returncode}:\n{tail()}")
        try:
            if client.get("/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"ai-advisor serve did not become healthy:\n{tail()}")


class Server:
    """A running `ai-advisor serve` process."""

    def __init__(self, emulator: SlackEmulator, data_dir: Path, env: dict[str, str] | None = None) -> None:
        self.emulator = emulator
        self.data_dir = data_dir
        self.extra_env = dict(env or {})  # e.g. ADVISOR_LEADS for the leads' tests
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.client = SlackClient(self.url, SECRET)
        self.log = data_dir / "serve.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ADVISOR_", "OPENAI_", "DATABASE_URL"))
        }
        env.update(
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=self.emulator.url,
            ADVISOR_DATA_DIR=str(self.data_dir),
            ADVISOR_LOG_LEVEL="INFO",
            # Drawing a chart per card costs CPU on a shared machine; test_slack_chart.py turns it on.
            ADVISOR_SLACK_CHARTS="false",
        )
        env.update(self.extra_env)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [str(CLI), "serve", "--port", str(self.port), "--host", "127.0.0.1"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir,
            )
        wait_healthy(self.client, self.proc, self.log)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            processes.stop(self.proc)
        self.proc = None
        self.scan_log()

    def kill(self) -> None:
        """SIGKILL the server (no cleanup at all), as a crash or an OOM kill would."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        self.scan_log()

    def restart(self) -> Server:
        """Start again on the same port and data directory (after `kill` or `stop`)."""
        self.stop()
        return self.start()

    def scan_log(self) -> None:
        """Look for the test secrets in everything the server logged (checked at the end of the session)."""
        if self.log.exists():
            LEAKS.check(self.log.read_text(encoding="utf-8", errors="replace"), f"serve log {self.log}")


@pytest.fixture(scope="module")
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emu:
        yield emu


@pytest.fixture(scope="module")
def server(emulator: SlackEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(emulator, tmp_path_factory.mktemp("serve")).start()
    yield srv
    srv.stop()


@pytest.fixture
def slack(server: Server) -> SlackClient:
    return server.client


@pytest.fixture
def channel() -> str:
    """A channel id no other test uses."""
    return "C" + uuid.uuid4().hex[:10].upper()
