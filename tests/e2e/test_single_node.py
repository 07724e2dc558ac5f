"""A safe single node: a second `serve` on the same SQLite database refuses to start (naming the first), or with
--wait-for-lock waits for it to exit; a killed holder never blocks the next start. Real processes throughout."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests import processes
from tests.e2e.conftest import CLI, SECRET, Server, free_port
from tests.slack_emulator import SlackEmulator
from tests.slack_requests import SlackClient
from tests.tokens import BOT_TOKEN

pytestmark = pytest.mark.e2e


def _env(emulator: SlackEmulator, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ADVISOR_", "OPENAI_"))}
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=emulator.url,
        ADVISOR_DATA_DIR=str(data_dir),
    )
    return env


def _second(emulator: SlackEmulator, data_dir: Path, *args: str, log: Path | None = None) -> subprocess.Popen[bytes]:
    port = free_port()
    out = log.open("ab") if log else subprocess.PIPE
    return subprocess.Popen(
        [str(CLI), "serve", "--host", "127.0.0.1", "--port", str(port), *args],
        env=_env(emulator, data_dir),
        stdout=out,
        stderr=subprocess.STDOUT if log else subprocess.PIPE,
        cwd=data_dir,
    )


def _healthy(port: int) -> bool:
    try:
        return SlackClient(f"http://127.0.0.1:{port}", SECRET).get("/healthz")[0] == 200
    except OSError:
        return False


def test_a_second_serve_on_the_same_database_refuses_naming_the_first(emulator: SlackEmulator, tmp_path: Path) -> None:
    first = Server(emulator, tmp_path / "data").start()
    assert first.proc is not None
    try:
        second = _second(emulator, first.data_dir)
        _, err = second.communicate(timeout=60)
        assert second.returncode == 1
        lines = err.decode().strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in err.decode(), err.decode()
        assert f"pid {first.proc.pid} on {socket.gethostname()}" in lines[0]
        assert "in use by ai-advisor serve" in lines[0] and "--wait-for-lock" in lines[0]
        assert first.proc.poll() is None and first.client.get("/healthz")[0] == 200  # the first is untouched
    finally:
        first.stop()


def test_wait_for_lock_takes_over_only_when_the_first_exits(emulator: SlackEmulator, tmp_path: Path) -> None:
    first = Server(emulator, tmp_path / "data").start()
    log = tmp_path / "second.log"
    second = _second(emulator, first.data_dir, "--wait-for-lock", log=log)
    args = [str(a) for a in second.args]  # type: ignore[union-attr]
    port = int(args[args.index("--port") + 1])
    try:
        deadline = time.monotonic() + 30
        while "waiting for ai-advisor serve" not in log.read_text():
            assert second.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        assert not _healthy(port)  # waiting, not serving
        first.stop()  # a graceful exit (SIGTERM) releases the lock
        deadline = time.monotonic() + 60
        while not _healthy(port):
            assert second.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
    finally:
        processes.stop(second)
        first.stop()


def test_a_killed_holder_does_not_block_the_next_start(emulator: SlackEmulator, tmp_path: Path) -> None:
    first = Server(emulator, tmp_path / "data").start()
    first.kill()  # SIGKILL: no clean-up ran, the lock file is still there
    assert (first.data_dir / "advisor.db.lock").exists()
    again = Server(emulator, first.data_dir)
    again.start()  # the kernel released the lock with the process
    again.stop()
